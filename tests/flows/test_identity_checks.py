"""Only one's own phone and a real ID number: another person's phone, another user's contact card and an ID
number that fails its checks are refused with a clear re-ask (registration and profile edits)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.harness import Conversation
from flows.messages import Contact
from storage.db import Database
from storage.id_numbers import Problem, check_character, check_id_number, looks_like_id_number
from storage.models import ChannelIdentity, Person
from tests.conftest import NOW
from tests.flows.test_registration import load_worker, make_assistant, register

TODAY = date(2026, 3, 2)
VALID_ID = "511181199003071230"


@st.composite
def valid_ids(draw: st.DrawFn) -> str:
    area = draw(st.from_regex(r"[1-6][0-9]{5}", fullmatch=True))
    born = draw(st.dates(date(1900, 1, 1), TODAY))
    sequence = draw(st.from_regex(r"[0-9]{3}", fullmatch=True))
    first17 = f"{area}{born:%Y%m%d}{sequence}"
    return first17 + check_character(first17)


class TestIdNumbers:
    @given(valid_ids())
    def test_every_valid_number_is_accepted_as_typed_or_spaced_or_full_width(self, number: str) -> None:
        assert check_id_number(number, today=TODAY).number == number
        spaced = f"{number[:6]} {number[6:14]} {number[14:]}".lower()
        assert check_id_number(spaced, today=TODAY).number == number
        wide = number.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789X"})
        assert check_id_number(wide, today=TODAY).number == number

    @given(valid_ids(), st.integers(0, 17), st.sampled_from("0123456789X"))
    def test_one_wrong_character_is_caught(self, number: str, at: int, typed: str) -> None:
        wrong = number[:at] + typed + number[at + 1:]
        if wrong == number or (typed == "X" and at < 17):
            return
        checked = check_id_number(wrong, today=TODAY)
        assert checked.number is None and checked.problem in (Problem.CHECK, Problem.BIRTH_DATE, Problem.SHAPE)

    @given(valid_ids(), st.integers(0, 15))
    def test_two_neighbouring_digits_swapped_are_caught(self, number: str, i: int) -> None:
        swapped = list(number)
        swapped[i], swapped[i + 1] = swapped[i + 1], swapped[i]
        typed = "".join(swapped)
        if typed != number:
            assert check_id_number(typed, today=TODAY).number is None

    @given(st.text(max_size=25))
    def test_any_text_gets_an_answer_not_an_exception(self, text: str) -> None:
        checked = check_id_number(text, today=TODAY)
        assert (checked.number is None) != (checked.problem is None)

    @pytest.mark.parametrize(("typed", "problem"), [
        ("51118119900307123", Problem.SHAPE), ("5111811990030712301", Problem.SHAPE), ("电话", Problem.SHAPE),
        ("511181199002301230", Problem.BIRTH_DATE), ("511181209903071230", Problem.BIRTH_DATE),
        ("511181199003071231", Problem.CHECK), ("511181900230123", Problem.BIRTH_DATE),
    ])
    def test_the_problem_is_named(self, typed: str, problem: Problem) -> None:
        assert check_id_number(typed, today=TODAY).problem == problem

    def test_old_fifteen_digit_numbers(self) -> None:
        assert check_id_number("511181900307123", today=TODAY).number == "511181900307123"
        assert looks_like_id_number("511181 900307 123") and not looks_like_id_number("13812345678")


async def _other_people(db: Database) -> None:
    async with db.session() as session:
        worker = Person(role="worker", name="李四", phone="13912345678", id_number=VALID_ID)
        worker.identities.append(ChannelIdentity(channel="terminal", external_id="w2", chat_id="w2"))
        secretary = Person(role="secretary", name="孙秘书", phone="13700001111")
        session.add_all([worker, secretary])


async def _to_phone_step(chat: Conversation) -> None:
    await chat.say("我要登记")
    await chat.press("同意")
    await chat.say("刘大姐")


class TestNotYourPhone:
    @pytest.mark.parametrize("phone", ["139 1234 5678", "+86 137-0000-1111"], ids=["a worker's", "a secretary's"])
    async def test_a_phone_registered_to_someone_else_is_refused_with_a_person_offered(
        self, any_db: Database, phone: str
    ) -> None:
        assistant, _ = await make_assistant(any_db)
        await _other_people(any_db)
        chat = Conversation(assistant, user_id="w1", now=NOW)
        await _to_phone_step(chat)
        await chat.say(phone)
        assert "已经有别人登记了" in chat.text() and chat.find_button("找人工")
        assert "手机号" in chat.text()  # asked again
        await chat.say("138 1234 5678")
        assert "哪个乡镇" in chat.text()

    async def test_someone_elses_contact_card_is_refused_ones_own_accepted(self, sqlite_db: Database) -> None:
        assistant, _ = await make_assistant(sqlite_db)
        chat = Conversation(assistant, user_id="w1", now=NOW)
        await _to_phone_step(chat)
        for card in (Contact(phone="+8613812345678", user_id="w9"), Contact(phone="13812345678", user_id=None)):
            await chat._send(chat._inbound(contact=card))
            assert "别人的名片" in chat.text()
        await chat.share_contact("+86 138 1234 5678")
        assert "哪个乡镇" in chat.text()

    async def test_editing_to_someone_elses_phone_is_refused_keeping_ones_own_is_fine(
        self, sqlite_db: Database
    ) -> None:
        assistant, _ = await make_assistant(sqlite_db)
        await _other_people(sqlite_db)
        chat = Conversation(assistant, user_id="w1", now=NOW)
        await register(chat)
        await chat.say("改资料")
        await chat.press("手机号")
        for phone, expected in (("13912345678", "已经有别人登记了"), ("13812345678", "已保存")):
            await chat.say(phone)  # the same step, asked again after the refusal
            assert expected in chat.text()
        assert (await load_worker(sqlite_db, "w1")).phone == "13812345678"

    async def test_an_observer_cannot_register_a_registered_phone(self, sqlite_db: Database) -> None:
        assistant, _ = await make_assistant(sqlite_db)
        await _other_people(sqlite_db)
        observer = Conversation(assistant, user_id="zhao", now=NOW)
        await observer.say("我要登记")
        await observer.press("同意")
        await observer.say("王大爷")
        await observer.say("13912345678")
        assert "已经登记过了" in observer.text()


class TestIdNumberInTheProfile:
    async def test_checked_with_a_precise_re_ask_then_saved(self, any_db: Database) -> None:
        assistant, _ = await make_assistant(any_db)
        await _other_people(any_db)
        chat = Conversation(assistant, user_id="w1", now=NOW)
        await register(chat)
        await chat.say("改资料")
        await chat.press("身份证号")
        for typed, says in (("51118119900307123", "18位"), ("511181199002301230", "出生日期"),
                            ("511181199003071231", "校验位"), (VALID_ID, "已经有别人登记了")):
            await chat.say(typed)
            assert says in chat.text(), typed
            assert "请输入您的身份证号" in chat.text()
        await chat.say("511181 19850612 108x")
        assert "已保存" in chat.text()
        assert (await load_worker(any_db, "w1")).id_number == "51118119850612108X"

    async def test_it_can_be_skipped_and_is_not_asked_when_registering(self, sqlite_db: Database) -> None:
        assistant, _ = await make_assistant(sqlite_db)
        chat = Conversation(assistant, user_id="w1", now=NOW)
        await register(chat)
        assert "登记好了" in chat.text()
        await chat.say("改资料")
        await chat.press("身份证号")
        await chat.press("跳过")
        assert "已保存" in chat.text() and (await load_worker(sqlite_db, "w1")).id_number is None

    async def test_a_future_birth_date_is_not_a_birth_date(self) -> None:
        tomorrow = TODAY + timedelta(days=1)
        first17 = f"511181{tomorrow:%Y%m%d}123"
        assert check_id_number(first17 + check_character(first17), today=TODAY).problem == Problem.BIRTH_DATE
