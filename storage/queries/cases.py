"""Cases for secretaries (hand-off, wage arrears): who handles them, opening them, counting replies, and the
console's inbox (boxes, scope, a case's replies)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import Case, OutboxMessage, Person, SecretaryCoverage, WorkerProfile
from storage.queries.locking import lock_row, lock_rows
from storage.queries.worker_file import Owner, Visibility
from storage.states import CaseKind, CaseState, Role


async def secretary_for(session: AsyncSession, person: Person) -> int | None:
    """Who handles this person: their secretary, else one covering their township, else the first admin."""
    if person.profile is not None and person.profile.secretary_id is not None:
        return person.profile.secretary_id
    if person.township:
        stmt = (
            select(SecretaryCoverage.secretary_id)
            .join(Person, Person.id == SecretaryCoverage.secretary_id)
            .where(SecretaryCoverage.township == person.township, Person.role.in_(sorted(Role.STAFF)))
            .order_by(SecretaryCoverage.secretary_id)
            .limit(1)
        )
        covering = await session.scalar(stmt)
        if covering is not None:
            return covering
    for role in (Role.ADMIN, Role.SECRETARY):
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
    kind: CaseKind,
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
            session, Case, Case.worker_id == worker_id, Case.kind == kind, Case.status == CaseState.OPEN
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
        .where(Case.secretary_id == secretary_id, Case.status.in_(sorted(CaseState.UNRESOLVED)), WorkerProfile.person_id.is_(None))
        .distinct()
        .order_by(Case.worker_id)
    )
    return [(person_id, township) for person_id, township in (await session.execute(stmt)).all()]


async def move_cases(session: AsyncSession, worker_id: int, from_id: int, to_id: int) -> None:
    """Give one person's cases (not closed) held by one secretary to another."""
    await session.execute(
        update(Case)
        .where(Case.worker_id == worker_id, Case.secretary_id == from_id, Case.status.in_(sorted(CaseState.UNRESOLVED)))
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


# --- the console's inbox (bot/web/requests.py) ---------------------------------------------------------------

CASE_BOXES = ("open", "mine", "resolved")  # not resolved and visible · not resolved and handled by me · resolved
# Outbox purposes of a case's replies: the chat's reply form and the console (`handoff-reply:<case>:<n>`), and the
# older `/reply` command's (`reply:<case>:<time>`), so a case's thread shows every reply it ever had.
REPLY_PURPOSES = ("handoff-reply:{case}:", "reply:{case}:")


@dataclass(frozen=True)
class CaseRow:
    case: Case
    worker: Person
    secretary_name: str


def _visible(visible: Visibility) -> list[Any]:
    """A secretary sees the cases they handle and those of people in their townships; admins see all."""
    if visible.secretary_id is None:
        return []
    mine = Case.secretary_id == visible.secretary_id
    return [or_(mine, Person.township.in_(sorted(visible.townships))) if visible.townships else mine]


def _box(box: str, me: int) -> list[Any]:
    if box == "resolved":
        return [Case.status == CaseState.CLOSED]
    if box == "mine":
        return [Case.status.in_(sorted(CaseState.UNRESOLVED)), Case.secretary_id == me]
    return [Case.status.in_(sorted(CaseState.UNRESOLVED))]


async def list_cases(
    session: AsyncSession, box: str, visible: Visibility, *, me: int, kind: CaseKind | None = None, limit: int,
    offset: int,
) -> tuple[list[CaseRow], int]:
    """One page of a box (oldest waiting first; resolved: newest first) and how many it holds in all."""
    conditions = [*_box(box, me), *_visible(visible), Person.forgotten_at.is_(None)]
    if kind:
        conditions.append(Case.kind == kind)
    base = select(Case.id).join(Person, Person.id == Case.worker_id).where(*conditions)
    total = int(await session.scalar(select(func.count()).select_from(base.subquery())) or 0)
    secretary = aliased(Person)
    order = (Case.resolved_at.desc(), Case.id.desc()) if box == "resolved" else (Case.created_at, Case.id)
    stmt = (
        select(Case, Person, secretary.name)
        .join(Person, Person.id == Case.worker_id)
        .outerjoin(secretary, secretary.id == Case.secretary_id)
        .where(*conditions)
        .order_by(*order)
        .limit(limit)
        .offset(offset)
    )
    rows = [CaseRow(case, worker, name or "") for case, worker, name in (await session.execute(stmt)).all()]
    return rows, total


async def case_counts(session: AsyncSession, visible: Visibility, *, me: int) -> dict[str, int]:
    """How many cases each box holds, for the inbox's tabs."""
    counts = {}
    for box in CASE_BOXES:
        stmt = (select(func.count()).select_from(Case).join(Person, Person.id == Case.worker_id)
                .where(*_box(box, me), *_visible(visible), Person.forgotten_at.is_(None)))
        counts[box] = int(await session.scalar(stmt) or 0)
    return counts


async def case_owner(session: AsyncSession, case_id: int) -> Owner | None:
    """Who decides who may see a case: the secretary handling it and the person's township (the console's scope)."""
    stmt = (
        select(Case.worker_id, Case.secretary_id, Person.township)
        .join(Person, Person.id == Case.worker_id)
        .where(Case.id == case_id, Person.forgotten_at.is_(None))
    )
    row = (await session.execute(stmt)).first()
    return Owner(row[0], row[1], row[2]) if row is not None else None


async def case_for_update(session: AsyncSession, case_id: int) -> Case | None:
    """A case locked for this transaction (two staff replying or resolving at once act one after the other)."""
    return await lock_row(session, Case, case_id)


async def case_replies(session: AsyncSession, case_id: int) -> list[OutboxMessage]:
    """Every reply sent (or waiting to be sent) to a case's person, oldest first, with its delivery state."""
    prefixes = [purpose.format(case=case_id) for purpose in REPLY_PURPOSES]
    stmt = (
        select(OutboxMessage)
        .where(or_(*[OutboxMessage.purpose.startswith(prefix, autoescape=True) for prefix in prefixes]))
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
    )
    return list((await session.execute(stmt)).scalars())
