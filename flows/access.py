"""Who may do what in a conversation: registered workers only, personal actions in private chat only."""

from __future__ import annotations

from flows.messages import Button
from flows.turn import Turn
from storage.models import Person


def is_registered(person: Person) -> bool:
    """A worker who completed registration (and has not asked us to forget them)."""
    return person.profile is not None and person.forgotten_at is None


def private_chat_buttons(turn: Turn, payload: str = "", label_key: str = "menu.open_private") -> list[list[Button]]:
    """A link that opens a private chat with the bot (starting `payload`), when the bot's username is known."""
    name = turn.settings.bot_username
    if not name:
        return []
    url = f"https://t.me/{name}?start={payload}" if payload else f"https://t.me/{name}"
    return [[Button(label=turn.t(label_key), url=url)]]


def require_private_and_registered(turn: Turn) -> bool:
    """True when a personal action may go ahead; otherwise says why not (in a group: go private)."""
    if turn.in_group:
        turn.say(turn.t("menu.go_private"), private_chat_buttons(turn))
        return False
    if not is_registered(turn.person):
        # Registration is its own flow (intent `register`): the worker is told what to type.
        turn.say(turn.t("menu.register_first"))
        return False
    return True
