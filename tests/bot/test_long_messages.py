"""Long messages on Telegram, end to end through the Bot API emulator: a case built from eight long messages
reaches the secretary as one message with its reply button, a long relayed reply reaches the worker in parts
(in order), and a long direct reply is shown in parts with its buttons on the last one."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.channels.telegram.replies import show
from bot.channels.telegram.sender import BotApiSender, TelegramSender
from bot.deliver import telegram_bot
from bot.delivery import Delivery
from bot.harness import Conversation
from flows.assistant import Assistant
from flows.messages import Button, Reply, reply_from_dict
from storage.db import Database
from storage.migrate import upgrade
from tests.bot.emulator import BotApiEmulator, button
from tests.bot.test_delivery import settings as fast_settings
from tests.conftest import NOW
from tests.flows.test_channels import LONG, add, outbox
from tests.scripted_nlu import ScriptedNLU

pytestmark = pytest.mark.e2e

SECRETARY, WORKER = 910001, 910002


@pytest.fixture
async def db(tmp_path: Path) -> Database:
    database = Database(f"sqlite:///{tmp_path / 'long.db'}")
    await upgrade(database)
    yield database  # type: ignore[misc]
    await database.dispose()


@pytest.fixture(params=["aiogram", "api"])
async def sender(request: pytest.FixtureRequest, bot_api: BotApiEmulator) -> Any:
    await bot_api.reset()
    if request.param == "api":
        api = BotApiSender(bot_api.token, bot_api.api_base)
        yield api
        await api.close()
        return
    bot = telegram_bot(bot_api.token, bot_api.api_base)
    yield TelegramSender(bot)
    await bot.session.close()


async def long_case(db: Database) -> Assistant:
    secretary = await add(db, str(SECRETARY), "telegram", role="secretary")
    await add(db, str(WORKER), "telegram", secretary=secretary)
    assistant = Assistant(db, ScriptedNLU({LONG[-1]: "wage_arrears"}))
    worker = Conversation(assistant, user_id=str(WORKER), channel="telegram", now=NOW)
    for text in LONG:
        await worker.say(text)
    return assistant


def _texts(messages: list[dict[str, Any]]) -> str:
    return "".join(m["text"] for m in messages).replace("\n", "")


async def test_a_case_of_eight_long_messages_reaches_the_secretary(
    db: Database, sender: Any, bot_api: BotApiEmulator
) -> None:
    await long_case(db)
    report = await Delivery(db, sender, fast_settings()).run_once()
    assert (report.sent, report.failed) == (1, 0)
    [message] = await bot_api.wait_for_bot_messages(SECRETARY, 1)
    assert LONG[-1][:100] in message["text"] and "欠" in message["text"]
    assert button(message, "回复")


async def test_a_long_reply_reaches_the_worker_in_parts_in_order(
    db: Database, sender: Any, bot_api: BotApiEmulator
) -> None:
    assistant = await long_case(db)
    secretary = Conversation(assistant, user_id=str(SECRETARY), channel="telegram", now=NOW + timedelta(minutes=5))
    secretary.last = [reply_from_dict(m.payload) for m in await outbox(db, str(SECRETARY))]
    await secretary.press("回复")
    reply = "\n".join(f"第{i}点：" + "请把劳动合同、考勤记录和工资条拍照发给我，我帮您写投诉材料。" * 12 for i in range(12))
    await secretary.say(reply)
    assert "已转给对方" in secretary.text()
    delivery = Delivery(db, sender, fast_settings())
    for _ in range(5):
        await delivery.run_once()
    parts = await outbox(db, str(WORKER))
    messages = await bot_api.wait_for_bot_messages(WORKER, len(parts))
    assert len(messages) == len(parts) > 1
    assert _texts(messages).endswith(reply.replace("\n", ""))  # everything, in order


async def test_a_long_direct_reply_is_shown_in_parts(bot_api: BotApiEmulator) -> None:
    await bot_api.reset()
    bot = telegram_bot(bot_api.token, bot_api.api_base)
    try:
        text = "\n".join("双福镇春茶采摘工，每天120到160元，包午饭，明前茶按斤另算。" * 8 for _ in range(20))
        await show(bot, str(WORKER), [Reply(text, [[Button("我要报名", callback="t1")]])])
    finally:
        await bot.session.close()
    messages = await bot_api.wait_for_bot_messages(WORKER, 2)
    assert len(messages) == 2 and _texts(messages) == text.replace("\n", "")
    assert not messages[0].get("reply_markup") and button(messages[-1], "我要报名") == "t1"
