"""Series behind the console's overview charts, counted in the database (grouped by local day, category,
township, secretary, channel or outbox state) so a province's rows never travel to Python one by one.

Counts per local day are one statement of per-day counts (`UNION ALL`), each reading its day's range of a
time index: grouping every row of a period by a computed day made the database sort them all."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, Select, case, func, literal, or_, select, union_all
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
from storage.states import EmploymentStatus, FollowUpState, PostingState, Role

DELIVERY_KINDS = ("push", "broadcast")
DAYS_PER_STATEMENT = 100  # SQLite allows 500 parts in one compound SELECT; a year's period takes four statements


def local_day(session: AsyncSession, column: Any, zone: str, offset_minutes: int) -> Any:
    """The bureau-local calendar day of a UTC column: PostgreSQL converts with the zone's rules, SQLite shifts
    by the zone's offset (the bureau's zones have no daylight saving)."""
    if session.bind.dialect.name == "postgresql":
        return func.date(func.timezone(zone, column))
    return func.date(column, f"{offset_minutes:+d} minutes")


def local_days(start: datetime, end: datetime, zone: str) -> list[tuple[date, datetime, datetime]]:
    """(local day, its first moment, the next day's first moment) for the local days in [start, end), cut to it."""
    tz = ZoneInfo(zone)
    days = []
    day = start.astimezone(tz).date()
    while (first := datetime.combine(day, time(), tz)) < end:
        following = datetime.combine(day + timedelta(days=1), time(), tz)
        days.append((day, max(first, start), min(following, end)))
        day += timedelta(days=1)
    return days


async def per_day(
    session: AsyncSession, start: datetime, end: datetime, zone: str, offset_minutes: int, column: Any,
    count: Callable[[datetime, datetime], Select[Any]],
) -> list[tuple[date, tuple[Any, ...]]]:
    """The rows of `count(first, next)` for every local day of the period, each with its day.

    SQLite: one statement per DAYS_PER_STATEMENT days whose parts each read only their day's range of the index
    on the time `column` (grouping a period's rows by a computed day made SQLite sort them all). PostgreSQL: one
    statement grouped by the local day of `column` (its hash aggregate does not sort; 84 parts cost it more)."""
    if session.bind.dialect.name != "sqlite":
        day = local_day(session, column, zone, offset_minutes)
        stmt = count(start, end).add_columns(day).group_by(day)
        return [(_as_date(d), tuple(row)) for *row, d in (await session.execute(stmt)).all() if d is not None]
    days = local_days(start, end, zone)
    found: list[tuple[date, tuple[Any, ...]]] = []
    for part in range(0, len(days), DAYS_PER_STATEMENT):
        chunk = days[part:part + DAYS_PER_STATEMENT]
        parts = [count(first, following).add_columns(literal(n, Integer).label("day_number"))
                 for n, (_, first, following) in enumerate(chunk)]
        for *row, n in (await session.execute(union_all(*parts) if len(parts) > 1 else parts[0])).all():
            found.append((chunk[n][0], tuple(row)))
    return found


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _worker_in(township: str | None) -> list[Any]:
    live = [Person.role == Role.WORKER, Person.forgotten_at.is_(None)]
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
    """Status changes into 'placed' from another status (a repeated 'placed' outcome is not a new placement).
    The county's from the index on (new_status, created_at) day by day; a township's from its people."""
    placed = [StatusChange.new_status == EmploymentStatus.PLACED,
              or_(StatusChange.old_status.is_(None), StatusChange.old_status != EmploymentStatus.PLACED),
              *_worker_in(township)]
    of_workers = select(func.count()).select_from(StatusChange).join(Person, Person.id == StatusChange.worker_id)
    if township:
        day = local_day(session, StatusChange.created_at, zone, offset_minutes)
        stmt = of_workers.add_columns(day).where(
            *placed, StatusChange.created_at >= start, StatusChange.created_at < end).group_by(day)
        return {_as_date(d): int(n) for n, d in (await session.execute(stmt)).all() if d is not None}

    def count(first: datetime, following: datetime) -> Select[Any]:
        return of_workers.where(*placed, StatusChange.created_at >= first, StatusChange.created_at < following)

    return {day: int(n) for day, (n,) in await per_day(
        session, start, end, zone, offset_minutes, StatusChange.created_at, count) if n}


async def openings_by_category(session: AsyncSession, *, today: date, township: str | None) -> list[tuple[str, int]]:
    """Open postings' openings per job category, most first."""
    total = func.coalesce(func.sum(Posting.openings), 0)
    conditions = [Posting.status.in_(sorted(PostingState.SHOWN)), or_(Posting.deadline.is_(None), Posting.deadline >= today)]
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
    """(secretary id, name, check-ins done in the period, open ones overdue now) per secretary with any.

    The county's as two counts, each reading only its rows from an index holding the secretary: done ones by
    completion time (ix_follow_up_done), open ones by due time (ix_follow_up_due); a township's from its people."""
    if township:
        done = func.count().filter(FollowUp.state == FollowUpState.DONE,
                                   FollowUp.completed_at >= start, FollowUp.completed_at < end)
        overdue = func.count().filter(FollowUp.state.in_(sorted(FollowUpState.OPEN)), FollowUp.due_at < now)
        stmt = (select(FollowUp.secretary_id, done, overdue).join(Person, Person.id == FollowUp.worker_id)
                .where(FollowUp.secretary_id.is_not(None), Person.township == township).group_by(FollowUp.secretary_id))
        counts = {sid: (d, o) for sid, d, o in (await session.execute(stmt)).all()}
    else:
        def per_secretary(*conditions: Any) -> Select[Any]:
            return (select(FollowUp.secretary_id, func.count()).where(FollowUp.secretary_id.is_not(None), *conditions)
                    .group_by(FollowUp.secretary_id))

        done_in = dict((await session.execute(per_secretary(
            FollowUp.state == FollowUpState.DONE, FollowUp.completed_at >= start, FollowUp.completed_at < end))).all())
        overdue_now = dict((await session.execute(per_secretary(
            FollowUp.state.in_(sorted(FollowUpState.OPEN)), FollowUp.due_at < now))).all())
        counts = {sid: (done_in.get(sid, 0), overdue_now.get(sid, 0)) for sid in done_in.keys() | overdue_now.keys()}
    ids = sorted(sid for sid, (d, o) in counts.items() if d or o)
    names = dict((await session.execute(select(Person.id, Person.name).where(Person.id.in_(ids)))).all()) if ids else {}
    rows = [(sid, names.get(sid) or f"#{sid}", int(counts[sid][0]), int(counts[sid][1])) for sid in ids]
    return sorted(rows, key=lambda row: (-row[3], row[1]))


async def contacts_by_day(
    session: AsyncSession, start: datetime, end: datetime, *, township: str | None, zone: str, offset_minutes: int
) -> list[tuple[date, str, int]]:
    """Service contacts per local day and channel: the county's day by day from the index on (created_at,
    channel); a township's from its people's contacts (ix_person_township_id, then each person's records)."""
    if township:
        day = local_day(session, ServiceRecord.created_at, zone, offset_minutes)
        stmt = (
            select(day, ServiceRecord.channel, func.count())
            .join(Person, Person.id == ServiceRecord.person_id)
            .where(ServiceRecord.created_at >= start, ServiceRecord.created_at < end, Person.township == township)
            .group_by(day, ServiceRecord.channel)
        )
        return [(_as_date(d), channel, int(n)) for d, channel, n in (await session.execute(stmt)).all()
                if d is not None]

    def count(first: datetime, following: datetime) -> Select[Any]:
        return select(ServiceRecord.channel, func.count()).where(
            ServiceRecord.created_at >= first, ServiceRecord.created_at < following).group_by(ServiceRecord.channel)

    return [(day, channel, int(n)) for day, (channel, n) in await per_day(
        session, start, end, zone, offset_minutes, ServiceRecord.created_at, count)]


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

