"""Is this process able to work? A health report for load balancers and monitoring (webhook mode).

Healthy means the database answers; the outbox backlog (how many messages wait, how long the longest-due one
has waited) is reported so monitoring can alert on delivery that has stalled, which a 200 alone would hide.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiohttp import web

from storage.db import Database
from storage.models import utcnow
from storage.queries.outbox import backlog

log = logging.getLogger(__name__)


async def health_report(db: Database, now: datetime | None = None) -> tuple[bool, dict[str, Any]]:
    """(healthy, report): the report is safe to show anyone, it holds no personal data."""
    try:
        async with db.session() as session:
            pending, waited = await backlog(session, now=now or utcnow())
    except Exception as exc:  # any failure to reach the database means this process cannot work
        log.warning("health check: database unavailable (%s)", type(exc).__name__)
        return False, {"status": "unavailable", "database": type(exc).__name__}
    return True, {
        "status": "ok", "database": "ok", "outbox_pending": pending,
        "outbox_oldest_due_seconds": round(waited, 1) if waited is not None else None,
    }


def health_handler(db: Database) -> Callable[[web.Request], Awaitable[web.Response]]:
    """The GET handler: 200 with the report when healthy, 503 otherwise."""

    async def health(_: web.Request) -> web.Response:
        healthy, report = await health_report(db)
        return web.json_response(report, status=200 if healthy else 503)

    return health
