"""The assistant through the conversation harness: greeting, job search, buttons, groups, bad input."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.harness import Conversation
from flows.assistant import Assistant
from flows.messages import ChatType
from storage.db import Database
from storage.models import ServiceRecord
from tests.conftest import NOW
from tests.factories import add_postings


@pytest.fixture
async def assistant(sqlite_db: Database, trained_nlu) -> Assistant:  # type: ignore[no-untyped-def]
    await add_postings(sqlite_db, NOW.date())
    return Assistant(sqlite_db, trained_nlu)


@pytest.fixture
def chat(assistant: Assistant) -> Conversation:
    return Conversation(assistant, user_id="u1", now=NOW)


class TestSmalltalk:
    async def test_greeting_names_the_bureau(self, chat: Conversation) -> None:
        await chat.say("你好")
        assert "峨眉山市人力资源和社会保障局" in chat.text()

    async def test_traditional_input_gets_a_traditional_reply(self, chat: Conversation) -> None:
        await chat.say("您好，請問")
        assert "就業秘書" in chat.text()

    async def test_english_input_gets_an_english_reply(self, chat: Conversation) -> None:
        await chat.say("hello")
        assert "employment-secretary assistant" in chat.text()


class TestJobSearch:
    async def test_tea_picking_question_lists_open_tea_postings(self, chat: Conversation) -> None:
        await chat.say("有没有采茶的工作")
        text = chat.text()
        assert "春茶采摘工" in text and "120-160元/天" in text
        assert "印染车间普工" not in text

    async def test_closed_postings_are_never_shown(self, chat: Conversation) -> None:
        await chat.say("有没有厨师的活路")
        assert "去年的厨师岗位" not in chat.text()
        assert "暂时没有" in chat.text()

    async def test_details_button_shows_contact_in_private(self, chat: Conversation) -> None:
        await chat.say("采茶")
        await chat.press("详情")
        assert "13800001111" in chat.text()

    async def test_the_count_covers_postings_beyond_those_remembered(self, chat: Conversation, monkeypatch) -> None:  # type: ignore[no-untyped-def]
        from flows import jobs

        monkeypatch.setattr(jobs, "RESULT_MEMORY", 1)  # as if a province had more than a list remembers
        await chat.say("有没有采茶的工作")
        assert "为您找到 2 个岗位" in chat.text()

    async def test_more_pages_through_results(self, assistant: Assistant) -> None:
        chat = Conversation(assistant, user_id="u2", now=NOW)
        await chat.say("有什么工作")
        first = chat.text()
        await chat.press("再看几个")
        assert chat.text() and chat.text() != first
        assert chat.last[0].edit and chat.last[0].text.startswith("第 4–")  # the "…" no longer offers more


class TestButtons:
    async def test_another_users_button_is_refused(self, assistant: Assistant) -> None:
        alice = Conversation(assistant, user_id="alice", now=NOW)
        bob = Conversation(assistant, user_id="bob", now=NOW)
        await alice.say("采茶")
        bob.last = alice.last
        await bob.press("详情")
        assert "不是给您的" in bob.text()

    async def test_forged_token_is_refused(self, chat: Conversation) -> None:
        from flows.messages import Inbound

        replies = await chat.assistant.handle(Inbound("terminal", "u1", "u1", callback="job.details:1"), now=NOW)
        assert "失效" in replies[0].text


class TestGroups:
    async def test_unaddressed_chatter_is_ignored(self, assistant: Assistant) -> None:
        group = Conversation(assistant, user_id="u3", chat_id="-100", chat_type=ChatType.GROUP, now=NOW)
        assert await group.say("今天天气不错") == []

    async def test_a_job_question_is_answered_without_phone_numbers(self, assistant: Assistant) -> None:
        group = Conversation(assistant, user_id="u3", chat_id="-100", chat_type=ChatType.GROUP, now=NOW)
        await group.say("有没有采茶的工作")
        assert "春茶采摘工" in group.text()
        await group.press("详情")
        assert "13800001111" not in group.text()


class TestBadInput:
    @pytest.mark.parametrize("text", ["", "   ", "😀😀😀", "x" * 5000, "'; DROP TABLE person; --", "\x00\x07"])
    async def test_always_an_answer_never_an_exception(self, chat: Conversation, text: str) -> None:
        replies = await chat.say(text)
        assert replies and all(r.text for r in replies)


async def test_every_handled_message_is_a_service_contact(assistant: Assistant) -> None:
    chat = Conversation(assistant, user_id="u9", now=NOW)
    await chat.say("你好")
    await chat.say("采茶")
    async with assistant.db.session() as session:
        count = (await session.execute(select(func.count()).select_from(ServiceRecord))).scalar()
    assert count == 2
