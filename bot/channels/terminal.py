"""The terminal channel behind `mishu chat`: one message a line in, replies printed, buttons by number.

A button is pressed by typing its number in brackets, `[2]` (or `#2`), so a script can drive it too.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from typing import TextIO

from bot.harness import Conversation
from flows.messages import Reply, reply_from_dict
from storage.models import utcnow
from storage.queries.outbox import mark_sent, pending_for_chat

_PRESS = re.compile(r"^\s*(?:\[(\d+)\]|#(\d+))\s*$")
_BOLD = re.compile(r"\*\*(.+?)\*\*", re.S)


def render(replies: Iterable[Reply], *, first_number: int = 1) -> str:
    """Replies as plain text, buttons numbered across the whole answer."""
    lines: list[str] = []
    number = first_number
    for reply in replies:
        lines.append(_BOLD.sub(r"\1", reply.text))
        for row in reply.buttons:
            cells = []
            for button in row:
                if button.url:
                    cells.append(f"<{button.label}: {button.url}>")
                else:
                    cells.append(f"[{number}] {button.label}")
                    number += 1
            lines.append("   ".join(cells))
        if reply.request_contact:
            lines.append(f"({reply.request_contact}: type your phone number)")
    return "\n".join(lines)


def pressed_number(line: str) -> int | None:
    match = _PRESS.match(line)
    return int(match.group(1) or match.group(2)) if match else None


async def run_terminal(conversation: Conversation, source: TextIO, out: TextIO = sys.stdout) -> None:
    """Read lines until end of input, answer each; an interactive terminal gets a prompt."""
    interactive = source.isatty()
    while True:
        if interactive:
            out.write("> ")
            out.flush()
        line = source.readline()
        if not line:
            break
        line = line.rstrip("\n")
        number = pressed_number(line)
        try:
            if number is not None:
                replies = await conversation.press(number)
            else:
                replies = await conversation.say(line)
        except LookupError as exc:
            out.write(f"({exc})\n\n")
            continue
        if replies:
            out.write(render(replies) + "\n\n")
        for reply in await deliver_pending(conversation):
            out.write("📨 " + render([reply]) + "\n\n")
        out.flush()


async def deliver_pending(conversation: Conversation) -> list[Reply]:
    """Outbox messages for this terminal user (prompts, pushes, notices) are shown after each turn."""
    async with conversation.assistant.db.session() as session:
        messages = await pending_for_chat(session, conversation.channel, conversation.chat_id or conversation.user_id)
        for message in messages:
            mark_sent(message, at=utcnow())
        return [reply_from_dict(message.payload) for message in messages]
