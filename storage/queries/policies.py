"""The policy knowledge base in the database: import from files (upsert by key) and read back as PolicyDoc."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from storage.models import Policy, PolicyFaq
from storage.policy_files import FaqEntry, PolicyDoc


def _apply(policy: Policy, doc: PolicyDoc, now: datetime) -> None:
    policy.title = doc.title
    policy.aliases = list(doc.aliases)
    policy.audience = doc.audience
    policy.issuer = doc.issuer
    policy.document_number = doc.document_number or ""
    policy.effective_from = doc.effective_from
    policy.effective_to = doc.effective_to
    policy.source = doc.source
    policy.summary = doc.summary
    policy.key_points = list(doc.key_points)
    policy.eligibility = list(doc.eligibility)
    policy.how_to_apply = list(doc.how_to_apply)
    policy.updated_at = now
    policy.faq = [PolicyFaq(question=entry.question, answer=entry.answer) for entry in doc.faq]


async def upsert_policies(session: AsyncSession, docs: Sequence[PolicyDoc], *, now: datetime) -> tuple[int, int]:
    """Insert new policies and replace existing ones with the same key; returns (added, updated)."""
    existing = {
        p.key: p
        for p in (await session.execute(select(Policy).options(selectinload(Policy.faq)))).scalars()
    }
    added = updated = 0
    for doc in docs:
        policy = existing.get(doc.key)
        if policy is None:
            policy = Policy(key=doc.key)
            session.add(policy)
            added += 1
        else:
            updated += 1
        _apply(policy, doc, now)
    await session.flush()
    return added, updated


async def policy_docs(session: AsyncSession) -> list[PolicyDoc]:
    """Every policy as the immutable PolicyDoc the search index is built from."""
    rows = (await session.execute(select(Policy).options(selectinload(Policy.faq)).order_by(Policy.id))).scalars()
    return [
        PolicyDoc(
            key=p.key, title=p.title, aliases=tuple(p.aliases), audience=p.audience, issuer=p.issuer,
            document_number=p.document_number or None, effective_from=p.effective_from, effective_to=p.effective_to,
            source=p.source, summary=p.summary, key_points=tuple(p.key_points), eligibility=tuple(p.eligibility),
            how_to_apply=tuple(p.how_to_apply), faq=tuple(FaqEntry(f.question, f.answer) for f in p.faq),
        )
        for p in rows
    ]


async def knowledge_version(session: AsyncSession) -> tuple[int, datetime | None]:
    """Changes whenever policies are added or re-imported: the search index is rebuilt then."""
    row = (await session.execute(select(func.count(Policy.id), func.max(Policy.updated_at)))).one()
    return int(row[0]), row[1]


async def policy_keys(session: AsyncSession) -> list[str]:
    """The keys of the policies in the knowledge base."""
    return list((await session.execute(select(Policy.key).order_by(Policy.key))).scalars())
