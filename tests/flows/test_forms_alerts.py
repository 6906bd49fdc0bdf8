"""Job alerts are never turned back on by a message that was about something else (real NLU).

订座/订票/帮我订车 are bus questions; a doubtful subscribe request is asked back; a clear one resumes and says so.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.harness import Conversation
from storage.db import Database
from storage.queries.people import person_by_identity
from tests.flows.forms_walk import DOUBTFUL_SUBSCRIBE, NOW, Env, make_env


async def _paused(env: Env) -> Conversation:
    chat = await env.worker()
    await chat.say("/unsubscribe")
    await chat.press("暂停 7 天")
    assert "不再推送" in chat.text()
    return chat


async def _alerts(env: Env, chat: Conversation) -> tuple[bool, object]:
    async with env.db.session() as session:
        person = await person_by_identity(session, chat.channel, chat.user_id)
        assert person is not None and person.profile is not None
        return person.profile.subscribed, person.profile.paused_until


@pytest.mark.parametrize("text", ["订座", "订票", "订个位子", "帮我订车", "訂座", "我想订个座"])
async def test_booking_words_show_buses_and_leave_paused_alerts_alone(
    sqlite_db: Database, trained_nlu: Any, text: str
) -> None:
    env = await make_env(sqlite_db, trained_nlu)
    chat = await _paused(env)
    await chat.say(text)
    assert "东莞" in chat.text() and "我要订座" in [b.label for b in chat.buttons()]
    assert await _alerts(env, chat) == (True, NOW + timedelta(days=7))


async def test_a_doubtful_request_is_asked_back(sqlite_db: Database, trained_nlu: Any) -> None:
    env = await make_env(sqlite_db, trained_nlu)
    chat = await _paused(env)
    await chat.say(DOUBTFUL_SUBSCRIBE)
    assert "暂停到 2026-03-09" in chat.text() and "要现在恢复吗" in chat.text()
    await chat.say("不用")
    assert "保持不变" in chat.text()
    assert await _alerts(env, chat) == (True, NOW + timedelta(days=7))
    await chat.say(DOUBTFUL_SUBSCRIBE)
    await chat.say("是")
    assert "已恢复岗位提醒" in chat.text() and "原来暂停到 2026-03-09" in chat.text()
    assert await _alerts(env, chat) == (True, None)


@pytest.mark.parametrize("text", ["/subscribe", "订阅", "恢复推送"])
async def test_a_clear_request_resumes_and_says_what_changed(sqlite_db: Database, trained_nlu: Any,
                                                              text: str) -> None:
    env = await make_env(sqlite_db, trained_nlu)
    chat = await _paused(env)
    await chat.say(text)
    assert "已恢复岗位提醒" in chat.text()
    assert await _alerts(env, chat) == (True, None)


async def test_subscribing_when_already_on_says_so(sqlite_db: Database, trained_nlu: Any) -> None:
    env = await make_env(sqlite_db, trained_nlu)
    chat = await env.worker()
    await chat.say("订阅")
    assert "本来就开着" in chat.text()
