"""Catalogue answers that fall back kindly: what was asked for, else everything with a note saying so.

Training courses and return-to-work buses answer "电焊的培训" or "去新疆的车" the same way: the matching items;
when none match, the rest of the catalogue after a line saying there was nothing for that; when the catalogue is
empty, one line saying so.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from flows.turn import Turn

Item = TypeVar("Item")


def take_notes(turn: Turn, mark: int) -> list[str]:
    """The lines said since reply number `mark`, taken back to open the list that follows in one message."""
    notes = [reply.text for reply in turn.replies[mark:]]
    del turn.replies[mark:]
    return notes


async def narrowed_else_all(
    turn: Turn,
    fetch: Callable[[bool], Awaitable[list[Item]]],
    *,
    narrowed: bool,
    nothing_for_that: str,
    nothing_at_all: str,
) -> list[Item]:
    """`fetch(True)` gives the items asked for, `fetch(False)` all of them; says the notes as needed."""
    found = await fetch(narrowed)
    if narrowed and not found:
        found = await fetch(False)
        if found:
            turn.say(nothing_for_that)
    if not found:
        turn.say(nothing_at_all)
    return found
