"""Run outbox delivery on its own: `python -m bot.deliver [--db URL] [--api-base URL] [--sender aiogram|api] [--once]`.

`mishu run` runs delivery inside the service; this entry point runs extra delivery processes (scale-out on
PostgreSQL) and is what the crash tests and the outbox benchmark kill and restart.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bot.channels.telegram.sender import BotApiSender, TelegramSender
from bot.delivery import Delivery
from bot.privacy import setup_logging
from bot.settings import Settings, load_settings
from storage.db import Database


def telegram_bot(token: str, api_base: str = "") -> Bot:
    """An aiogram Bot, pointed at a local Bot API server when `api_base` is given."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_base)) if api_base else AiohttpSession()
    return Bot(token, session=session)


async def serve(settings: Settings, *, once: bool = False, sender_kind: str = "aiogram") -> None:
    token = settings.telegram_token or os.environ.get("MISHU_TELEGRAM_TOKEN")
    if not token:
        raise SystemExit("set MISHU_TELEGRAM_TOKEN")
    timeout = settings.outbox.request_timeout_seconds
    bot = telegram_bot(token, settings.telegram.api_base)
    sender: TelegramSender | BotApiSender
    if sender_kind == "api":
        sender = BotApiSender(token, settings.telegram.api_base, request_timeout=timeout)
    else:
        sender = TelegramSender(bot, request_timeout=timeout)
    db = Database(settings.database.url)
    delivery = Delivery(db, sender, settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        if once:
            while (await delivery.run_once()).claimed:
                pass
        else:
            await delivery.run_forever(stop)
    finally:
        await bot.session.close()
        if isinstance(sender, BotApiSender):
            await sender.close()
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", help="database URL (default: config)")
    parser.add_argument("--api-base", help="local Bot API server, e.g. http://127.0.0.1:8081")
    parser.add_argument("--once", action="store_true", help="deliver what is due, then exit")
    parser.add_argument("--sender", choices=("aiogram", "api"), default="aiogram",
                        help="aiogram's Bot (default) or plain JSON posts (less CPU per message)")
    args = parser.parse_args()
    overrides = {}
    if args.db:
        overrides["database__url"] = args.db
    if args.api_base:
        overrides["telegram__api_base"] = args.api_base
    settings = load_settings(**overrides)
    setup_logging(settings.logging.level, sql=settings.database.echo)
    asyncio.run(serve(settings, once=args.once, sender_kind=args.sender))


if __name__ == "__main__":
    main()
