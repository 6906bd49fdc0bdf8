"""Alembic environment: runs on the connection `storage.migrate.upgrade` hands over."""

from __future__ import annotations

from alembic import context

from storage.models import Base
from storage.shelf import OBJECTS, PG_ONLY_TABLES


def _include(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    """The shelf's full-text table, view and GIN index live outside the metadata (storage/shelf.py); the per-token
    counts' tables exist on PostgreSQL only."""
    if type_ == "table" and name in PG_ONLY_TABLES and connection.dialect.name == "sqlite":
        return False
    return name not in OBJECTS


config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `mishu db upgrade` (storage.migrate.upgrade), not the alembic CLI")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_object=_include,
)
with context.begin_transaction():
    context.run_migrations()
