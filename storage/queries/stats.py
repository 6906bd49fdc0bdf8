"""The bureau's figures (SPEC §3 `mishu stats`), counted in the database in one pass per table."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Application,
    Booking,
    BusDeparture,
    Enrollment,
    Enterprise,
    FollowUp,
    Person,
    Posting,
    ServiceRecord,
    Training,
    WorkerProfile,
)
from storage.states import BookingState, EmploymentStatus, FollowUpState, PostingState, Role

FIGURES = (
    "enterprises", "postings_open", "openings", "workers", "returnees", "hardest_hit", "placed", "seeking",
    "applications", "service_contacts", "followups_done", "followups_pending", "followups_overdue",
    "trainings", "enrollments", "departures", "bookings",
)


async def bureau_figures(
    session: AsyncSession, *, now: datetime, today: date, township: str | None = None
) -> dict[str, int]:
    """Every figure of FIGURES, as integers; with `township`, what belongs to it (postings, workers, their
    applications, follow-ups and contacts) is counted there only."""

    async def scalar(stmt) -> int:  # type: ignore[no-untyped-def]
        return int((await session.execute(stmt)).scalar() or 0)

    open_posting = and_(Posting.status.in_(sorted(PostingState.SHOWN)),
                        or_(Posting.deadline.is_(None), Posting.deadline >= today))
    if township:
        open_posting = and_(open_posting, Posting.township == township)
    in_township = Person.township == township if township else None

    def of_workers(stmt, column):  # type: ignore[no-untyped-def]
        if in_township is None:
            return stmt
        return stmt.join(Person, Person.id == column).where(in_township)

    posting_row = (
        await session.execute(select(func.count(), func.coalesce(func.sum(Posting.openings), 0)).where(open_posting))
    ).one()
    worker = and_(Person.role == Role.WORKER, Person.forgotten_at.is_(None))
    if in_township is not None:
        worker = and_(worker, in_township)
    profile_row = (
        await session.execute(
            select(
                func.count(),
                func.count().filter(WorkerProfile.is_returnee.is_(True)),
                func.count().filter(WorkerProfile.hardest_hit.is_(True)),
                func.count().filter(WorkerProfile.status == EmploymentStatus.PLACED),
                func.count().filter(WorkerProfile.status == EmploymentStatus.SEEKING),
            )
            .select_from(WorkerProfile)
            .join(Person, Person.id == WorkerProfile.person_id)
            .where(worker)
        )
    ).one()
    followup_row = (
        await session.execute(
            of_workers(
                select(
                    func.count().filter(FollowUp.state == FollowUpState.DONE),
                    func.count().filter(FollowUp.state.not_in(sorted(FollowUpState.CLOSED))),
                    func.count().filter(FollowUp.state.not_in(sorted(FollowUpState.CLOSED)), FollowUp.due_at < now),
                ).select_from(FollowUp),
                FollowUp.worker_id,
            )
        )
    ).one()
    return {
        "enterprises": await scalar(select(func.count()).select_from(Enterprise)),
        "postings_open": int(posting_row[0]),
        "openings": int(posting_row[1]),
        "workers": int(profile_row[0]),
        "returnees": int(profile_row[1]),
        "hardest_hit": int(profile_row[2]),
        "placed": int(profile_row[3]),
        "seeking": int(profile_row[4]),
        "applications": await scalar(of_workers(select(func.count()).select_from(Application), Application.worker_id)),
        "service_contacts": await scalar(
            of_workers(select(func.count()).select_from(ServiceRecord), ServiceRecord.person_id)),
        "followups_done": int(followup_row[0]),
        "followups_pending": int(followup_row[1]),
        "followups_overdue": int(followup_row[2]),
        "trainings": await scalar(select(func.count()).select_from(Training)),
        "enrollments": await scalar(select(func.count()).select_from(Enrollment)),
        "departures": await scalar(select(func.count()).select_from(BusDeparture)),
        "bookings": await scalar(select(func.count()).select_from(Booking)
                                 .where(Booking.status == BookingState.BOOKED)),
    }


async def has_no_data(session: AsyncSession) -> bool:
    """True for a database nobody has used yet (no people, no enterprises): the demo may be seeded."""
    people = (await session.execute(select(func.count()).select_from(Person))).scalar()
    enterprises = (await session.execute(select(func.count()).select_from(Enterprise))).scalar()
    return not people and not enterprises
