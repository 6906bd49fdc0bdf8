"""The fallback (what it offers when a message is not understood; its buttons keep what was named), and what
happens to voice notes, photos and stickers."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.harness import Conversation
from flows.assistant import Assistant
from flows.messages import ChatType
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


class TestWhatCannotBeRead:
    async def test_a_voice_note_gets_told_to_type_and_offered_a_person(self, chat: Conversation) -> None:
        await chat.send("voice")
        assert "听不懂语音" in chat.text() and "打字" in chat.text()
        assert [b.label for b in chat.buttons()] == ["找人工"]

    async def test_a_photo_and_a_sticker(self, chat: Conversation) -> None:
        await chat.send("photo")
        assert "看不懂图片" in chat.text()
        await chat.send("sticker")
        assert "表情" in chat.text()

    async def test_in_a_group_only_when_spoken_to_and_without_buttons(self, chat: Conversation) -> None:
        group = Conversation(chat.assistant, user_id="u1", chat_id="-100", chat_type=ChatType.GROUP, now=NOW)
        assert await group.send("voice") == []
        await group.send("voice", addressed=True)
        assert "听不懂语音" in group.text() and group.buttons() == []

    async def test_a_voice_note_mid_registration_keeps_the_form(self, sqlite_db: Database) -> None:
        from tests.flows.registration_helpers import add_staff, scripted

        await add_staff(sqlite_db)
        chat = Conversation(Assistant(sqlite_db, scripted()), user_id="w1", now=NOW)
        await chat.say("我要登记")
        await chat.press("同意")
        await chat.say("刘大姐")
        await chat.send("voice")
        assert "听不懂语音" in chat.text() and "登记还没有完成" in chat.text()
        await chat.say("13812345678")
        assert "哪个乡镇" in chat.text()
