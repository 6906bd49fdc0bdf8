"""The terminal channel behind `mishu chat`: one message a line in, replies printed, buttons by number.

A button is pressed by typing its number in brackets, `[2]` (or `#2`), so a script can drive it too.
Messages queued for this user in the outbox (check-ins, prompts, notices) are shown after each turn,
marked 📨, with their buttons numbered on from the replies'. With a controlled clock (`mishu chat --now`),
`before_turn` runs before every turn (the due scan) and a line `/clock 2026-12-10T10:00` moves the clock.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import TextIO

from bot.harness import Conversation
from flows.i18n import t
from flows.messages import Reply
from storage.numbers import read_int

log = logging.getLogger(__name__)

_PRESS = re.compile(r"^\s*(?:\[(\d+)\]|#(\d+))\s*$")
_BOLD = re.compile(r"\*\*(.+?)\*\*", re.S)
_CLOCK = re.compile(r"^\s*/clock\s+(\S+)\s*$")


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


def _pressable(replies: Iterable[Reply]) -> int:
    return sum(1 for reply in replies for row in reply.buttons for button in row if button.callback)


def pressed_number(line: str) -> int | None:
    match = _PRESS.match(line)
    return read_int(match.group(1) or match.group(2)) if match else None


async def run_terminal(
    conversation: Conversation,
    source: TextIO,
    out: TextIO = sys.stdout,
    *,
    before_turn: Callable[[], Awaitable[None]] | None = None,
    parse_clock: Callable[[str], datetime] | None = None,
) -> None:
    """Read lines until end of input, answer each; an interactive terminal gets a prompt."""
    interactive = source.isatty()
    if before_turn is not None:
        await before_turn()
        await _show_inbox(conversation, [], out)
    while True:
        if interactive:
            out.write("> ")
            out.flush()
        line = source.readline()
        if not line:
            break
        line = line.rstrip("\n")
        clock = _CLOCK.match(line) if parse_clock is not None else None
        if clock is not None and parse_clock is not None:
            try:
                conversation.now = parse_clock(clock.group(1))
            except ValueError as exc:
                out.write(f"({exc})\n\n")
                continue
            out.write(f"(clock: {clock.group(1)})\n\n")
            if before_turn is not None:
                await before_turn()
            conversation.last = []
            await _show_inbox(conversation, [], out)
            continue
        if before_turn is not None:
            await before_turn()
        number = pressed_number(line)
        try:
            if number is not None:
                replies = await conversation.press(number)
            else:
                replies = await conversation.say(line)
        except LookupError as exc:
            out.write(f"({exc})\n\n")
            continue
        except Exception:
            # As on Telegram (ErrorMiddleware): logged (masked), an apology, and the session goes on.
            log.exception("terminal turn failed")
            out.write(t("common.apology") + "\n\n")
            continue
        if replies:
            out.write(render(replies) + "\n\n")
        await _show_inbox(conversation, replies, out)


async def _show_inbox(conversation: Conversation, replies: list[Reply], out: TextIO) -> None:
    number = _pressable(replies) + 1
    for reply in await conversation.inbox():
        out.write("📨 " + render([reply], first_number=number) + "\n\n")
        number += _pressable([reply])
    out.flush()


async def deliver_pending(conversation: Conversation) -> list[Reply]:
    """Every outbox message waiting for this terminal user (prompts, pushes, notices), marked as delivered."""
    return await conversation.inbox(due_only=False)
