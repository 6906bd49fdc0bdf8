"""Authority is checked when a button is pressed, not when it was shown: after /reassign or /handover, the old
secretary's buttons, half-typed forms and commands about the worker refuse and change nothing.

Enumerated from the code: every button action, form and command whose handler asks `may_handle` (directly or
through `own_open_followup`) acts for one worker, and needs a scene here (`test_every_staff_action_is_covered`).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.harness import Conversation
from flows.assistant import default_router
from flows.followups import schedule_first_checkin
from flows.forms import FORMS
from storage.db import Database
from storage.models import Case, ChannelIdentity, FollowUp, OutboxMessage, Person, WorkerNote
from tests.conftest import NOW
from tests.flows.screens import SETTINGS, World, make_world

# What a handler calls when it acts for one worker.
AUTHORITY = ("may_handle(", "own_open_followup(", "own_open_followup_by_id(")


@dataclass
class Pending:
    """The old secretary with something about the worker in hand, and what doing it would look like."""

    secretary: Conversation
    act: Callable[[Conversation], Awaitable[object]]
    worker: str = "worker1"


Scene = Callable[[World], Awaitable[Pending]]
SCENES: dict[str, Scene] = {}  # "action:…", "form:…", "command:…"


def scene(name: str) -> Callable[[Scene], Scene]:
    def register(maker: Scene) -> Scene:
        SCENES[name] = maker
        return maker

    return register


async def card(w: World) -> Conversation:
    async with w.db.session() as session:
        await schedule_first_checkin(session, w.ids["worker1"], w.ids["sec1"], NOW, SETTINGS)
    secretary = w.chat("sec1")
    await secretary.say(f"/worker {w.ids['worker1']}")
    return secretary


def press(label: str) -> Callable[[Conversation], Awaitable[object]]:
    return lambda chat: chat.press(label)


def say(text: str) -> Callable[[Conversation], Awaitable[object]]:
    return lambda chat: chat.say(text)


@scene("action:checkin.open")
async def _open(w: World) -> Pending:
    async with w.db.session() as session:
        await schedule_first_checkin(session, w.ids["worker1"], w.ids["sec1"], NOW - timedelta(days=3), SETTINGS)
    secretary = w.chat("sec1")
    await secretary.say("/today")
    return Pending(secretary, press("查看 刘大姐"))


@scene("action:checkin.outcome")
async def _outcome(w: World) -> Pending:
    return Pending(await card(w), press("还在找"))


@scene("action:checkin.reschedule")
async def _reschedule(w: World) -> Pending:
    return Pending(await card(w), press("改期"))


@scene("action:checkin.reschedule_to")
async def _reschedule_to(w: World) -> Pending:
    secretary = await card(w)
    await secretary.press("改期")
    return Pending(secretary, press("+3"))


@scene("action:checkin.note")
async def _note(w: World) -> Pending:
    return Pending(await card(w), press("加备注"))


@scene("form:checkin.note")
async def _note_typed(w: World) -> Pending:
    secretary = await card(w)
    await secretary.press("加备注")
    return Pending(secretary, say("想在镇上找活"))


@scene("form:checkin.employer")
async def _employer_typed(w: World) -> Pending:
    secretary = await card(w)
    await secretary.press("已就业")
    return Pending(secretary, say("双福茶叶专业合作社"))


async def case_notice(w: World, worker: str = "worker1") -> Conversation:
    await Conversation(w.assistant, user_id=worker, now=NOW).say("找人工")
    secretary = w.chat("sec1")
    await secretary.inbox(due_only=False)
    return secretary


@scene("action:case.reply")
async def _reply_button(w: World) -> Pending:
    return Pending(await case_notice(w), press("回复"))


@scene("form:case_reply")
async def _reply_typed(w: World) -> Pending:
    secretary = await case_notice(w)
    await secretary.press("回复")
    return Pending(secretary, say("明天上午来镇上社保所"))


@scene("command:reply")
async def _reply_command(w: World) -> Pending:
    await case_notice(w)
    async with w.db.session() as session:
        case_id = (await session.execute(select(Case.id))).scalar_one()
    return Pending(w.chat("sec1"), say(f"/reply {case_id} 明天上午来镇上社保所"))


@scene("command:reply (a case already answered)")
async def _reply_again(w: World) -> Pending:
    pending = await _reply_command(w)
    await pending.act(pending.secretary)
    assert "已转给" in pending.secretary.text()
    return pending


@scene("command:worker")
async def _worker_command(w: World) -> Pending:
    return Pending(w.chat("sec1"), say(f"/worker {w.ids['worker1']}"))


@scene("action:case.reply (never registered)")
async def _reply_to_a_visitor(w: World) -> Pending:
    async with w.db.session() as session:
        visitor = Person(role="worker", name="路过的", township="双福镇")  # no profile: sec1 covers 双福镇
        visitor.identities.append(ChannelIdentity(channel="terminal", external_id="visitor", chat_id="visitor"))
        session.add(visitor)
    return Pending(await case_notice(w, "visitor"), press("回复"), worker="visitor")


def _acts_for_a_worker(*functions: Callable[..., object]) -> bool:
    return any(call in inspect.getsource(function) for function in functions for call in AUTHORITY)


def test_every_staff_action_is_covered() -> None:
    router = default_router()
    tables = {"action": router.actions, "command": router.commands}
    acting = {
        f"{kind}:{name}" for kind, table in tables.items() for name, handler in table.items()
        if _acts_for_a_worker(handler)
    }
    # A form acts when it completes (`done`) or as a step is answered.
    acting |= {
        f"form:{name}" for name, form in FORMS.items()
        if _acts_for_a_worker(form.done, *(step.answer for step in form.steps))
    }
    covered = {name.split(" ")[0] for name in SCENES}
    assert acting == covered, "a handler acting for one worker needs a scene here"


async def footprint(db: Database, worker: str) -> tuple[int, ...]:
    """Everything pressing on the worker's behalf could change: messages to them, follow-ups, notes, cases."""
    async with db.session() as session:
        async def n(stmt: object) -> int:
            return int(await session.scalar(stmt) or 0)  # type: ignore[arg-type]

        return (
            await n(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.chat_id == worker)),
            await n(select(func.count()).select_from(FollowUp)),
            await n(select(func.count()).select_from(FollowUp).where(FollowUp.state == "done")),
            await n(select(func.count()).select_from(WorkerNote)),
            await n(select(func.count()).select_from(Case).where(Case.status == "answered")),
        )


# /reassign moves registered workers only; a visitor's case changes hands with /handover.
CHANGES = [(name, how) for name in sorted(SCENES) for how in ("reassign", "handover")
           if not (how == "reassign" and "never registered" in name)]


@pytest.mark.parametrize(("name", "how"), CHANGES)
async def test_the_old_secretary_is_refused(sqlite_db: Database, name: str, how: str) -> None:
    world = await make_world(sqlite_db)
    pending = await SCENES[name](world)
    admin = world.chat("admin1")
    async with sqlite_db.session() as session:
        worker_id = (await session.execute(
            select(ChannelIdentity.person_id).where(ChannelIdentity.external_id == pending.worker))).scalar_one()
    if how == "reassign":
        await admin.say(f"/reassign {worker_id} {world.ids['sec2']}")
    else:
        await admin.say(f"/handover {world.ids['sec1']}")
    before = await footprint(sqlite_db, pending.worker)
    await pending.act(pending.secretary)
    assert "不归您负责" in pending.secretary.text(), pending.secretary.text()
    assert await footprint(sqlite_db, pending.worker) == before


async def test_the_new_secretary_can_reply(sqlite_db: Database) -> None:
    world = await make_world(sqlite_db)
    await case_notice(world)
    await world.chat("admin1").say(f"/reassign {world.ids['worker1']} {world.ids['sec2']}")
    async with sqlite_db.session() as session:
        case_id = (await session.execute(select(Case.id))).scalar_one()
    secretary = world.chat("sec2")
    await secretary.say(f"/reply {case_id} 我是新的秘书，明天给您打电话")
    assert "已转给" in secretary.text()
