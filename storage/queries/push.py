"""Push queries: candidate workers for a posting (the SQL prefilter of matching), push records, answers."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Text, and_, cast, exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from storage.models import Application, ChannelIdentity, ChatGroup, Person, Posting, PushRecord, WorkerProfile


def _insert(session: AsyncSession) -> Any:
    return pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert


def _json_has(column: Any, value: str) -> Any:
    """A JSON list column (stored as text) contains `value`, whichever way the JSON was escaped."""
    text = cast(column, Text)
    return or_(text.contains(json.dumps(value), autoescape=True),
               text.contains(json.dumps(value, ensure_ascii=False), autoescape=True))


def place_of(posting: Posting) -> str:
    return posting.township or posting.city


async def candidate_rows(
    session: AsyncSession,
    posting: Posting,
    *,
    now: datetime,
    digest: bool | None,
    daily_cap: int | None,
    duplicate_window: timedelta,
) -> list[tuple[Any, ...]]:
    """Workers a posting may be pushed to: registered, seeking, subscribed, not paused, reachable, not forgotten,
    with a private chat, wanting or knowing the job; never pushed this posting or a near-duplicate of it
    (same employer, job and place) within the window; under the daily cap (last 24 hours).

    Rows: (id, township, wanted JSON text, skills JSON text, min pay, available_from, birth_year, hardest_hit),
    the shape `flows.matching.Candidates.from_rows` reads.
    """
    category = posting.job_category
    pushed = PushRecord.__table__.alias("pushed")
    earlier = Posting.__table__.alias("earlier")
    stmt = (
        select(
            WorkerProfile.person_id, Person.township, cast(WorkerProfile.wanted_categories, Text),
            cast(WorkerProfile.skills, Text), WorkerProfile.min_monthly_pay, WorkerProfile.available_from,
            WorkerProfile.birth_year, WorkerProfile.hardest_hit,
        )
        .join(Person, Person.id == WorkerProfile.person_id)
        .where(
            WorkerProfile.status == "seeking",
            WorkerProfile.subscribed.is_(True),
            or_(WorkerProfile.paused_until.is_(None), WorkerProfile.paused_until <= now),
            or_(_json_has(WorkerProfile.wanted_categories, category), _json_has(WorkerProfile.skills, category)),
            Person.role == "worker",
            Person.reachable.is_(True),
            Person.forgotten_at.is_(None),
            exists().where(ChannelIdentity.person_id == Person.id, ChannelIdentity.chat_id.is_not(None)),
            ~exists().where(PushRecord.worker_id == Person.id, PushRecord.posting_id == posting.id),
        )
        .order_by(WorkerProfile.person_id)
    )
    if digest is not None:
        stmt = stmt.where(WorkerProfile.digest_mode.is_(digest))
    if duplicate_window.total_seconds() > 0:
        stmt = stmt.where(
            ~exists()
            .select_from(pushed.join(earlier, earlier.c.id == pushed.c.posting_id))
            .where(
                pushed.c.worker_id == Person.id,
                pushed.c.created_at >= now - duplicate_window,
                earlier.c.enterprise_id == posting.enterprise_id,
                earlier.c.job_category == category,
                func.coalesce(earlier.c.township, earlier.c.city) == place_of(posting),
            )
        )
    if daily_cap is not None:
        today_count = (
            select(func.count()).where(PushRecord.worker_id == Person.id, PushRecord.created_at >= now - timedelta(days=1))
            .scalar_subquery()
        )
        stmt = stmt.where(today_count < daily_cap)
    return [tuple(row) for row in (await session.execute(stmt)).all()]


async def pushes_of_posting(session: AsyncSession, posting_id: int) -> int:
    return int(await session.scalar(select(func.count()).where(PushRecord.posting_id == posting_id)) or 0)


async def record_push(
    session: AsyncSession, *, posting_id: int, worker_id: int, score: float, reason: str, at: datetime
) -> bool:
    """Remember a push; False if this posting already went to this worker (another process was first)."""
    stmt = _insert(session)(PushRecord).values(
        posting_id=posting_id, worker_id=worker_id, score=score, reason=reason[:256], created_at=at
    ).on_conflict_do_nothing(index_elements=["posting_id", "worker_id"])
    return bool((await session.execute(stmt)).rowcount)


async def set_response(session: AsyncSession, *, posting_id: int, worker_id: int, response: str) -> None:
    await session.execute(
        update(PushRecord).where(PushRecord.posting_id == posting_id, PushRecord.worker_id == worker_id)
        .values(response=response)
    )


async def open_posting(session: AsyncSession, posting_id: int, today: date) -> Posting | None:
    """The posting if it is still open and not past its deadline."""
    stmt = (
        select(Posting).where(Posting.id == posting_id, Posting.status == "open",
                              or_(Posting.deadline.is_(None), Posting.deadline >= today))
        .options(selectinload(Posting.enterprise))
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def recent_open_postings(session: AsyncSession, *, since: datetime, today: date) -> list[Posting]:
    stmt = (
        select(Posting)
        .where(Posting.status == "open", Posting.created_at >= since,
               or_(Posting.deadline.is_(None), Posting.deadline >= today))
        .options(selectinload(Posting.enterprise))
        .order_by(Posting.created_at, Posting.id)
    )
    return list((await session.execute(stmt)).scalars())


async def people_by_id(session: AsyncSession, ids: Sequence[int]) -> dict[int, Person]:
    if not ids:
        return {}
    stmt = select(Person).where(Person.id.in_(list(ids))).options(selectinload(Person.profile))
    return {p.id: p for p in (await session.execute(stmt)).scalars()}


async def create_application(session: AsyncSession, *, posting_id: int, worker_id: int, at: datetime) -> tuple[int, bool]:
    """The worker's application for the posting: (id, created now?) — applying twice keeps one."""
    stmt = _insert(session)(Application).values(
        posting_id=posting_id, worker_id=worker_id, status="submitted", created_at=at
    ).on_conflict_do_nothing(index_elements=["posting_id", "worker_id"])
    created = bool((await session.execute(stmt)).rowcount)
    app_id = await session.scalar(
        select(Application.id).where(and_(Application.posting_id == posting_id, Application.worker_id == worker_id))
    )
    return int(app_id or 0), created


async def pause_pushes(session: AsyncSession, worker_id: int, until: datetime) -> None:
    """Pause: no pushes until then; the subscription itself stays."""
    await session.execute(update(WorkerProfile).where(WorkerProfile.person_id == worker_id).values(paused_until=until))


async def set_subscribed(session: AsyncSession, worker_id: int, subscribed: bool) -> None:
    """Unsubscribe (or subscribe again): separate from pausing, which it leaves as it is."""
    await session.execute(
        update(WorkerProfile).where(WorkerProfile.person_id == worker_id).values(subscribed=subscribed)
    )


async def deactivate_group(session: AsyncSession, channel: str, chat_id: str) -> None:
    """The bot was removed from a group: broadcasts stop going there."""
    await session.execute(
        update(ChatGroup).where(ChatGroup.channel == channel, ChatGroup.chat_id == chat_id).values(active=False)
    )
