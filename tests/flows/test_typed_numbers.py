"""Every command that takes a number, driven with whatever a person may type there, on SQLite and PostgreSQL:
no traceback, and a clear answer (the number read, or a sentence saying it is not one)."""

from __future__ import annotations

import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.harness import Conversation
from flows.answers import is_skip, normalise_phone, parse_monthly_pay, pay_in_range
from flows.assistant import Assistant
from flows.i18n import detect_language, t
from flows.turn import FlowSettings
from storage.db import Database
from storage.models import Case, Person
from storage.numbers import read_id
from tests.conftest import NOW
from tests.factories import add_postings
from tests.flows.factories import add_person
from tests.flows.registration_helpers import scripted
from tests.flows.test_registration import make_assistant, register
from tests.scripted_nlu import ScriptedNLU
from tests.strategies import number_like

# (command as typed, who types it); {n} is the number-like word, {m} a second one.
COMMANDS = [
    ("/apply {n}", "worker"),
    ("/start apply_{n}", "worker"),
    ("/worker {n}", "secretary"),
    ("/worker {n}", "admin"),
    ("/reply {n} 明天来一趟社保所", "secretary"),
    ("/reassign {n} {m}", "admin"),
    ("/handover {n}", "admin"),
]
NOT_AN_ID = "不是编号"


async def _people(db: Database) -> dict[str, int]:
    await add_postings(db, NOW.date())
    secretary = await add_person(db, "sec", role="secretary", name="王秘书", covers=("双福镇",))
    admin = await add_person(db, "admin", role="admin", name="管理员")
    worker = await add_person(db, "w1", name="刘大姐", phone="13812345678", township="双福镇",
                              secretary_id=secretary, registered=True)
    async with db.session() as session:
        session.add(Case(kind="handoff", worker_id=worker, secretary_id=secretary, text="找人工"))
    return {"secretary": secretary, "admin": admin, "worker": worker}


def _visible(word: str) -> str:
    """The word as the assistant receives it: control characters (ESC, NUL …) are dropped on arrival."""
    return "".join(ch for ch in word if unicodedata.category(ch) != "Cc").strip()


def _expected_refusal(template: str, first: str, second: str) -> bool:
    """True when the command must answer that a word is not a number (rather than look anything up)."""
    if template.startswith(("/apply", "/start")):
        return False  # workers are shown how to apply instead (checked separately)
    if template.startswith("/worker") and normalise_phone(first) is not None:
        return False  # a phone number finds the worker by phone
    words = [first, second] if "{m}" in template else [first]
    return any(read_id(word) is None for word in words)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
async def test_every_numbered_command_answers_any_word(any_db: Database, data: st.DataObject) -> None:
    async with any_db.session() as session:
        known = (await session.execute(select(Person.id))).first() is not None
    if not known:
        await _people(any_db)
    assistant = Assistant(any_db, ScriptedNLU(), FlowSettings())
    template, who = data.draw(st.sampled_from(COMMANDS), label="command")
    first, second = data.draw(number_like(), label="n"), data.draw(number_like(), label="m")
    user = {"worker": "w1", "secretary": "sec", "admin": "admin"}[who]
    chat = Conversation(assistant, user_id=user, now=NOW)
    replies = await chat.say(template.format(n=first, m=second))
    assert replies and all(reply.text.strip() for reply in replies)
    text = chat.text()
    words = [first, second] if "{m}" in template else [first]
    if not template.startswith(("/apply", "/start")) and any(not _visible(word) for word in words):
        assert "用法" in text, text  # control characters are dropped as a message arrives: the word is missing
    elif _expected_refusal(template, first, second):
        assert NOT_AN_ID in text, text
    if template.startswith(("/apply", "/start")) and read_id(first) is None:
        assert "请在岗位下面点" in text, text


async def test_a_phone_number_in_worker_opens_the_card(any_db: Database) -> None:
    people = await _people(any_db)
    chat = Conversation(Assistant(any_db, ScriptedNLU(), FlowSettings()), user_id="sec", now=NOW)
    await chat.say("/worker 138 1234 5678")
    assert "刘大姐" in chat.text()
    await chat.say("/worker 13900000000")
    assert "没有用这个手机号登记的求职者" in chat.text()
    await chat.say(f"/worker {2**31}")
    assert NOT_AN_ID in chat.text()
    await chat.say(f"/worker {people['worker']}")
    assert "刘大姐" in chat.text()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
async def test_the_minimum_pay_step_answers_any_number(any_db: Database, data: st.DataObject) -> None:
    """The form step that reads an amount: saved when it is a pay, re-asked otherwise (309 digits included)."""
    async with any_db.session() as session:
        registered = (await session.execute(select(Person.id).where(Person.name == "刘大姐"))).first() is not None
    assistant, _ = await make_assistant(any_db) if not registered else (Assistant(any_db, scripted(), FlowSettings()), {})
    chat = Conversation(assistant, user_id="w1", now=NOW)
    if not registered:
        await register(chat)
    typed = data.draw(st.one_of(number_like(), number_like().map(lambda s: s + "万"),
                                st.integers(0, 400).map(lambda n: "9" * n + "以上")), label="pay")
    await chat.say("改资料")
    await chat.press("最低工资")
    await chat.say(typed)
    pay = parse_monthly_pay(typed)
    # Two Latin letters ("1e5e") switch the reply to English, as for any message: compare in that language.
    language = detect_language(typed) or "zh-hans"
    if is_skip(typed) or (pay is not None and pay_in_range(pay)):
        assert t("profile.saved", language) in chat.text(), chat.text()
    else:
        assert t("register.bad_pay", language) in chat.text(), chat.text()
        await chat.say("取消")
