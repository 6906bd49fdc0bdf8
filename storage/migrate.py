"""Alembic migrations run from code: `mishu db upgrade`, and the schema check every command makes.

The app never migrates an existing database behind the staff's back: an outdated schema is refused
with the command to run. Only a brand-new, empty database is created in place (the Quick start).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError, OperationalError

from storage.db import Database, DatabaseError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "storage/migrations has no revisions"
    return head


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def current_revision(db: Database) -> str | None:
    try:
        async with db.reader.connect() as conn:
            return await conn.run_sync(_current)
    except (OSError, OperationalError, DBAPIError) as exc:
        raise DatabaseError(f"cannot open the database {db.describe()}: {_reason(exc)}") from exc


def _reason(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return str(orig).splitlines()[0] if str(orig) else type(orig).__name__


async def upgrade(db: Database, revision: str = "head") -> str:
    """Migrate the schema to `revision`; returns the revision reached."""

    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(run)
    except (OSError, OperationalError, DBAPIError) as exc:
        raise DatabaseError(f"cannot migrate the database {db.describe()}: {_reason(exc)}") from exc
    return await current_revision(db) or ""


async def ensure_schema(db: Database, *, create_if_empty: bool = False) -> None:
    """Refuse an outdated schema (naming the command to run); optionally create a brand-new database."""
    current = await current_revision(db)
    head = head_revision()
    if current == head:
        return
    if current is None and create_if_empty and not await db.table_names():
        await upgrade(db)
        return
    state = "has no Mishu schema" if current is None else f"is at schema revision {current}"
    raise DatabaseError(
        f"the database {db.describe()} {state}, this version needs {head}: run `mishu db upgrade --db …` first"
    )
