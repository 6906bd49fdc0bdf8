"""Return-to-work buses in chat: departures and filters, booking seats, cancelling, no overbooking."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.harness import Conversation
from flows.assistant import Assistant
from flows.messages import ChatType
from flows.transport import seat_choices, send_bus_reminders
from storage.db import Database
from storage.models import Booking, Person
from storage.queries.transport import BookResult, book, cancel_booking
from tests.conftest import NOW
from tests.flows.factories import add_departure, add_person, outbox_for
from tests.scripted_nlu import ScriptedNLU

# 07:00 on Wednesday 4 March in Shanghai.
WEDNESDAY_0700 = NOW + timedelta(days=2) - timedelta(hours=2, minutes=30)


@pytest.fixture
def nlu() -> ScriptedNLU:
    return ScriptedNLU(
        {
            "有没有返岗专车": "transport_question",
            "去东莞的车几号走": ("transport_question", {"location": "东莞"}),
            "去浙江的车": ("transport_question", {"location": "浙江"}),
            "去新疆的车": ("transport_question", {"location": "新疆"}),
            "8号的车": ("transport_question", {"date": "2026-03-08"}),
            "6号有车没": ("transport_question", {"date": "2026-03-06"}),
            "4月1号的车": ("transport_question", {"date": "2026-04-01"}),
            "6号去东莞的车": ("transport_question", {"location": "东莞", "date": "2026-03-06"}),
            "昨天的车": ("transport_question", {"date": "2026-03-01"}),
        }
    )


@pytest.fixture
async def setup(sqlite_db: Database, nlu: ScriptedNLU) -> tuple[Assistant, dict[str, int]]:
    buses = {
        "dongguan": await add_departure(
            sqlite_db, "东莞", "广东", WEDNESDAY_0700, seats=3, price="免费（企业承担）"
        ),
        "shaoxing": await add_departure(sqlite_db, "绍兴", "浙江", NOW + timedelta(days=6)),
        "gone": await add_departure(sqlite_db, "苏州", "江苏", NOW - timedelta(hours=3)),
    }
    await add_person(sqlite_db, "worker1", name="张三", registered=True)
    return Assistant(sqlite_db, nlu), buses


async def _seats_booked(db: Database, departure_id: int) -> int:
    async with db.session() as session:
        stmt = select(func.coalesce(func.sum(Booking.seats), 0)).where(
            Booking.departure_id == departure_id, Booking.status == "booked"
        )
        return int((await session.execute(stmt)).scalar() or 0)


async def _book_through_chat(chat: Conversation, seats: str) -> None:
    await chat.say("去东莞的车几号走")
    await chat.press("我要订座")
    await chat.press(seats)
    await chat.press("确认订座")


class TestSeatChoices:
    @pytest.mark.parametrize(("left", "choices"), [(40, [1, 2, 3, 4]), (3, [1, 2, 3]), (1, [1]), (0, [])])
    def test_one_to_four_but_never_more_than_left(self, left: int, choices: list[int]) -> None:
        assert seat_choices(left) == choices


class TestDepartures:
    async def test_lists_upcoming_buses_with_time_seats_pickup_requirements_and_price(self, setup) -> None:
        assistant, _ = setup
        chat = Conversation(assistant, user_id="worker1", now=NOW)
        await chat.say("有没有返岗专车")
        text = chat.text()
        assert "峨眉山市 → 东莞" in text and "峨眉山市 → 绍兴" in text and "苏州" not in text
        assert "3月4日(周三) 07:00" in text and "还剩 3 个座位" in text
        assert "符溪镇政府门口" in text and "核酸" in text and "免费（企业承担）" in text

    @pytest.mark.parametrize(
        ("question", "shown", "hidden"),
        [("去东莞的车几号走", "东莞", "绍兴"), ("去浙江的车", "绍兴", "东莞")],
    )
    async def test_a_city_or_province_filters(self, setup, question: str, shown: str, hidden: str) -> None:
        assistant, _ = setup
        chat = Conversation(assistant, user_id="worker1", now=NOW)
        await chat.say(question)
        assert f"→ {shown}" in chat.text() and f"→ {hidden}" not in chat.text()

    async def test_no_bus_to_a_place_says_so_and_shows_the_others(self, setup) -> None:
        assistant, _ = setup
        chat = Conversation(assistant, user_id="worker1", now=NOW)
        await chat.say("去新疆的车")
        assert "没有去“新疆”" in chat.text() and "→ 东莞" in chat.text()

    async def test_a_day_lists_the_buses_from_that_day(self, setup) -> None:
        assistant, _ = setup
        chat = Conversation(assistant, user_id="worker1", now=NOW)
        await chat.say("8号的车")
        assert "→ 绍兴" in chat.text() and "→ 东莞" not in chat.text()  # 东莞's leaves on the 4th
        assert "没有专车" not in chat.text()

    async def test_no_bus_on_the_day_says_so_and_shows_the_next(self, setup) -> None:
        assistant, _ = setup
        chat = Conversation(assistant, user_id="worker1", now=NOW)
        await chat.say("6号有车没")
        assert "3月6日(周五)没有专车" in chat.text()
        assert "→ 绍兴" in chat.text() and "→ 东莞" not in chat.text()

    async def test_nothing_from_the_day_on_shows_the_coming_buses(self, setup) -> None:
        assistant, _ = setup
        chat = Conversation(assistant, user_id="worker1", now=NOW)
        await chat.say("4月1号的车")
        assert "4月1日(周三)及以后暂时没有专车" in chat.text()
        assert "→ 绍兴" in chat.text() and "→ 东莞" in chat.text()

    async def test_a_place_and_a_day_with_nothing_from_then_shows_that_places_buses(self, setup) -> None:
        assistant, _ = setup
        chat = Conversation(assistant, user_id="worker1", now=NOW)
        await chat.say("6号去东莞的车")
        assert "及以后暂时没有专车" in chat.text()
        assert "→ 东莞" in chat.text() and "→ 绍兴" not in chat.text()

    async def test_a_day_gone_lists_the_coming_buses_without_a_note(self, setup) -> None:
        assistant, _ = setup
        chat = Conversation(assistant, user_id="worker1", now=NOW)
        await chat.say("昨天的车")
        assert "→ 绍兴" in chat.text() and "→ 东莞" in chat.text() and "没有专车" not in chat.text()

    async def test_a_group_gets_the_list_without_booking_buttons(self, setup) -> None:
        assistant, _ = setup
        group = Conversation(assistant, user_id="worker1", chat_id="-100", chat_type=ChatType.GROUP, now=NOW)
        await group.say("有没有返岗专车")
        assert "→ 东莞" in group.text() and "私聊" in group.text() and group.buttons() == []


class TestBooking:
    async def test_seat_buttons_stop_at_the_seats_left(self, setup) -> None:
        assistant, _ = setup
        chat = Conversation(assistant, user_id="worker1", now=NOW)
        await chat.say("去东莞的车几号走")
        await chat.press("我要订座")
        assert [b.label for b in chat.buttons()] == ["1", "2", "3", "取消"]

    async def test_book_two_seats_then_cancel(self, setup) -> None:
        assistant, buses = setup
        chat = Conversation(assistant, user_id="worker1", now=NOW)
        await _book_through_chat(chat, "2")
        assert "订座成功" in chat.text() and "2 个座位" in chat.text() and "峨眉山市客运中心" in chat.text()
        assert await _seats_booked(assistant.db, buses["dongguan"]) == 2
        await chat.press("退掉座位")
        assert "已退掉" in chat.text()
        assert await _seats_booked(assistant.db, buses["dongguan"]) == 0

    async def test_the_listing_offers_cancel_for_a_booked_bus(self, setup) -> None:
        assistant, buses = setup
        chat = Conversation(assistant, user_id="worker1", now=NOW)
        await _book_through_chat(chat, "1")
        await chat.say("去东莞的车几号走")
        assert "还剩 2 个座位" in chat.text() and [b.label for b in chat.buttons()] == ["退掉座位"]
        await chat.press("退掉座位")
        assert await _seats_booked(assistant.db, buses["dongguan"]) == 0

    async def test_confirm_pressed_twice_books_once(self, setup) -> None:
        assistant, buses = setup
        chat = Conversation(assistant, user_id="worker1", now=NOW)
        await chat.say("去东莞的车几号走")
        await chat.press("我要订座")
        await chat.press("1")
        confirm = chat.last
        await chat.press("确认订座")
        chat.last = confirm
        await chat.press("确认订座")
        assert "失效" in chat.text()
        assert await _seats_booked(assistant.db, buses["dongguan"]) == 1

    async def test_booking_the_same_bus_again_is_refused_kindly(self, setup) -> None:
        assistant, buses = setup
        chat = Conversation(assistant, user_id="worker1", now=NOW)
        await chat.say("去东莞的车几号走")
        listing = chat.last
        await chat.press("我要订座")
        seats = chat.last
        await chat.press("1")
        await chat.press("确认订座")
        chat.last = seats
        await chat.press("2")  # a seat button of the finished booking: its question was decided
        assert "已经答复过" in chat.text()
        chat.last = listing
        await chat.press("我要订座")  # the bus's button from before the booking
        assert "已经订了" in chat.text()
        assert await _seats_booked(assistant.db, buses["dongguan"]) == 1

    async def test_cancel_pressed_twice_cancels_once_and_rebooking_works(self, setup) -> None:
        assistant, buses = setup
        chat = Conversation(assistant, user_id="worker1", now=NOW)
        await _book_through_chat(chat, "1")
        booked = chat.last
        await chat.press("退掉座位")
        chat.last = booked
        await chat.press("退掉座位")
        assert "失效" in chat.text()
        await _book_through_chat(chat, "3")
        assert "订座成功" in chat.text()
        assert await _seats_booked(assistant.db, buses["dongguan"]) == 3

    async def test_an_unregistered_person_is_told_to_register(self, setup) -> None:
        assistant, buses = setup
        chat = Conversation(assistant, user_id="stranger", now=NOW)
        await chat.say("去东莞的车几号走")
        await chat.press("我要订座")
        assert "登记" in chat.text() and chat.buttons() == []
        assert await _seats_booked(assistant.db, buses["dongguan"]) == 0

    async def test_seats_taken_meanwhile_are_not_oversold(self, setup) -> None:
        assistant, buses = setup
        chat = Conversation(assistant, user_id="worker1", now=NOW)
        await chat.say("去东莞的车几号走")
        await chat.press("我要订座")
        await chat.press("3")
        other = await add_person(assistant.db, "worker2", registered=True)
        async with assistant.db.session() as session:
            result, _ = await book(session, departure_id=buses["dongguan"], worker_id=other, seats=1, now=NOW)
            assert result == BookResult.BOOKED
        await chat.press("确认订座")
        assert "只剩 2 个座位" in chat.text()
        assert await _seats_booked(assistant.db, buses["dongguan"]) == 1

    async def test_a_departed_bus_cannot_be_booked(self, setup) -> None:
        assistant, buses = setup
        worker = await add_person(assistant.db, "late", registered=True)
        async with assistant.db.session() as session:
            result, _ = await book(session, departure_id=buses["gone"], worker_id=worker, seats=1, now=NOW)
        assert result == BookResult.DEPARTED


class TestNoOverbooking:
    @pytest.mark.parametrize(("seats_each", "booked"), [(1, 5), (2, 2)])
    async def test_twenty_concurrent_bookings_never_exceed_the_seats(
        self, any_db: Database, seats_each: int, booked: int
    ) -> None:
        bus = await add_departure(any_db, "东莞", "广东", NOW + timedelta(days=2), seats=5)
        workers = [await add_person(any_db, f"w{i}", registered=True) for i in range(20)]

        async def one(worker: int) -> BookResult:
            async with any_db.session() as session:
                result, _ = await book(session, departure_id=bus, worker_id=worker, seats=seats_each, now=NOW)
                return result

        results = await asyncio.gather(*(one(w) for w in workers))
        assert results.count(BookResult.BOOKED) == booked
        assert await _seats_booked(any_db, bus) == booked * seats_each <= 5

    async def test_concurrent_confirmations_in_chat_never_overbook(self, any_db: Database) -> None:
        bus = await add_departure(any_db, "东莞", "广东", NOW + timedelta(days=2), seats=4)
        assistant = Assistant(any_db, ScriptedNLU({"去东莞": ("transport_question", {"location": "东莞"})}))
        chats = []
        for i in range(8):
            await add_person(any_db, f"c{i}", registered=True)
            chat = Conversation(assistant, user_id=f"c{i}", now=NOW)
            await chat.say("去东莞")
            await chat.press("我要订座")
            await chat.press("1")
            chats.append(chat)
        await asyncio.gather(*(chat.press("确认订座") for chat in chats))
        assert sum("订座成功" in chat.text() for chat in chats) == 4
        assert await _seats_booked(any_db, bus) == 4


class TestLunarNewYear:
    """Through the real NLU: workers name the day by the lunar calendar."""

    async def test_a_lunar_day_finds_the_bus_that_leaves_then(self, sqlite_db: Database, trained_nlu) -> None:
        winter = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)
        await add_departure(sqlite_db, "东莞", "广东", datetime(2027, 2, 9, 23, 0, tzinfo=UTC))  # 初四 07:00
        await add_departure(sqlite_db, "东莞", "广东", datetime(2027, 2, 12, 23, 0, tzinfo=UTC))  # 初八 07:00
        await add_person(sqlite_db, "worker1", name="张三", registered=True)
        chat = Conversation(Assistant(sqlite_db, trained_nlu), user_id="worker1", now=winter)
        await chat.say("正月初八有没得去东莞的车")
        assert "2月13日(周六) 07:00" in chat.text() and "2月10日" not in chat.text()
        assert "没有专车" not in chat.text()


class TestReminders:
    """The day before: time, pick-up point and requirements, once per booking, in the worker's language."""

    async def test_reminded_once_within_the_lead_time_with_pickup_and_requirements(self, any_db: Database) -> None:
        soon = await add_departure(any_db, "东莞", "广东", NOW + timedelta(hours=12))
        later = await add_departure(any_db, "绍兴", "浙江", NOW + timedelta(days=3))
        worker = await add_person(any_db, "worker1", registered=True)
        english = await add_person(any_db, "worker2", registered=True)
        async with any_db.session() as session:
            (await session.get(Person, english)).language = "en"
            for bus in (soon, later):
                for person in (worker, english):
                    await book(session, departure_id=bus, worker_id=person, seats=2, now=NOW - timedelta(days=2))
        assert await send_bus_reminders(any_db, NOW) == 2
        assert await send_bus_reminders(any_db, NOW + timedelta(minutes=15)) == 0
        (chinese,) = await outbox_for(any_db, "worker1")
        (english_message,) = await outbox_for(any_db, "worker2")
        assert chinese.purpose.startswith("bus-reminder:")
        text = chinese.payload["text"]
        assert "去东莞" in text and "2 个座位" in text and "符溪镇政府门口" in text and "核酸" in text
        assert "Bus reminder" in english_message.payload["text"]
        assert await send_bus_reminders(any_db, NOW + timedelta(days=2, hours=10)) == 2  # the later bus, in time

    async def test_cancelled_bookings_and_late_bookings_are_not_reminded(self, sqlite_db: Database) -> None:
        bus = await add_departure(sqlite_db, "东莞", "广东", NOW + timedelta(hours=10))
        cancelled = await add_person(sqlite_db, "worker1", registered=True)
        late = await add_person(sqlite_db, "worker2", registered=True)
        async with sqlite_db.session() as session:
            _, booking = await book(session, departure_id=bus, worker_id=cancelled, seats=1, now=NOW - timedelta(days=1))
            assert booking is not None
            await cancel_booking(session, booking_id=booking.id, worker_id=cancelled)
            # booked an hour ago, well inside the 18 hours: the confirmation said it all
            await book(session, departure_id=bus, worker_id=late, seats=1, now=NOW - timedelta(hours=1))
        assert await send_bus_reminders(sqlite_db, NOW) == 0
        assert await outbox_for(sqlite_db, "worker1") == [] and await outbox_for(sqlite_db, "worker2") == []
