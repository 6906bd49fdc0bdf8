"""Keeps the worker_category index in step with worker profiles (the prefilter push matching reads).

Every ORM flush that creates a profile or changes its wanted categories or skills rewrites that worker's rows;
profiles written around the ORM (bulk SQL) are picked up by `index_unindexed`, which the daily push runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import chain
from typing import Any

from sqlalchemy import Connection, Text, cast, delete, event, exists, inspect, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, UOWTransaction

from storage.models import WorkerCategory, WorkerProfile


def category_rows(person_id: int, wanted: Iterable[str] | None, skills: Iterable[str] | None) -> list[dict[str, Any]]:
    rows = {(str(c), True) for c in wanted or () if c}
    rows |= {(str(c), False) for c in skills or () if c and (str(c), True) not in rows}
    return [{"person_id": person_id, "category": c[:64], "wanted": w} for c, w in sorted(rows)]


def _rewrite(connection: Connection, profiles: Sequence[tuple[int, Any, Any]]) -> int:
    if not profiles:
        return 0
    ids = [p[0] for p in profiles]
    connection.execute(delete(WorkerCategory).where(WorkerCategory.person_id.in_(ids)))
    rows = [row for pid, wanted, skills in profiles for row in category_rows(pid, wanted, skills)]
    if rows:
        connection.execute(WorkerCategory.__table__.insert(), rows)
    return len(rows)


def _changed(session: Session, profile: WorkerProfile) -> bool:
    if profile in session.new:
        return True
    state = inspect(profile)
    return any(state.attrs[name].history.has_changes() for name in ("wanted_categories", "skills"))


@event.listens_for(Session, "after_flush")
def _reindex_profiles(session: Session, _context: UOWTransaction) -> None:
    profiles = [
        (p.person_id, p.wanted_categories, p.skills)
        for p in chain(session.new, session.dirty)
        if isinstance(p, WorkerProfile) and p not in session.deleted and _changed(session, p)
    ]
    if profiles:
        _rewrite(session.connection(), profiles)


async def index_unindexed(session: AsyncSession, *, chunk: int = 20_000) -> int:
    """Index profiles that have categories or skills but no rows (written by bulk SQL); returns rows added."""
    added, after = 0, 0
    while True:
        stmt = (
            select(WorkerProfile.person_id, WorkerProfile.wanted_categories, WorkerProfile.skills)
            .where(
                WorkerProfile.person_id > after,
                ~exists().where(WorkerCategory.person_id == WorkerProfile.person_id),
                or_(cast(WorkerProfile.wanted_categories, Text) != "[]", cast(WorkerProfile.skills, Text) != "[]"),
            )
            .order_by(WorkerProfile.person_id)
            .limit(chunk)
        )
        fetched = [tuple(r) for r in (await session.execute(stmt)).all()]
        if not fetched:
            return added
        after = fetched[-1][0]
        profiles = [p for p in fetched if p[1] or p[2]]
        connection = await session.connection()
        added += await connection.run_sync(lambda sync, batch=profiles: _rewrite(sync, batch))


async def reindex(session: AsyncSession, profiles: Sequence[tuple[int, Any, Any]], *, chunk: int = 900) -> int:
    """Rewrite the rows of these (person id, wanted categories, skills) profiles, written by bulk SQL."""
    connection = await session.connection()
    added = 0
    for start in range(0, len(profiles), chunk):
        batch = list(profiles[start:start + chunk])
        added += await connection.run_sync(lambda sync, batch=batch: _rewrite(sync, batch))
    return added
