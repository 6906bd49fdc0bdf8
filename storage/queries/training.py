"""Trainings and enrolments: the catalogue with seats left, enrolment under a row lock, reminders due."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from storage.models import Enrollment, Person, Training
from storage.queries.locking import lock_row


@dataclass(frozen=True)
class Offer:
    """A training with how many seats are still free."""

    training: Training
    seats_left: int


class EnrolResult(StrEnum):
    ENROLLED = "enrolled"
    ALREADY = "already"
    FULL = "full"
    STARTED = "started"
    MISSING = "missing"


def _enrolled_count():  # type: ignore[no-untyped-def]
    return (
        select(Enrollment.training_id, func.count().label("taken"))
        .group_by(Enrollment.training_id)
        .subquery()
    )


async def upcoming_trainings(
    session: AsyncSession, *, now: datetime, topics: Sequence[str] = (), since: datetime | None = None,
    limit: int = 20,
) -> list[Offer]:
    """Trainings not yet started (and starting at or after `since`), soonest first, narrowed to the topics given
    (any of them)."""
    taken = _enrolled_count()
    stmt = (
        select(Training, func.coalesce(taken.c.taken, 0))
        .outerjoin(taken, taken.c.training_id == Training.id)
        .where(Training.starts_at > now)
        .order_by(Training.starts_at, Training.id)
        .limit(limit)
    )
    if topics:
        stmt = stmt.where(Training.topic.in_(list(topics)))
    if since is not None:
        stmt = stmt.where(Training.starts_at >= since)
    rows = (await session.execute(stmt)).all()
    return [Offer(training, max(training.capacity - int(used), 0)) for training, used in rows]


async def training_offer(session: AsyncSession, training_id: int) -> Offer | None:
    training = await session.get(Training, training_id)
    if training is None:
        return None
    used = await session.scalar(select(func.count()).where(Enrollment.training_id == training_id))
    return Offer(training, max(training.capacity - int(used or 0), 0))


async def is_enrolled(session: AsyncSession, training_id: int, worker_id: int) -> bool:
    stmt = select(Enrollment.id).where(
        Enrollment.training_id == training_id, Enrollment.worker_id == worker_id
    )
    return (await session.scalar(stmt)) is not None


async def enrol(session: AsyncSession, *, training_id: int, worker_id: int, now: datetime) -> EnrolResult:
    """Enrol a worker unless the course is full, started or already theirs; never more than its capacity.

    The training row is locked first, so concurrent enrolments for the same course count seats one at a
    time; the unique constraint still catches a double enrolment that slips past the check.
    """
    training = await lock_row(session, Training, training_id)
    if training is None:
        return EnrolResult.MISSING
    if training.starts_at <= now:
        return EnrolResult.STARTED
    if await is_enrolled(session, training_id, worker_id):
        return EnrolResult.ALREADY
    used = await session.scalar(select(func.count()).where(Enrollment.training_id == training_id))
    if int(used or 0) >= training.capacity:
        return EnrolResult.FULL
    try:
        async with session.begin_nested():
            session.add(Enrollment(training_id=training_id, worker_id=worker_id, created_at=now))
    except IntegrityError:
        return EnrolResult.ALREADY
    return EnrolResult.ENROLLED


async def reminder_candidates(
    session: AsyncSession, *, now: datetime, until: datetime, limit: int = 500
) -> list[Enrollment]:
    """Enrolments not yet reminded whose training starts in (now, until], with training and worker loaded.

    On PostgreSQL the rows are locked and rows another process holds are skipped, so two schedulers never
    remind the same enrolment at the same time.
    """
    stmt = (
        select(Enrollment)
        .join(Training, Training.id == Enrollment.training_id)
        .join(Person, Person.id == Enrollment.worker_id)
        .where(Enrollment.reminded_at.is_(None), Training.starts_at > now, Training.starts_at <= until)
        .options(selectinload(Enrollment.training))
        .order_by(Training.starts_at, Enrollment.id)
        .limit(limit)
    )
    if session.bind.dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=Enrollment, skip_locked=True)
    return list((await session.execute(stmt)).scalars())
