"""Wage arrears and hand-off: guidance, a case with context for the right secretary, replies relayed back."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.harness import Conversation
from flows.assistant import Assistant
from flows.messages import ChatType, reply_from_dict
from flows.turn import FlowSettings
from storage.db import Database
from storage.models import Case, ChannelIdentity, OutboxMessage, Person
from tests.conftest import NOW
from tests.factories import add_postings
from tests.flows.factories import add_departure, add_person, add_training, outbox_for
from tests.scripted_nlu import ScriptedNLU

PHONE = "13912345678"


@pytest.fixture
def nlu() -> ScriptedNLU:
    return ScriptedNLU(
        {
            "老板欠我三个月工资": "wage_arrears",
            "老闆欠我三個月工資": "wage_arrears",
            "my boss has not paid me for three months": "wage_arrears",
            "找人工": "human_handoff",
            "有没有采茶的工作": ("job_search", {"job_category": "采茶工"}),
        }
    )


@pytest.fixture
async def people(any_db: Database) -> dict[str, int]:
    secretary = await add_person(any_db, "sec1", role="secretary", name="王秘书", covers=("双福镇",))
    return {
        "admin": await add_person(any_db, "admin1", role="admin", name="局管理员"),
        "secretary": secretary,
        "other_secretary": await add_person(
            any_db, "sec2", role="secretary", name="赵秘书", covers=("符溪镇",)
        ),
        "worker": await add_person(
            any_db,
            "worker1",
            name="张三",
            phone=PHONE,
            township="双福镇",
            registered=True,
            secretary_id=secretary,
        ),
    }


@pytest.fixture
def assistant(any_db: Database, nlu: ScriptedNLU, people: dict[str, int]) -> Assistant:
    return Assistant(any_db, nlu)


async def _cases(db: Database) -> list[Case]:
    async with db.session() as session:
        return list((await session.execute(select(Case).order_by(Case.id))).scalars())


async def _outbox_count(db: Database) -> int:
    async with db.session() as session:
        return int((await session.execute(select(func.count()).select_from(OutboxMessage))).scalar() or 0)


class TestWageArrears:
    async def test_guidance_names_evidence_inspection_arbitration_and_the_hotline(
        self, assistant: Assistant
    ) -> None:
        chat = Conversation(assistant, user_id="worker1", now=NOW)
        await chat.say("老板欠我三个月工资")
        text = chat.text()
        for words in ("合同", "考勤", "工资条", "聊天记录", "劳动保障监察", "仲裁", "12333", "就业秘书"):
            assert words in text

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("老闆欠我三個月工資", "勞動保障監察"),
            ("my boss has not paid me for three months", "labour inspection"),
        ],
    )
    async def test_guidance_follows_the_workers_script(
        self, assistant: Assistant, text: str, expected: str
    ) -> None:
        chat = Conversation(assistant, user_id="worker1", now=NOW)
        await chat.say(text)
        assert expected in chat.text() and "12333" in chat.text()

    async def test_the_hotline_comes_from_the_settings(
        self, any_db: Database, nlu: ScriptedNLU, people
    ) -> None:
        assistant = Assistant(any_db, nlu, FlowSettings(hotline="0833-5522333"))
        chat = Conversation(assistant, user_id="worker1", now=NOW)
        await chat.say("老板欠我三个月工资")
        assert "0833-5522333" in chat.text()

    async def test_a_case_with_the_last_messages_goes_to_the_workers_secretary(
        self, assistant, people
    ) -> None:
        chat = Conversation(assistant, user_id="worker1", now=NOW)
        await chat.say("有没有采茶的工作")
        chat.now = NOW + timedelta(minutes=5)
        await chat.say("老板欠我三个月工资")
        (case,) = await _cases(assistant.db)
        assert case.kind == "wage_arrears" and case.secretary_id == people["secretary"]
        assert [entry["text"] for entry in case.context] == ["有没有采茶的工作", "老板欠我三个月工资"]
        (message,) = await outbox_for(assistant.db, "sec1")
        assert message.purpose == f"case:{case.id}"
        note = message.payload["text"]
        assert "张三" in note and "拖欠工资" in note and "有没有采茶的工作" in note and "09:30" in note
        assert [b.label for row in reply_from_dict(message.payload).buttons for b in row] == ["回复"]

    async def test_in_a_group_short_guidance_and_no_case(self, assistant: Assistant) -> None:
        group = Conversation(assistant, user_id="worker1", chat_id="-100", chat_type=ChatType.GROUP, now=NOW)
        await group.say("老板欠我三个月工资", addressed=True)
        text = group.text()
        assert "12333" in text and "私聊" in text
        assert "张三" not in text and PHONE not in text
        assert await _cases(assistant.db) == [] and await _outbox_count(assistant.db) == 0


class TestHandoff:
    async def test_the_worker_is_told_and_the_secretary_gets_a_card(
        self, assistant: Assistant, people
    ) -> None:
        chat = Conversation(assistant, user_id="worker1", now=NOW)
        await chat.say("找人工")
        assert "就业秘书" in chat.text() and "联系您" in chat.text()
        (case,) = await _cases(assistant.db)
        assert case.kind == "handoff" and case.secretary_id == people["secretary"]
        (message,) = await outbox_for(assistant.db, "sec1")
        assert "请求人工服务" in message.payload["text"] and PHONE in message.payload["text"]

    @pytest.mark.parametrize(
        ("township", "handler"), [("双福镇", "secretary"), ("符溪镇", "other_secretary"), (None, "admin")]
    )
    async def test_an_unregistered_person_reaches_whoever_covers_them(
        self, assistant: Assistant, people, township: str | None, handler: str
    ) -> None:
        await add_person(assistant.db, "visitor", township=township)
        chat = Conversation(assistant, user_id="visitor", display_name="路人甲", now=NOW)
        await chat.say("找人工")
        (case,) = await _cases(assistant.db)
        assert case.secretary_id == people[handler]

    async def test_the_secretarys_reply_reaches_the_worker_through_the_outbox(
        self, assistant: Assistant
    ) -> None:
        worker = Conversation(assistant, user_id="worker1", now=NOW)
        await worker.say("找人工")
        (case,) = await _cases(assistant.db)
        secretary = Conversation(assistant, user_id="sec1", now=NOW + timedelta(minutes=10))
        secretary.last = [reply_from_dict(m.payload) for m in await outbox_for(assistant.db, "sec1")]
        await secretary.press("回复")
        assert "请输入" in secretary.text()
        await secretary.say("张三你好，明天上午我给你打电话")
        assert "已转给对方" in secretary.text()
        secretary.last = [reply_from_dict(m.payload) for m in await outbox_for(assistant.db, "sec1")]
        await secretary.press("回复")
        await secretary.say("电话没打通，请回电")
        relayed = await outbox_for(assistant.db, "worker1")
        assert [m.purpose for m in relayed] == [f"handoff-reply:{case.id}:1", f"handoff-reply:{case.id}:2"]
        assert (
            "明天上午我给你打电话" in relayed[0].payload["text"]
            and "就业秘书回复" in relayed[0].payload["text"]
        )
        assert (await _cases(assistant.db))[0].status == "answered"

    async def test_the_worker_cannot_press_the_secretarys_button(self, assistant: Assistant) -> None:
        worker = Conversation(assistant, user_id="worker1", now=NOW)
        await worker.say("找人工")
        worker.last = [reply_from_dict(m.payload) for m in await outbox_for(assistant.db, "sec1")]
        await worker.press("回复")
        assert "不是给您的" in worker.text()
        assert len(await outbox_for(assistant.db, "worker1")) == 0

    async def test_cancel_leaves_the_reply_form_without_sending(self, assistant: Assistant) -> None:
        worker = Conversation(assistant, user_id="worker1", now=NOW)
        await worker.say("找人工")
        secretary = Conversation(assistant, user_id="sec1", now=NOW)
        secretary.last = [reply_from_dict(m.payload) for m in await outbox_for(assistant.db, "sec1")]
        await secretary.press("回复")
        await secretary.say("取消")
        assert await outbox_for(assistant.db, "worker1") == []

    async def test_in_a_group_the_worker_is_sent_to_private_chat(self, assistant: Assistant) -> None:
        group = Conversation(assistant, user_id="worker1", chat_id="-100", chat_type=ChatType.GROUP, now=NOW)
        await group.say("找人工", addressed=True)
        assert "私聊" in group.text() and PHONE not in group.text()
        assert await _cases(assistant.db) == []


class TestNobodyOnDuty:
    @pytest.mark.parametrize("text", ["找人工", "老板欠我三个月工资"])
    async def test_without_staff_the_case_is_kept_and_the_hotline_given(
        self, any_db: Database, nlu: ScriptedNLU, text: str
    ) -> None:
        chat = Conversation(Assistant(any_db, nlu), user_id="alone", now=NOW)
        await chat.say(text)
        assert "12333" in chat.text() and "值班" in chat.text()
        (case,) = await _cases(any_db)
        assert case.secretary_id is None and await _outbox_count(any_db) == 0


class TestFallbackMenu:
    @pytest.mark.parametrize(
        ("label", "expected"),
        [
            ("找工作", "春茶采摘工"),
            ("问政策", "稳岗补贴怎么申请"),
            ("技能培训", "川菜厨师培训班"),
            ("返岗专车", "峨眉山市 → 东莞"),
            ("找人工", "已经通知您的就业秘书"),
        ],
    )
    async def test_every_button_starts_its_flow(
        self, assistant: Assistant, label: str, expected: str
    ) -> None:
        db = assistant.db
        await add_postings(db, NOW.date())
        await add_training(db, "川菜厨师培训班", "厨师", NOW + timedelta(days=10))
        await add_departure(db, "东莞", "广东", NOW + timedelta(days=2))
        chat = Conversation(assistant, user_id="worker1", now=NOW)
        await chat.say("随便说点什么")
        assert len(chat.buttons()) == 5
        await chat.press(label)
        assert expected in chat.text()


async def _notices(db: Database, chat_id: str = "sec1") -> list[OutboxMessage]:
    return [m for m in await outbox_for(db, chat_id) if m.purpose.startswith("case:")]


def _more(message: OutboxMessage) -> int:
    """How many further messages a later notice says it carries."""
    return int(re.search(r"又发来 (\d+) 条消息", message.payload["text"]).group(1))  # type: ignore[union-attr]


class TestRepeatedRequests:
    """A person's open case of a kind is reused: one case, and one notice per quiet period at most."""

    @pytest.mark.parametrize(("text", "again"), [("找人工", "已经在就业秘书那里"), ("老板欠我三个月工资", "欠薪情况已经在")])
    async def test_twenty_messages_make_one_case_and_a_notice_per_quiet_period(
        self, assistant: Assistant, text: str, again: str
    ) -> None:
        quiet = timedelta(minutes=FlowSettings().case_quiet_minutes)
        for minute in range(20):
            chat = Conversation(assistant, user_id="worker1", now=NOW + timedelta(minutes=minute))
            await chat.say(text)
            if minute:
                assert again in chat.text() and "证据" not in chat.text()
        (case,) = await _cases(assistant.db)
        first, later = await _notices(assistant.db)
        assert first.purpose == f"case:{case.id}" and first.next_attempt_at <= NOW + timedelta(minutes=1)
        assert later.purpose == f"case:{case.id}:2" and later.next_attempt_at == NOW + quiet and _more(later) == 19
        assert later.payload["buttons"][0][0]["label"] == "回复"
        await Conversation(assistant, user_id="worker1", now=NOW + timedelta(minutes=45)).say(text)
        await Conversation(assistant, user_id="worker1", now=NOW + timedelta(hours=2)).say(text)
        notices = await _notices(assistant.db)
        assert [(m.next_attempt_at, _more(m)) for m in notices[2:]] == [
            (NOW + 2 * quiet, 1), (NOW + timedelta(hours=2), 1)
        ]
        assert len(await _cases(assistant.db)) == 1

    async def test_each_kind_has_its_own_case(self, assistant: Assistant) -> None:
        chat = Conversation(assistant, user_id="worker1", now=NOW)
        await chat.say("找人工")
        await chat.say("老板欠我三个月工资")
        await chat.say("找人工")
        assert sorted(c.kind for c in await _cases(assistant.db)) == ["handoff", "wage_arrears"]
        assert len(await _notices(assistant.db)) == 3  # two cases, and a later notice for the handoff

    async def test_after_the_secretary_answers_a_new_request_opens_a_new_case(self, assistant: Assistant) -> None:
        worker = Conversation(assistant, user_id="worker1", now=NOW)
        await worker.say("找人工")
        secretary = Conversation(assistant, user_id="sec1", now=NOW + timedelta(minutes=5))
        secretary.last = [reply_from_dict(m.payload) for m in await _notices(assistant.db)]
        await secretary.press("回复")
        await secretary.say("我下午给您打电话")
        worker.now = NOW + timedelta(minutes=10)
        await worker.say("找人工")
        assert "已经通知您的就业秘书" in worker.text()
        first, second = await _cases(assistant.db)
        assert (first.status, second.status) == ("answered", "open")
        assert [m.purpose for m in await _notices(assistant.db)] == [f"case:{first.id}", f"case:{second.id}"]

    async def test_two_requests_at_the_same_moment_make_one_case(self, assistant: Assistant) -> None:
        one = Conversation(assistant, user_id="worker1", now=NOW)
        two = Conversation(assistant, user_id="worker1", now=NOW)
        await asyncio.gather(one.say("找人工"), two.say("找人工"))
        (case,) = await _cases(assistant.db)
        assert sorted(m.purpose for m in await _notices(assistant.db)) == [f"case:{case.id}", f"case:{case.id}:2"]
        assert {"已经通知您的就业秘书" in one.text(), "已经通知您的就业秘书" in two.text()} == {True, False}

    @settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(gaps=st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=25))
    async def test_any_schedule_gives_one_notice_per_quiet_period_and_counts_every_message(
        self, assistant: Assistant, nlu: ScriptedNLU, gaps: list[int]
    ) -> None:
        """Messages at any minutes: notices are a quiet period apart and together count every message."""
        user = f"w{uuid.uuid4().hex[:8]}"
        async with assistant.db.session() as session:
            person = Person(role="worker", name="李四", township="双福镇")
            person.identities.append(ChannelIdentity(channel="terminal", external_id=user, chat_id=user))
            session.add(person)
        at = NOW
        for gap in gaps:
            at += timedelta(minutes=gap)
            await Conversation(assistant, user_id=user, now=at).say("找人工")
        async with assistant.db.session() as session:
            worker_id = (await session.execute(
                select(ChannelIdentity.person_id).where(ChannelIdentity.external_id == user))).scalar_one()
            cases = (await session.execute(select(Case).where(Case.worker_id == worker_id))).scalars().all()
        assert len(cases) == 1
        notices = [m for m in await _notices(assistant.db) if m.purpose.split(":")[1] == str(cases[0].id)]
        times = [m.next_attempt_at for m in notices]
        quiet = timedelta(minutes=FlowSettings().case_quiet_minutes)
        assert all(later - earlier >= quiet for earlier, later in zip(times, times[1:], strict=False))
        assert 1 + sum(_more(m) for m in notices[1:]) == len(gaps)
