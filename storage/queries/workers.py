"""Registered workers: secretaries' loads, follow-ups, applications, status history and what /mydata shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from storage.models import (
    Application,
    ChannelIdentity,
    FollowUp,
    Person,
    StatusChange,
    WorkerProfile,
)
from storage.queries import followups as followup_queries
from storage.states import EmploymentStatus, Role


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


async def person_by_phone(session: AsyncSession, phone: str, *, other_than: int | None = None) -> Person | None:
    """Anyone (worker or staff, not forgotten) registered with this phone number, other than `other_than`."""
    return await _someone_with(session, Person.phone == phone, other_than)


async def person_by_id_number(
    session: AsyncSession, id_number: str, *, other_than: int | None = None
) -> Person | None:
    """Anyone (not forgotten) registered with this ID number, other than `other_than`."""
    return await _someone_with(session, Person.id_number == id_number, other_than)


async def _someone_with(session: AsyncSession, condition: Any, other_than: int | None) -> Person | None:
    stmt = select(Person).where(condition, Person.forgotten_at.is_(None))
    if other_than is not None:
        stmt = stmt.where(Person.id != other_than)
    return (await session.execute(stmt.order_by(Person.id).limit(1))).scalar_one_or_none()


def add_person(session: AsyncSession, person: Person) -> None:
    session.add(person)


async def follow_ups_of(session: AsyncSession, worker_id: int) -> list[FollowUp]:
    stmt = select(FollowUp).where(FollowUp.worker_id == worker_id).order_by(FollowUp.due_at, FollowUp.id)
    return list((await session.execute(stmt)).scalars())


_CURRENT = "<current>"


def record_status(
    session: AsyncSession, profile: WorkerProfile, new_status: EmploymentStatus, *, by: int | None, reason: str,
    at: datetime, old_status: str | None = _CURRENT,
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
        .where(Person.forgotten_at.is_(None), Person.role == Role.WORKER)
        .where(conditions[0] if len(conditions) == 1 else (conditions[0] | conditions[1]))
        .options(selectinload(Person.profile))
        .order_by(Person.name, Person.id)
    )
    return list((await session.execute(stmt)).scalars())


async def identities_of(session: AsyncSession, person_id: int) -> list[ChannelIdentity]:
    stmt = select(ChannelIdentity).where(ChannelIdentity.person_id == person_id).order_by(ChannelIdentity.id)
    return list((await session.execute(stmt)).scalars())
