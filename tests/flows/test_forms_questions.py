"""A question typed in the middle of a form is answered, and the form asks its question again (real NLU).

Never saved as the answer: 有没有采茶的工作 is not a village, a name or a list of job categories. A message for
someone else (a secretary's reply, a broadcast) keeps its questions: they are part of the message.
"""

from __future__ import annotations

from typing import Any

import pytest

from storage.db import Database
from storage.models import OutboxMessage
from tests.flows.forms_walk import ENTRIES, make_env, position, walk

REGISTER = ENTRIES[0]
BY_NAME = {entry.name: entry for entry in ENTRIES}


@pytest.mark.parametrize(
    ("k", "step", "question", "answered"),
    [
        (1, "name", "有没有采茶的工作", "采茶"),
        (4, "village", "有没有采茶的工作", "采茶"),
        (5, "categories", "有没有采茶的工作", "采茶"),
        (6, "min_pay", "稳岗补贴怎么申请", "政策"),
        (7, "available", "去东莞的车几号走", "东莞"),
        (8, "origin", "你是机器人吗", "机器人"),
        (9, "province", "包车在哪里上车？", "东莞"),
    ],
)
async def test_a_question_mid_registration_is_answered_and_the_step_resumes(
    sqlite_db: Database, trained_nlu: Any, k: int, step: str, question: str, answered: str
) -> None:
    env = await make_env(sqlite_db, trained_nlu)
    walked = await walk(env, REGISTER, k)
    assert walked.at.step == step
    chat = walked.chat
    await chat.say(question)
    assert answered in chat.text()
    assert "接着刚才的登记" in chat.text() and chat.last[-1].text == walked.question
    after = await position(env, chat)
    assert (after.run, after.step) == (walked.at.run, step)


async def test_the_form_goes_on_after_the_question(sqlite_db: Database, trained_nlu: Any) -> None:
    env = await make_env(sqlite_db, trained_nlu)
    walked = await walk(env, REGISTER, 4)  # the village step
    chat = walked.chat
    await chat.say("有没有采茶的工作")
    await chat.say("永兴村")
    assert "想做哪些工作" in chat.text()
    await chat.say("采茶")
    for text in ("3000", "明天", "没有外出"):
        await chat.say(text)
    assert "登记好了" in chat.text()
    async with sqlite_db.session() as session:
        from storage.queries.people import person_by_identity

        person = await person_by_identity(session, chat.channel, chat.user_id)
        assert person is not None and person.village == "永兴村"
        assert person.profile is not None and person.profile.wanted_categories == ["采茶工"]


async def test_a_question_at_the_seats_step_is_answered_then_seats_asked_again(
    sqlite_db: Database, trained_nlu: Any
) -> None:
    env = await make_env(sqlite_db, trained_nlu)
    walked = await walk(env, BY_NAME["booking"], 0)
    chat = walked.chat
    await chat.say("坐包车要带啥子证件？")
    assert "核酸" in chat.text() and "接着刚才的订座" in chat.text()
    assert chat.last[-1].text == walked.question
    await chat.say("2")
    assert "确认订 2 个座位" in chat.text()


async def test_a_secretarys_reply_keeps_its_question_for_the_worker(sqlite_db: Database, trained_nlu: Any) -> None:
    env = await make_env(sqlite_db, trained_nlu)
    walked = await walk(env, BY_NAME["case_reply"], 0)
    await walked.chat.say("您明天上午有空吗？有没有采茶的经验？")
    assert "已转给对方" in walked.chat.text()
    async with sqlite_db.session() as session:
        from sqlalchemy import select

        relayed = (await session.execute(
            select(OutboxMessage).where(OutboxMessage.purpose.like("handoff-reply:%"))
        )).scalars().all()
    assert [m.payload["text"].count("有没有采茶的经验") for m in relayed] == [1]
