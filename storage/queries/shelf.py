"""The job supermarket's shelf as staff keep it (the console's 岗位 page): every posting whatever its status,
filtered and paged, with how many workers each was pushed to and how many applied; one posting with its
applicants; pending employer postings waiting for review."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, selectinload

from storage.models import Application, Enterprise, Person, Posting, PushRecord, WorkerProfile
from storage.queries.worker_file import Visibility
from storage.states import PostingState

# The page's status filter, in the order it offers them (storage/states.py PostingState says the moves).
SHELF_STATUSES = (PostingState.OPEN, PostingState.PENDING, PostingState.CLOSED, PostingState.REJECTED)


@dataclass(frozen=True)
class PostingFilter:
    """The postings table's filters (all optional); `enterprise` and `text` are parts of names and texts."""

    status: str | None = None
    category: str | None = None
    township: str | None = None
    enterprise: str | None = None
    text: str | None = None


@dataclass(frozen=True)
class PostingRow:
    posting: Posting  # with its enterprise loaded
    pushed: int  # workers it was pushed to
    applied: int  # applications


def _conditions(flt: PostingFilter) -> list[Any]:
    conditions: list[Any] = []
    if flt.status:
        conditions.append(Posting.status == flt.status)
    if flt.category:
        conditions.append(Posting.job_category == flt.category)
    if flt.township:
        conditions.append(Posting.township == flt.township)
    if flt.enterprise:
        conditions.append(Enterprise.name.contains(flt.enterprise, autoescape=True))
    if flt.text:
        conditions.append(or_(*[column.contains(flt.text, autoescape=True) for column in
                                (Posting.title, Posting.description, Posting.requirements, Posting.address)]))
    return conditions


def _pushed() -> Any:
    return select(func.count()).where(PushRecord.posting_id == Posting.id).correlate(Posting).scalar_subquery()


def _applied() -> Any:
    return select(func.count()).where(Application.posting_id == Posting.id).correlate(Posting).scalar_subquery()


async def list_postings(session: AsyncSession, flt: PostingFilter, *, limit: int, offset: int) -> tuple[
        list[PostingRow], int]:
    """One page of postings (newest first) with their push and application counts, and how many match in all."""
    conditions = _conditions(flt)
    base = select(Posting.id).join(Enterprise, Enterprise.id == Posting.enterprise_id).where(*conditions)
    total = int(await session.scalar(select(func.count()).select_from(base.subquery())) or 0)
    stmt = (
        select(Posting, _pushed(), _applied())
        .join(Enterprise, Enterprise.id == Posting.enterprise_id)
        .where(*conditions)
        .options(selectinload(Posting.enterprise))
        .order_by(Posting.created_at.desc(), Posting.id.desc())
        .limit(limit)
        .offset(offset)
    )
    rows = [PostingRow(posting, int(pushed), int(applied)) for posting, pushed, applied in
            (await session.execute(stmt)).all()]
    return rows, total


async def shelf_counts(session: AsyncSession) -> dict[str, int]:
    """How many postings each status holds (the page's tabs; `pending` are employers' postings to review)."""
    found = dict((await session.execute(select(Posting.status, func.count()).group_by(Posting.status))).all())
    return {status: int(found.get(status, 0)) for status in SHELF_STATUSES}


@dataclass(frozen=True)
class Applicant:
    application: Application
    worker: Person
    secretary: str


@dataclass
class PostingFile:
    posting: Posting
    pushed: int
    applicants: list[Applicant]
    hidden_applicants: int  # applicants the reader may not see (another secretary's, another township)


async def posting_file(session: AsyncSession, posting_id: int, visible: Visibility) -> PostingFile | None:
    """One posting with its enterprise, how many workers it was pushed to, and who applied (those the reader
    may see; the others only counted)."""
    posting = (await session.execute(
        select(Posting).where(Posting.id == posting_id).options(selectinload(Posting.enterprise)))).scalar_one_or_none()
    if posting is None:
        return None
    pushed = int(await session.scalar(select(func.count()).where(PushRecord.posting_id == posting_id)) or 0)
    secretary = aliased(Person)
    conditions: list[Any] = [Application.posting_id == posting_id, Person.forgotten_at.is_(None)]
    scoped = list(conditions)
    if visible.secretary_id is not None:
        mine = WorkerProfile.secretary_id == visible.secretary_id
        scoped.append(or_(mine, Person.township.in_(sorted(visible.townships))) if visible.townships else mine)
    stmt = (
        select(Application, Person, secretary.name)
        .join(Person, Person.id == Application.worker_id)
        .outerjoin(WorkerProfile, WorkerProfile.person_id == Person.id)
        .outerjoin(secretary, secretary.id == WorkerProfile.secretary_id)
        .where(*scoped)
        .order_by(Application.created_at, Application.id)
    )
    applicants = [Applicant(a, p, name or "") for a, p, name in (await session.execute(stmt)).all()]
    everyone = int(await session.scalar(
        select(func.count()).select_from(Application).join(Person, Person.id == Application.worker_id)
        .where(*conditions)) or 0)
    return PostingFile(posting, pushed, applicants, everyone - len(applicants))


async def enterprise_names(session: AsyncSession, limit: int = 500) -> list[str]:
    """Enterprise names for the filter's suggestions (the most recent `limit`)."""
    stmt = select(Enterprise.name).order_by(Enterprise.id.desc()).limit(limit)
    return sorted((await session.execute(stmt)).scalars())
