"""Cases for secretaries (hand-off, wage arrears): who handles them, opening them, counting replies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Case, OutboxMessage, Person, SecretaryCoverage, WorkerProfile
from storage.queries.locking import lock_rows


async def secretary_for(session: AsyncSession, person: Person) -> int | None:
    """Who handles this person: their secretary, else one covering their township, else the first admin."""
    if person.profile is not None and person.profile.secretary_id is not None:
        return person.profile.secretary_id
    if person.township:
        stmt = (
            select(SecretaryCoverage.secretary_id)
            .join(Person, Person.id == SecretaryCoverage.secretary_id)
            .where(SecretaryCoverage.township == person.township, Person.role.in_(("secretary", "admin")))
            .order_by(SecretaryCoverage.secretary_id)
            .limit(1)
        )
        covering = await session.scalar(stmt)
        if covering is not None:
            return covering
    for role in ("admin", "secretary"):
        staff = await session.scalar(
            select(Person.id)
            .where(Person.role == role, Person.forgotten_at.is_(None))
            .order_by(Person.id)
            .limit(1)
        )
        if staff is not None:
            return staff
    return None


async def open_case(
    session: AsyncSession,
    *,
    kind: str,
    worker_id: int,
    secretary_id: int | None,
    text: str,
    context: list[Any],
    now: datetime,
    keep: int,
) -> tuple[Case, bool]:
    """The person's open case of this kind with `text` added to its context (the last `keep` messages), or a new
    one with `context`; True when it is new. Two requests at the same moment make one case: the open case is
    read under its lock, and the partial unique index turns the second insert into joining the first's."""
    for attempt in range(2):
        existing = await lock_rows(
            session, Case, Case.worker_id == worker_id, Case.kind == kind, Case.status == "open"
        )
        if existing:
            case = existing[0]
            if text:
                case.context = [*(case.context or []), {"at": now.isoformat(), "text": text[:500]}][-keep:]
            return case, False
        if attempt:
            break
        case = Case(
            kind=kind, worker_id=worker_id, secretary_id=secretary_id, text=text, context=context, created_at=now
        )
        try:
            async with session.begin_nested():
                session.add(case)
        except IntegrityError:
            continue  # the same person's other message opened it a moment ago: join that one
        return case, True
    raise RuntimeError(f"no open {kind} case for person {worker_id} after a conflicting insert")


async def profileless_cases_of(session: AsyncSession, secretary_id: int) -> list[tuple[int, str | None]]:
    """(person id, township) of people without a worker profile whose cases (not closed) a secretary holds:
    a departing secretary hands these over with their workers."""
    stmt = (
        select(Case.worker_id, Person.township)
        .join(Person, Person.id == Case.worker_id)
        .outerjoin(WorkerProfile, WorkerProfile.person_id == Case.worker_id)
        .where(Case.secretary_id == secretary_id, Case.status != "closed", WorkerProfile.person_id.is_(None))
        .distinct()
        .order_by(Case.worker_id)
    )
    return [(person_id, township) for person_id, township in (await session.execute(stmt)).all()]


async def move_cases(session: AsyncSession, worker_id: int, from_id: int, to_id: int) -> None:
    """Give one person's cases (not closed) held by one secretary to another."""
    await session.execute(
        update(Case)
        .where(Case.worker_id == worker_id, Case.secretary_id == from_id, Case.status != "closed")
        .values(secretary_id=to_id)
    )


async def replies_sent(session: AsyncSession, purpose_prefix: str) -> int:
    """How many relayed replies of a case are already in the outbox (numbering the next one; the further parts
    of a long reply, `…#2`, are not replies of their own)."""
    stmt = (
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.purpose.startswith(purpose_prefix), ~OutboxMessage.purpose.contains("#"))
    )
    return int(await session.scalar(stmt) or 0)
