"""Push queries: candidate workers for a posting (the SQL prefilter of matching), push records, answers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from storage.models import (
    Application,
    ChannelIdentity,
    ChatGroup,
    Person,
    Posting,
    PushRecord,
    WorkerCategory,
    WorkerProfile,
)
from storage.states import ApplicationState, EmploymentStatus, PostingState, Role


def _insert(session: AsyncSession) -> Any:
    return pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert


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
    with a private chat, wanting or knowing the job (the worker_category index); never pushed this posting or a
    near-duplicate of it (same employer, job and place) within the window; under the daily cap (last 24 hours).

    Rows: (id, township, wanted (else only a skill), min pay, available_from, birth_year, hardest_hit, wanted
    attributes), the shape
    `flows.matching.Candidates.from_rows` reads. The push-record rules are read as small exclusion sets rather
    than probed per candidate, so a category with 100,000 workers costs one index range scan.
    """
    stmt = (
        select(
            WorkerProfile.person_id, Person.township, WorkerCategory.wanted, WorkerProfile.min_monthly_pay,
            WorkerProfile.available_from, WorkerProfile.birth_year, WorkerProfile.hardest_hit,
            WorkerProfile.wanted_attributes,
        )
        .select_from(WorkerCategory)
        .join(WorkerProfile, WorkerProfile.person_id == WorkerCategory.person_id)
        .join(Person, Person.id == WorkerCategory.person_id)
        .where(
            WorkerCategory.category == posting.job_category,
            WorkerProfile.status == EmploymentStatus.SEEKING,
            WorkerProfile.subscribed.is_(True),
            or_(WorkerProfile.paused_until.is_(None), WorkerProfile.paused_until <= now),
            Person.role == Role.WORKER,
            Person.reachable.is_(True),
            Person.forgotten_at.is_(None),
            exists().where(ChannelIdentity.person_id == Person.id, ChannelIdentity.chat_id.is_not(None)),
        )
        .order_by(WorkerCategory.person_id)
    )
    if digest is not None:
        stmt = stmt.where(WorkerProfile.digest_mode.is_(digest))
    rows = (await session.execute(stmt)).all()
    excluded = await _already_pushed(session, posting, now=now, daily_cap=daily_cap, duplicate_window=duplicate_window)
    return [tuple(row) for row in rows if row[0] not in excluded]


async def _already_pushed(
    session: AsyncSession, posting: Posting, *, now: datetime, daily_cap: int | None, duplicate_window: timedelta
) -> set[int]:
    """Workers who got this posting, a near-duplicate within the window, or their daily cap already."""
    excluded = set((await session.execute(
        select(PushRecord.worker_id).where(PushRecord.posting_id == posting.id))).scalars())
    if duplicate_window.total_seconds() > 0:
        excluded |= set((await session.execute(
            select(PushRecord.worker_id).join(Posting, Posting.id == PushRecord.posting_id).where(
                PushRecord.created_at >= now - duplicate_window,
                Posting.enterprise_id == posting.enterprise_id,
                Posting.job_category == posting.job_category,
                func.coalesce(Posting.township, Posting.city) == place_of(posting),
            ))).scalars())
    if daily_cap is not None:
        excluded |= set((await session.execute(
            select(PushRecord.worker_id).where(PushRecord.created_at >= now - timedelta(days=1))
            .group_by(PushRecord.worker_id).having(func.count() >= daily_cap))).scalars())
    return excluded


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
        select(Posting).where(Posting.id == posting_id, Posting.status.in_(sorted(PostingState.SHOWN)),
                              or_(Posting.deadline.is_(None), Posting.deadline >= today))
        .options(selectinload(Posting.enterprise))
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def recent_open_postings(session: AsyncSession, *, since: datetime, today: date) -> list[Posting]:
    stmt = (
        select(Posting)
        .where(Posting.status.in_(sorted(PostingState.SHOWN)), Posting.created_at >= since,
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
        posting_id=posting_id, worker_id=worker_id, status=ApplicationState.SUBMITTED, created_at=at
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
