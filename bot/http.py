"""The process's one HTTP server: the staff console (/console), the Telegram webhook (when in webhook mode) and
the health check, on `web.listen_host`/`web.listen_port` (Settings.http_address).

`mishu run` builds it with the webhook; `mishu web` serves it alone (polling deployments, trying the demo).
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime

from aiohttp import web

from bot.health import health_handler
from bot.settings import Settings
from flows.assistant import Understanding
from flows.turn import FlowSettings
from storage.db import Database

log = logging.getLogger(__name__)


def http_application(
    db: Database, settings: Settings, flow_settings: FlowSettings, *, console: bool = True,
    clock: Callable[[], datetime] | None = None, understanding: Understanding | None = None,
) -> web.Application:
    """/healthz and (unless `console` is False) the console; a channel adds its own routes (the webhook).
    `understanding`: the process's NLU, when it has one (`mishu run`), so the console does not load a second."""
    from bot.web.app import make_console, mount_console

    application = web.Application(client_max_size=8 * 1024 * 1024)  # sheets uploaded to the console
    application.router.add_get(settings.telegram.webhook.health_path, health_handler(db))
    if console:
        mount_console(application, make_console(db, settings, flow_settings, clock=clock,
                                                understanding=understanding))
    return application


async def serve_http(
    application: web.Application, host: str, port: int, stop: asyncio.Event, *, handle_signals: bool = True
) -> None:
    """Serve until `stop` is set (SIGTERM and SIGINT set it, unless the caller handles signals itself), then
    close connections cleanly."""
    runner = web.AppRunner(application, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    log.info("HTTP server listening on %s:%s", host, port)
    if handle_signals:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            with suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
