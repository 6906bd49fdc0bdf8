"""Conversations that remember, through the harness with the real NLU on the demo county: follow-ups refine or
continue the last question, "第一个" names an item of the last list, "不是这个" goes back, groups and channels
without buttons get one numbered message, and a group's list follows the worker into the private chat."""

from __future__ import annotations

import asyncio
import re
import shutil
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opencc import OpenCC
from sqlalchemy import func, select

from bot.harness import Conversation
from flows.assistant import Assistant
from flows.messages import ChatType
from flows.turn import FlowSettings
from storage.db import Database
from storage.demo import load_demo
from storage.migrate import upgrade
from storage.models import Application, Case, ConversationState, Enrollment
from tests.conftest import NOW
from tests.factories import add_postings

SETTINGS = FlowSettings(bot_username="mishu_bot")
GROUP = "-100777"
# A traditional-character conversation gets its whole reply, data included, in traditional characters: compare
# it with the demo's (simplified) data after converting back.
SIMPLIFIED = OpenCC("t2s")


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo county once per module; each test talks to its own copy."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"

    async def build() -> None:
        db = Database(f"sqlite:///{path}")
        await upgrade(db)
        await load_demo(db, today=NOW.astimezone(SETTINGS.zone).date())
        await db.dispose()

    asyncio.run(build())
    return path


@pytest.fixture
async def assistant(demo_file: Path, tmp_path: Path, trained_nlu) -> Assistant:  # type: ignore[no-untyped-def]
    copy = tmp_path / "demo.db"
    shutil.copyfile(demo_file, copy)
    db = Database(f"sqlite:///{copy}")
    yield Assistant(db, trained_nlu, SETTINGS)
    await db.dispose()


def private(assistant: Assistant, user: str = "new1", **options: object) -> Conversation:
    return Conversation(assistant, user_id=user, now=NOW, **options)  # type: ignore[arg-type]


def group(assistant: Assistant, user: str = "new1") -> Conversation:
    return Conversation(assistant, user_id=user, chat_id=GROUP, chat_type=ChatType.GROUP, now=NOW)


def numbered(chat: Conversation) -> dict[int, str]:
    """The titles of the last list by their number ("3. 黄湾镇茶园采茶工 · …" → {3: "黄湾镇茶园采茶工"})."""
    found = {}
    for line in chat.text().splitlines():
        match = re.match(r"^(\d+)\. (?:🚌 )?(?:\*\*)?(.+?)(?:\*\*)?(?: · |$)", line)
        if match:
            found[int(match.group(1))] = match.group(2)
    return found


async def count(assistant: Assistant, model: type) -> int:
    async with assistant.db.session() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


class TestFollowUps:
    @pytest.mark.parametrize(
        ("first", "then", "heading"),
        [
            ("有没有采茶的工作", "符溪镇的呢", "符溪镇的采茶工"),
            ("有沒有採茶的工作", "符溪鎮的呢", "符溪镇的采茶工"),
            ("有没得采茶的活路", "符溪镇的喃", "符溪镇的采茶工"),
            # The Chinese place name makes this message read as Chinese (flows.i18n.detect_language): either heading.
            ("any tea picking jobs", "what about 符溪镇", "符溪镇"),
            ("any tea picking jobs", "what about Fuxi?", "符溪镇"),  # the township in pinyin
        ],
    )
    async def test_a_place_refines_the_last_job_search(self, assistant: Assistant, first: str, then: str,
                                                        heading: str) -> None:
        chat = private(assistant)
        await chat.say(first)
        await chat.say(then)
        assert chat.handled_as == "job_search"
        text = SIMPLIFIED.convert(chat.text())
        assert heading in text  # what was understood, so a wrong guess shows
        places = re.findall(r"📍 (\S+)", text)
        assert places and set(places) == {"符溪镇"}

    @pytest.mark.parametrize(
        ("first", "then"),
        [("有没有工厂的活", "有没有工资高点的"), ("有没有工厂的活", "工资高点的"), ("有没得进厂的活", "工资高点的有没得"),
         ("any factory jobs", "any with higher pay?")],
    )
    async def test_better_pay_is_a_sorted_job_search_not_wage_arrears(self, assistant: Assistant, first: str,
                                                                      then: str) -> None:
        chat = private(assistant)
        await chat.say(first)
        await chat.say(then)
        assert chat.handled_as == "job_search" and "12333" not in chat.text()
        assert await count(assistant, Case) == 0  # nobody was told about unpaid wages
        tops = [int(high) for high in re.findall(r"💰 \d+-(\d+)", chat.text())]
        assert len(tops) == 3 and tops == sorted(tops, reverse=True)

    @pytest.mark.parametrize(
        ("first", "then"),
        [("有没有去浙江的车", "要带啥子东西"), ("有沒有去浙江的車", "要帶什麼東西"), ("有没得去浙江的车", "要带些啥子"),
         ("any buses to Zhejiang", "what do I need to bring")],
    )
    async def test_what_to_bring_answers_for_the_buses_shown(self, assistant: Assistant, first: str,
                                                             then: str) -> None:
        chat = private(assistant)
        await chat.say(first)
        destinations = re.findall(r"→ ([^\s*]+)", chat.text())
        await chat.say(then)
        assert chat.handled_as == "transport_question" and "健康" in chat.text()
        assert all(destination in chat.text() for destination in destinations)

    async def test_seats_left_and_tomorrow_continue_the_bus_question(self, assistant: Assistant) -> None:
        chat = private(assistant)
        await chat.say("有没有去浙江的车")
        await chat.say("还有座位吗")
        assert chat.handled_as == "transport_question" and "个座位" in chat.text() and "岗位" not in chat.text()
        await chat.say("明天的呢")
        assert chat.handled_as == "transport_question" and "去浙江" in chat.text()

    async def test_more_pages_on_and_numbers_count_from_the_top(self, assistant: Assistant) -> None:
        chat = private(assistant)
        await chat.say("有没有采茶的工作")
        first_page = numbered(chat)
        await chat.say("还有吗")
        second_page = numbered(chat)
        assert chat.handled_as == "job_search" and sorted(second_page) == [4, 5, 6]
        await chat.say("第4个")
        assert second_page[4] in chat.text() and "☎" in chat.text()
        await chat.say("第2个")
        assert first_page[2] in chat.text()

    async def test_typing_more_after_pressing_more_goes_on_from_there(self, assistant: Assistant) -> None:
        chat = private(assistant)
        await chat.say("有没有采茶的工作")
        await chat.press("再看几个")
        assert all(reply.text for reply in chat.last) and chat.last[0].edit
        await chat.say("more")
        assert sorted(numbered(chat)) == [7, 8, 9]

    async def test_local_puts_the_countys_postings_first(self, assistant: Assistant) -> None:
        chat = private(assistant)
        await chat.say("有没有保安的工作")
        await chat.say("就在本地的，不想出去")
        assert chat.handled_as == "job_search" and "离您近的排前面" in chat.text()
        places = re.findall(r"📍 (\S+)", chat.text())
        assert places and all(place.endswith(("镇", "乡", "街道")) for place in places)

    async def test_not_this_goes_back_and_then_asks_again(self, assistant: Assistant) -> None:
        chat = private(assistant)
        await chat.say("有没有采茶的工作")
        await chat.say("双福镇的呢")
        assert "双福镇的采茶工" in chat.text()
        await chat.say("不是这个")
        assert chat.handled_as == "job_search" and "回到采茶工" in chat.text()
        await chat.say("不对")
        assert "您想找什么样的工作" in chat.text()

    async def test_a_complete_new_question_replaces_the_topic(self, assistant: Assistant) -> None:
        chat = private(assistant)
        await chat.say("有没有去浙江的车")
        await chat.say("有没有采茶的工作")
        assert chat.handled_as == "job_search"
        titles = numbered(chat)
        await chat.say("第一个")
        assert chat.handled_as == "job_search" and titles[1] in chat.text()

    async def test_thanks_and_greetings_leave_the_list_where_it_was(self, assistant: Assistant) -> None:
        chat = private(assistant)
        await chat.say("有没有采茶的工作")
        titles = numbered(chat)
        await chat.say("谢谢")
        assert chat.handled_as == "thanks"
        await chat.say("第三个")
        assert titles[3] in chat.text()

    async def test_the_context_is_forgotten_after_the_configured_minutes(self, assistant: Assistant) -> None:
        chat = private(assistant)
        await chat.say("有没有采茶的工作")
        assert chat.now is not None
        chat.now += timedelta(minutes=SETTINGS.context_minutes + 1)
        await chat.say("第一个")
        assert "还没给您列出" in chat.text()

    async def test_a_persons_group_context_is_separate_from_their_private_one(self, assistant: Assistant) -> None:
        in_group, alone = group(assistant), private(assistant)
        await in_group.say("有没有采茶的工作", addressed=True)
        titles = numbered(in_group)
        await alone.say("第一个")
        assert "还没给您列出" in alone.text()
        await in_group.say("第一个")
        assert titles[1] in in_group.text()


    async def test_more_about_unpaid_wages_goes_to_the_same_case(self, assistant: Assistant) -> None:
        chat = private(assistant, "worker1")
        before = await count(assistant, Case)
        await chat.say("老板欠我工资")
        assert chat.handled_as == "wage_arrears"
        await chat.say("欠了三个月了")  # read as unpaid wages again: it joins the open case
        assert chat.handled_as == "wage_arrears" and "一并转过去了" in chat.text()
        assert await count(assistant, Case) == before + 1
        async with assistant.db.session() as session:
            case = (await session.execute(select(Case).order_by(Case.id.desc()))).scalars().first()
            assert case is not None and case.context[-1]["text"] == "欠了三个月了"

    async def test_a_weekday_after_asking_about_next_week_is_that_weeks_day(self, assistant: Assistant) -> None:
        chat = private(assistant)
        await chat.say("下个星期有车没得")  # Monday 2 March: the list starts on the 9th
        listed = numbered(chat)
        await chat.say("星期六那趟要带啥子")  # Saturday the 14th, not the 7th
        text = chat.text()
        assert chat.handled_as == "transport_question" and "乘车要求" in text and "没有对得上" not in text
        assert "没有专车" not in text  # the search's note was said with the list, not again
        answered = [int(n) for n in re.findall(r"^(\d+)\. ", text, flags=re.M)]
        assert answered and all(n in listed for n in answered) and len(answered) < len(listed)

    async def test_the_fare_of_the_buses_shown_is_not_unpaid_wages(self, assistant: Assistant) -> None:
        chat = private(assistant)
        await chat.say("去广东的车有吗")
        await chat.say("要钱吗")
        assert chat.handled_as == "transport_question" and "免费" in chat.text()
        assert await count(assistant, Case) == 0

    @pytest.mark.parametrize(("first", "then", "traditional"), [
        ("我要登記", "取消", "還有什麼可以幫您"),
        ("我要登記", "同意", "怎麼稱呼"),
    ])
    async def test_words_written_alike_in_both_scripts_keep_the_script_of_the_conversation(
        self, assistant: Assistant, first: str, then: str, traditional: str
    ) -> None:
        chat = private(assistant)
        await chat.say(first)
        await chat.say(then)
        assert traditional in chat.text()
        await chat.say("有没有采茶的工作")  # simplified characters switch back
        assert "为您找到" in chat.text() or "采茶" in chat.text() and "個" not in chat.text()


class TestAskingForTheBetterPaid:
    """However "the better paid first" is said — a superlative or a comparative, in either script or in English,
    alone or around the trade — the search is the one "工资高点的" gives: sorted by pay, the trade kept, and none
    of those words searched for as text."""

    async def _reference(self, assistant: Assistant, question: str) -> dict[int, str]:
        reference = private(assistant, user="reference")
        await reference.say(question)
        assert "工资高的排前面" in reference.text() and "“" not in reference.text()
        return numbered(reference)

    @pytest.mark.parametrize(
        "question",
        ["工资最高的采茶工作", "采茶的活哪个钱最多", "待遇最好的采茶工", "收入高一点的采茶活路", "工資最高的採茶工作",
         "哪个采茶的工资高", "最赚钱的采茶活", "which tea picking job pays the most", "best paid tea picking jobs"],
    )
    async def test_the_trade_sorted_by_pay(self, assistant: Assistant, question: str) -> None:
        expected = await self._reference(assistant, "有没有采茶的工作，工资高点的")
        chat = private(assistant)
        await chat.say(question)
        assert chat.handled_as == "job_search" and "12333" not in chat.text()
        text = SIMPLIFIED.convert(chat.text())
        assert ("采茶工" in text or "tea" in text) and "“" not in text and '"' not in text
        assert "工资高的排前面" in text or "highest pay first" in text
        assert {n: SIMPLIFIED.convert(title) for n, title in numbered(chat).items()} == expected

    @pytest.mark.parametrize("then", ["哪个工资最高", "钱最多的呢", "待遇最好的", "收入高些的有没得", "哪個錢最多",
                                      "which pays the most?"])
    async def test_after_a_search_it_sorts_the_list_by_pay(self, assistant: Assistant, then: str) -> None:
        expected = await self._reference(assistant, "有没有采茶的工作，工资高点的")
        chat = private(assistant)
        await chat.say("有没有采茶的工作")
        await chat.say(then)
        assert chat.handled_as == "job_search" and "12333" not in chat.text()
        assert await count(assistant, Case) == 0
        assert {n: SIMPLIFIED.convert(title) for n, title in numbered(chat).items()} == expected

    @pytest.mark.parametrize("then", ["工资高不高", "工資高嗎", "钱多不多", "收入咋样"])
    async def test_asking_how_well_they_pay_answers_for_the_list_and_opens_no_case(self, assistant: Assistant,
                                                                                  then: str) -> None:
        chat = private(assistant)
        await chat.say("有没有采茶的工作")
        titles = numbered(chat)
        await chat.say(then)
        assert chat.handled_as == "job_search" and "12333" not in chat.text()
        assert await count(assistant, Case) == 0
        text = SIMPLIFIED.convert(chat.text())
        assert all(title in text for title in titles.values()) and "元/天" in text

    @pytest.mark.parametrize("question", ["钱最多的", "待遇最好的", "工資最高", "哪个工资高", "highest pay"])
    async def test_said_alone_it_is_a_search_sorted_by_pay(self, assistant: Assistant, question: str) -> None:
        expected = await self._reference(assistant, "工资高点的")
        chat = private(assistant)
        await chat.say(question)
        assert chat.handled_as == "job_search" and "“" not in chat.text()
        assert {n: SIMPLIFIED.convert(title) for n, title in numbered(chat).items()} == expected


class TestReferences:
    @pytest.mark.parametrize(
        ("text", "number"),
        [("第二个详细说说", 2), ("2", 2), ("二号", 2), ("最后那个", 3), ("头一个", 1), ("第2個", 2), ("the first one", 1),
         ("no. 2", 2), ("第三条", 3)],
    )
    async def test_a_reference_shows_that_posting(self, assistant: Assistant, text: str, number: int) -> None:
        chat = private(assistant)
        await chat.say("有没有采茶的工作")
        titles = numbered(chat)
        await chat.say(text)
        assert chat.handled_as == "job_search"
        assert titles[number] in SIMPLIFIED.convert(chat.text()) and "☎" in chat.text()

    async def test_applying_by_typing_applies_once(self, assistant: Assistant) -> None:
        chat = private(assistant, "worker1")  # a registered demo worker
        before = await count(assistant, Application)
        await chat.say("有没有采茶的工作")
        title = numbered(chat)[1]
        await chat.say("我要报第一个")
        assert chat.handled_as == "job_apply" and f"已为您报名“{title}”" in chat.text()
        await chat.say("我要报第一个")
        assert chat.handled_as == "job_apply" and "已经报名过" in chat.text()
        assert await count(assistant, Application) == before + 1

    async def test_enrolling_in_the_course_looked_at(self, assistant: Assistant) -> None:
        chat = private(assistant, "worker1")
        before = await count(assistant, Enrollment)
        await chat.say("有什么培训")
        title = numbered(chat)[2]
        await chat.say("第二个")
        assert chat.handled_as == "training_question" and title in chat.text()
        await chat.say("我要报名")
        assert chat.handled_as == "training_enroll" and title in chat.text()
        assert "报名成功" in chat.text() or "已经报名了" in chat.text()
        await chat.say("我要报名")
        assert "已经报名了" in chat.text()
        assert await count(assistant, Enrollment) <= before + 1

    async def test_booking_the_first_bus_by_typing(self, assistant: Assistant) -> None:
        chat = private(assistant, "worker1")
        await chat.say("有没有去浙江的车")
        await chat.say("我要订第一个")
        assert "要订几个座位" in chat.text()

    @pytest.mark.parametrize("buttons_shown", [True, False])
    async def test_booking_by_typing_the_seats_and_yes(self, assistant: Assistant, buttons_shown: bool) -> None:
        """"How many seats?" and "book them?" (the booking form) are answered by typing in every channel."""
        chat = private(assistant, "worker1", buttons_shown=buttons_shown)
        await chat.say("有没有去浙江的车")
        await chat.say("订第一个")
        await chat.say("2个")
        assert "确认订 2 个座位吗" in chat.text()
        await chat.say("好的")
        assert "订座成功" in chat.text()
        await chat.say("订第一个")
        assert chat.handled_as == "transport_question" and "您已经订了这趟车" in chat.text()

    @pytest.mark.parametrize(("pick", "seats"), [("第一个，订两个位子", 2), ("第一个订3个座位", 3), ("1号，要两张票", 2)])
    async def test_the_bus_and_its_seats_in_one_message(self, assistant: Assistant, pick: str, seats: int) -> None:
        chat = private(assistant, "worker1")
        await chat.say("有没有去浙江的车")
        await chat.say(pick)
        assert f"确认订 {seats} 个座位吗" in chat.text() and "要订几个座位" not in chat.text()
        await chat.say("要得")
        assert "订座成功" in chat.text()

    async def test_asking_about_seats_is_no_booking(self, assistant: Assistant) -> None:
        chat = private(assistant, "worker1")
        await chat.say("有没有去浙江的车")
        await chat.say("还有几个位子")
        assert chat.handled_as == "transport_question" and "确认订" not in chat.text()

    async def test_a_question_about_the_bus_leaves_the_seats_question_open(self, assistant: Assistant) -> None:
        chat = private(assistant, "worker1")
        await chat.say("有没有去浙江的车")
        await chat.say("订第一个")
        await chat.say("要带啥子东西")
        assert "健康" in chat.text()
        await chat.say("两个")
        assert "确认订 2 个座位吗" in chat.text()

    async def test_no_after_how_many_seats_cancels(self, assistant: Assistant) -> None:
        chat = private(assistant, "worker1")
        await chat.say("有没有去浙江的车")
        await chat.say("订第一个")
        await chat.say("不要了")
        assert "取消" in chat.text()
        await chat.say("1")
        assert "→" in chat.text() and "确认订" not in chat.text()  # a number is a bus again, not seats

    async def test_a_number_beyond_the_list_and_a_number_with_no_list(self, assistant: Assistant) -> None:
        chat = private(assistant)
        await chat.say("第一个")
        assert "还没给您列出" in chat.text()
        await chat.say("有没有采茶的工作")
        await chat.say("第9个")
        assert "第 1 到第 3 个" in chat.text()

    async def test_a_policy_among_the_choices(self, assistant: Assistant) -> None:
        chat = private(assistant)
        await chat.say("有哪些政策")
        titles = [b.label for b in chat.buttons()]
        assert len(titles) >= 2
        await chat.say("2")
        assert chat.handled_as == "policy_question" and titles[1].split(". ", 1)[1] in chat.text()
        await chat.say("怎么申请")
        assert "怎么申请" in chat.text() and titles[1].split(". ", 1)[1] in chat.text()


class TestWhereRepliesLand:
    async def test_a_group_gets_one_numbered_message_and_a_link_that_carries_the_list(
        self, assistant: Assistant
    ) -> None:
        in_group = group(assistant)
        await in_group.say("有没有采茶的工作", addressed=True)
        assert len(in_group.last) == 1 and in_group.buttons() == []
        titles = numbered(in_group)
        (link,) = [b.url for row in in_group.last[0].buttons for b in row if b.url]
        assert link.startswith("https://t.me/mishu_bot?start=ctx_")
        someone_else = private(assistant, "new2")  # anyone in the group may open it
        await someone_else.say("/start " + link.split("start=", 1)[1])
        assert someone_else.handled_as == "job_search" and numbered(someone_else) == titles
        await someone_else.say("第一个")
        assert titles[1] in someone_else.text() and "☎" in someone_else.text()

    @pytest.mark.parametrize(("question", "marker"), [("有什么培训", "培训"), ("有没有返岗专车", "→")])
    async def test_courses_and_buses_are_one_message_in_a_group(self, assistant: Assistant, question: str,
                                                               marker: str) -> None:
        in_group = group(assistant)
        await in_group.say(question, addressed=True)
        assert len(in_group.last) == 1 and marker in in_group.text() and "1. " in in_group.text()
        await in_group.say("第一个")
        assert len(in_group.last) == 1

    async def test_a_channel_without_buttons_gets_the_list_and_answers_by_typing(self, assistant: Assistant) -> None:
        chat = private(assistant, buttons_shown=False)
        await chat.say("有没有采茶的工作")
        assert len(chat.last) == 1 and chat.buttons() == [] and "还有吗" in chat.text()
        titles = numbered(chat)
        await chat.say("2")
        assert titles[2] in chat.text() and "报第2个" in chat.text() and chat.buttons() == []

    async def test_a_stale_link_says_so(self, assistant: Assistant) -> None:
        chat = private(assistant)
        await chat.say("/start ctx_nothing-here")
        assert "过期" in chat.text()


async def test_the_context_lives_in_the_state_row_per_chat(any_db: Database, trained_nlu) -> None:  # type: ignore[no-untyped-def]
    await add_postings(any_db, NOW.date())
    assistant = Assistant(any_db, trained_nlu, SETTINGS)
    alone = private(assistant, "u1")
    in_group = group(assistant, "u1")
    await alone.say("有没有采茶的工作")
    await in_group.say("有没有厂里的活", addressed=True)
    async with any_db.session() as session:
        state = (await session.execute(select(ConversationState))).scalar_one()
    assert state.context["u1"]["topic"] == "jobs" and state.context[GROUP]["topic"] == "jobs"
    assert state.context["u1"]["criteria"]["categories"] == ["采茶工"]
    assert state.context[GROUP]["criteria"]["categories"] == ["普工"]
    await alone.say("第一个")
    assert "春茶采摘工" in alone.text()


# --- anything typed after a list ------------------------------------------------------------------------

FRAGMENTS = ["符溪镇", "双福", "浙江", "采茶", "普工", "工资高点", "五千以上", "包吃住", "明天", "第一个", "二号", "最后那个",
             "这个", "还有吗", "要带啥", "座位", "报名", "订座", "不是这个", "不对", "的呢", "有没有", "吗", "谢谢", "1", "12",
             "the first one", "more", "higher pay", "what about", "？", "！", "😀", "/start", "取消"]


@pytest.fixture(scope="module")
def runner() -> Iterator[asyncio.Runner]:
    with asyncio.Runner() as loop:
        yield loop


@pytest.fixture(scope="module")
def shared(demo_file: Path, tmp_path_factory: pytest.TempPathFactory, trained_nlu, runner: asyncio.Runner):  # type: ignore[no-untyped-def]
    copy = tmp_path_factory.mktemp("fuzz") / "demo.db"
    shutil.copyfile(demo_file, copy)
    db = Database(f"sqlite:///{copy}")
    yield Assistant(db, trained_nlu, SETTINGS)
    runner.run(db.dispose())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    first=st.sampled_from(["有没有采茶的工作", "有没有去浙江的车", "有什么培训", "有哪些政策"]),
    words=st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=6)), min_size=1, max_size=4),
    in_group=st.booleans(),
)
def test_any_text_after_a_list_is_answered(shared: Assistant, runner: asyncio.Runner, first: str,
                                           words: list[str], in_group: bool) -> None:
    """Whatever follows a list refines or continues it, or starts anew: never an exception, always a reply
    (in private; in a group only when addressed, as here)."""
    user = f"fuzz{uuid.uuid4().hex[:8]}"
    chat = group(shared, user) if in_group else private(shared, user)
    text = "".join(words)
    runner.run(chat.say(first, addressed=in_group))
    replies = runner.run(chat.say(text, addressed=in_group))
    if text.strip():
        assert replies and all(reply.text for reply in replies)
        assert chat.handled_as
