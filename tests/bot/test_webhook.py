"""Webhook mode: Telegram's secret-token header is required, and updates are answered (through the emulator)."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import build_app
from bot.channels.telegram.service import build_dispatcher, identify, webhook_application
from bot.deliver import telegram_bot
from bot.settings import load_settings
from storage.demo import load_demo
from tests.bot.emulator import BotApiEmulator

pytestmark = pytest.mark.e2e
SECRET = "s3cr3t-webhook-token"


def update(n: int, text: str) -> dict:  # type: ignore[type-arg]
    return {"update_id": n, "message": {"message_id": n, "date": 1, "text": text,
                                        "chat": {"id": 5151, "type": "private", "first_name": "w"},
                                        "from": {"id": 5151, "is_bot": False, "first_name": "w"}}}


async def test_webhook_checks_the_secret_and_answers(bot_api: BotApiEmulator, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    await bot_api.reset()
    monkeypatch.setenv("MISHU_WEBHOOK_SECRET", SECRET)
    settings = load_settings(database__url=f"sqlite:///{tmp_path / 'hook.db'}")
    app = await build_app(settings, create_if_empty=True)
    await load_demo(app.db, today=date.today())
    bot = telegram_bot(bot_api.token, bot_api.api_base)
    dispatcher, _ = build_dispatcher(app, await identify(bot, settings))
    client = TestClient(TestServer(webhook_application(bot, dispatcher, settings)))
    await client.start_server()
    path = settings.telegram.webhook.path
    try:
        refused = await client.post(path, json=update(1, "你好"))
        forged = await client.post(path, json=update(2, "你好"), headers={"X-Telegram-Bot-Api-Secret-Token": "x"})
        assert refused.status == 401 and forged.status == 401
        accepted = await client.post(path, json=update(3, "你好"),
                                     headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
        assert accepted.status == 200
        messages = await bot_api.wait_for_bot_messages(5151, 1, timeout=15)
        assert "就业秘书" in messages[0]["text"] and len(messages) == 1
    finally:
        await client.close()
        await asyncio.sleep(0)
        await bot.session.close()
        await app.close()
