"""Open postings: filtering by what a worker asked for (ranking is a pure function in flows/)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from storage.models import Posting


async def open_postings(
    session: AsyncSession,
    *,
    today: date,
    categories: Sequence[str] = (),
    places: Sequence[str] = (),
    limit: int = 500,
) -> list[Posting]:
    """Open postings not past their deadline, narrowed to the categories and places given (any of each)."""
    stmt = (
        select(Posting)
        .where(Posting.status == "open", or_(Posting.deadline.is_(None), Posting.deadline >= today))
        .options(selectinload(Posting.enterprise))
        .order_by(Posting.created_at.desc(), Posting.id.desc())
        .limit(limit)
    )
    if categories:
        stmt = stmt.where(Posting.job_category.in_(list(categories)))
    if places:
        stmt = stmt.where(
            or_(Posting.township.in_(list(places)), Posting.city.in_(list(places)), Posting.province.in_(list(places)))
        )
    return list((await session.execute(stmt)).scalars())


async def posting_by_id(session: AsyncSession, posting_id: int) -> Posting | None:
    stmt = select(Posting).where(Posting.id == posting_id).options(selectinload(Posting.enterprise))
    return (await session.execute(stmt)).scalar_one_or_none()
