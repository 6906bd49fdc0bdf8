"""Phone and ID numbers never reach the logs: masking rules, and a full scripted session with SQL logging on."""

from __future__ import annotations

import io
import logging

import pytest

from bot.harness import Conversation
from bot.privacy import mask, setup_logging
from flows.assistant import Assistant
from storage.db import Database
from tests.conftest import NOW
from tests.flows.registration_helpers import add_staff, scripted

PHONE = "13812345678"
ID_NUMBER = "51118119800101123X"


class TestMask:
    @pytest.mark.parametrize(
        ("text", "masked"),
        [
            ("call 13812345678", "call 138****5678"),
            ("+86 138-1234-5678", "+86 138****5678"),
            ("id 51118119800101123X ok", "id 511181********123X ok"),
            ("order 2026030212345678", "order 2026030212345678"),  # not a phone: longer digit run
        ],
    )
    def test_rules(self, text: str, masked: str) -> None:
        assert mask(text) == masked


async def test_a_full_session_logs_no_personal_numbers(sqlite_db: Database) -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    handler = setup_logging("DEBUG", stream)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)  # SQL parameters carry the phone number
    try:
        await add_staff(sqlite_db)
        chat = Conversation(Assistant(sqlite_db, scripted()), user_id="w1", now=NOW)
        await chat.say("我要登记")
        await chat.press("同意")
        await chat.say("刘大姐")
        await chat.say(PHONE)
        await chat.press("双福镇")
        logging.getLogger("mishu.test").info("worker %s gave id %s", PHONE, ID_NUMBER)
        try:
            raise ValueError(f"bad phone {PHONE}")
        except ValueError:
            logging.getLogger("mishu.test").exception("handler failed")
    finally:
        handler.flush()
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
        root.handlers[:], root.level = saved
    log = stream.getvalue()
    assert "138****5678" in log  # the numbers were there to be masked, in SQL and in our own lines
    assert PHONE not in log and ID_NUMBER not in log
