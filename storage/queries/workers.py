"""Registered workers: secretaries' loads, follow-ups, applications, status history, /mydata and /forget."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from storage.models import (
    Application,
    Case,
    ChannelIdentity,
    ConversationState,
    FollowUp,
    OutboxMessage,
    Person,
    StatusChange,
    WorkerNote,
    WorkerProfile,
)
from storage.queries import followups as followup_queries


@dataclass(frozen=True)
class SecretaryLoad:
    """A secretary, the townships they cover and how many workers they already have."""

    secretary_id: int
    townships: frozenset[str]
    load: int


async def secretary_loads(session: AsyncSession) -> list[SecretaryLoad]:
    """Every secretary with their coverage and current number of assigned workers."""

    covers = await followup_queries.coverage(session)
    return [SecretaryLoad(sid, frozenset(covers.get(sid, ())), load) for sid, load in (await followup_queries.secretary_loads(session)).items()]


async def person_by_id(session: AsyncSession, person_id: int) -> Person | None:
    stmt = select(Person).where(Person.id == person_id).options(selectinload(Person.profile))
    return (await session.execute(stmt)).scalar_one_or_none()


async def worker_by_phone(session: AsyncSession, phone: str) -> Person | None:
    """A registered (not forgotten) worker with this phone number."""
    stmt = (
        select(Person)
        .join(WorkerProfile, WorkerProfile.person_id == Person.id)
        .where(Person.phone == phone, Person.forgotten_at.is_(None))
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


def add_person(session: AsyncSession, person: Person) -> None:
    session.add(person)


async def follow_ups_of(session: AsyncSession, worker_id: int) -> list[FollowUp]:
    stmt = select(FollowUp).where(FollowUp.worker_id == worker_id).order_by(FollowUp.due_at, FollowUp.id)
    return list((await session.execute(stmt)).scalars())


_CURRENT = "<current>"


def record_status(
    session: AsyncSession, profile: WorkerProfile, new_status: str, *, by: int | None, reason: str, at: datetime,
    old_status: str | None = _CURRENT,
) -> None:
    """Change a worker's status and keep the history (`old_status` defaults to the profile's)."""
    session.add(
        StatusChange(
            worker_id=profile.person_id, old_status=profile.status if old_status == _CURRENT else old_status,
            new_status=new_status,
            changed_by_id=by, reason=reason, created_at=at,
        )
    )
    profile.status = new_status


async def status_history(session: AsyncSession, worker_id: int) -> list[StatusChange]:
    stmt = select(StatusChange).where(StatusChange.worker_id == worker_id).order_by(StatusChange.id)
    return list((await session.execute(stmt)).scalars())


async def create_application(
    session: AsyncSession, *, posting_id: int, worker_id: int, at: datetime
) -> Application | None:
    """A new application, or None when this worker already applied for this posting (also under a race)."""
    existing = await session.execute(
        select(Application.id).where(Application.posting_id == posting_id, Application.worker_id == worker_id)
    )
    if existing.first() is not None:
        return None
    application = Application(posting_id=posting_id, worker_id=worker_id, created_at=at)
    try:
        async with session.begin_nested():
            session.add(application)
            await session.flush()
    except IntegrityError:
        return None
    return application


async def applications_of(session: AsyncSession, worker_id: int) -> list[Application]:
    stmt = (
        select(Application)
        .where(Application.worker_id == worker_id)
        .options(selectinload(Application.posting))
        .order_by(Application.id)
    )
    return list((await session.execute(stmt)).scalars())


async def village_workers(session: AsyncSession, observer: Person) -> list[Person]:
    """Workers of the observer's village, and anyone the observer registered, by name."""
    conditions = [WorkerProfile.registered_by_id == observer.id]
    if observer.village:
        village = Person.village == observer.village
        if observer.township:
            village = village & (Person.township == observer.township)
        conditions.append(village)
    stmt = (
        select(Person)
        .join(WorkerProfile, WorkerProfile.person_id == Person.id)
        .where(Person.forgotten_at.is_(None), Person.role == "worker")
        .where(conditions[0] if len(conditions) == 1 else (conditions[0] | conditions[1]))
        .options(selectinload(Person.profile))
        .order_by(Person.name, Person.id)
    )
    return list((await session.execute(stmt)).scalars())


async def identities_of(session: AsyncSession, person_id: int) -> list[ChannelIdentity]:
    stmt = select(ChannelIdentity).where(ChannelIdentity.person_id == person_id).order_by(ChannelIdentity.id)
    return list((await session.execute(stmt)).scalars())


@dataclass
class ForgetReport:
    """What /forget removed (counts only)."""

    follow_ups_cancelled: int = 0
    notes_deleted: int = 0
    cases_wiped: int = 0
    outbox_cancelled: int = 0
    conversations_wiped: int = 0
    identities: list[str] = field(default_factory=list)


async def forget_person(session: AsyncSession, person: Person, *, at: datetime) -> ForgetReport:
    """Wipe a person's personal data; keep rows that only count (applications, service records, status history)."""
    report = ForgetReport()
    person.name = ""
    person.phone = None
    person.id_number = None
    person.village = None
    person.forgotten_at = at
    profile = person.profile
    if profile is not None:
        profile.skills = []
        profile.wanted_categories = []
        profile.min_monthly_pay = None
        profile.available_from = None
        profile.birth_year = None
        profile.gender = None
        profile.returnee_origin = None
        profile.placed_employer = None
        profile.subscribed = False
        profile.paused_until = None
    report.follow_ups_cancelled = await followup_queries.cancel_open(session, person.id, None, at=at)
    notes = await session.execute(
        WorkerNote.__table__.delete().where(WorkerNote.worker_id == person.id)  # type: ignore[attr-defined]
    )
    report.notes_deleted = notes.rowcount or 0
    cases = await session.execute(
        update(Case).where(Case.worker_id == person.id).values(text="", context=[])
        .execution_options(synchronize_session=False)
    )
    report.cases_wiped = cases.rowcount or 0
    outbox = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.person_id == person.id, OutboxMessage.state == "pending")
        .values(state="cancelled", payload={})
        .execution_options(synchronize_session=False)
    )
    report.outbox_cancelled = outbox.rowcount or 0
    for identity in await identities_of(session, person.id):
        identity.display_name = ""
        identity.chat_id = None  # nobody may message them proactively any more
        report.identities.append(identity.channel)
        states = await session.execute(
            update(ConversationState)
            .where(ConversationState.channel == identity.channel, ConversationState.user_id == identity.external_id)
            .values(history=[], data={}, form=None, step=None, expires_at=None)
            .execution_options(synchronize_session=False)
        )
        report.conversations_wiped += states.rowcount or 0
    return report
