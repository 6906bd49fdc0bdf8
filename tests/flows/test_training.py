"""Training in chat: catalogue and filters, enrolment rules, no overbooking, reminders before the start."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from opencc import OpenCC
from sqlalchemy import func, select

from bot.harness import Conversation
from flows.assistant import Assistant
from flows.messages import ChatType
from flows.training import reminder_due, send_training_reminders, wanted_topics
from storage.db import Database
from storage.models import Enrollment
from storage.queries.training import EnrolResult, enrol
from tests.conftest import NOW
from tests.flows.factories import add_person, add_training, outbox_for
from tests.scripted_nlu import ScriptedNLU

# NOW is 09:30 on Monday 2 March in Shanghai; this is 08:30 on Thursday 5 March there.
THURSDAY_0830 = NOW + timedelta(days=3) - timedelta(hours=1)


@pytest.fixture
def nlu() -> ScriptedNLU:
    return ScriptedNLU(
        {
            "有什么培训": "training_question",
            "有没有采茶培训": ("training_question", {"training": "采茶技术"}),
            "采茶的活路有培训吗": ("training_question", {"job_category": "采茶工"}),
            "想学电焊": ("training_question", {"training": "电焊"}),
            "any training courses": "training_question",
            "我要报名培训": "training_enroll",
        }
    )


async def _courses(db: Database) -> dict[str, int]:
    return {
        "tea": await add_training(
            db,
            "春茶采摘技术培训",
            "采茶技术",
            THURSDAY_0830,
            capacity=2,
            mode="online",
            ends_at=THURSDAY_0830 + timedelta(hours=8),
        ),
        "cook": await add_training(
            db, "川菜厨师培训班", "厨师", NOW + timedelta(days=10), location="峨眉山市职业技术学校"
        ),
        "past": await add_training(db, "去年的制茶培训", "制茶技术", NOW - timedelta(days=1)),
    }


@pytest.fixture
async def setup(sqlite_db: Database, nlu: ScriptedNLU) -> tuple[Assistant, dict[str, int]]:
    courses = await _courses(sqlite_db)
    secretary = await add_person(sqlite_db, "sec1", role="secretary", name="王秘书")
    await add_person(sqlite_db, "worker1", name="张三", registered=True, secretary_id=secretary)
    await add_person(sqlite_db, "worker2", name="李四", registered=True, secretary_id=secretary)
    return Assistant(sqlite_db, nlu), courses


async def _enrolments(db: Database, training_id: int) -> int:
    async with db.session() as session:
        stmt = select(func.count()).select_from(Enrollment).where(Enrollment.training_id == training_id)
        return int((await session.execute(stmt)).scalar() or 0)


class TestTopics:
    @pytest.mark.parametrize(
        ("training", "categories", "expected"),
        [
            (["采茶技术"], [], ["采茶技术"]),
            ([], ["采茶工"], ["采茶技术"]),
            ([], ["护工", "司机"], ["养老护理", "挖掘机驾驶"]),
            (["电工"], ["电工"], ["电工"]),
            ([], ["导游"], []),
            (["司机"], [], ["挖掘机驾驶"]),  # a course named by a trade the NLU knows no course of: 司机培训
            (["保安"], [], ["保安"]),  # … nor the bureau: "no such course" is said, then the others
        ],
    )
    def test_named_trainings_and_job_categories_become_topics(self, training, categories, expected) -> None:
        assert wanted_topics(training, categories) == expected


SIMPLIFIED = OpenCC("t2s")
COURSE_TITLES = {
    "采茶技术": "春茶采摘技术培训", "制茶技术": "竹叶青制茶技术培训", "电焊": "电焊工培训班", "家政服务": "家政服务员培训班",
    "养老护理": "养老护理员培训班", "挖掘机驾驶": "挖掘机驾驶培训班", "厨师": "川菜厨师培训班",
}


class TestCoursesNamedByTheirTrade:
    """A course question naming a trade (采茶, 茶叶加工, 电焊, 保姆 …), in either script or in English, lists that
    trade's courses, with the real NLU: the trade reaches the `training` entity the catalogue is filtered by."""

    @pytest.fixture
    async def catalogue(self, sqlite_db: Database, trained_nlu) -> Assistant:  # type: ignore[no-untyped-def]
        for day, (topic, title) in enumerate(COURSE_TITLES.items(), start=3):
            await add_training(sqlite_db, title, topic, NOW + timedelta(days=day))
        return Assistant(sqlite_db, trained_nlu)

    @pytest.mark.parametrize(
        ("question", "topic"),
        [
            ("有没有采茶的培训", "采茶技术"),
            ("有沒有採茶的培訓", "采茶技术"),
            ("有没得茶叶加工的班", "制茶技术"),
            ("炒茶的课程有没有", "制茶技术"),
            ("电焊的课有没有", "电焊"),
            ("any welding courses?", "电焊"),
            ("保姆培训有吗", "家政服务"),
            ("where can I learn housekeeping", "家政服务"),
            ("有没有教人养老护理的", "养老护理"),
            ("挖掘机的培训班有没得", "挖掘机驾驶"),
            ("is there a tea processing class", "制茶技术"),
            ("想学摘茶叶", "采茶技术"),
        ],
    )
    async def test_lists_that_trades_courses(self, catalogue: Assistant, question: str, topic: str) -> None:
        chat = Conversation(catalogue, user_id="u1", now=NOW)
        await chat.say(question)
        assert chat.handled_as == "training_question"
        text = SIMPLIFIED.convert(chat.text())  # a traditional-character question is answered in traditional
        assert [title for title in COURSE_TITLES.values() if title in text] == [COURSE_TITLES[topic]]

    async def test_a_trade_without_a_course_says_so_and_shows_the_others(self, catalogue: Assistant) -> None:
        chat = Conversation(catalogue, user_id="u1", now=NOW)
        await chat.say("有没有保安的培训")
        assert chat.handled_as == "training_question" and "没有“保安”" in chat.text()
        assert all(title in chat.text() for title in list(COURSE_TITLES.values())[:5])


class TestCatalogue:
    async def test_lists_upcoming_courses_with_dates_mode_seats_and_subsidy(self, setup) -> None:
        assistant, _ = setup
        chat = Conversation(assistant, user_id="worker1", now=NOW)
        await chat.say("有什么培训")
        text = chat.text()
        assert "春茶采摘技术培训" in text and "川菜厨师培训班" in text
        assert "去年的制茶培训" not in text
        assert "3月5日(周四) 08:30–16:30" in text
        assert "线上培训" in text and "线下培训：峨眉山市职业技术学校" in text
        assert "还剩 2 个名额" in text and "结业补贴500元" in text
        assert text.index("春茶采摘技术培训") < text.index("川菜厨师培训班")

    @pytest.mark.parametrize("question", ["有没有采茶培训", "采茶的活路有培训吗"])
    async def test_a_topic_or_job_category_filters_the_catalogue(self, setup, question: str) -> None:
        assistant, _ = setup
        chat = Conversation(assistant, user_id="worker1", now=NOW)
        await chat.say(question)
        assert "春茶采摘技术培训" in chat.text() and "川菜厨师培训班" not in chat.text()

    async def test_no_course_on_the_topic_says_so_and_shows_the_others(self, setup) -> None:
        assistant, _ = setup
        chat = Conversation(assistant, user_id="worker1", now=NOW)
        await chat.say("想学电焊")
        assert "没有“电焊”" in chat.text() and "川菜厨师培训班" in chat.text()

    async def test_english_question_gets_english_dates(self, setup) -> None:
        assistant, _ = setup
        chat = Conversation(assistant, user_id="worker1", now=NOW)
        await chat.say("any training courses")
        assert "Thu 5 Mar 08:30" in chat.text() and "2 places left" in chat.text()

    async def test_details_show_organiser_and_an_enrol_button(self, setup) -> None:
        assistant, _ = setup
        chat = Conversation(assistant, user_id="worker1", now=NOW)
        await chat.say("有没有采茶培训")
        await chat.press("详情")
        assert "峨眉山市就业服务中心" in chat.text()
        assert [b.label for b in chat.buttons()] == ["我要报名"]

    async def test_a_group_sees_courses_but_enrols_in_private(self, setup) -> None:
        assistant, _ = setup
        group = Conversation(assistant, user_id="worker1", chat_id="-100", chat_type=ChatType.GROUP, now=NOW)
        await group.say("有什么培训")
        assert "春茶采摘技术培训" in group.text() and "私聊" in group.text() and len(group.last) == 1
        assert all(b.label != "我要报名" for b in group.buttons())


class TestEnrolment:
    async def test_a_registered_worker_enrols_and_the_seat_is_counted(self, setup) -> None:
        assistant, courses = setup
        chat = Conversation(assistant, user_id="worker1", now=NOW)
        await chat.say("有没有采茶培训")
        await chat.press("我要报名")
        assert "报名成功" in chat.text() and "3月5日(周四) 08:30" in chat.text()
        assert await _enrolments(assistant.db, courses["tea"]) == 1
        await chat.say("有没有采茶培训")
        assert "还剩 1 个名额" in chat.text()

    async def test_an_unregistered_person_is_told_to_register_first(self, setup) -> None:
        assistant, courses = setup
        chat = Conversation(assistant, user_id="stranger", now=NOW)
        await chat.say("有没有采茶培训")
        await chat.press("我要报名")
        assert "登记" in chat.text() and chat.buttons() == []
        assert await _enrolments(assistant.db, courses["tea"]) == 0

    async def test_training_enroll_intent_checks_registration_before_listing(self, setup) -> None:
        assistant, _ = setup
        stranger = Conversation(assistant, user_id="stranger", now=NOW)
        await stranger.say("我要报名培训")
        assert "登记" in stranger.text() and "春茶" not in stranger.text()
        worker = Conversation(assistant, user_id="worker1", now=NOW)
        await worker.say("我要报名培训")
        assert "请选择要报名的培训班" in worker.text()

    async def test_pressing_enrol_twice_enrols_once_with_a_friendly_answer(self, setup) -> None:
        assistant, courses = setup
        chat = Conversation(assistant, user_id="worker1", now=NOW)
        await chat.say("有没有采茶培训")
        listing = chat.last
        await chat.press("我要报名")
        chat.last = listing
        await chat.press("我要报名")
        assert "已经报名" in chat.text()
        assert await _enrolments(assistant.db, courses["tea"]) == 1

    async def test_a_full_course_refuses_and_offers_others(self, setup) -> None:
        assistant, courses = setup
        async with assistant.db.session() as session:
            other = await add_person_in(session, "x1")
            another = await add_person_in(session, "x2")
            for worker in (other, another):
                assert (
                    await enrol(session, training_id=courses["tea"], worker_id=worker, now=NOW)
                    == EnrolResult.ENROLLED
                )
        chat = Conversation(assistant, user_id="worker1", now=NOW)
        await chat.say("有什么培训")
        assert "名额已满" in chat.text()
        await chat.press("详情")
        assert "我要报名" not in [b.label for b in chat.buttons()]

    async def test_a_started_course_cannot_be_joined(self, sqlite_db: Database) -> None:
        course = await add_training(sqlite_db, "早就开始的班", "电工", NOW + timedelta(hours=1))
        worker = await add_person(sqlite_db, "w", registered=True)
        async with sqlite_db.session() as session:
            result = await enrol(session, training_id=course, worker_id=worker, now=NOW + timedelta(hours=2))
        assert result == EnrolResult.STARTED


async def add_person_in(session, user_id: str) -> int:  # type: ignore[no-untyped-def]
    from storage.models import ChannelIdentity, Person, WorkerProfile

    person = Person(role="worker", name=user_id, profile=WorkerProfile())
    person.identities.append(ChannelIdentity(channel="terminal", external_id=user_id, chat_id=user_id))
    session.add(person)
    await session.flush()
    return person.id


class TestNoOverbooking:
    async def test_twenty_concurrent_enrolments_for_five_seats_enrol_exactly_five(
        self, any_db: Database
    ) -> None:
        course = await add_training(any_db, "家政服务培训", "家政服务", NOW + timedelta(days=5), capacity=5)
        workers = [await add_person(any_db, f"w{i}", registered=True) for i in range(20)]

        async def one(worker: int) -> EnrolResult:
            async with any_db.session() as session:
                return await enrol(session, training_id=course, worker_id=worker, now=NOW)

        results = await asyncio.gather(*(one(w) for w in workers))
        assert results.count(EnrolResult.ENROLLED) == 5
        assert results.count(EnrolResult.FULL) == 15
        assert await _enrolments(any_db, course) == 5

    async def test_concurrent_presses_of_the_same_worker_enrol_once(self, any_db: Database) -> None:
        course = await add_training(any_db, "电商直播培训", "电商直播", NOW + timedelta(days=5), capacity=5)
        worker = await add_person(any_db, "w", registered=True)

        async def one() -> EnrolResult:
            async with any_db.session() as session:
                return await enrol(session, training_id=course, worker_id=worker, now=NOW)

        results = await asyncio.gather(*(one() for _ in range(8)))
        assert results.count(EnrolResult.ENROLLED) == 1
        assert results.count(EnrolResult.ALREADY) == 7
        assert await _enrolments(any_db, course) == 1

    async def test_concurrent_workers_pressing_enrol_in_chat_never_overbook(self, any_db: Database) -> None:
        course = await add_training(any_db, "养老护理培训", "养老护理", NOW + timedelta(days=5), capacity=3)
        nlu = ScriptedNLU({"养老护理培训": ("training_question", {"training": "养老护理"})})
        assistant = Assistant(any_db, nlu)
        chats = []
        for i in range(10):
            await add_person(any_db, f"c{i}", registered=True)
            chat = Conversation(assistant, user_id=f"c{i}", now=NOW)
            await chat.say("养老护理培训")
            chats.append(chat)
        await asyncio.gather(*(chat.press("我要报名") for chat in chats))
        answers = [chat.text() for chat in chats]
        assert sum("报名成功" in a for a in answers) == 3
        assert sum("报满" in a for a in answers) == 7
        assert await _enrolments(any_db, course) == 3


class TestReminders:
    START = NOW + timedelta(hours=30)

    @pytest.mark.parametrize(
        ("now", "reminded", "due"),
        [
            (START - timedelta(hours=30), False, False),  # too early
            (START - timedelta(hours=24), False, True),  # exactly the lead time
            (START - timedelta(hours=2), False, True),
            (START - timedelta(hours=2), True, False),  # reminded already
            (START, False, False),  # started: too late
            (START + timedelta(hours=1), False, False),
        ],
    )
    def test_reminder_due(self, now, reminded: bool, due: bool) -> None:
        assert reminder_due(self.START, NOW if reminded else None, now) is due

    async def test_due_enrolments_are_queued_once_and_marked(self, any_db: Database) -> None:
        soon = await add_training(
            any_db, "茶叶加工培训", "制茶技术", NOW + timedelta(hours=20), location="双福镇茶厂"
        )
        later = await add_training(any_db, "电工培训", "电工", NOW + timedelta(days=5))
        worker = await add_person(any_db, "worker1", registered=True)
        english = await add_person(any_db, "worker2", registered=True)
        async with any_db.session() as session:
            from storage.models import Person

            (await session.get(Person, english)).language = "en"
            for course in (soon, later):
                for person in (worker, english):
                    await enrol(session, training_id=course, worker_id=person, now=NOW)

        assert await send_training_reminders(any_db, NOW) == 2
        assert await send_training_reminders(any_db, NOW + timedelta(minutes=5)) == 0
        (chinese,) = await outbox_for(any_db, "worker1")
        (english_message,) = await outbox_for(any_db, "worker2")
        assert chinese.purpose.startswith("training-reminder:")
        assert "茶叶加工培训" in chinese.payload["text"] and "双福镇茶厂" in chinese.payload["text"]
        assert "3月3日(周二) 05:30" in chinese.payload["text"]
        assert "Training reminder" in english_message.payload["text"]
        async with any_db.session() as session:
            reminded = (
                await session.execute(select(Enrollment).where(Enrollment.reminded_at.is_not(None)))
            ).scalars()
            assert {e.training_id for e in reminded} == {soon}

    async def test_the_later_course_is_reminded_when_its_time_comes(self, sqlite_db: Database) -> None:
        course = await add_training(sqlite_db, "电工培训", "电工", NOW + timedelta(days=5))
        worker = await add_person(sqlite_db, "worker1", registered=True)
        async with sqlite_db.session() as session:
            await enrol(session, training_id=course, worker_id=worker, now=NOW)
        assert await send_training_reminders(sqlite_db, NOW) == 0
        assert await send_training_reminders(sqlite_db, NOW + timedelta(days=4, hours=1)) == 1
