"""Taking a row's write lock before a check-then-insert, the same way on PostgreSQL and SQLite."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

Row = TypeVar("Row")


async def lock_row(session: AsyncSession, model: type[Row], row_id: int) -> Row | None:
    """Load one row holding its write lock until the transaction ends (None if it does not exist).

    PostgreSQL: SELECT … FOR UPDATE, so concurrent bookers of the same row queue here. SQLite has no row
    locks and ignores FOR UPDATE; a no-op UPDATE first makes the transaction a writer (the database-wide
    write lock, waited for with busy_timeout), so the reads after it see every committed booking.
    """
    mapper: Any = model
    rows = await lock_rows(session, model, mapper.id == row_id)
    return rows[0] if rows else None


async def lock_rows(session: AsyncSession, model: type[Row], *where: Any) -> list[Row]:
    """The rows matching `where`, holding their write locks until the transaction ends (see `lock_row`); on
    SQLite the transaction becomes the writer even when nothing matches, so a check for "none yet" followed by
    an insert is one step too."""
    mapper: Any = model
    if session.bind.dialect.name == "sqlite":
        await session.execute(
            update(mapper).where(*where).values(id=mapper.id).execution_options(synchronize_session=False)
        )
        stmt = select(mapper).where(*where).execution_options(populate_existing=True)
    else:
        stmt = select(mapper).where(*where).with_for_update().execution_options(populate_existing=True)
    return list((await session.execute(stmt.order_by(mapper.id))).scalars())


# An arbitrary constant naming "an import is writing" among PostgreSQL advisory locks.
IMPORT_LOCK_KEY = 0x6D697368_75696D70 & 0x7FFFFFFFFFFFFFFF


async def take_import_lock(session: AsyncSession) -> None:
    """Make this transaction the only import writing, until it ends.

    PostgreSQL: a transaction-scoped advisory lock, so two imports queue instead of racing to insert the same
    enterprise (other writers are not held up). SQLite: the database's write lock, so every read the import makes
    sees the state it writes into. Transactions of `storage.db.Database` take it at BEGIN already (IMMEDIATE); the
    no-op UPDATE makes sure of it for a session opened any other way.
    """
    if session.bind.dialect.name == "sqlite":
        await session.execute(text("UPDATE enterprise SET id = id WHERE 0 = 1"))
    else:
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": IMPORT_LOCK_KEY})
