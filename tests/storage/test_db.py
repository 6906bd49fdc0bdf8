"""Storage on both backends: URLs, migrations, the schema check, UTC times, constraints."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from storage.db import Database, DatabaseError, normalise_url
from storage.migrate import current_revision, ensure_schema, head_revision, upgrade
from storage.models import (
    ChannelIdentity,
    Enterprise,
    FollowUp,
    OutboxMessage,
    Person,
    Posting,
    WorkerProfile,
)


class TestUrls:
    @pytest.mark.parametrize(
        ("raw", "driver"),
        [
            ("sqlite:///mishu.db", "sqlite+aiosqlite"),
            ("sqlite+aiosqlite:///mishu.db", "sqlite+aiosqlite"),
            ("postgresql://u:p@localhost/mishu", "postgresql+asyncpg"),
            ("postgres://u@localhost/mishu", "postgresql+asyncpg"),
            ("postgresql+psycopg2://u@localhost/mishu", "postgresql+asyncpg"),
        ],
    )
    def test_plain_urls_get_an_async_driver(self, raw: str, driver: str) -> None:
        assert normalise_url(raw).drivername == driver

    @pytest.mark.parametrize("raw", ["not a url", "mysql://u@h/db", "sqlite://"])
    def test_bad_urls_are_one_clear_error(self, raw: str) -> None:
        with pytest.raises(DatabaseError) as info:
            Database(raw)
        assert "\n" not in str(info.value)

    async def test_password_is_hidden_in_descriptions(self) -> None:
        db = Database("postgresql://mishu:secret@localhost/mishu")
        assert "secret" not in db.describe()
        await db.dispose()


class TestMigrations:
    async def test_upgrade_reaches_head(self, any_db: Database) -> None:
        assert await current_revision(any_db) == head_revision()
        assert "outbox_message" in await any_db.table_names()

    async def test_outdated_schema_is_refused_with_the_command(self, tmp_path) -> None:  # type: ignore[no-untyped-def]
        db = Database(f"sqlite:///{tmp_path / 'old.db'}")
        async with db.engine.begin() as conn:
            await conn.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
            await conn.exec_driver_sql("INSERT INTO alembic_version VALUES ('0000old')")
        with pytest.raises(DatabaseError, match="mishu db upgrade"):
            await ensure_schema(db, create_if_empty=True)
        await db.dispose()

    async def test_foreign_database_is_not_touched(self, tmp_path) -> None:  # type: ignore[no-untyped-def]
        db = Database(f"sqlite:///{tmp_path / 'other.db'}")
        async with db.engine.begin() as conn:
            await conn.exec_driver_sql("CREATE TABLE somebody_elses (id INTEGER)")
        with pytest.raises(DatabaseError, match="no Mishu schema"):
            await ensure_schema(db, create_if_empty=True)
        assert await db.table_names() == ["somebody_elses"]
        await db.dispose()

    async def test_empty_database_is_created_when_asked(self, tmp_path) -> None:  # type: ignore[no-untyped-def]
        db = Database(f"sqlite:///{tmp_path / 'new.db'}")
        await ensure_schema(db, create_if_empty=True)
        assert await current_revision(db) == head_revision()
        await db.dispose()

    async def test_unreachable_server_is_one_line(self) -> None:
        db = Database("postgresql://nobody@127.0.0.1:1/none")
        with pytest.raises(DatabaseError, match="cannot open the database") as info:
            await ensure_schema(db)
        assert "\n" not in str(info.value)
        await db.dispose()


class TestModels:
    async def test_times_come_back_as_utc(self, any_db: Database) -> None:
        local = datetime(2026, 3, 2, 9, 30, tzinfo=timezone(timedelta(hours=8)))
        async with any_db.session() as session:
            person = Person(role="worker", name="王秀英")
            session.add(person)
            await session.flush()
            session.add(FollowUp(worker_id=person.id, kind="first", due_at=local))
        async with any_db.session() as session:
            due = (await session.execute(select(FollowUp.due_at))).scalar_one()
        assert due == local and due.tzinfo is not None and due.utcoffset() == timedelta(0)

    async def test_naive_times_are_refused(self, any_db: Database) -> None:
        with pytest.raises(Exception, match="naive"):
            async with any_db.session() as session:
                session.add(Person(role="worker", name="x", created_at=datetime(2026, 1, 1)))

    async def test_a_channel_account_belongs_to_one_person(self, any_db: Database) -> None:
        async with any_db.session() as session:
            session.add(Person(name="a", identities=[ChannelIdentity(channel="telegram", external_id="42")]))
        with pytest.raises(IntegrityError):
            async with any_db.session() as session:
                session.add(Person(name="b", identities=[ChannelIdentity(channel="telegram", external_id="42")]))

    async def test_outbox_idempotency_key_is_unique(self, any_db: Database) -> None:
        async with any_db.session() as session:
            session.add(OutboxMessage(idempotency_key="push:1:telegram:42", purpose="push:1", channel="telegram", chat_id="42"))
        with pytest.raises(IntegrityError):
            async with any_db.session() as session:
                session.add(
                    OutboxMessage(idempotency_key="push:1:telegram:42", purpose="push:1", channel="telegram", chat_id="42")
                )

    async def test_profile_and_postings_round_trip(self, any_db: Database) -> None:
        async with any_db.session() as session:
            person = Person(name="李建国", township="双福镇")
            person.profile = WorkerProfile(wanted_categories=["采茶工", "制茶工"], available_from=date(2026, 3, 5))
            enterprise = Enterprise(name="双福茶叶专业合作社", township="双福镇")
            session.add_all([person, enterprise])
            await session.flush()
            session.add(Posting(enterprise_id=enterprise.id, title="春茶采摘", job_category="采茶工", openings=80))
        async with any_db.session() as session:
            profile = (await session.execute(select(WorkerProfile))).scalar_one()
            posting = (await session.execute(select(Posting))).scalar_one()
        assert profile.wanted_categories == ["采茶工", "制茶工"]
        assert posting.created_at.tzinfo == UTC and posting.status == "open"


async def test_upgrade_is_idempotent(sqlite_db: Database) -> None:
    assert await upgrade(sqlite_db) == head_revision()
