"""Postings one at a time (details, apply); searching the shelf is storage/queries/search.py."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from storage.models import Posting


async def posting_by_id(session: AsyncSession, posting_id: int) -> Posting | None:
    stmt = select(Posting).where(Posting.id == posting_id).options(selectinload(Posting.enterprise))
    return (await session.execute(stmt)).scalar_one_or_none()
