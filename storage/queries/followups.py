"""Follow-up rows: scheduling, claiming due ones with row locks, and what secretaries' lists and cards read.

The one module that writes follow-up rows: flows decide (flows/followups.py), these functions record the
decision, so a state and its timestamps always change together. States and their sets are FollowUpState's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Application,
    Case,
    ChannelIdentity,
    FollowUp,
    Person,
    SecretaryCoverage,
    StatusChange,
    WorkerNote,
    WorkerProfile,
)
from storage.queries.locking import lock_row
from storage.states import (
    ApplicationState,
    CaseState,
    FollowUpKind,
    FollowUpOutcome,
    FollowUpState,
    FollowUpStep,
    Role,
    WorkerAnswer,
)

OPEN = tuple(sorted(FollowUpState.OPEN))
SCANNED = tuple(sorted(FollowUpState.SCANNED))


def add_followup(
    session: AsyncSession, *, worker_id: int, secretary_id: int | None, kind: FollowUpKind, due_at: datetime, now: datetime
) -> FollowUp:
    followup = FollowUp(
        worker_id=worker_id, secretary_id=secretary_id, kind=kind, due_at=due_at, state=FollowUpState.PENDING,
        prompts_sent=0, note="", created_at=now,
    )
    session.add(followup)
    return followup


# --- moving one row on (the due scan, answers, outcomes) ------------------------------------------------


def release(followup: FollowUp) -> None:
    """Give up the claim on a row (its lease)."""
    followup.claimed_by = followup.claimed_until = None


def advance(followup: FollowUp, step: FollowUpStep, state: FollowUpState, due_at: datetime, *, at: datetime) -> None:
    """Record a step of the due scan (or a worker's answer that needs the secretary): the new state, the next
    deadline, and the step's own timestamp and counter."""
    if step == FollowUpStep.ASK:
        followup.asked_worker_at = at
    elif step == FollowUpStep.PROMPT:
        followup.prompted_at = at
        followup.prompts_sent = (followup.prompts_sent or 0) + 1
    elif step == FollowUpStep.REMIND:
        followup.prompts_sent = (followup.prompts_sent or 0) + 1
    else:
        followup.escalated_at = at
    followup.state, followup.due_at = FollowUpState(state), due_at
    release(followup)


def record_worker_answer(followup: FollowUp, answer: WorkerAnswer) -> None:
    followup.worker_answer = answer
    release(followup)


def close(followup: FollowUp, outcome: FollowUpOutcome, *, at: datetime) -> None:
    """An outcome ends the check-in (`rescheduled` too: a new one is set)."""
    followup.outcome, followup.state, followup.completed_at = outcome, FollowUpState.DONE, at
    release(followup)


def cancel(followup: FollowUp, *, at: datetime) -> None:
    followup.state, followup.completed_at = FollowUpState.CANCELLED, at
    release(followup)


async def open_followups(
    session: AsyncSession, worker_id: int, kinds: Iterable[FollowUpKind] | None = None
) -> list[FollowUp]:
    stmt = select(FollowUp).where(FollowUp.worker_id == worker_id, FollowUp.state.in_(OPEN))
    if kinds is not None:
        stmt = stmt.where(FollowUp.kind.in_(sorted(kinds)))
    return list((await session.execute(stmt.order_by(FollowUp.due_at))).scalars())


async def workers_with_open(session: AsyncSession, worker_ids: Sequence[int], kinds: Iterable[FollowUpKind] | None = None,
                            *, chunk: int = 900) -> set[int]:
    """Which of these workers have an open follow-up (of these kinds)."""
    found: set[int] = set()
    for start in range(0, len(worker_ids), chunk):
        stmt = select(FollowUp.worker_id).where(
            FollowUp.worker_id.in_(worker_ids[start:start + chunk]), FollowUp.state.in_(OPEN))
        if kinds is not None:
            stmt = stmt.where(FollowUp.kind.in_(sorted(kinds)))
        found.update((await session.execute(stmt.distinct())).scalars())
    return found


async def cancel_open(
    session: AsyncSession, worker_id: int, kinds: Iterable[FollowUpKind] | None, *, at: datetime
) -> int:
    """Cancel a worker's open follow-ups of these kinds (None: all of them); returns how many."""
    stmt = (
        update(FollowUp)
        .where(FollowUp.worker_id == worker_id, FollowUp.state.in_(OPEN))
        .values(state=FollowUpState.CANCELLED, completed_at=at, claimed_by=None, claimed_until=None)
    )
    if kinds is not None:
        stmt = stmt.where(FollowUp.kind.in_(sorted(kinds)))
    return (await session.execute(stmt)).rowcount or 0


async def forget_worker(session: AsyncSession, worker_id: int, *, at: datetime) -> int:
    """/forget: every open check-in of the worker cancelled, every check-in's note erased; returns rows touched."""
    cancelled = await cancel_open(session, worker_id, None, at=at)
    notes = await session.execute(
        update(FollowUp).where(FollowUp.worker_id == worker_id, FollowUp.note != "").values(note="")
    )
    return cancelled + (notes.rowcount or 0)


async def claim_due(session: AsyncSession, *, now: datetime, claimer: str, lease_until: datetime, limit: int) -> list[int]:
    """Mark up to `limit` due follow-ups as ours until `lease_until`; returns their ids.

    One UPDATE … RETURNING: on PostgreSQL the candidate rows are locked with SKIP LOCKED, so processes
    claiming at the same moment take disjoint rows; on SQLite the statement holds the database's single
    write lock. A claim left by a crashed process expires with its lease and is taken again.
    """
    candidates = (
        select(FollowUp.id)
        .where(
            FollowUp.state.in_(SCANNED),
            FollowUp.due_at <= now,
            or_(FollowUp.claimed_until.is_(None), FollowUp.claimed_until < now),
        )
        .order_by(FollowUp.due_at)
        .limit(limit)
    )
    if session.bind.dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    stmt = (
        update(FollowUp)
        .where(FollowUp.id.in_(candidates.scalar_subquery()))
        .values(claimed_by=claimer, claimed_until=lease_until)
        .returning(FollowUp.id)
        .execution_options(synchronize_session=False)
    )
    return sorted((await session.execute(stmt)).scalars())


async def claimed_rows(session: AsyncSession, ids: Sequence[int], claimer: str) -> list[FollowUp]:
    """The claimed rows, locked for this transaction, still ours (a lease may have run out meanwhile)."""
    if not ids:
        return []
    stmt = select(FollowUp).where(FollowUp.id.in_(ids), FollowUp.claimed_by == claimer).order_by(FollowUp.id)
    if session.bind.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return list((await session.execute(stmt)).scalars())


async def followup_for_update(session: AsyncSession, followup_id: int) -> FollowUp | None:
    """A follow-up with its write lock held, so a state check and the change after it are one step on both
    databases (two outcome buttons pressed at once record one outcome)."""
    return await lock_row(session, FollowUp, followup_id)


async def people_by_id(session: AsyncSession, ids: Iterable[int]) -> dict[int, Person]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = (await session.execute(select(Person).where(Person.id.in_(wanted)))).scalars()
    return {person.id: person for person in rows}


async def private_chats(session: AsyncSession, person_ids: Iterable[int]) -> dict[int, ChannelIdentity]:
    """Each person's first identity with a private chat (as `people.private_chat_of`, for many at once)."""
    wanted = {i for i in person_ids if i is not None}
    if not wanted:
        return {}
    stmt = (
        select(ChannelIdentity)
        .where(ChannelIdentity.person_id.in_(wanted), ChannelIdentity.chat_id.is_not(None))
        .order_by(ChannelIdentity.id)
    )
    found: dict[int, ChannelIdentity] = {}
    for identity in (await session.execute(stmt)).scalars():
        found.setdefault(identity.person_id, identity)
    return found


async def profile_of(session: AsyncSession, worker_id: int) -> WorkerProfile | None:
    return await session.get(WorkerProfile, worker_id)


async def secretary_list(
    session: AsyncSession, secretary_id: int | None, *, due_before: datetime | None, due_from: datetime | None = None,
    states: Sequence[str] = OPEN, limit: int | None = None,
) -> list[tuple[FollowUp, Person]]:
    """Open follow-ups (of `states`) due before a moment (and from one, if given), with their workers, soonest
    first; None = everyone's. The chat's /today and /overdue, the digest and the console's day all read this."""
    stmt = (
        select(FollowUp, Person)
        .join(Person, Person.id == FollowUp.worker_id)
        .where(FollowUp.state.in_(tuple(states)))
    )
    if due_before is not None:
        stmt = stmt.where(FollowUp.due_at < due_before)
    if secretary_id is not None:
        stmt = stmt.where(FollowUp.secretary_id == secretary_id)
    if due_from is not None:
        stmt = stmt.where(FollowUp.due_at >= due_from)
    stmt = stmt.order_by(FollowUp.due_at, FollowUp.id)
    if limit is None:
        return [(f, p) for f, p in (await session.execute(stmt)).all()]
    # A page of a long list: one query per state walks the (state, due_at) index in order and stops after `limit`
    # rows; with all states in one IN the database sorts every matching row first (a province's overdue list).
    rows = []
    for state in states:
        rows += (await session.execute(stmt.where(FollowUp.state == state).limit(limit))).all()
    rows.sort(key=lambda row: (row[0].due_at, row[0].id))
    return [(f, p) for f, p in rows[:limit]]


async def answered_since(
    session: AsyncSession, secretary_id: int, since: datetime
) -> list[tuple[FollowUp, Person]]:
    """Check-ins the worker answered themselves since a moment (shown in the secretary's digest)."""
    stmt = (
        select(FollowUp, Person)
        .join(Person, Person.id == FollowUp.worker_id)
        .where(
            FollowUp.secretary_id == secretary_id, FollowUp.state == FollowUpState.DONE,
            FollowUp.worker_answer.is_not(None), FollowUp.completed_at >= since,
        )
        .order_by(FollowUp.completed_at)
    )
    return [(f, p) for f, p in (await session.execute(stmt)).all()]


async def secretaries_with_work(session: AsyncSession, *, due_before: datetime, answered_since_at: datetime) -> list[int]:
    """Secretaries who have open follow-ups due before a moment, or worker answers to read."""
    due = select(FollowUp.secretary_id).where(
        FollowUp.state.in_(OPEN), FollowUp.due_at < due_before, FollowUp.secretary_id.is_not(None)
    )
    answered = select(FollowUp.secretary_id).where(
        FollowUp.state == FollowUpState.DONE, FollowUp.worker_answer.is_not(None), FollowUp.completed_at >= answered_since_at,
        FollowUp.secretary_id.is_not(None),
    )
    rows = (await session.execute(due.union(answered))).scalars()
    return sorted(set(rows))


async def last_contacts(session: AsyncSession, worker_id: int, limit: int = 3) -> list[FollowUp]:
    stmt = (
        select(FollowUp)
        .where(FollowUp.worker_id == worker_id, FollowUp.state == FollowUpState.DONE)
        .order_by(FollowUp.completed_at.desc())
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def open_applications(session: AsyncSession, worker_id: int) -> list[Application]:
    from sqlalchemy.orm import selectinload

    from storage.models import Posting

    stmt = (
        select(Application)
        .where(Application.worker_id == worker_id, Application.status.in_(sorted(ApplicationState.OPEN)))
        .options(selectinload(Application.posting).selectinload(Posting.enterprise))
        .order_by(Application.created_at.desc())
    )
    return list((await session.execute(stmt)).scalars())


async def recent_notes(session: AsyncSession, worker_id: int, limit: int = 3) -> list[WorkerNote]:
    stmt = select(WorkerNote).where(WorkerNote.worker_id == worker_id).order_by(WorkerNote.id.desc()).limit(limit)
    return list((await session.execute(stmt)).scalars())


def add_note(session: AsyncSession, *, worker_id: int, author_id: int, text: str, at: datetime) -> None:
    session.add(WorkerNote(worker_id=worker_id, author_id=author_id, text=text, created_at=at))


def record_status(
    session: AsyncSession, profile: WorkerProfile, new_status: str, *, by: int | None, reason: str, at: datetime
) -> None:
    """Set a worker's status and keep the history (also when it stays the same: the outcome is history too)."""
    session.add(
        StatusChange(
            worker_id=profile.person_id, old_status=profile.status, new_status=new_status, changed_by_id=by,
            reason=reason[:64], created_at=at,
        )
    )
    profile.status = new_status


async def admin_ids(session: AsyncSession) -> list[int]:
    stmt = select(Person.id).where(Person.role == Role.ADMIN, Person.forgotten_at.is_(None)).order_by(Person.id)
    return list((await session.execute(stmt)).scalars())


# --- assignment ------------------------------------------------------------------------------------


async def secretary_loads(session: AsyncSession, *, excluding: int | None = None) -> dict[int, int]:
    """Every active secretary and how many workers they have now."""
    counts = (
        select(WorkerProfile.secretary_id, func.count())
        .where(WorkerProfile.secretary_id.is_not(None))
        .group_by(WorkerProfile.secretary_id)
    )
    loads = {sid: int(n) for sid, n in (await session.execute(counts)).all()}
    secretaries = select(Person.id).where(Person.role == Role.SECRETARY, Person.forgotten_at.is_(None))
    if excluding is not None:
        secretaries = secretaries.where(Person.id != excluding)
    return {sid: loads.get(sid, 0) for sid in (await session.execute(secretaries)).scalars()}


async def coverage(session: AsyncSession) -> dict[int, set[str]]:
    result: dict[int, set[str]] = {}
    for sid, township in (await session.execute(select(SecretaryCoverage.secretary_id, SecretaryCoverage.township))).all():
        result.setdefault(sid, set()).add(township)
    return result


async def workers_of(session: AsyncSession, secretary_id: int) -> list[tuple[int, str | None]]:
    """(worker id, township) of every worker a secretary has, oldest registration first."""
    stmt = (
        select(WorkerProfile.person_id, Person.township)
        .join(Person, Person.id == WorkerProfile.person_id)
        .where(WorkerProfile.secretary_id == secretary_id)
        .order_by(WorkerProfile.registered_at, WorkerProfile.person_id)
    )
    return [(wid, township) for wid, township in (await session.execute(stmt)).all()]


async def move_worker(session: AsyncSession, worker_id: int, secretary_id: int) -> None:
    """Give a worker, their open follow-ups and their cases (all but closed ones) to another secretary."""
    await session.execute(
        update(WorkerProfile).where(WorkerProfile.person_id == worker_id).values(secretary_id=secretary_id)
    )
    await session.execute(
        update(FollowUp)
        .where(FollowUp.worker_id == worker_id, FollowUp.state.in_(OPEN))
        .values(secretary_id=secretary_id)
    )
    await session.execute(
        update(Case).where(and_(Case.worker_id == worker_id, Case.status.in_(sorted(CaseState.UNRESOLVED))))
        .values(secretary_id=secretary_id)
    )


async def set_secretaries(session: AsyncSession, plan: dict[int, int]) -> None:
    """Give workers who have no follow-ups or cases yet (just registered) their secretary, in one statement."""
    if plan:
        table = WorkerProfile.__table__
        stmt = update(table).where(table.c.person_id == bindparam("worker")).values(secretary_id=bindparam("secretary"))
        await session.execute(stmt, [{"worker": w, "secretary": s} for w, s in plan.items()])
