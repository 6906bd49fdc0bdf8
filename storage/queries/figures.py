"""Series behind the console's overview charts, counted in the database (grouped by local day, category,
township, secretary, channel or outbox state) so a province's rows never travel to Python one by one."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    FollowUp,
    OutboxMessage,
    Person,
    Posting,
    ServiceRecord,
    StatusChange,
    WorkerProfile,
)

DELIVERY_KINDS = ("push", "broadcast")


def local_day(session: AsyncSession, column: Any, zone: str, offset_minutes: int) -> Any:
    """The bureau-local calendar day of a UTC column: PostgreSQL converts with the zone's rules, SQLite shifts
    by the zone's offset (the bureau's zones have no daylight saving)."""
    if session.bind.dialect.name == "postgresql":
        return func.date(func.timezone(zone, column))
    return func.date(column, f"{offset_minutes:+d} minutes")


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _worker_in(township: str | None) -> list[Any]:
    live = [Person.role == "worker", Person.forgotten_at.is_(None)]
    return [*live, Person.township == township] if township else live


async def registrations_by_day(
    session: AsyncSession, start: datetime, end: datetime, *, township: str | None, zone: str, offset_minutes: int
) -> dict[date, int]:
    day = local_day(session, WorkerProfile.registered_at, zone, offset_minutes)
    stmt = (
        select(day, func.count())
        .select_from(WorkerProfile)
        .join(Person, Person.id == WorkerProfile.person_id)
        .where(WorkerProfile.registered_at >= start, WorkerProfile.registered_at < end, *_worker_in(township))
        .group_by(day)
    )
    return {_as_date(d): int(n) for d, n in (await session.execute(stmt)).all() if d is not None}


async def placements_by_day(
    session: AsyncSession, start: datetime, end: datetime, *, township: str | None, zone: str, offset_minutes: int
) -> dict[date, int]:
    """Status changes into 'placed' from another status (a repeated 'placed' outcome is not a new placement)."""
    day = local_day(session, StatusChange.created_at, zone, offset_minutes)
    stmt = (
        select(day, func.count())
        .select_from(StatusChange)
        .join(Person, Person.id == StatusChange.worker_id)
        .where(
            StatusChange.new_status == "placed",
            or_(StatusChange.old_status.is_(None), StatusChange.old_status != "placed"),
            StatusChange.created_at >= start, StatusChange.created_at < end, *_worker_in(township),
        )
        .group_by(day)
    )
    return {_as_date(d): int(n) for d, n in (await session.execute(stmt)).all() if d is not None}


async def openings_by_category(session: AsyncSession, *, today: date, township: str | None) -> list[tuple[str, int]]:
    """Open postings' openings per job category, most first."""
    total = func.coalesce(func.sum(Posting.openings), 0)
    conditions = [Posting.status == "open", or_(Posting.deadline.is_(None), Posting.deadline >= today)]
    if township:
        conditions.append(Posting.township == township)
    stmt = select(Posting.job_category, total).where(*conditions).group_by(Posting.job_category).order_by(total.desc())
    return [(category, int(n)) for category, n in (await session.execute(stmt)).all()]


async def workers_by_place(session: AsyncSession, *, township: str | None) -> list[tuple[str, int]]:
    """Registered workers per township, or per village of one township."""
    place = Person.village if township else Person.township
    stmt = (
        select(place, func.count())
        .select_from(WorkerProfile)
        .join(Person, Person.id == WorkerProfile.person_id)
        .where(*_worker_in(township))
        .group_by(place)
        .order_by(func.count().desc())
    )
    return [(name or "-", int(n)) for name, n in (await session.execute(stmt)).all()]


async def followups_by_secretary(
    session: AsyncSession, start: datetime, end: datetime, *, now: datetime, township: str | None
) -> list[tuple[int, str, int, int]]:
    """(secretary id, name, check-ins done in the period, open ones overdue now) per secretary with any."""
    done = func.count().filter(FollowUp.state == "done", FollowUp.completed_at >= start, FollowUp.completed_at < end)
    overdue = func.count().filter(FollowUp.state.not_in(("done", "cancelled")), FollowUp.due_at < now)
    stmt = select(FollowUp.secretary_id, done, overdue).where(FollowUp.secretary_id.is_not(None))
    if township:
        stmt = stmt.join(Person, Person.id == FollowUp.worker_id).where(Person.township == township)
    counts = (await session.execute(stmt.group_by(FollowUp.secretary_id))).all()
    ids = [sid for sid, d, o in counts if d or o]
    names = dict((await session.execute(select(Person.id, Person.name).where(Person.id.in_(ids)))).all()) if ids else {}
    rows = [(sid, names.get(sid) or f"#{sid}", int(d), int(o)) for sid, d, o in counts if d or o]
    return sorted(rows, key=lambda row: (-row[3], row[1]))


async def contacts_by_day(
    session: AsyncSession, start: datetime, end: datetime, *, township: str | None, zone: str, offset_minutes: int
) -> list[tuple[date, str, int]]:
    """Service contacts per local day and channel."""
    day = local_day(session, ServiceRecord.created_at, zone, offset_minutes)
    stmt = select(day, ServiceRecord.channel, func.count()).where(
        ServiceRecord.created_at >= start, ServiceRecord.created_at < end)
    if township:
        stmt = stmt.join(Person, Person.id == ServiceRecord.person_id).where(Person.township == township)
    stmt = stmt.group_by(day, ServiceRecord.channel)
    return [(_as_date(d), channel, int(n)) for d, channel, n in (await session.execute(stmt)).all() if d is not None]


async def delivery_states(session: AsyncSession, start: datetime, end: datetime) -> list[tuple[str, str, int]]:
    """(push | broadcast, outbox state, messages) for messages queued in the period."""
    kind = case(
        *((OutboxMessage.purpose.startswith(f"{k}:"), k) for k in DELIVERY_KINDS), else_="other"
    )
    stmt = (
        select(kind, OutboxMessage.state, func.count())
        .where(
            OutboxMessage.created_at >= start, OutboxMessage.created_at < end,
            or_(*(OutboxMessage.purpose.startswith(f"{k}:") for k in DELIVERY_KINDS)),
        )
        .group_by(kind, OutboxMessage.state)
    )
    return [(k, state, int(n)) for k, state, n in (await session.execute(stmt)).all() if k != "other"]

