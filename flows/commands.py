"""Commands and fixed phrases that name an action directly (/mydata, 我的资料, /start register …).

A command maps to an intent name handled by some router, so a command and the NLU reach the same
handler. `/start <payload>` is a Telegram deep link: `register` registers, `apply_12` applies for posting 12,
`ctx_<token>` picks up in the private chat the list a group was shown (flows/resume.py).
"""

from __future__ import annotations

import re

# Command (without the slash) → intent name.
COMMANDS: dict[str, str] = {
    "start": "greet",
    "help": "help",
    "register": "register",
    "profile": "update_profile",
    "subscribe": "subscribe",
    "unsubscribe": "unsubscribe",
    "mydata": "mydata",
    "forget": "forget",
    "lang": "language",
    "language": "language",
    "village": "village_list",
    "secretary": "my_secretary",
    "apply": "apply_posting",
    "ctx": "resume_context",
    "employed": "report_employed",
    "jobs": "job_search",
    "policy": "policy_question",
    "training": "training_question",
    "bus": "transport_question",
}

# Whole messages that mean a command (compared after trimming punctuation and lower-casing).
PHRASES: dict[str, str] = {
    "我的资料": "mydata", "我的信息": "mydata", "查看我的资料": "mydata", "我的資料": "mydata", "my data": "mydata",
    "删除我的资料": "forget", "删除我的信息": "forget", "刪除我的資料": "forget", "forget me": "forget",
    "切换语言": "language", "语言": "language", "語言": "language", "切換語言": "language", "language": "language",
    "我村的名单": "village_list", "本村名单": "village_list", "村里的名单": "village_list",
    "我村的名單": "village_list", "本村名單": "village_list",
    "我的秘书是谁": "my_secretary", "谁是我的秘书": "my_secretary", "我的秘书": "my_secretary",
    "我的秘書是誰": "my_secretary", "誰是我的秘書": "my_secretary", "who is my secretary": "my_secretary",
}

_COMMAND = re.compile(r"^/([a-z_]+)(?:@\w+)?(?:\s+(\S.*))?$", re.IGNORECASE)
_TRIM = re.compile(r"[\s?？!！。.,，~～]+$")


def command_of(text: str) -> tuple[str, str] | None:
    """(intent, argument) named by a command or fixed phrase, or None for ordinary text."""
    text = text.strip()
    match = _COMMAND.match(text)
    if match:
        name, argument = match.group(1).lower(), (match.group(2) or "").strip()
        if name == "start" and argument:
            # Deep-link payloads are [A-Za-z0-9_-]: "register", "apply_12".
            name, _, argument = argument.partition("_")
            name = name.lower()
        intent = COMMANDS.get(name)
        return (intent, argument) if intent else None
    phrase = PHRASES.get(_TRIM.sub("", text).lower())
    return (phrase, "") if phrase else None
