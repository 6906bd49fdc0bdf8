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
        health = await client.get(settings.telegram.webhook.health_path)  # no secret needed: no personal data
        report = await health.json()
        assert health.status == 200 and report["database"] == "ok" and isinstance(report["outbox_pending"], int)
    finally:
        await client.close()
        await asyncio.sleep(0)
        await bot.session.close()
        await app.close()


async def test_health_is_503_when_the_database_cannot_be_reached() -> None:
    from bot.health import health_report
    from storage.db import Database

    missing = Database("postgresql://nobody@127.0.0.1:1/mishu")  # nothing listens on port 1
    healthy, report = await health_report(missing)
    await missing.dispose()
    assert healthy is False and report["status"] == "unavailable"


async def test_health_reports_how_long_delivery_has_been_waiting(tmp_path: Path) -> None:
    from datetime import timedelta

    from bot.health import health_report
    from flows.messages import Reply, reply_to_dict
    from storage.models import utcnow
    from storage.queries.outbox import enqueue

    settings = load_settings(database__url=f"sqlite:///{tmp_path / 'health.db'}")
    app = await build_app(settings, create_if_empty=True)
    try:
        async with app.db.session() as session:
            await enqueue(session, purpose="push:1", channel="telegram", chat_id="1", chat_type="private",
                          payload=reply_to_dict(Reply("x")), person_id=None)
        healthy, report = await health_report(app.db, now=utcnow() + timedelta(minutes=10))
        assert healthy and report["outbox_pending"] == 1 and report["outbox_oldest_due_seconds"] >= 590
    finally:
        await app.close()
