"""What a health check asks the database: can it answer, and can it take a write right now (nothing is kept)."""

from __future__ import annotations

import secrets

from sqlalchemy import insert, text

from storage.db import Database
from storage.models import DeliveryWorker, utcnow

# How long the probe waits for SQLite's write lock: a database held by a long import is reported, not waited on.
LOCK_WAIT_MS = 3000


async def probe_write(db: Database) -> None:
    """Write a row nobody will see and roll it back; raises when the database is read-only (a read-only file, a
    standby server, `default_transaction_read_only`), full, or locked longer than LOCK_WAIT_MS."""
    async with db.sessions() as session:
        await session.begin()
        try:
            if db.is_sqlite:
                await session.execute(text(f"PRAGMA busy_timeout = {LOCK_WAIT_MS}"))
            await session.execute(
                insert(DeliveryWorker).values(name=f"health-probe:{secrets.token_hex(6)}", channel="health",
                                              seen_at=utcnow())
            )
        finally:
            await session.rollback()
