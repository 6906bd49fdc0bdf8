"""Health says what a chat turn would find: a database that takes writes (not a read-only or locked one), the
expected schema, and — for SQLite — a file that is there; checking never creates a file."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
import uuid
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer
from aiohttp.web import Application
from sqlalchemy import text

from bot.health import health_handler, health_report
from storage.db import LOCK_WAIT_MS, Database
from storage.migrate import upgrade
from storage.queries.health import LOCK_WAIT_MS as PROBE_WAIT_MS
from tests.bot.test_cli import mishu


async def _sqlite(path: Path) -> str:
    db = Database(f"sqlite:///{path}")
    await upgrade(db)
    await db.dispose()
    return f"sqlite:///{path}"


async def _status(db: Database) -> tuple[int, dict[str, object]]:
    application = Application()
    application.router.add_get("/healthz", health_handler(db))
    client = TestClient(TestServer(application))
    await client.start_server()
    try:
        response = await client.get("/healthz")
        return response.status, await response.json()
    finally:
        await client.close()


class TestSqlite:
    async def test_a_writable_database_is_healthy(self, tmp_path: Path) -> None:
        db = Database(await _sqlite(tmp_path / "ok.db"))
        try:
            assert await _status(db) == (200, {"status": "ok", "database": "ok", "writable": True,
                                               "outbox_pending": 0, "outbox_oldest_due_seconds": None})
        finally:
            await db.dispose()

    async def test_a_read_only_database_is_not(self, tmp_path: Path) -> None:
        url = await _sqlite(tmp_path / "ro.db")
        db = Database(url.replace("sqlite:///", "sqlite:///file:") + "?mode=ro&uri=true")
        try:
            status, report = await _status(db)
        finally:
            await db.dispose()
        assert status == 503 and report == {"status": "unavailable", "database": "read_only", "writable": False}

    async def test_a_missing_file_is_reported_and_not_created(self, tmp_path: Path) -> None:
        for path in (tmp_path / "absent.db", tmp_path / "no" / "such" / "folder.db"):
            db = Database(f"sqlite:///{path}")
            try:
                status, report = await _status(db)
            finally:
                await db.dispose()
            assert (status, report) == (503, {"status": "unavailable", "database": "missing"})
            assert not path.exists()
        assert list(tmp_path.iterdir()) == []

    async def test_a_database_locked_by_a_long_writer_is_reported(self, tmp_path: Path) -> None:
        url = await _sqlite(tmp_path / "busy.db")
        holder = sqlite3.connect(tmp_path / "busy.db", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # an import holding the write lock
        db = Database(url)
        try:
            started = time.monotonic()
            healthy, report = await health_report(db)
            waited = time.monotonic() - started
            # a chat turn would wait for the lock (LOCK_WAIT_MS); the check reports it after its own short wait
            async with db.reading() as session:  # and a reader never waits for it
                assert await session.scalar(text("SELECT count(*) FROM outbox_message")) == 0
        finally:
            holder.execute("ROLLBACK")
            holder.close()
            await db.dispose()
        assert not healthy and report["database"] == "locked" and report["writable"] is False
        assert waited < PROBE_WAIT_MS / 1000 + 5 < LOCK_WAIT_MS / 1000

    async def test_a_writer_waits_for_the_lock_a_long_import_holds(self, tmp_path: Path) -> None:
        """While an import holds SQLite's write lock, a chat turn's transaction waits for it instead of failing."""
        url = await _sqlite(tmp_path / "busy.db")
        holder = sqlite3.connect(tmp_path / "busy.db", isolation_level=None, check_same_thread=False)
        holder.execute("BEGIN IMMEDIATE")
        db = Database(url)

        async def turn() -> int:
            async with db.session() as session:  # BEGIN IMMEDIATE: waits for the holder
                await session.execute(text("CREATE TABLE IF NOT EXISTS turn_marker (x integer)"))
                return 1

        try:
            waiting = asyncio.ensure_future(turn())
            await asyncio.sleep(1.5)
            assert not waiting.done()  # still waiting for the lock, not failed
            holder.execute("ROLLBACK")
            assert await asyncio.wait_for(waiting, 30) == 1
        finally:
            holder.close()
            await db.dispose()

    async def test_an_outdated_schema_is_reported(self, tmp_path: Path) -> None:
        url = await _sqlite(tmp_path / "old.db")
        with sqlite3.connect(tmp_path / "old.db") as conn:
            conn.execute("UPDATE alembic_version SET version_num = '0000old'")
        db = Database(url)
        try:
            healthy, report = await health_report(db)
        finally:
            await db.dispose()
        assert not healthy and report["database"] == "schema_outdated" and report["schema"] == "0000old"


class TestPostgres:
    async def test_a_read_only_server_is_not_healthy(self, postgres_url: str) -> None:
        name = f"mishu_ro_{uuid.uuid4().hex[:8]}"
        admin = Database(postgres_url)
        async with admin.engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = postgres_url.rsplit("/", 1)[0] + f"/{name}"
        db = Database(url)
        await upgrade(db)
        assert (await health_report(db))[0] is True
        async with admin.engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'))
        await admin.dispose()
        await db.dispose()  # new connections see the setting
        try:
            status, report = await _status(db)
        finally:
            await db.dispose()
        assert status == 503 and report["database"] == "read_only"


class TestTheCommand:
    def test_mishu_health_on_a_missing_path_creates_nothing(self, tmp_path: Path) -> None:
        path = tmp_path / "nothing.db"
        result = mishu("health", "--db", f"sqlite:///{path}")
        assert result.returncode == 1 and json.loads(result.stdout)["database"] == "missing"
        assert not path.exists() and list(tmp_path.iterdir()) == []

    def test_mishu_health_on_a_read_only_database_says_so(self, tmp_path: Path) -> None:
        url = asyncio.run(_sqlite(tmp_path / "ro.db"))
        ok = mishu("health", "--db", url)
        assert ok.returncode == 0 and json.loads(ok.stdout)["writable"] is True
        ro = mishu("health", "--db", url.replace("sqlite:///", "sqlite:///file:") + "?mode=ro&uri=true")
        assert ro.returncode == 1 and json.loads(ro.stdout) == {"status": "unavailable", "database": "read_only",
                                                                 "writable": False}
