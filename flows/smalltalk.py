"""Greetings, thanks, help, the honest answer to "are you a bot", and the fallback."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flows import cases, employers, jobs, training, transport
from flows.messages import ATTACHMENTS
from flows.router import Router
from flows.turn import Turn

router = Router("smalltalk")


@router.intent("greet")
async def greet(turn: Turn) -> None:
    if employers.is_employer(turn) and not turn.in_group:
        await employers.greet_employer(turn)
        return
    turn.say(turn.t("greet", bureau=turn.settings.bureau_name))


@router.intent("goodbye")
async def goodbye(turn: Turn) -> None:
    turn.say(turn.t("goodbye"))


@router.intent("thanks")
async def thanks(turn: Turn) -> None:
    turn.say(turn.t("thanks"))


@router.intent("help")
async def help_(turn: Turn) -> None:
    if employers.is_employer(turn) and not turn.in_group:
        await employers.employer_help(turn)
        return
    turn.say(turn.t("help"))


@router.intent("bot_challenge")
async def bot_challenge(turn: Turn) -> None:
    turn.say(turn.t("bot_challenge"))


# What a message the assistant did not understand may still have named, kept for the menu's buttons:
# "双福" → 找工作 searches 双福镇's postings, 返岗专车 its buses.
CARRIED = ("job_category", "location", "training", "salary", "date")


@dataclass
class _Entity:
    entity: str
    value: Any
    start: int = 0
    end: int = 0


@dataclass
class _Carried:
    """A parse made of the entities a not-understood message named, replayed when a menu button is pressed."""

    entities: list[_Entity] = field(default_factory=list)
    text: str = ""
    intent: str = ""
    confidence: float = 1.0


def _named(turn: Turn) -> list[dict[str, Any]]:
    if turn.parse is None:
        return []
    return [{"entity": e.entity, "value": e.value} for e in turn.parse.entities if e.entity in CARRIED]


def _labelled(turn: Turn, key: str, values: list[str]) -> str:
    label = turn.t(key)
    return turn.t("fallback.about", label=label, what="、".join(values[:2])) if values else label


@router.intent("nlu_fallback", "out_of_scope")
async def fallback(turn: Turn) -> None:
    """Say we did not understand and offer the main things we can do; each button starts that flow, with
    the places, trades, courses and days the message did name."""
    named = _named(turn)
    values = {kind: [str(n["value"]) for n in named if n["entity"] == kind] for kind in CARRIED}
    topics = training.wanted_topics(values["training"], values["job_category"])
    buttons = [
        turn.button(_labelled(turn, "fallback.jobs", values["location"] + values["job_category"]), "menu.jobs",
                    named=named),
        turn.button(turn.t("fallback.policy"), "menu.policy"),
        turn.button(_labelled(turn, "fallback.training", topics), "menu.training", named=named),
        turn.button(_labelled(turn, "fallback.transport", values["location"]), "menu.transport", named=named),
        turn.button(turn.t("fallback.person"), "menu.person"),
    ]
    turn.say(turn.t("fallback.text"), [buttons[:2], buttons[2:4], buttons[4:]])


def _replay(turn: Turn) -> None:
    """A pressed button has no text: its parse is what the not-understood message named, if anything."""
    turn.parse = _Carried([_Entity(n["entity"], n["value"]) for n in turn.args.get("named", [])])


@router.intent("attachment")
async def attachment(turn: Turn) -> None:
    """Something we cannot read (most often a voice note): say so, show what to type, offer a person."""
    kind = turn.inbound.attachment if turn.inbound.attachment in ATTACHMENTS else "other"
    lines = [turn.t(f"attachment.{kind}"), turn.t("attachment.hint")]
    if turn.state.form:
        lines.append(turn.t("attachment.in_form"))
    person = turn.button(turn.t("fallback.person"), "menu.person")
    turn.say("\n".join(lines), [] if turn.in_group else [[person]])


@router.action("menu.jobs")
async def menu_jobs(turn: Turn) -> None:
    _replay(turn)  # nothing named: all open postings, newest first
    await jobs.job_search(turn)


@router.action("menu.policy")
async def menu_policy(turn: Turn) -> None:
    turn.say(turn.t("menu.policy_prompt"))


@router.action("menu.training")
async def menu_training(turn: Turn) -> None:
    _replay(turn)
    await training.training_question(turn)


@router.action("menu.transport")
async def menu_transport(turn: Turn) -> None:
    _replay(turn)
    await transport.transport_question(turn)


@router.action("menu.person")
async def menu_person(turn: Turn) -> None:
    await cases.start_handoff(turn)
