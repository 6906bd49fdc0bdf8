"""Choices offered as buttons are answered by typing too (WeChat and SMS have no buttons): the number, the
label, or a distinctive part of it — at every form that offers choices."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from storage.db import Database
from storage.models import Booking, Broadcast, Enrollment
from storage.queries.people import person_by_identity
from tests.flows.forms_walk import ENTRIES, make_env, position, walk

BY_NAME = {entry.name: entry for entry in ENTRIES}


async def test_registration_by_numbers_and_short_names(sqlite_db: Database, trained_nlu: Any) -> None:
    env = await make_env(sqlite_db, trained_nlu)
    chat = (await walk(env, BY_NAME["register"], 0)).chat
    # "1、3" picks two categories as their buttons do, "好了" ends the multi-select step
    for text in ("1", "刘大姐", "13812345678", "双福", "2", "1、3", "好了", "跳过", "2", "省外", "3"):
        await chat.say(text)
    assert "登记好了" in chat.text()
    async with sqlite_db.session() as session:
        person = await person_by_identity(session, chat.channel, chat.user_id)
        assert person is not None and person.profile is not None
        assert (person.township, person.village) == ("双福镇", "永兴村")  # the second village listed
        assert person.profile.wanted_categories == ["采茶工", "普工"]
        assert person.profile.available_from is not None
        assert (person.profile.returnee_origin, person.profile.hardest_hit) == ("浙江", False)


async def test_two_at_the_seats_question_books_two(sqlite_db: Database, trained_nlu: Any) -> None:
    env = await make_env(sqlite_db, trained_nlu)
    chat = (await walk(env, BY_NAME["booking"], 0)).chat
    await chat.say("2")
    assert "确认订 2 个座位" in chat.text()
    await chat.say("确认")
    assert "订座成功" in chat.text()
    async with sqlite_db.session() as session:
        assert await session.scalar(select(func.sum(Booking.seats))) == 2


async def test_seats_in_words(sqlite_db: Database, trained_nlu: Any) -> None:
    env = await make_env(sqlite_db, trained_nlu)
    chat = (await walk(env, BY_NAME["booking"], 0)).chat
    await chat.say("我们三个人")
    assert "确认订 3 个座位" in chat.text()
    await chat.say("好的")
    assert "订座成功" in chat.text()


async def test_enrolment_by_number(sqlite_db: Database, trained_nlu: Any) -> None:
    env = await make_env(sqlite_db, trained_nlu)
    walked = await walk(env, BY_NAME["enrolment"], 0)
    assert "1. 春茶采摘技术培训" in walked.chat.text()
    await walked.chat.say("第二个")
    assert "报名成功" in walked.chat.text() and "川菜厨师培训班" in walked.chat.text()
    async with sqlite_db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Enrollment)) == 1


async def test_broadcast_by_numbers(sqlite_db: Database, trained_nlu: Any) -> None:
    env = await make_env(sqlite_db, trained_nlu)
    chat = (await walk(env, BY_NAME["broadcast"], 0)).chat
    await chat.say("下周一双福镇招聘会，欢迎参加。")
    await chat.say("3")  # by township
    assert "选择乡镇" in chat.text()
    await chat.say("双福")
    assert "将发给" in chat.text() and "双福镇" in chat.text()
    await chat.say("1")  # send now
    assert "已排队" in chat.text()
    async with sqlite_db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Broadcast)) == 1


async def test_a_number_beyond_the_choices_is_asked_again(sqlite_db: Database, trained_nlu: Any) -> None:
    env = await make_env(sqlite_db, trained_nlu)
    walked = await walk(env, BY_NAME["register"], 3)  # the township step, 18 townships
    await walked.chat.say("19")
    assert "没有找到这个乡镇" in walked.chat.text() and walked.chat.last[-1].text == walked.question
    assert (await position(env, walked.chat)).step == "township"


async def test_the_profile_part_is_chosen_by_typing(sqlite_db: Database, trained_nlu: Any) -> None:
    env = await make_env(sqlite_db, trained_nlu)
    chat = await env.worker()
    await chat.say("我要改资料")
    assert "要修改哪一项" in chat.text()
    await chat.say("2")  # the phone
    assert "手机号" in chat.text()
    await chat.say("13987654321")
    assert "已保存" in chat.text()
    await chat.say("改乡镇")  # the part named straight away
    assert "哪个乡镇" in chat.text()
    await chat.say("九里")
    await chat.say("1")
    assert "已保存" in chat.text()
    async with sqlite_db.session() as session:
        person = await person_by_identity(session, chat.channel, chat.user_id)
        assert person is not None and (person.phone, person.township) == ("13987654321", "九里镇")
