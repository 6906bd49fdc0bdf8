"""Greetings, thanks, help, the honest answer to "are you a bot", and the fallback."""

from __future__ import annotations

from flows.router import Router
from flows.turn import Turn

router = Router("smalltalk")


@router.intent("greet")
async def greet(turn: Turn) -> None:
    turn.say(turn.t("greet", bureau=turn.settings.bureau_name))


@router.intent("goodbye")
async def goodbye(turn: Turn) -> None:
    turn.say(turn.t("goodbye"))


@router.intent("thanks")
async def thanks(turn: Turn) -> None:
    turn.say(turn.t("thanks"))


@router.intent("help")
async def help_(turn: Turn) -> None:
    turn.say(turn.t("help"))


@router.intent("bot_challenge")
async def bot_challenge(turn: Turn) -> None:
    turn.say(turn.t("bot_challenge"))


@router.intent("nlu_fallback", "out_of_scope")
async def fallback(turn: Turn) -> None:
    """Say we did not understand and offer the main things we can do."""
    turn.say(turn.t("fallback.text"), [[turn.button(turn.t("fallback.jobs"), "menu.jobs")]])


@router.action("menu.jobs")
async def menu_jobs(turn: Turn) -> None:
    turn.say(turn.t("help"))
