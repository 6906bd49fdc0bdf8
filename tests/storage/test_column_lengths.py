"""Over-long and unstorable text in every text column: stored alike on SQLite and PostgreSQL, never an error.

The table list comes from the models' metadata, so a table or column added later is fuzzed too; a column that
is not one of storage/columns.py's types fails the first test.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import JSON, BigInteger, Boolean, Date, Float, Integer, String, Table, select
from sqlalchemy.sql.type_api import TypeEngine

from bot.harness import Conversation
from flows.assistant import Assistant
from flows.turn import FlowSettings
from storage import name_index, shelf
from storage.columns import BoundedString, CleanText, EnumString, storable
from storage.db import Database
from storage.models import Base, ChannelIdentity, UtcDateTime
from storage.shelf import KEPT_BY_TRIGGERS
from tests.conftest import NOW
from tests.scripted_nlu import ScriptedNLU

# Parents before children, so foreign keys can point at a real row; the name pieces' fixed offsets (no text, and a
# row more there would make the name triggers write longer pieces) are left as the schema wrote them.
# PostgreSQL's per-token counts are left out too: only the database's own SQL writes them (a trigger and the fold,
# from tsvector lexemes), and SQLite has no such tables.
TABLES = [table for table in Base.metadata.sorted_tables
          if table.name != name_index.OFFSETS and table.name not in shelf.PG_ONLY_TABLES]
# Tables the database's own triggers fill from their parents' rows: cleared before the test writes its own row, which
# could otherwise repeat a key a trigger has just written (a person's name pieces, a posting's count group).
WRITTEN_BY_TRIGGERS = frozenset({name_index.TABLE, shelf.COUNT_TABLE})

# Text as people and files bring it: CJK, emoji outside the BMP, NUL, lone surrogates, combining marks, RTL.
TEXT = st.text(
    alphabet=st.one_of(
        st.characters(exclude_categories=()),  # everything, surrogates (Cs) included
        st.sampled_from(["刘", "大", "姐", "👩", "\u200d", "🌾", "\x00", "\ud83d", "é", "\u202e", " "]),
    ),
    min_size=0, max_size=40,
)


def _length(column_type: TypeEngine[Any]) -> int | None:
    return column_type.length if isinstance(column_type, BoundedString) else None


def test_every_text_column_is_bounded_or_cleaned() -> None:
    """The mechanism covers the whole schema: no plain String/Text column anywhere in the models."""
    plain = [
        f"{table.name}.{column.name}"
        for table in TABLES for column in table.columns
        if isinstance(column.type, String) and not isinstance(column.type, BoundedString | CleanText)
    ]
    assert plain == []
    assert all(
        column.type.length for table in TABLES for column in table.columns if isinstance(column.type, BoundedString)
    )


def _value(column: Any, text: str, parents: dict[str, Any]) -> Any:
    """A value for any column: over-long text for text columns, the parent's key for a foreign key."""
    if column.foreign_keys:
        key = next(iter(column.foreign_keys)).column
        return parents[key.table.name][key.name]
    kind = column.type
    if isinstance(kind, EnumString):
        return next(iter(kind.enum))  # a vocabulary column takes only its members (tests/storage/test_states.py)
    if isinstance(kind, BoundedString):
        return (text * (kind.length // max(len(text), 1) + 2) + text)[: kind.length + 30] if text else "x" * (
            kind.length + 30)
    if isinstance(kind, CleanText):
        return text * 3
    if isinstance(kind, UtcDateTime):
        return NOW
    if isinstance(kind, Date):
        return date(2026, 3, 2)
    if isinstance(kind, Boolean):
        return True
    if isinstance(kind, Float):
        return 0.5
    if isinstance(kind, Integer | BigInteger):
        return 7
    if isinstance(kind, JSON):
        return []
    raise AssertionError(f"no test value for {column.table.name}.{column.name} of type {kind!r}")


async def _write_and_read(db: Database, text: str) -> dict[str, dict[str, Any]]:
    """One row in every table with every column filled, read back; rolled back afterwards."""
    stored: dict[str, dict[str, Any]] = {}
    written: dict[str, dict[str, Any]] = {}
    async with db.engine.connect() as conn:
        transaction = await conn.begin()
        try:
            for table in TABLES:
                row = {c.name: _value(c, text, stored) for c in table.columns
                       if not (c.primary_key and c.autoincrement is not False and isinstance(c.type, Integer))
                       or c.foreign_keys}
                written[table.name] = row
                if table.name in WRITTEN_BY_TRIGGERS:
                    await conn.execute(table.delete())
                result = await conn.execute(table.insert().values(**row).returning(*table.columns))
                stored[table.name] = dict(result.mappings().one())
            for table in TABLES:
                key = _key(table, stored[table.name])
                again = (await conn.execute(select(table).where(*key))).mappings().one()
                kept = {c for c in again if f"{table.name}.{c}" in KEPT_BY_TRIGGERS}  # the shelf decides `listed`
                assert {c: v for c, v in again.items() if c not in kept} == {
                    c: v for c, v in stored[table.name].items() if c not in kept}
        finally:
            await transaction.rollback()
    return {name: {"written": written[name], "stored": stored[name]} for name in written}


def _key(table: Table, row: dict[str, Any]) -> list[Any]:
    return [column == row[column.name] for column in table.primary_key.columns]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXT)
async def test_every_text_column_stores_the_same_on_both_backends(any_db: Database, text: str) -> None:
    rows = await _write_and_read(any_db, text)
    for table in TABLES:
        written, stored = rows[table.name]["written"], rows[table.name]["stored"]
        for column in table.columns:
            if isinstance(column.type, String) and not column.foreign_keys:
                # What is stored is exactly what storable() says, on each backend: hence the same on both.
                assert stored[column.name] == storable(written[column.name], _length(column.type)), (
                    f"{table.name}.{column.name}")


@pytest.mark.parametrize("length", [129, 300, 5000])
async def test_a_long_telegram_name_does_not_stop_that_person(any_db: Database, length: int) -> None:
    """A full name longer than the column (first + last name may be 129 characters on Telegram)."""
    name = ("刘" * 64 + " " + "大姐👩‍🌾" * 2000)[:length]
    chat = Conversation(Assistant(any_db, ScriptedNLU({"你好": "greet"}), FlowSettings()), user_id="w1", now=NOW,
                        display_name=name)
    for _ in range(2):
        assert (await chat.say("你好")) and chat.text()
    async with any_db.session() as session:
        identity = (await session.execute(select(ChannelIdentity))).scalar_one()
    assert identity.display_name == name[:128]
