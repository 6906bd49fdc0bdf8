"""The fallback: what it offers when a message is not understood, and that its buttons keep what was named."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.harness import Conversation
from flows.assistant import Assistant
from storage.db import Database
from tests.conftest import NOW
from tests.factories import add_postings
from tests.flows.factories import add_departure
from tests.scripted_nlu import ScriptedNLU


@pytest.fixture
async def chat(sqlite_db: Database) -> Conversation:
    await add_postings(sqlite_db, NOW.date())
    await add_departure(sqlite_db, "绍兴", "浙江", NOW + timedelta(days=3))
    await add_departure(sqlite_db, "东莞", "广东", NOW + timedelta(days=4))
    nlu = ScriptedNLU({
        "嗯嗯啊啊": "nlu_fallback",
        "双福": ("nlu_fallback", {"location": "双福镇"}),
        "浙江那边": ("nlu_fallback", {"location": "浙江"}),
    })
    return Conversation(Assistant(sqlite_db, nlu), user_id="u1", now=NOW)


class TestFallback:
    async def test_offers_the_main_things_and_a_person(self, chat: Conversation) -> None:
        await chat.say("嗯嗯啊啊")
        assert "没太明白" in chat.text()
        assert [b.label for b in chat.buttons()] == ["找工作", "问政策", "技能培训", "返岗专车", "找人工"]

    async def test_find_a_job_without_anything_named_lists_all_open_postings(self, chat: Conversation) -> None:
        await chat.say("嗯嗯啊啊")
        await chat.press("找工作")
        assert "春茶采摘工" in chat.text() and "印染车间普工" in chat.text()

    async def test_a_named_place_is_kept_for_the_job_search(self, chat: Conversation) -> None:
        await chat.say("双福")
        await chat.press("找工作（双福镇）")
        assert "春茶采摘工" in chat.text() and "印染车间普工" not in chat.text()

    async def test_a_named_place_is_kept_for_the_buses(self, chat: Conversation) -> None:
        await chat.say("浙江那边")
        await chat.press("返岗专车（浙江）")
        assert "→ 绍兴" in chat.text() and "→ 东莞" not in chat.text()
