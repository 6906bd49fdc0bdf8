"""Connecting to the database: plain URLs in, the right async driver out, the schema checked.

`sqlite:///mishu.db` becomes `sqlite+aiosqlite:///mishu.db` (WAL, foreign keys on), and
`postgresql://…` becomes `postgresql+asyncpg://…`, so staff never need to know driver names.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool


class DatabaseError(Exception):
    """The database cannot be used as configured; the message is one line a person can act on."""


ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg", "postgres": "postgresql+asyncpg"}


def normalise_url(raw: str) -> URL:
    """Turn a plain database URL into one with an async driver; reject what cannot work."""
    try:
        url = make_url(raw.strip())
    except ArgumentError as exc:
        raise DatabaseError(
            f"'{raw}' is not a database URL; use e.g. sqlite:///mishu.db or postgresql://user@host/db"
        ) from exc
    backend, _, driver = url.drivername.partition("+")
    if backend not in ASYNC_DRIVERS:
        raise DatabaseError(f"unsupported database '{backend}' in '{raw}': use sqlite or postgresql")
    if driver in ("", "pysqlite", "psycopg2", "psycopg", "asyncpg", "aiosqlite"):
        url = url.set(drivername=ASYNC_DRIVERS[backend])
    return url


# How long a SQLite transaction waits for the write lock another holds: a sheet import of 20,000 rows holds it for
# its whole (all-or-nothing) transaction, 10-25 s on a loaded machine; a chat turn waits for it rather than failing.
LOCK_WAIT_MS = 120_000
# Execution options read when a SQLite transaction begins (`_begin_immediate`); PostgreSQL ignores them.
READ_ONLY = "mishu_read_only"
LOCK_WAIT = "mishu_lock_wait_ms"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own implicit BEGIN is off: `_begin_immediate` starts every transaction instead.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets the chat, the delivery worker and the scheduler read while one of them writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={LOCK_WAIT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _begin_immediate(connection: Any) -> None:
    """Every SQLite transaction takes the write lock when it begins (waiting up to busy_timeout for it).

    A transaction that read first and writes later cannot wait for another writer: when that writer commits, its
    snapshot is stale and SQLite refuses it at once ("database is locked", whatever the busy timeout). A chat turn
    reads then writes, so while an import or the delivery worker wrote, turns failed; taken at the start, the lock
    is simply waited for. Readers of a WAL database still never block the writer.

    Execution options change that for one connection: `READ_ONLY` begins without the lock (a reader never waits
    for a writer: health checks), `LOCK_WAIT` waits that many milliseconds at most (a probe that reports a lock held
    by a long import rather than waiting for it).
    """
    options = connection.get_execution_options()
    if options.get(READ_ONLY):
        connection.exec_driver_sql("BEGIN")
        return
    if options.get(LOCK_WAIT) is not None:
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(options[LOCK_WAIT])}")
    connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """An async engine and its session factory for one database URL."""

    def __init__(self, url: str, *, echo: bool = False, must_exist: bool = False) -> None:
        """`must_exist`: a SQLite file is opened only if it is there (read-write), never created — for checks
        like `mishu health`, which must not leave an empty database behind."""
        self.url = normalise_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        if self.is_sqlite and must_exist and self.sqlite_file() is not None:
            self.url = self.url.set(database=f"file:{self.sqlite_file()}",
                                    query={**self.url.query, "uri": "true", "mode": self.url.query.get("mode", "rw")})
        # `echo` logs SQL through the process's logging (masked handlers: bot/privacy.py), never through
        # SQLAlchemy's own stdout handler, which would bypass them.
        options: dict[str, Any] = {"echo": False}
        if echo:
            logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)
        if self.is_sqlite:
            options["connect_args"] = {"timeout": LOCK_WAIT_MS / 1000}
            if self.url.database in (None, "", ":memory:"):
                raise DatabaseError("an in-memory SQLite database cannot be shared; give a file, e.g. sqlite:///mishu.db")
            options["poolclass"] = NullPool
        else:
            options["pool_pre_ping"] = True
        self.engine: AsyncEngine = create_async_engine(self.url, **options)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
            event.listen(self.engine.sync_engine, "begin", _begin_immediate)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # reads that must not wait for a writer (SQLite: a transaction without the write lock)
        self.reader: AsyncEngine = self.engine.execution_options(**{READ_ONLY: True})

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session in a transaction: committed on success, rolled back on error."""
        async with self.sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A session that only reads: on SQLite it never waits for the write lock (a health check answers while
        a long import writes); rolled back at the end."""
        async with self.sessions(bind=self.reader) as session, session.begin():
            yield session
            await session.rollback()

    async def table_names(self) -> list[str]:
        async with self.engine.connect() as conn:
            return await conn.run_sync(lambda sync_conn: inspect(sync_conn).get_table_names())

    async def dispose(self) -> None:
        await self.engine.dispose()

    def sqlite_file(self) -> Path | None:
        """The SQLite database file (also given as a `file:` URI), or None for PostgreSQL."""
        if not self.is_sqlite or not self.url.database:
            return None
        name = self.url.database
        if name.startswith("file:"):
            name = name.removeprefix("file:").split("?", 1)[0]
        return Path(name)

    def missing(self) -> bool:
        """True when this is a SQLite database whose file is not there (connecting would create an empty one)."""
        path = self.sqlite_file()
        return path is not None and not path.exists()

    def describe(self) -> str:
        """The URL without its password, for messages and logs."""
        return self.url.render_as_string(hide_password=True)
