"""Greetings, thanks, help, the honest answer to "are you a bot", and the fallback."""

from __future__ import annotations

from flows import cases, jobs, training, transport
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
    """Say we did not understand and offer the main things we can do; each button starts that flow."""
    menu = [
        ("fallback.jobs", "menu.jobs"),
        ("fallback.policy", "menu.policy"),
        ("fallback.training", "menu.training"),
        ("fallback.transport", "menu.transport"),
        ("fallback.person", "menu.person"),
    ]
    buttons = [turn.button(turn.t(label), action) for label, action in menu]
    turn.say(turn.t("fallback.text"), [buttons[:2], buttons[2:4], buttons[4:]])


@router.action("menu.jobs")
async def menu_jobs(turn: Turn) -> None:
    turn.parse = None  # a pressed button has no text: all open postings, newest first
    await jobs.job_search(turn)


@router.action("menu.policy")
async def menu_policy(turn: Turn) -> None:
    turn.say(turn.t("menu.policy_prompt"))


@router.action("menu.training")
async def menu_training(turn: Turn) -> None:
    await training.show_catalogue(turn)


@router.action("menu.transport")
async def menu_transport(turn: Turn) -> None:
    await transport.show_departures(turn)


@router.action("menu.person")
async def menu_person(turn: Turn) -> None:
    await cases.start_handoff(turn)
