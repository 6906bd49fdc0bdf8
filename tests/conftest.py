"""Shared fixtures: databases on SQLite and on a real PostgreSQL server, a fixed clock, an assistant."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

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


async def _fresh_postgres(base_url: str) -> str:
    """A new empty database on the server, so tests never see each other's rows."""
    name = f"mishu_test_{uuid.uuid4().hex[:12]}"
    admin = Database(base_url)
    async with admin.engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return base_url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(params=["sqlite", "postgres"])
async def any_db(request: pytest.FixtureRequest, tmp_path) -> AsyncIterator[Database]:  # type: ignore[no-untyped-def]
    """An upgraded, empty database on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'mishu.db'}"
    else:
        url = await _fresh_postgres(request.getfixturevalue("postgres_url"))
    db = Database(url)
    await upgrade(db)
    yield db
    await db.dispose()


@pytest.fixture
async def sqlite_db(tmp_path) -> AsyncIterator[Database]:  # type: ignore[no-untyped-def]
    db = Database(f"sqlite:///{tmp_path / 'mishu.db'}")
    await upgrade(db)
    yield db
    await db.dispose()


@pytest.fixture(scope="session")
def trained_nlu():  # type: ignore[no-untyped-def]
    """The real NLU, trained once from nlu/data (cached on disk like the product does)."""
    from nlu import load_nlu

    return load_nlu()


def run(coroutine):  # type: ignore[no-untyped-def]
    return asyncio.run(coroutine)
