"""Open postings: filtering by what a worker asked for (ranking is a pure function in flows/)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from storage.models import Posting


def _open(today: date, categories: Sequence[str], places: Sequence[str]) -> list[ColumnElement[bool]]:
    conditions = [Posting.status == "open", or_(Posting.deadline.is_(None), Posting.deadline >= today)]
    if categories:
        conditions.append(Posting.job_category.in_(list(categories)))
    if places:
        wanted = list(places)
        conditions.append(or_(Posting.township.in_(wanted), Posting.city.in_(wanted), Posting.province.in_(wanted)))
    return conditions


async def open_postings(
    session: AsyncSession,
    *,
    today: date,
    categories: Sequence[str] = (),
    places: Sequence[str] = (),
    limit: int = 500,
) -> list[Posting]:
    """Open postings not past their deadline, narrowed to the categories and places given (any of each),
    the newest `limit` of them."""
    stmt = (
        select(Posting)
        .where(*_open(today, categories, places))
        .options(selectinload(Posting.enterprise))
        .order_by(Posting.created_at.desc(), Posting.id.desc())
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def count_open_postings(
    session: AsyncSession, *, today: date, categories: Sequence[str] = (), places: Sequence[str] = ()
) -> int:
    """How many postings `open_postings` would find without its limit."""
    return int(await session.scalar(select(func.count()).select_from(Posting).where(*_open(today, categories, places)))
               or 0)


async def postings_by_ids(session: AsyncSession, ids: Sequence[int]) -> list[Posting]:
    """The postings with these ids (a page of a result list), in the order given; missing ones left out."""
    if not ids:
        return []
    stmt = select(Posting).where(Posting.id.in_(list(ids))).options(selectinload(Posting.enterprise))
    found = {posting.id: posting for posting in (await session.execute(stmt)).scalars()}
    return [found[i] for i in ids if i in found]


async def posting_by_id(session: AsyncSession, posting_id: int) -> Posting | None:
    stmt = select(Posting).where(Posting.id == posting_id).options(selectinload(Posting.enterprise))
    return (await session.execute(stmt)).scalar_one_or_none()
