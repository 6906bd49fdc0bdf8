"""The audit log of staff actions in the console: written on every action and refusal, read by admins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry, Person


def record(
    session: AsyncSession, *, actor_id: int | None, action: str, target_type: str = "", target_id: object = "",
    detail: dict[str, Any] | None = None, client: str = "", at: datetime,
) -> AuditEntry:
    entry = AuditEntry(
        actor_id=actor_id, action=action[:48], target_type=target_type[:24], target_id=str(target_id)[:64],
        detail=detail or {}, client=client[:64], at=at,
    )
    session.add(entry)
    return entry


@dataclass(frozen=True)
class AuditPage:
    rows: list[tuple[AuditEntry, Person | None]]
    total: int


async def audit_entries(
    session: AsyncSession, *, action: str | None = None, actor_id: int | None = None, limit: int = 50,
    offset: int = 0,
) -> AuditPage:
    """Newest first, with the acting person; filtered by action (a prefix: "worker." matches worker.*) or actor."""
    conditions = []
    if action:
        conditions.append(AuditEntry.action.startswith(action, autoescape=True))
    if actor_id is not None:
        conditions.append(AuditEntry.actor_id == actor_id)
    total = (await session.execute(select(func.count()).select_from(AuditEntry).where(*conditions))).scalar() or 0
    stmt = (
        select(AuditEntry, Person)
        .outerjoin(Person, Person.id == AuditEntry.actor_id)
        .where(*conditions)
        .order_by(AuditEntry.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return AuditPage([(entry, person) for entry, person in (await session.execute(stmt)).all()], int(total))


async def audit_actions(session: AsyncSession) -> list[str]:
    """The distinct actions recorded so far (the audit page's filter)."""
    return list((await session.execute(select(AuditEntry.action).distinct().order_by(AuditEntry.action))).scalars())
