"""Cases for secretaries (hand-off, wage arrears): who handles them, opening them, counting replies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Case, OutboxMessage, Person, SecretaryCoverage


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
) -> Case:
    case = Case(
        kind=kind, worker_id=worker_id, secretary_id=secretary_id, text=text, context=context, created_at=now
    )
    session.add(case)
    await session.flush()
    return case


async def replies_sent(session: AsyncSession, purpose_prefix: str) -> int:
    """How many relayed replies of a case are already in the outbox (numbering the next one)."""
    stmt = (
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.purpose.startswith(purpose_prefix))
    )
    return int(await session.scalar(stmt) or 0)
