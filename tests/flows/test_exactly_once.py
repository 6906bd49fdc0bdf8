"""A double press never does a thing twice: every button action that must act once is pressed twice at the same
moment (two sessions, two connections) on SQLite and PostgreSQL, and exactly one effect is found.

The actions are enumerated from the assistant's router: an action declared `once=True`, or guarded by its own
row (a lock and a state check), must have a scene here; every other action must be listed as repeatable, with
the reason a second press is harmless. A new action fails `test_every_action_is_classified` until it is.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.harness import Conversation
from flows.assistant import default_router
from flows.checkins import run_due_scan
from flows.followups import schedule_first_checkin
from flows.messages import reply_from_dict
from flows.push import push_posting
from storage.db import Database
from storage.models import (
    Application,
    Booking,
    Broadcast,
    Enrollment,
    FollowUp,
    OutboxMessage,
    Posting,
    StatusChange,
    WorkerProfile,
)
from storage.queries.transport import book
from tests.conftest import NOW
from tests.flows.factories import add_departure, add_training
from tests.flows.forms_walk import ENTRIES, make_env, steps_of, walk
from tests.flows.screens import (
    SETTINGS,
    World,
    employer_postings,
    make_world,
    phone_share_mid_form,
    review_message,
    twin,
)
from tests.flows.test_push import POLICY, add_posting, add_worker

# Actions a second press cannot harm, and why (views, pickers that only lead to another button, settings
# that end the same way however often they are set).
REPEATABLE: dict[str, str] = {
    "register.start": "starts the registration form again from its first question",
    "profile.menu": "shows the fields one can edit",
    "profile.edit": "asks the field's question again",
    "broadcast.progress": "shows the delivery report",
    "account.lang": "sets the same language again",
    "transport.list": "lists departures",
    "transport.book": "opens the booking form (its seat picker and confirmation are form choices)",
    "job.more": "shows the next page",
    "job.details": "shows a posting",
    "menu.jobs": "a search",
    "menu.policy": "a question",
    "menu.training": "the catalogue",
    "menu.transport": "the departures",
    "menu.person": "a hand-off: a repeated request joins the open case",
    "training.list": "the catalogue",
    "training.details": "shows a course",
    "checkin.open": "shows a worker's card",
    "checkin.reschedule": "shows the date picker",
    "checkin.note": "opens the note form; each note typed is saved once",
    "policy.show": "shows a policy",
    "push.not_interested": "records the same response again",
    "push.pause": "pauses from now again",
    "push.unsubscribe": "unsubscribes again",
    "case.reply": "opens the reply form; each message typed is relayed once",
    "form.answer": "single-use choices in a dialog per question: see test_the_last_choice_of_every_form_acts_once",
    "other_services.person": "a hand-off: a repeated request joins the open case",
    "jobs.subscribe": "subscribes again (categories are a set)",
    "employer.post": "opens the posting form; a posting is submitted once, by its summary's single-use choice",
    "employer.edit": "opens the posting form on a pending or rejected posting; resubmitted once, as above",
    "employer.list": "lists the employer's postings",
    "employer.posting": "shows a posting's reach and applicants",
    "jobs.ease": "searches again without the condition dropped",
}


@dataclass
class Scene:
    """A person looking at a button, and how to count the effect pressing it has."""

    chat: Conversation
    label: str
    effect: Callable[[], Awaitable[int]]


async def count(db: Database, model: type, *where: object) -> int:
    async with db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def counter(db: Database, model: type, *where: object) -> Callable[[], Awaitable[int]]:
    return lambda: count(db, model, *where)


async def answer_only() -> int:
    """For actions whose only effect is their answer: the number of presses handled is what is checked."""
    return 0


SceneMaker = Callable[[World], Awaitable[Scene]]
ONCE: dict[str, SceneMaker] = {}
GUARDED: dict[str, SceneMaker] = {}  # not declared once: the handler locks its row and checks its state


def scene(action: str, table: dict[str, SceneMaker] = ONCE) -> Callable[[SceneMaker], SceneMaker]:
    def register(maker: SceneMaker) -> SceneMaker:
        table[action] = maker
        return maker

    return register


@scene("job.apply")
async def _apply(w: World) -> Scene:
    chat = w.chat("worker1")
    await chat.say("有没有采茶的工作")
    return Scene(chat, "我要报名", counter(w.db, Application))


@scene("push.apply")
async def _push_apply(w: World) -> Scene:
    await add_worker(w.db, "pushed", secretary=w.ids["sec1"])
    posting = await add_posting(w.db, title="明前茶采摘")
    await push_posting(w.db, posting, NOW, POLICY)
    chat = Conversation(w.assistant, user_id="pushed", now=NOW + timedelta(minutes=5))
    async with w.db.session() as session:
        message = (await session.execute(select(OutboxMessage).where(OutboxMessage.chat_id == "pushed"))).scalar_one()
    chat.last = [reply_from_dict(message.payload)]
    return Scene(chat, "我要报名", counter(w.db, Application))


@scene("transport.cancel")
async def _cancel_booking(w: World) -> Scene:
    bus = await add_departure(w.db, "东莞", "广东", NOW + timedelta(days=2), seats=10)
    async with w.db.session() as session:
        await book(session, departure_id=bus, worker_id=w.ids["worker1"], seats=2, now=NOW)
    chat = w.chat("worker1")
    await chat.say("去东莞")
    return Scene(chat, "退掉座位", counter(w.db, Booking, Booking.status == "cancelled"))


async def _compose(w: World) -> Conversation:
    chat = w.chat("admin1")
    await chat.say("/broadcast")
    await chat.say("双福镇春茶采摘下周开始，有意者请联系就业秘书。")
    await chat.press("所有登记劳动者")
    return chat


@scene("broadcast.withdraw")
async def _withdraw(w: World) -> Scene:
    chat = await _compose(w)
    await chat.press("立即发送")
    return Scene(chat, "撤回", answer_only)


@scene("account.forget")
async def _forget(w: World) -> Scene:
    chat = w.chat("worker2")
    await chat.say("/forget")
    return Scene(chat, "确定删除", answer_only)


@scene("account.keep")
async def _keep(w: World) -> Scene:
    chat = w.chat("worker2")
    await chat.say("/forget")
    return Scene(chat, "不删了", answer_only)


@scene("employed.confirm")
async def _employed(w: World) -> Scene:
    chat = w.chat("worker1")
    await chat.say("我找到工作了")
    return Scene(chat, "已经上班了", counter(w.db, StatusChange, StatusChange.new_status == "placed"))


@scene("employed.not_yet")
async def _not_yet(w: World) -> Scene:
    chat = w.chat("worker1")
    await chat.say("我找到工作了")
    return Scene(chat, "还没有", answer_only)


@scene("alerts.pause")
async def _pause(w: World) -> Scene:
    chat = w.chat("worker1")
    await chat.say("退订")
    return Scene(chat, "暂停 7 天", answer_only)


@scene("alerts.stop")
async def _stop(w: World) -> Scene:
    chat = w.chat("worker1")
    await chat.say("退订")
    return Scene(chat, "完全退订", answer_only)


async def _asked(w: World) -> Conversation:
    """worker1's first check-in was asked: the worker has the answer buttons."""
    async with w.db.session() as session:
        await schedule_first_checkin(session, w.ids["worker1"], w.ids["sec1"], NOW - timedelta(days=3), SETTINGS)
    due = NOW + timedelta(hours=1)
    await run_due_scan(w.db, now=due, settings=SETTINGS, claimer="t")
    worker = Conversation(w.assistant, user_id="worker1", now=due)
    await worker.inbox()
    return worker


@scene("checkin.answer")
async def _answer(w: World) -> Scene:
    worker = await _asked(w)
    return Scene(worker, "请秘书联系我", counter(w.db, FollowUp, FollowUp.worker_answer.is_not(None)))


async def _card(w: World) -> Conversation:
    """sec1 looking at worker1's card with its outcome buttons."""
    async with w.db.session() as session:
        await schedule_first_checkin(session, w.ids["worker1"], w.ids["sec1"], NOW, SETTINGS)
    secretary = w.chat("sec1")
    await secretary.say(f"/worker {w.ids['worker1']}")
    return secretary


@scene("checkin.reschedule_to")
async def _reschedule(w: World) -> Scene:
    secretary = await _card(w)
    await secretary.press("改期")
    return Scene(secretary, "+3", counter(w.db, FollowUp, FollowUp.outcome == "rescheduled"))


@scene("checkin.outcome", GUARDED)
async def _outcome(w: World) -> Scene:
    return Scene(await _card(w), "还在找", counter(w.db, FollowUp, FollowUp.outcome == "seeking"))


@scene("training.enroll", GUARDED)
async def _enrol(w: World) -> Scene:
    await add_training(w.db, "春茶采摘技术培训", "采茶技术", NOW + timedelta(days=3))
    chat = w.chat("worker1")
    await chat.say("有什么培训")
    return Scene(chat, "我要报名", counter(w.db, Enrollment))


# --- employers: review of a submitted posting, closing one, a worker's answer on sharing their phone -------------

@scene("posting.approve")
async def _approve(w: World) -> Scene:
    return Scene(await review_message(w), "通过并发布", counter(w.db, Posting, Posting.status == "open",
                                                                  Posting.submitted_by_id.is_not(None)))


@scene("posting.reject")
async def _reject(w: World) -> Scene:
    return Scene(await review_message(w), "不通过", answer_only)  # asks the reason; the reason form acts once


@scene("employer.close")
async def _close(w: World) -> Scene:
    first, _ = await employer_postings(w, "open", "open")
    boss = w.chat("boss")
    await boss.say("招满了")  # two open postings: which one?
    return Scene(boss, f"关闭 #{first}", counter(w.db, Posting, Posting.status == "closed"))


@scene("phone_share.answer")
async def _share(w: World) -> Scene:
    chat = await phone_share_mid_form(w)
    return Scene(chat, "可以", counter(w.db, Application, Application.phone_shared_at.is_not(None)))


@pytest.fixture
async def world(any_db: Database) -> World:
    return await make_world(any_db)


def test_every_action_is_classified() -> None:
    router = default_router()
    assert router.once == set(ONCE), "each action declared once=True needs a scene in ONCE (and no other)"
    assert not router.once & set(GUARDED)
    unclassified = set(router.actions) - set(ONCE) - set(GUARDED) - set(REPEATABLE)
    assert not unclassified, "new button actions: declare once=True and add a scene, or say why they may repeat"
    assert not set(REPEATABLE) - set(router.actions), "REPEATABLE names an action that no longer exists"


@pytest.mark.parametrize("action", sorted(ONCE))
async def test_two_presses_at_once_act_once(world: World, action: str) -> None:
    shown = await ONCE[action](world)
    before = await shown.effect()
    first, second = shown.chat, twin(shown.chat)
    await asyncio.gather(first.press(shown.label), second.press(shown.label))
    handled_as = [first.handled_as, second.handled_as]
    assert handled_as.count(f"button:{action}") == 1, handled_as
    refused = first if second.handled_as else second
    # /forget deletes the person's buttons with the rest of their data: the later press finds no button at all.
    gone = action == "account.forget" and "失效" in refused.text()
    assert "已经按过" in refused.text() or "已经答复过" in refused.text() or gone
    if shown.effect is not answer_only:
        assert await shown.effect() - before == 1


@pytest.mark.parametrize("action", sorted(GUARDED))
async def test_two_presses_at_once_of_a_guarded_action_act_once(world: World, action: str) -> None:
    shown = await GUARDED[action](world)
    before = await shown.effect()
    first, second = shown.chat, twin(shown.chat)
    await asyncio.gather(first.press(shown.label), second.press(shown.label))
    assert await shown.effect() - before == 1


# --- forms: the answer that completes a form is what does the thing (books, sends, enrols, registers) ---------

# One way into each registered form (forms_walk.ENTRIES has one per form at least), and what its completion adds.
FIRST_ENTRIES = {entry.form: entry for entry in reversed(ENTRIES)}
# Forms whose last answer is typed words (a reply to a worker, an employer's name, a note, why a posting is
# turned down), not a button.
TYPED_LAST = {"case_reply", "checkin.employer", "checkin.note", "review_reject"}
FORM_EFFECTS: dict[str, type] = {
    "broadcast": Broadcast, "booking": Booking, "enrolment": Enrollment, "register": WorkerProfile,
    "employer_post": Posting,
}


@pytest.mark.parametrize("form", sorted(FIRST_ENTRIES))
async def test_the_last_choice_of_every_form_pressed_twice_at_once_acts_once(
    any_db: Database, trained_nlu: object, form: str
) -> None:
    """Every registered form, walked with its samples to its last question: when that question is answered with
    a button, two presses of it at the same moment complete the form once."""
    env = await make_env(any_db, trained_nlu)
    entry = FIRST_ENTRIES[form]
    steps = await steps_of(env, entry)
    walked = await walk(env, entry, len(steps) - 1)
    chat = walked.chat
    if form in TYPED_LAST:
        assert not chat.buttons()
        return  # typed, not pressed: each message typed is its own
    assert chat.buttons(), f"{form}: its last question has no buttons; list it in TYPED_LAST if that is right"
    model = FORM_EFFECTS.get(form)
    before = await count(any_db, model) if model else 0
    other = twin(chat)
    await asyncio.gather(chat.press(1), other.press(1))
    assert sorted(bool(c.handled_as) for c in (chat, other)) == [False, True], (chat.text(), other.text())
    if model is not None:
        assert await count(any_db, model) - before == 1
