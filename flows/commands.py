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
    # employers (an enterprise's contact): binding, posting, their postings
    "employer": "employer_bind",
    "post": "employer_post",
    "myjobs": "employer_postings",
    "job": "employer_posting",
    "close": "employer_close",
    "editjob": "employer_edit",
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
    "我的岗位": "employer_postings", "我的招聘": "employer_postings", "我发布的岗位": "employer_postings",
    "我的崗位": "employer_postings", "我發佈的崗位": "employer_postings", "my postings": "employer_postings",
    "发布岗位": "employer_post", "发布招聘": "employer_post", "我要发布岗位": "employer_post", "我要招人": "employer_post",
    "发布招聘信息": "employer_post", "我要发布招聘": "employer_post", "我要招工": "employer_post", "我想招人": "employer_post",
    "發佈崗位": "employer_post", "發布崗位": "employer_post", "發佈招聘": "employer_post", "post a job": "employer_post",
}

# Whole messages about one of an employer's postings, the number after the words: "招满了 12", "修改岗位 #12";
# and a binding code after its name: "我是企业，绑定码 K7MQ-2XPD".
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(?:岗位|崗位)?(?:招满了|招滿了|已招满|已招滿|招满|招滿|关闭岗位|關閉崗位)\s*#?(\d{0,10})$"), "employer_close"),
    (re.compile(r"^(?:修改岗位|修改崗位)\s*#?(\d{1,10})$"), "employer_edit"),
    (re.compile(r"^(?:查看岗位|查看崗位|岗位详情|崗位詳情)\s*#?(\d{1,10})$"), "employer_posting"),
    (re.compile(r"(?:绑定码|綁定碼|企业码|企業碼|binding code|employer code)\s*(?:是|为|為|is)?\s*[:：]?\s*"
                r"([0-9A-Za-z０-９Ａ-Ｚａ-ｚ][0-9A-Za-z０-９Ａ-Ｚａ-ｚ \-－]{0,16})$", re.IGNORECASE), "employer_bind"),
)

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
    trimmed = _TRIM.sub("", text)
    phrase = PHRASES.get(trimmed.lower())
    if phrase:
        return phrase, ""
    for pattern, intent in PATTERNS:
        found = pattern.search(trimmed)
        if found:
            return intent, found.group(1).strip()
    return None
