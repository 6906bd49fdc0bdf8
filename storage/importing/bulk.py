"""Bulk statements for imports: a few executemany INSERTs and UPDATEs instead of a flush per row.

Ids of new rows are reserved first (the table's next ids under the import lock on SQLite, the sequence's next
values on PostgreSQL), so the inserts need no RETURNING: SQLAlchemy would otherwise insert row by row on
SQLite to hand the ids back in order, which made 20,000 rows take most of a minute.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import bindparam, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

CHUNK = 900  # bound parameters per IN list, well under SQLite's limit


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


async def reserve_ids(session: AsyncSession, model: Any, count: int) -> list[int]:
    """`count` new primary keys for `model`'s table; call after `take_import_lock` (on SQLite it is what keeps
    another writer from taking the same ones)."""
    if count == 0:
        return []
    table = model.__table__
    if session.bind.dialect.name == "sqlite":
        last = (await session.execute(select(func.coalesce(func.max(table.c.id), 0)))).scalar_one()
        return list(range(last + 1, last + 1 + count))
    stmt = text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)")
    return list((await session.execute(stmt, {"table": table.name, "count": count})).scalars())


async def insert_rows(session: AsyncSession, model: Any, rows: list[dict[str, Any]]) -> None:
    """One executemany INSERT of complete rows (every row has the same keys, ids included).

    The statement is compiled once and the values go to the driver as tuples through each column type's bind
    processor — what SQLAlchemy does per row, without its per-row bookkeeping (a third of the write lock's time
    for 20,000 postings). Columns a row leaves out get their Python-side defaults, as in an ORM insert.
    """
    if not rows:
        return
    table = model.__table__
    connection = await session.connection()
    dialect = connection.dialect
    given = list(rows[0])
    defaults = {c.name: c.default for c in table.columns if c.name not in given and c.default is not None}
    compiled = insert(table).values({name: bindparam(name) for name in [*given, *defaults]}).compile(dialect=dialect)
    order = list(compiled.positiontup or [*given, *defaults])
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in order]
    values = []
    for row in rows:
        full = {**{name: d.arg(None) if d.is_callable else d.arg for name, d in defaults.items()}, **row}
        values.append(tuple(process(full[name]) if process else full[name]
                            for name, process in zip(order, processors, strict=True)))
    for part in chunks(values, 5000):
        await connection.exec_driver_sql(compiled.string, list(part))


async def update_by_id(session: AsyncSession, model: Any, updates: dict[frozenset[str], list[dict[str, Any]]],
                       key: str = "id") -> None:
    """One executemany UPDATE per set of changed columns (params: {"b_id": id, column: value, …})."""
    table = model.__table__
    for columns, params in updates.items():
        stmt = update(table).where(table.c[key] == bindparam("b_id")).values(
            {column: bindparam(f"v_{column}") for column in columns})
        await session.execute(stmt, [{"b_id": p["b_id"], **{f"v_{c}": p[c] for c in columns}} for p in params])
