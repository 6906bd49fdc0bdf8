"""`mishu run`: the Telegram channel, outbox delivery and the scheduler in one process.

Polling by default; webhook by config (an aiohttp server checking Telegram's secret-token header,
handling updates in the background so a slow flow never delays the answer to Telegram). SIGTERM stops
taking updates, lets the ones in hand finish, and acknowledges the last update id so none is lost or
handled twice.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from contextlib import suppress
from dataclasses import replace
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from bot.app import App, build_app
from bot.channels.telegram.handlers import telegram_router
from bot.channels.telegram.inbound import BotIdentity
from bot.channels.telegram.menus import set_menus
from bot.channels.telegram.middlewares import ChatOrderMiddleware, ErrorMiddleware
from bot.channels.telegram.sender import TelegramSender
from bot.deliver import telegram_bot
from bot.delivery import Delivery
from bot.http import http_application, serve_http
from bot.settings import ConfigError, Settings
from storage.queries.people import staff_private_chats
from storage.queries.roles import bootstrap_admins
from storage.states import Role

log = logging.getLogger(__name__)


def build_dispatcher(app: App, me: BotIdentity) -> tuple[Dispatcher, ChatOrderMiddleware]:
    """A dispatcher with our routers and middlewares; dependencies travel in its data, not in globals."""
    if me.username and not app.assistant.settings.bot_username:
        # Deep links ("continue in private") need the bot's @username, known only once getMe answered.
        app.assistant.settings = replace(app.assistant.settings, bot_username=me.username)
    dispatcher = Dispatcher()
    order = ChatOrderMiddleware()
    dispatcher.update.outer_middleware(order)
    dispatcher.update.outer_middleware(ErrorMiddleware())
    dispatcher.include_router(telegram_router())
    dispatcher["assistant"] = app.assistant
    dispatcher["app"] = app
    dispatcher["me"] = me
    return dispatcher, order


async def identify(bot: Bot, settings: Settings) -> BotIdentity:
    user = await bot.get_me()
    return BotIdentity(id=user.id, username=settings.telegram.username or user.username or "")


async def _finish_in_hand(dispatcher: Dispatcher, timeout: float = 30) -> None:
    """Let updates already being handled finish: aiogram cancels polling but not their tasks."""
    in_hand = list(getattr(dispatcher, "_handle_update_tasks", ()))  # aiogram keeps no public handle on them
    if in_hand:
        await asyncio.wait(in_hand, timeout=timeout)


async def _acknowledge(bot: Bot, last_update_id: int) -> None:
    """Tell the Bot API every update up to `last_update_id` is done (polling commits offsets this way)."""
    if last_update_id:
        with suppress(Exception):
            await bot.get_updates(offset=last_update_id + 1, limit=1, timeout=0)


async def serve(settings: Settings, *, api_base: str | None = None) -> None:
    token = settings.telegram_token
    if not token:
        raise ConfigError("set MISHU_TELEGRAM_TOKEN to the bot's token (from @BotFather)")
    app = await build_app(settings)
    bot = telegram_bot(token, api_base if api_base is not None else settings.telegram.api_base)
    stop = asyncio.Event()
    tasks: list[asyncio.Task[Any]] = []
    try:
        me = await identify(bot, settings)
        dispatcher, order = build_dispatcher(app, me)
        async with app.db.session() as session:
            await bootstrap_admins(session, settings.roles.admins)
            staff = await staff_private_chats(session, "telegram")
            admins = await staff_private_chats(session, "telegram", (Role.ADMIN,))
            employers = await staff_private_chats(session, "telegram", (Role.EMPLOYER,))
        await set_menus(bot, staff, settings.language.default, admin_chat_ids=admins, employer_chat_ids=employers)
        delivery = Delivery(app.db, TelegramSender(bot), settings)
        tasks.append(asyncio.create_task(delivery.run_forever(stop), name="outbox delivery"))
        scheduler = await _start_scheduler(app)
        try:
            if settings.telegram.mode == "webhook":
                await _serve_webhook(bot, dispatcher, settings, stop)
            else:
                if settings.web.with_polling:
                    tasks.append(await _serve_console_beside_polling(app, settings, stop))
                await bot.delete_webhook(drop_pending_updates=False)
                _stop_polling_on_signals(dispatcher, stop)
                await dispatcher.start_polling(bot, handle_signals=False, close_bot_session=False,
                                               allowed_updates=dispatcher.resolve_used_update_types())
                await _finish_in_hand(dispatcher)
                await _acknowledge(bot, order.last_update_id)
        finally:
            if scheduler is not None:
                scheduler.shutdown(wait=False)
    finally:
        stop.set()
        for task in tasks:
            with suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, timeout=10)
        await bot.session.close()
        await app.close()


def _stop_polling_on_signals(dispatcher: Dispatcher, stop: asyncio.Event) -> None:
    """SIGTERM/SIGINT stop polling gracefully (aiogram finishes the updates in hand) and the other tasks."""
    loop = asyncio.get_running_loop()

    def request_stop() -> None:
        stop.set()
        loop.create_task(dispatcher.stop_polling())

    for signum in (signal.SIGTERM, signal.SIGINT):
        with suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, request_stop)


async def _start_scheduler(app: App) -> Any:
    """The ticks: due follow-ups, digests, the daily push, training and bus reminders."""
    from bot.scheduler import start
    from flows.push import daily_push
    from flows.training import send_training_reminders
    from flows.transport import send_bus_reminders

    async def push(now: Any) -> Any:
        return await daily_push(app.db, now, app.settings)

    async def reminders(now: Any) -> Any:
        courses = await send_training_reminders(app.db, now, app.assistant.settings)
        buses = await send_bus_reminders(app.db, now, app.assistant.settings)
        return courses + buses

    return await start(app, push=push, reminders=reminders)


def webhook_application(bot: Bot, dispatcher: Dispatcher, settings: Settings) -> web.Application:
    """The one HTTP server's application with the webhook Telegram posts updates to: the secret-token header is
    checked, work runs in the background. It also serves /healthz and the staff console (`bot.http`)."""
    app: App = dispatcher["app"]
    application = http_application(app.db, settings, app.assistant.settings, understanding=app.assistant.nlu)
    SimpleRequestHandler(
        dispatcher=dispatcher, bot=bot, secret_token=settings.webhook_secret, handle_in_background=True
    ).register(application, path=settings.telegram.webhook.path)
    setup_application(application, dispatcher, bot=bot)
    return application


async def _serve_webhook(bot: Bot, dispatcher: Dispatcher, settings: Settings, stop: asyncio.Event) -> None:
    hook = settings.telegram.webhook
    if not hook.url:
        raise ConfigError("telegram.webhook.url is empty: set the public HTTPS URL for webhook mode")
    application = webhook_application(bot, dispatcher, settings)
    host, port = settings.http_address
    serving = asyncio.create_task(serve_http(application, host, port, stop))
    await asyncio.sleep(0)
    await bot.set_webhook(hook.url, secret_token=settings.webhook_secret,
                          allowed_updates=dispatcher.resolve_used_update_types())
    log.info("webhook at %s:%s%s, console at %s", host, port, hook.path, settings.console_url)
    await serving


async def _serve_console_beside_polling(app: App, settings: Settings, stop: asyncio.Event) -> asyncio.Task[None]:
    """Polling mode with `web.with_polling`: the console and /healthz on the same process."""
    host, port = settings.http_address
    application = http_application(app.db, settings, app.assistant.settings, understanding=app.assistant.nlu)
    return asyncio.create_task(serve_http(application, host, port, stop, handle_signals=False), name="http server")
