"""Who may do what in a conversation: registered workers only, personal actions in private chat only."""

from __future__ import annotations

from flows.messages import Button
from flows.turn import Turn


def is_registered(turn: Turn) -> bool:
    """A worker who completed registration (and has not asked us to forget them)."""
    return turn.person.profile is not None and turn.person.forgotten_at is None


def private_chat_buttons(turn: Turn) -> list[list[Button]]:
    """A link that opens a private chat with the bot, when the bot's username is known."""
    name = turn.settings.bot_username
    return [[Button(label=turn.t("menu.open_private"), url=f"https://t.me/{name}")]] if name else []


def require_private_and_registered(turn: Turn) -> bool:
    """True when a personal action may go ahead; otherwise says why not (in a group: go private)."""
    if turn.in_group:
        turn.say(turn.t("menu.go_private"), private_chat_buttons(turn))
        return False
    if not is_registered(turn):
        # Registration is its own flow (intent `register`): the worker is told what to type.
        turn.say(turn.t("menu.register_first"))
        return False
    return True
