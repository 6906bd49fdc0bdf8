"""What a health check asks the database: can it answer, and can it take a write right now (nothing is kept)."""

from __future__ import annotations

import secrets

from sqlalchemy import insert

from storage.db import LOCK_WAIT, Database
from storage.models import DeliveryWorker, utcnow

# How long the probe waits for SQLite's write lock: a database held by a long import is reported, not waited on.
LOCK_WAIT_MS = 3000


async def probe_write(db: Database) -> None:
    """Write a row nobody will see and roll it back; raises when the database is read-only (a read-only file, a
    standby server, `default_transaction_read_only`), full, or locked longer than LOCK_WAIT_MS."""
    async with db.sessions(bind=db.engine.execution_options(**{LOCK_WAIT: LOCK_WAIT_MS})) as session:
        await session.begin()
        try:
            await session.execute(
                insert(DeliveryWorker).values(name=f"health-probe:{secrets.token_hex(6)}", channel="health",
                                              seen_at=utcnow())
            )
        finally:
            await session.rollback()
