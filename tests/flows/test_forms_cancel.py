"""Leaving a form: 取消 and its variants (traditional, full-width, /cancel, 算了, 不要了) end any form at any step."""

from __future__ import annotations

from typing import Any

import pytest

from storage.db import Database
from tests.flows.forms_walk import ENTRIES, make_env, position, steps_of, walk

CANCEL_WORDS = ["取消", "取消。", "算了吧", "不要了！", "ＣＡＮＣＥＬ", "/cancel", "退出", "cancel"]


@pytest.mark.parametrize("entry", ENTRIES, ids=[entry.name for entry in ENTRIES])
async def test_cancel_ends_every_form_at_every_step(entry: Any, sqlite_db: Database, trained_nlu: Any) -> None:
    env = await make_env(sqlite_db, trained_nlu)
    steps = await steps_of(env, entry)
    for k, step in enumerate(steps):
        word = CANCEL_WORDS[k % len(CANCEL_WORDS)]
        walked = await walk(env, entry, k)
        await walked.chat.say(word)
        assert "已取消" in walked.chat.text(), (entry.name, step, word, walked.chat.text())
        assert (await position(env, walked.chat)).form is None, (entry.name, step, word)


async def test_cancelled_registration_keeps_nothing_and_the_next_message_is_understood(
    sqlite_db: Database, trained_nlu: Any
) -> None:
    env = await make_env(sqlite_db, trained_nlu)
    walked = await walk(env, ENTRIES[0], 3)  # at the township step, name and phone typed
    chat = walked.chat
    await chat.say("算了")
    await chat.say("双福镇")
    assert "哪个村" not in chat.text()  # not the form any more: the place is read as a question
    async with sqlite_db.session() as session:
        from storage.queries.people import person_by_identity

        person = await person_by_identity(session, chat.channel, chat.user_id)
        assert person is not None and person.profile is None and person.phone is None
