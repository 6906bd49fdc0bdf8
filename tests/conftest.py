"""Shared fixtures: databases on SQLite and on a real PostgreSQL server, a fixed clock, an assistant.

A test's database is a copy of one migrated per session (a file copy on SQLite, `CREATE DATABASE … TEMPLATE`
on PostgreSQL): the same schema `upgrade` makes, without running every migration again for each test.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.db import Database
from storage.migrate import upgrade
from tests.pg_server import PostgresServer

# A weekday morning in Asia/Shanghai (2026-03-02 is a Monday): 09:30 local.
NOW = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The URL of a PostgreSQL server: MISHU_TEST_POSTGRES_URL, or one started for this test run."""
    given = os.environ.get("MISHU_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    server = PostgresServer().start()
    try:
        yield server.url
    finally:
        server.stop()


async def _fresh_postgres(base_url: str, template: str | None = None) -> str:
    """A new database on the server (empty, or a copy of `template`), so tests never see each other's rows."""
    name = f"mishu_test_{uuid.uuid4().hex[:12]}"
    admin = Database(base_url)
    async with admin.engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    await admin.dispose()
    return base_url.rsplit("/", 1)[0] + f"/{name}"


def _in_own_loop(coroutine):  # type: ignore[no-untyped-def]
    """Run a coroutine to the end from a synchronous (session) fixture, whatever loop this thread has open."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def _upgraded(url: str) -> None:
    db = Database(url)
    try:
        await upgrade(db)
    finally:
        await db.dispose()  # no connection left: a PostgreSQL template must have none to be copied


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once per session; tests get copies of it."""
    path = tmp_path_factory.mktemp("template") / "mishu.db"
    _in_own_loop(_upgraded(f"sqlite:///{path}"))
    assert not Path(f"{path}-wal").exists()  # everything is in the one file that is copied
    return path


@pytest.fixture(scope="session")
def postgres_template(postgres_url: str) -> str:
    """The name of a PostgreSQL database migrated to head once per session; tests get copies of it."""
    url = _in_own_loop(_fresh_postgres(postgres_url))
    _in_own_loop(_upgraded(url))
    return url.rsplit("/", 1)[1]


def _sqlite_copy(template: Path, folder: Path) -> str:
    path = folder / "mishu.db"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


@pytest.fixture(params=["sqlite", "postgres"])
async def any_db(request: pytest.FixtureRequest, tmp_path) -> AsyncIterator[Database]:  # type: ignore[no-untyped-def]
    """An upgraded, empty database on each backend."""
    if request.param == "sqlite":
        url = _sqlite_copy(request.getfixturevalue("sqlite_template"), tmp_path)
    else:
        url = await _fresh_postgres(request.getfixturevalue("postgres_url"),
                                    template=request.getfixturevalue("postgres_template"))
    db = Database(url)
    yield db
    await db.dispose()


@pytest.fixture
async def sqlite_db(tmp_path, sqlite_template: Path) -> AsyncIterator[Database]:  # type: ignore[no-untyped-def]
    """An upgraded, empty SQLite database."""
    db = Database(_sqlite_copy(sqlite_template, tmp_path))
    yield db
    await db.dispose()


@pytest.fixture(scope="session")
def trained_nlu():  # type: ignore[no-untyped-def]
    """The real NLU, trained once from nlu/data (cached on disk like the product does)."""
    from nlu import load_nlu

    return load_nlu()


def run(coroutine):  # type: ignore[no-untyped-def]
    return asyncio.run(coroutine)
