"""A button acts on the screen it was shown on: the buttons of one decision form a dialog, and once one of them is
pressed the others are dead ("不删了" then "确定删除" deletes nothing); a broadcast preview sends only what it showed.

The dialogs are enumerated from the code: every function in flows/ that issues dialog buttons needs a scene here,
and a function offering a single-use action next to other buttons without a dialog must say why they are
independent (`test_every_decision_is_a_dialog`).
"""

from __future__ import annotations

import ast
import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.harness import Conversation
from flows.assistant import default_router
from flows.checkins import run_due_scan
from flows.followups import schedule_first_checkin
from storage.db import Database
from storage.models import Broadcast, ChannelIdentity, OutboxMessage, Person, WorkerProfile
from tests.conftest import NOW
from tests.flows.factories import add_departure
from tests.flows.screens import (
    SETTINGS,
    World,
    employer_postings,
    make_world,
    phone_share_mid_form,
    review_message,
    twin,
)

FLOWS = Path(__file__).resolve().parents[2] / "flows"
# The dialog machinery itself.
MECHANISM = {("flows.turn", "button"), ("flows.notify", "button")}

# Functions offering a single-use action beside other buttons that are not one decision, and why.
INDEPENDENT: dict[tuple[str, str], str] = {
    ("flows.jobs", "show_page"): "details, apply and more are different things to do with a list of postings",
    ("flows.push", "push_posting_in"): "apply, not interested and pause may each be wanted; apply is single-use",
    ("flows.push", "_digests"): "one apply button per posting of the digest, and pause",
    ("flows.transport", "_buttons"): "one card per bus: book, or cancel one's own booking",
    ("flows.transport", "confirm"): "the booking's cancel button, or a list of other buses when full",
    ("flows.broadcasting", "_progress_buttons"): "refresh may be pressed any time; withdraw once",
    ("flows.employers", "posting_buttons"): "edit and withdraw are different things to do with a pending posting; "
                                            "each checks the posting's state when pressed, withdraw is single-use",
}

Maker = Callable[[World], Awaitable[Conversation]]
# name → (the function issuing its buttons, the scene showing it, its buttons' labels)
DIALOGS: dict[str, tuple[tuple[str, str], Maker, list[str]]] = {}


def dialog(name: str, issuer: tuple[str, str], *labels: str) -> Callable[[Maker], Maker]:
    def register(maker: Maker) -> Maker:
        DIALOGS[name] = (issuer, maker, list(labels))
        return maker

    return register


FORM_CHOICE = ("flows.forms", "choice")  # every form question's choices


@dialog("flows.account.forget", ("flows.account", "forget"), "确定删除", "不删了")
async def _forget(w: World) -> Conversation:
    chat = w.chat("worker2")
    await chat.say("/forget")
    return chat


@dialog("flows.employment.report_employed", ("flows.employment", "report_employed"), "是的，已经上班了", "还没有")
async def _employed(w: World) -> Conversation:
    chat = w.chat("worker1")
    await chat.say("我找到工作了")
    return chat


@dialog("flows.alerts.unsubscribe", ("flows.alerts", "unsubscribe"), "暂停 7 天", "暂停 30 天", "完全退订")
async def _alerts(w: World) -> Conversation:
    chat = w.chat("worker1")
    await chat.say("退订")
    return chat


@dialog("bus seats", FORM_CHOICE, "1", "2", "3", "4", "取消")
async def _seats(w: World) -> Conversation:
    await add_departure(w.db, "东莞", "广东", NOW + timedelta(days=2), seats=10)
    chat = w.chat("worker1")
    await chat.say("去东莞")
    await chat.press("我要订座")
    return chat


@dialog("bus confirmation", FORM_CHOICE, "确认订座", "取消")
async def _confirm_booking(w: World) -> Conversation:
    chat = await _seats(w)
    await chat.press("2")
    return chat


async def compose(w: World, text: str = "双福镇春茶采摘下周开始，有意者请联系就业秘书。") -> Conversation:
    chat = w.chat("admin1")
    await chat.say("/broadcast")
    await chat.say(text)
    await chat.press("所有登记劳动者")
    return chat


@dialog("broadcast preview", FORM_CHOICE, "立即发送", "明早 9 点发送", "取消")
async def _preview(w: World) -> Conversation:
    return await compose(w)


@dialog("flows.checkins.ask_worker", ("flows.checkins", "ask_worker"), "已上班", "还在找", "想参加培训", "请秘书联系我")
async def _checkin_question(w: World) -> Conversation:
    async with w.db.session() as session:
        await schedule_first_checkin(session, w.ids["worker1"], w.ids["sec1"], NOW - timedelta(days=3), SETTINGS)
    due = NOW + timedelta(hours=1)
    await run_due_scan(w.db, now=due, settings=SETTINGS, claimer="t")
    worker = Conversation(w.assistant, user_id="worker1", now=due)
    await worker.inbox()
    return worker


@dialog("flows.secretary.reschedule_pick", ("flows.secretary", "reschedule_pick"), "+1个工作日", "+3个工作日", "+7个工作日")
async def _reschedule(w: World) -> Conversation:
    async with w.db.session() as session:
        await schedule_first_checkin(session, w.ids["worker1"], w.ids["sec1"], NOW, SETTINGS)
    secretary = w.chat("sec1")
    await secretary.say(f"/worker {w.ids['worker1']}")
    await secretary.press("改期")
    return secretary


@dialog("registration consent", FORM_CHOICE, "同意", "不同意")
async def _form_choice(w: World) -> Conversation:
    chat = w.chat("newcomer")
    await chat.say("我要登记")
    return chat


@dialog("flows.posting_review.ask_admins", ("flows.posting_review", "ask_admins"), "通过并发布", "不通过")
async def _review(w: World) -> Conversation:
    return await review_message(w)


@dialog("flows.posting_review.pending_command", ("flows.posting_review", "pending_command"), "通过并发布", "不通过")
async def _pending(w: World) -> Conversation:
    await employer_postings(w, "pending")
    admin = w.chat("admin1")
    await admin.say("/pending")
    return admin


@dialog("flows.phone_sharing.offer", ("flows.phone_sharing", "offer"), "可以", "不用了")
async def _phone_share(w: World) -> Conversation:
    return await phone_share_mid_form(w)


def _button_number(chat: Conversation, label: str) -> int:
    """The harness numbers buttons from 1; labels are matched whole ("同意" is part of "不同意")."""
    return [b.label for b in chat.buttons()].index(label) + 1


# --- what the code issues ------------------------------------------------------------------------------


def _button_calls(function: ast.AST) -> list[ast.Call]:
    return [
        node for node in ast.walk(function)
        if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in ("button", "choice")
    ]


def _functions() -> list[tuple[tuple[str, str], ast.AST]]:
    found = []
    for path in sorted(FLOWS.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                found.append(((f"flows.{path.stem}", node.name), node))
    return found


def test_every_decision_is_a_dialog() -> None:
    router = default_router()
    issuing, mixed = set(), set()
    for name, function in _functions():
        calls = _button_calls(function)
        if any(k.arg == "dialog" for call in calls for k in call.keywords):
            issuing.add(name)
            continue
        actions = {a.value for call in calls for a in call.args if isinstance(a, ast.Constant) and a.value in router.actions}
        if len(calls) > 1 and actions & router.once:
            mixed.add(name)
    assert issuing - MECHANISM == {issuer for issuer, _, _ in DIALOGS.values()}, (
        "each function issuing a dialog needs a scene in DIALOGS"
    )
    assert mixed == set(INDEPENDENT), "a single-use action beside other buttons: make them a dialog, or say why not"


@pytest.mark.parametrize(
    ("where", "first"), [(where, first) for where, (_, _, labels) in sorted(DIALOGS.items()) for first in labels],
)
async def test_a_decided_dialog_s_other_buttons_are_dead(sqlite_db: Database, where: str, first: str) -> None:
    _, maker, labels = DIALOGS[where]
    chat = await maker(await make_world(sqlite_db))
    screen = list(chat.last)
    await chat.press(_button_number(chat, first))
    assert chat.handled_as.startswith("button:"), chat.text()
    for other in [label for label in labels if label != first]:
        chat.last = screen
        await chat.press(_button_number(chat, other))
        # After 确定删除 the person's buttons are gone with the rest of their data (/forget), so the other is unknown.
        refused = "已经答复过" in chat.text() or (where == "flows.account.forget" and "失效" in chat.text())
        assert chat.handled_as == "" and refused, (other, chat.text())


@pytest.mark.parametrize("where", sorted(DIALOGS))
async def test_two_buttons_of_a_dialog_pressed_at_once_decide_once(any_db: Database, where: str) -> None:
    _, maker, labels = DIALOGS[where]
    chat = await maker(await make_world(any_db))
    other = twin(chat)
    await asyncio.gather(chat.press(_button_number(chat, labels[0])), other.press(_button_number(other, labels[1])))
    assert sorted(bool(c.handled_as) for c in (chat, other)) == [False, True], (chat.text(), other.text())


# --- a broadcast preview sends what it showed ------------------------------------------------------------


async def broadcasts(db: Database) -> list[tuple[int, int]]:
    """(broadcast id, messages queued) for every broadcast."""
    async with db.session() as session:
        rows = await session.execute(
            select(Broadcast.id, func.count(OutboxMessage.id))
            .join(OutboxMessage, OutboxMessage.broadcast_id == Broadcast.id, isouter=True)
            .group_by(Broadcast.id)
            .order_by(Broadcast.id)
        )
        return [(int(b), int(n)) for b, n in rows.all()]


async def add_seeking_worker(db: Database, user: str) -> None:
    async with db.session() as session:
        person = Person(role="worker", name=user, township="双福镇")
        person.profile = WorkerProfile(status="seeking", wanted_categories=["采茶工"])
        person.identities.append(ChannelIdentity(channel="terminal", external_id=user, chat_id=user))
        session.add(person)


class TestBroadcastPreview:
    async def test_previews_of_one_notice_decide_once(self, any_db: Database) -> None:
        world = await make_world(any_db)
        chat = await compose(world)
        older = chat.last
        await chat.say("等一下")  # not an answer: the preview is shown again
        newer = chat.last
        assert "立即发送" in str(newer)
        chat.last = older
        await chat.press("立即发送")
        assert "已排队" in chat.text()
        chat.last = newer
        await chat.press("立即发送")  # the same decision, shown again: dead
        assert "已经答复过" in chat.text()
        assert len(await broadcasts(any_db)) == 1

    async def test_an_audience_that_grew_since_the_preview_is_shown_again(self, any_db: Database) -> None:
        world = await make_world(any_db)
        chat = await compose(world)
        shown = int(chat.text().split("**")[1])
        await add_seeking_worker(any_db, "late")
        await chat.press("立即发送")
        assert "没有发送" in chat.text() and f"预览时是 {shown} 个对象，现在是 {shown + 1} 个" in chat.text()
        assert await broadcasts(any_db) == []
        assert f"**{shown + 1}**" in chat.text()  # the fresh preview
        await chat.press("立即发送")
        assert [queued for _, queued in await broadcasts(any_db)] == [shown + 1]

    async def test_a_preview_of_an_abandoned_notice_sends_nothing(self, sqlite_db: Database) -> None:
        world = await make_world(sqlite_db)
        chat = await compose(world, "第一份通知")
        abandoned = chat.last
        await chat.say("/broadcast")
        await chat.say("第二份通知")
        await chat.press("所有登记劳动者")
        current = chat.last
        chat.last = abandoned
        await chat.press("立即发送")
        assert "已经结束" in chat.text() and await broadcasts(sqlite_db) == []
        chat.last = current
        await chat.press("立即发送")
        assert "已排队" in chat.text()
        async with sqlite_db.session() as session:
            assert (await session.execute(select(Broadcast.text))).scalar_one() == "第二份通知"
