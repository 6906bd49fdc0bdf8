"""What the console reads about workers: the filtered, paged table, the whole file of one worker, and who
looks after a worker or a follow-up (the console's scope checks)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, selectinload

from storage.models import (
    Application,
    Booking,
    Enrollment,
    FollowUp,
    Person,
    PersonNameGram,
    Posting,
    StatusChange,
    WorkerCategory,
    WorkerNote,
    WorkerProfile,
)
from storage.name_index import query_grams
from storage.queries.conversation import recent_messages
from storage.states import Role

FILE_LIMIT = 30
COUNT_LIMIT = 10_000  # the workers table counts matches up to this; beyond, "more than"  # rows of each section of a worker's file (follow-ups, notes …); the newest


@dataclass(frozen=True)
class Owner:
    """Who decides who may see a worker: their secretary and their township."""

    worker_id: int
    secretary_id: int | None
    township: str | None


_live_worker = and_(Person.role == Role.WORKER, Person.forgotten_at.is_(None))


async def worker_owner(session: AsyncSession, worker_id: int) -> Owner | None:
    """A registered, not forgotten worker's secretary and township; None when there is no such worker."""
    stmt = (
        select(WorkerProfile.secretary_id, Person.township)
        .join(Person, Person.id == WorkerProfile.person_id)
        .where(WorkerProfile.person_id == worker_id, _live_worker)
    )
    row = (await session.execute(stmt)).first()
    return Owner(worker_id, row[0], row[1]) if row is not None else None


async def followup_owner(session: AsyncSession, followup_id: int) -> Owner | None:
    """The owner of a follow-up's worker."""
    stmt = (
        select(FollowUp.worker_id, WorkerProfile.secretary_id, Person.township)
        .join(WorkerProfile, WorkerProfile.person_id == FollowUp.worker_id)
        .join(Person, Person.id == FollowUp.worker_id)
        .where(FollowUp.id == followup_id, _live_worker)
    )
    row = (await session.execute(stmt)).first()
    return Owner(row[0], row[1], row[2]) if row is not None else None


# --- the table --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkerFilter:
    """The workers table's filters (all optional); `name` is a part of the name."""

    township: str | None = None
    village: str | None = None
    status: str | None = None
    category: str | None = None
    origin: str | None = None
    secretary_id: int | None = None
    registered_since: datetime | None = None
    name: str | None = None


@dataclass(frozen=True)
class Visibility:
    """Whose workers a reader may list: None/empty = no restriction (admins)."""

    secretary_id: int | None = None
    townships: frozenset[str] = frozenset()


@dataclass(frozen=True)
class WorkerRow:
    id: int
    name: str
    phone: str | None
    township: str | None
    village: str | None
    status: str
    wanted: list[str]
    returnee_origin: str | None
    secretary_id: int | None
    secretary: str
    registered_at: datetime
    last_contact_at: datetime | None


@dataclass(frozen=True)
class WorkerPage:
    rows: list[WorkerRow]
    total: int  # at most COUNT_LIMIT + 1 (then: more than COUNT_LIMIT)

    @property
    def more(self) -> bool:
        return self.total > COUNT_LIMIT


def _conditions(flt: WorkerFilter, visible: Visibility) -> list[Any]:
    conditions: list[Any] = [_live_worker]
    if visible.secretary_id is not None:
        mine = WorkerProfile.secretary_id == visible.secretary_id
        conditions.append(or_(mine, Person.township.in_(sorted(visible.townships))) if visible.townships else mine)
    if flt.township:
        conditions.append(Person.township == flt.township)
    if flt.village:
        conditions.append(Person.village == flt.village)
    if flt.status:
        conditions.append(WorkerProfile.status == flt.status)
    if flt.category:
        wanted = select(WorkerCategory.person_id).where(WorkerCategory.category == flt.category,
                                                        WorkerCategory.wanted.is_(True))
        conditions.append(WorkerProfile.person_id.in_(wanted))
    if flt.origin:
        conditions.append(WorkerProfile.returnee_origin == flt.origin)
    if flt.secretary_id is not None:
        conditions.append(WorkerProfile.secretary_id == flt.secretary_id)
    if flt.registered_since is not None:
        conditions.append(WorkerProfile.registered_at >= flt.registered_since)
    if flt.name:
        # The people whose name has every piece of the text (an index: storage/name_index.py), then the LIKE that
        # decides.
        for gram in query_grams(flt.name):
            conditions.append(Person.id.in_(
                select(PersonNameGram.person_id).where(PersonNameGram.gram == func.lower(gram))))
        conditions.append(Person.name.contains(flt.name, autoescape=True))
    return conditions


async def list_workers(
    session: AsyncSession, flt: WorkerFilter, visible: Visibility, *, limit: int, offset: int
) -> WorkerPage:
    """One page of workers (newest registrations first) and how many match in all."""
    conditions = _conditions(flt, visible)
    # Counting stops after COUNT_LIMIT matches: the pager says "more than 10,000" instead of reading a province's
    # every row on each page view.
    base = (
        select(WorkerProfile.person_id).join(Person, Person.id == WorkerProfile.person_id).where(*conditions)
        .limit(COUNT_LIMIT + 1)
    )
    total = (await session.execute(select(func.count()).select_from(base.subquery()))).scalar() or 0
    secretary = aliased(Person)
    stmt = (
        select(Person, WorkerProfile, secretary.name)
        .join(WorkerProfile, WorkerProfile.person_id == Person.id)
        .outerjoin(secretary, secretary.id == WorkerProfile.secretary_id)
        .where(*conditions)
        .order_by(Person.id.desc())  # the primary key walked backwards: no sort of the whole table
        .limit(limit)
        .offset(offset)
    )
    rows = [
        WorkerRow(
            id=person.id, name=person.name, phone=person.phone, township=person.township, village=person.village,
            status=profile.status, wanted=list(profile.wanted_categories or []),
            returnee_origin=profile.returnee_origin, secretary_id=profile.secretary_id,
            secretary=secretary_name or "", registered_at=profile.registered_at,
            last_contact_at=profile.last_contact_at,
        )
        for person, profile, secretary_name in (await session.execute(stmt)).all()
    ]
    return WorkerPage(rows, int(total))


async def returnee_origins(session: AsyncSession) -> list[str]:
    """Every returnee origin on file, in order: the next one after the last, read from the index each time (a
    handful of places, where DISTINCT read every profile)."""
    origins: list[str] = []
    while True:
        stmt = select(func.min(WorkerProfile.returnee_origin)).where(WorkerProfile.returnee_origin.is_not(None))
        if origins:
            stmt = stmt.where(WorkerProfile.returnee_origin > origins[-1])
        found = (await session.execute(stmt)).scalar()
        if found is None:
            return sorted(o for o in origins if o)
        origins.append(found)


async def secretaries(session: AsyncSession) -> list[tuple[int, str]]:
    """(id, name) of every secretary, by name."""
    stmt = (
        select(Person.id, Person.name)
        .where(Person.role == Role.SECRETARY, Person.forgotten_at.is_(None))
        .order_by(Person.name, Person.id)
    )
    return [(pid, name or f"#{pid}") for pid, name in (await session.execute(stmt)).all()]


# --- one worker's file ------------------------------------------------------------------------------------


@dataclass
class WorkerFile:
    """Everything the worker's card shows."""

    person: Person
    profile: WorkerProfile
    secretary: Person | None
    history: list[StatusChange] = field(default_factory=list)
    followups: list[FollowUp] = field(default_factory=list)
    applications: list[Application] = field(default_factory=list)
    enrollments: list[Enrollment] = field(default_factory=list)
    bookings: list[Booking] = field(default_factory=list)
    notes: list[WorkerNote] = field(default_factory=list)
    conversation: list[dict[str, Any]] = field(default_factory=list)  # {"at": iso, "text": …}, oldest first
    names: dict[int, str] = field(default_factory=dict)  # staff who changed a status or wrote a note


async def worker_file(session: AsyncSession, worker_id: int) -> WorkerFile | None:
    person = (
        await session.execute(
            select(Person).where(Person.id == worker_id, _live_worker).options(selectinload(Person.profile))
        )
    ).scalar_one_or_none()
    if person is None or person.profile is None:
        return None
    profile = person.profile
    secretary = await session.get(Person, profile.secretary_id) if profile.secretary_id else None
    file = WorkerFile(person, profile, secretary)

    async def newest(stmt: Any) -> list[Any]:
        return list((await session.execute(stmt.limit(FILE_LIMIT))).scalars())

    file.history = await newest(
        select(StatusChange).where(StatusChange.worker_id == worker_id).order_by(StatusChange.id.desc()))
    file.followups = await newest(
        select(FollowUp).where(FollowUp.worker_id == worker_id).order_by(FollowUp.due_at.desc(), FollowUp.id.desc()))
    file.applications = await newest(
        select(Application).where(Application.worker_id == worker_id)
        .options(selectinload(Application.posting).selectinload(Posting.enterprise))
        .order_by(Application.id.desc()))
    file.enrollments = await newest(
        select(Enrollment).where(Enrollment.worker_id == worker_id).options(selectinload(Enrollment.training))
        .order_by(Enrollment.id.desc()))
    file.bookings = await newest(
        select(Booking).where(Booking.worker_id == worker_id).options(selectinload(Booking.departure))
        .order_by(Booking.id.desc()))
    file.notes = await newest(
        select(WorkerNote).where(WorkerNote.worker_id == worker_id).order_by(WorkerNote.id.desc()))
    file.conversation = await recent_messages(session, worker_id)
    staff_ids = {c.changed_by_id for c in file.history} | {n.author_id for n in file.notes}
    staff_ids.discard(None)
    if staff_ids:
        found = await session.execute(select(Person.id, Person.name).where(Person.id.in_(staff_ids)))
        file.names = {pid: name or f"#{pid}" for pid, name in found.all()}
    return file
