"""Is this process able to work? A health report for load balancers and monitoring (webhook mode, `mishu health`).

Healthy means what a chat turn needs: the database file is there (a missing SQLite file is reported, never
created), the schema is the one this version expects, and the database takes a write now (a row written and
rolled back: a read-only file or server, a full disk or a lock held by a long import all show). The outbox
backlog (how many messages wait, how long the longest-due one has waited) is reported so monitoring can alert
on delivery that has stalled, which a 200 alone would hide.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiohttp import web

from storage.db import Database
from storage.migrate import current_revision, head_revision
from storage.models import utcnow
from storage.queries.health import probe_write
from storage.queries.outbox import backlog

log = logging.getLogger(__name__)


def _reason(exc: BaseException) -> str:
    """A word for monitoring: read_only, locked, or the error's type (no message: it could hold data)."""
    words = str(getattr(exc, "orig", None) or exc).lower()
    if "read-only" in words or "readonly" in words or "read only" in words:
        return "read_only"
    if "locked" in words:
        return "locked"
    return type(exc).__name__


def _unhealthy(database: str, **more: Any) -> tuple[bool, dict[str, Any]]:
    log.warning("health check: database %s", database)
    return False, {"status": "unavailable", "database": database, **more}


async def health_report(db: Database, now: datetime | None = None) -> tuple[bool, dict[str, Any]]:
    """(healthy, report): the report is safe to show anyone, it holds no personal data."""
    if db.missing():
        return _unhealthy("missing")
    try:
        revision = await current_revision(db)
        async with db.reading() as session:  # never waits for a writer: a lock is the probe's to report
            pending, waited = await backlog(session, now=now or utcnow())
    except Exception as exc:  # any failure to reach the database means this process cannot work
        return _unhealthy(_reason(exc))
    if revision != head_revision():
        return _unhealthy("schema_outdated", schema=revision, expected=head_revision())
    try:
        await probe_write(db)
    except Exception as exc:
        return _unhealthy(_reason(exc), writable=False)
    return True, {
        "status": "ok", "database": "ok", "writable": True, "outbox_pending": pending,
        "outbox_oldest_due_seconds": round(waited, 1) if waited is not None else None,
    }


def health_handler(db: Database) -> Callable[[web.Request], Awaitable[web.Response]]:
    """The GET handler: 200 with the report when healthy, 503 otherwise."""

    async def health(_: web.Request) -> web.Response:
        healthy, report = await health_report(db)
        return web.json_response(report, status=200 if healthy else 503)

    return health
