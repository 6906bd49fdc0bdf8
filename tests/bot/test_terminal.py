"""The terminal channel (`mishu chat`): a turn that fails is apologised for and the session goes on."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from bot.channels.terminal import run_terminal
from bot.harness import Conversation
from flows.assistant import Assistant, Response
from flows.messages import Inbound
from storage.db import Database
from tests.conftest import NOW
from tests.scripted_nlu import ScriptedNLU


class Flaky(Assistant):
    async def respond(self, inbound: Inbound, *, now: datetime | None = None, **_: Any) -> Response:
        if inbound.text == "boom":
            raise RuntimeError("a bug reached the channel with 13812345678")
        return await super().respond(inbound, now=now)


async def test_a_failed_turn_gets_an_apology_and_the_next_line_is_answered(sqlite_db: Database) -> None:
    chat = Conversation(Flaky(sqlite_db, ScriptedNLU({"你好": "greet"})), user_id="w1", now=NOW)
    out = io.StringIO()
    await run_terminal(chat, io.StringIO("boom\n你好\n"), out)
    text = out.getvalue()
    assert "抱歉，刚才出了点问题" in text
    assert "就业秘书" in text  # the greeting after the failure
    assert "Traceback" not in text and "13812345678" not in text
