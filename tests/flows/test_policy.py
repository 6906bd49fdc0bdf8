"""Policy answers in chat: the knowledge base from the policy files, answered fully, briefly or with choices."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.harness import Conversation
from flows.assistant import Assistant
from flows.messages import ChatType
from storage.db import Database
from storage.policy_files import load_policy_files
from storage.queries.policies import policy_docs, upsert_policies
from tests.conftest import NOW
from tests.scripted_nlu import ScriptedNLU

POLICIES = Path(__file__).resolve().parents[2] / "storage" / "demo" / "policies"


@pytest.fixture
def nlu() -> ScriptedNLU:
    return ScriptedNLU(
        {
            "稳岗补贴咋个申请": ("policy_question", {"policy": "稳岗返还"}),
            "企业招了湖北的工人有啥子补助": "policy_question",
            "补贴": "policy_question",
            "火星移民有补贴吗": "policy_question",
        }
    )


@pytest.fixture
async def assistant(any_db: Database, nlu: ScriptedNLU) -> Assistant:
    async with any_db.session() as session:
        await upsert_policies(session, load_policy_files(POLICIES), now=NOW)
    return Assistant(any_db, nlu)


class TestKnowledgeBase:
    async def test_import_round_trips_every_field(self, any_db: Database) -> None:
        docs = load_policy_files(POLICIES)
        async with any_db.session() as session:
            assert await upsert_policies(session, docs, now=NOW) == (len(docs), 0)
        async with any_db.session() as session:
            stored = {doc.key: doc for doc in await policy_docs(session)}
        for doc in docs:
            assert stored[doc.key] == replace(doc, path="")

    async def test_reimport_updates_instead_of_duplicating(self, any_db: Database) -> None:
        docs = load_policy_files(POLICIES)
        async with any_db.session() as session:
            await upsert_policies(session, docs, now=NOW)
        async with any_db.session() as session:
            assert await upsert_policies(session, docs, now=NOW) == (0, len(docs))
            assert len(await policy_docs(session)) == len(docs)


class TestAnswers:
    async def test_a_named_policy_gets_the_full_answer(self, assistant: Assistant) -> None:
        chat = Conversation(assistant, user_id="boss", now=NOW)
        await chat.say("稳岗补贴咋个申请")
        text = chat.text()
        assert "稳岗返还" in text
        for heading in ("要点", "谁可以申请", "怎么申请", "来源", "有效期"):
            assert heading in text
        assert "到期" not in text

    async def test_an_expired_policy_is_flagged(self, assistant: Assistant) -> None:
        chat = Conversation(assistant, user_id="boss", now=NOW)
        await chat.say("企业招了湖北的工人有啥子补助")
        if chat.buttons():
            await chat.press("湖北")
        assert "2020-12-31" in chat.text() and "到期" in chat.text()

    async def test_a_vague_question_offers_choices_and_a_person(self, assistant: Assistant) -> None:
        chat = Conversation(assistant, user_id="w", now=NOW)
        await chat.say("补贴")
        assert len(chat.buttons()) >= 2 and "找人工" in chat.text()
        await chat.press(1)
        assert "怎么申请" in chat.text()

    async def test_nothing_relevant_offers_a_person(self, assistant: Assistant) -> None:
        chat = Conversation(assistant, user_id="w", now=NOW)
        await chat.say("火星移民有补贴吗")
        assert "找人工" in chat.text() or "12333" in chat.text()

    async def test_groups_get_a_short_answer(self, assistant: Assistant) -> None:
        group = Conversation(assistant, user_id="w", chat_id="-100", chat_type=ChatType.GROUP, now=NOW)
        await group.say("稳岗补贴咋个申请", addressed=True)
        text = group.text()
        assert "稳岗返还" in text and "私聊" in text and "怎么申请" not in text
