"""Reaching every step of every registered form in a conversation: how each form starts, and a walk that
answers each step with its sample (`Step.sample`) until step k.

`ENTRIES` lists the ways a form is started (the registration form starts three ways: a worker, an observer,
a profile edit per field). `test_forms_fuzz.py` checks that every form in `flows.forms.FORMS` has an entry,
so a form added later is fuzzed as soon as it says how it starts.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update

from bot.harness import Conversation
from flows import forms
from flows.assistant import Assistant
from flows.categories import category_reader
from flows.messages import Button, ChatType
from flows.registration import EDITABLE
from storage.db import Database
from storage.models import ChannelIdentity, ConversationState, Enterprise, Person, Posting, utcnow
from storage.queries.conversation import load_state
from storage.queries.followups import add_followup
from storage.queries.people import person_by_identity
from tests.factories import add_postings
from tests.flows.factories import add_departure, add_person, add_training
from tests.flows.registration_helpers import add_staff

# A weekday morning in the bureau's time zone.
NOW = datetime(2026, 3, 2, 1, 30, tzinfo=utcnow().tzinfo)


class PinnedNLU:
    """The real NLU, except for a few setup phrases whose parse a form's entry needs exactly (a doubtful
    subscribe request that must be asked back)."""

    def __init__(self, real: Any, pins: dict[str, tuple[str, float]]) -> None:
        self.real = real
        self.pins = pins

    def parse(self, text: str, **options: Any) -> Any:
        pinned = self.pins.get(text.strip())
        if pinned is None:
            return self.real.parse(text, **options)
        parse = self.real.parse(text, **options)
        parse.intent, parse.confidence = pinned
        return parse


DOUBTFUL_SUBSCRIBE = "有了跟我讲一声"
PINS = {DOUBTFUL_SUBSCRIBE: ("subscribe", 0.7)}


@dataclass
class Env:
    """One database with the demo-like world every entry needs: staff, postings, a bus, courses."""

    db: Database
    assistant: Assistant
    staff: dict[str, int]
    counter: itertools.count = field(default_factory=lambda: itertools.count(1))

    def uid(self, prefix: str) -> str:
        return f"{prefix}{next(self.counter)}"

    async def worker(self, prefix: str = "w") -> Conversation:
        """A registered worker of 王秘书 in a private chat."""
        user = self.uid(prefix)
        await add_person(self.db, user, name="张三", phone=None, township="双福镇", registered=True,
                         secretary_id=self.staff["wang"])
        chat = Conversation(self.assistant, user_id=user, now=NOW)
        await speaks_simplified(self, chat)
        return chat


async def speaks_simplified(env: Env, chat: Conversation) -> None:
    """Fix the person's language, so a re-asked question reads the same whatever script the input was in
    (choosing the reply language is tested elsewhere)."""
    async with env.db.session() as session:
        person = await person_by_identity(session, chat.channel, chat.user_id)
        assert person is not None
        person.language = "zh-hans"


async def make_env(db: Database, nlu: Any) -> Env:
    await add_postings(db, NOW.date())
    staff = await add_staff(db)
    staff["admin"] = await add_person(db, "admin1", role="admin", name="管理员")
    async with db.session() as session:
        await session.execute(update(Person).values(language="zh-hans"))
    await add_departure(db, "东莞", "广东", NOW + timedelta(days=3), seats=40)
    await add_training(db, "春茶采摘技术培训", "采茶技术", NOW + timedelta(days=3), capacity=500)
    await add_training(db, "川菜厨师培训班", "厨师", NOW + timedelta(days=5), capacity=500)
    # The category of a posting's title is read by the real NLU's guesser (PinnedNLU only wraps it).
    return Env(db, Assistant(db, PinnedNLU(nlu, PINS), categorise=category_reader(nlu)), staff)


Starter = Callable[[Env], Awaitable[Conversation]]


@dataclass(frozen=True)
class Entry:
    """One way into a form: `start` returns a conversation whose last reply is the form's first question."""

    name: str
    form: str
    start: Starter
    samples: dict[str, Callable[[Env], str]] = field(default_factory=dict)  # step → a fresh valid answer


async def _register(env: Env) -> Conversation:
    chat = Conversation(env.assistant, user_id=env.uid("new"), now=NOW)
    await chat.say("/register")
    await speaks_simplified(env, chat)
    return chat


async def _observer(env: Env) -> Conversation:
    chat = Conversation(env.assistant, user_id="zhao", now=NOW)
    await chat.say("/register")
    return chat


def _edit(field_name: str) -> Starter:
    async def start(env: Env) -> Conversation:
        chat = await env.worker()
        await chat.say("/profile")
        labels = {"name": "姓名", "phone": "手机号", "place": "乡镇和村", "categories": "想做的工作",
                  "min_pay": "最低工资", "available": "上岗时间", "id_number": "身份证号"}
        await chat.press(labels[field_name])
        return chat

    return start


async def _profile_menu(env: Env) -> Conversation:
    chat = await env.worker()
    await chat.say("/profile")
    return chat


async def _case_reply(env: Env) -> Conversation:
    worker = await env.worker()
    await worker.say("我要找人工")
    secretary = Conversation(env.assistant, user_id="wang", now=NOW)
    await secretary.inbox(due_only=False)
    await secretary.press("回复")
    return secretary


async def _followup_card(env: Env) -> Conversation:
    """A worker of 王秘书 with a due check-in, and 王秘书 looking at the worker's card."""
    worker = await env.worker()
    async with env.db.session() as session:
        found = await person_by_identity(session, "terminal", worker.user_id)
        assert found is not None
        add_followup(session, worker_id=found.id, secretary_id=env.staff["wang"], kind="seeking",
                     due_at=NOW - timedelta(hours=1), now=NOW)
        worker_id = found.id
    secretary = Conversation(env.assistant, user_id="wang", now=NOW)
    await secretary.say(f"/worker {worker_id}")
    return secretary


async def _employer(env: Env) -> Conversation:
    secretary = await _followup_card(env)
    await secretary.press("已就业")
    return secretary


async def _note(env: Env) -> Conversation:
    secretary = await _followup_card(env)
    await secretary.press("加备注")
    return secretary


async def _broadcast(env: Env) -> Conversation:
    chat = Conversation(env.assistant, user_id="admin1", now=NOW)
    await chat.say("/broadcast")
    return chat


async def _booking(env: Env) -> Conversation:
    chat = await env.worker()
    await chat.say("/bus")
    await chat.press("我要订座")
    return chat


async def _enrolment(env: Env) -> Conversation:
    chat = await env.worker()
    await chat.say("我要报名培训")
    return chat


async def _alerts(env: Env) -> Conversation:
    chat = await env.worker()
    await chat.say("/unsubscribe")
    await chat.press("暂停 7 天")
    await chat.say(DOUBTFUL_SUBSCRIBE)
    return chat


def _phone(env: Env) -> str:
    return f"137{next(env.counter):08d}"


async def _hiring_contact(env: Env) -> Conversation:
    """The hiring contact of 双福茶叶专业合作社 (bound), in a private chat."""
    user = env.uid("boss")
    async with env.db.session() as session:
        tea = (await session.execute(select(Enterprise).where(Enterprise.name == "双福茶叶专业合作社"))).scalar_one()
        person = Person(role="employer", name="刘会计", phone="13800001111", enterprise_id=tea.id, language="zh-hans")
        person.identities.append(ChannelIdentity(channel="terminal", external_id=user, chat_id=user))
        session.add(person)
    return Conversation(env.assistant, user_id=user, now=NOW)


async def _employer_post(env: Env) -> Conversation:
    chat = await _hiring_contact(env)
    await chat.say("发布岗位")
    return chat


async def _to_summary(env: Env, chat: Conversation) -> None:
    """Answer the posting form with its samples up to the summary."""
    for _ in range(15):
        at = await position(env, chat)
        if at.step == "confirm" or at.step is None:
            break
        await chat.say(forms.FORMS["employer_post"].step(at.step).sample)
    assert (await position(env, chat)).step == "confirm", chat.text()


async def _employer_change(env: Env) -> Conversation:
    """At the summary, "修改": the run asking which part."""
    chat = await _employer_post(env)
    await _to_summary(env, chat)
    await chat.say("修改")
    return chat


async def _submitted(env: Env) -> tuple[Conversation, int]:
    chat = await _employer_post(env)
    await _to_summary(env, chat)
    await chat.say("提交")
    async with env.db.session() as session:
        return chat, int(await session.scalar(select(func.max(Posting.id))) or 0)


async def _employer_edit(env: Env) -> Conversation:
    """A submitted posting opened again from 修改岗位 (at its summary)."""
    chat, posting_id = await _submitted(env)
    await chat.say(f"修改岗位 {posting_id}")
    return chat


async def _review_reject(env: Env) -> Conversation:
    """An admin pressing 不通过 on a newly submitted posting: asked for the reason."""
    await _submitted(env)
    admin = Conversation(env.assistant, user_id="admin1", now=NOW)
    await admin.inbox(due_only=False)
    await admin.press("不通过")
    return admin


async def _phone_share(env: Env) -> Conversation:
    """A worker with a phone applying for an approved posting its employer submitted: asked about the phone."""
    _, posting_id = await _submitted(env)
    admin = Conversation(env.assistant, user_id="admin1", now=NOW)
    await admin.say(f"/approve {posting_id}")
    user = env.uid("applicant")
    await add_person(env.db, user, name="张三", phone=_phone(env), township="双福镇", registered=True,
                     secretary_id=env.staff["wang"])
    chat = Conversation(env.assistant, user_id=user, now=NOW)
    await speaks_simplified(env, chat)
    await chat.say(f"/apply {posting_id}")
    return chat


ENTRIES: tuple[Entry, ...] = (
    Entry("register", "register", _register, {"phone": _phone}),
    Entry("register:observer", "register", _observer, {"phone": _phone}),
    *(Entry(f"register:edit:{name}", "register", _edit(name), {"phone": _phone}) for name in EDITABLE),
    Entry("profile", "profile", _profile_menu, {"field": lambda env: "乡镇"}),
    Entry("case_reply", "case_reply", _case_reply),
    Entry("checkin.employer", "checkin.employer", _employer),
    Entry("checkin.note", "checkin.note", _note),
    Entry("broadcast", "broadcast", _broadcast),
    Entry("booking", "booking", _booking),
    Entry("enrolment", "enrolment", _enrolment),
    Entry("alerts_resume", "alerts_resume", _alerts),
    # "换一个" at the category: the walk then passes the list of categories too, where a title no category can be
    # read from goes (so every step a typed title may lead to is among the walked ones).
    Entry("employer_post", "employer_post", _employer_post, {"category": lambda env: "换一个"}),
    Entry("employer_post:change", "employer_post", _employer_change),
    Entry("employer_post:edit", "employer_post", _employer_edit),
    Entry("review_reject", "review_reject", _review_reject),
    Entry("phone_share", "phone_share", _phone_share),
)


@dataclass
class Position:
    """Where a conversation is: the form, its run and step (None when no form is open)."""

    form: str | None
    run: str | None
    step: str | None

    @classmethod
    def of(cls, state: ConversationState, now: datetime) -> Position:
        data = state.data or {}
        expired = state.expires_at is not None and state.expires_at < now
        if not state.form or expired:
            return cls(None, None, None)
        return cls(state.form, data.get("_run"), state.step)


async def position(env: Env, chat: Conversation) -> Position:
    async with env.db.session() as session:
        return Position.of(await load_state(session, chat.channel, chat.user_id), chat.now or NOW)


def sample_for(entry: Entry, env: Env, step: str) -> str:
    make = entry.samples.get(step)
    return make(env) if make is not None else forms.FORMS[entry.form].step(step).sample


@dataclass
class Walked:
    """A conversation brought to step `k` of an entry's form, with what was seen on the way, and the run as
    stored then (so each fuzzed input starts from exactly there: `restore`)."""

    chat: Conversation
    at: Position
    question: str  # the text of the step's question as it was asked
    earlier_buttons: list[Button]  # choice buttons of steps already answered in this run
    replies: list[Any] = field(default_factory=list)
    stored: dict[str, Any] = field(default_factory=dict)


async def restore(env: Env, walked: Walked) -> None:
    """Put the person back at the walked step (whatever the last input did) with its question on screen."""
    chat = walked.chat
    async with env.db.session() as session:
        state = await load_state(session, chat.channel, chat.user_id)
        state.form, state.step = walked.stored["form"], walked.stored["step"]
        state.data = dict(walked.stored["data"])
        state.expires_at = walked.stored["expires_at"]
        state.language = walked.stored["language"]
    chat.now, chat.last = NOW, list(walked.replies)


async def walk(env: Env, entry: Entry, k: int) -> Walked:
    """Start the entry and answer its first k steps with samples; fails loudly if a sample is refused."""
    chat = await entry.start(env)
    assert chat.chat_type == ChatType.PRIVATE
    earlier: list[Button] = []
    at = await position(env, chat)
    assert at.form == entry.form, f"{entry.name} did not start its form: {chat.text()}"
    for _ in range(k):
        assert at.step is not None
        earlier += chat.buttons()
        answer = sample_for(entry, env, at.step)
        await chat.say(answer)
        following = await position(env, chat)
        assert following.form == entry.form and following.step != at.step, (
            f"{entry.name}: sample {answer!r} did not answer step {at.step}: {chat.text()}"
        )
        at = following
    async with env.db.session() as session:
        state = await load_state(session, chat.channel, chat.user_id)
        stored = {"form": state.form, "step": state.step, "data": dict(state.data or {}),
                  "expires_at": state.expires_at, "language": state.language}
    return Walked(chat, at, chat.last[-1].text, earlier, list(chat.last), stored)


async def steps_of(env: Env, entry: Entry) -> list[str]:
    """The steps an entry goes through when every step is answered with its sample."""
    walked = await walk(env, entry, 0)
    chat, at, steps = walked.chat, walked.at, []
    while at.form == entry.form and at.step is not None and len(steps) < 20:
        steps.append(at.step)
        await chat.say(sample_for(entry, env, at.step))
        at = await position(env, chat)
    # Finished: no form open, or the next one the answers asked for (the profile menu opens the field's edit).
    assert at.form != entry.form or at.run != walked.at.run, f"{entry.name}: the samples did not finish: {chat.text()}"
    return steps
