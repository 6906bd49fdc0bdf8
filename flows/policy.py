"""Policy questions answered from the knowledge base: the policy, its key points, who qualifies, how to apply.

The search index is built from the database's policies and rebuilt only when they change (import), so a
question costs a sub-millisecond search, not a rebuild.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from flows.policy_search import PolicyHit, PolicyIndex
from flows.router import Router
from flows.turn import Turn
from storage.policy_files import PolicyDoc
from storage.queries.bureau import bureau_services
from storage.queries.policies import knowledge_version, policy_docs

router = Router("policy")

# How many key points a group answer keeps (groups get short answers).
GROUP_POINTS = 2


@dataclass
class _Cached:
    version: tuple[object, ...]
    index: PolicyIndex


_cache: dict[str, _Cached] = {}


async def policy_index(session: AsyncSession) -> PolicyIndex:
    """The index for this database, rebuilt when the policies changed since it was built."""
    version = await knowledge_version(session)
    key = str(session.bind.url)
    cached = _cache.get(key)
    if cached is None or cached.version != version:
        cached = _Cached(version, PolicyIndex.build(await policy_docs(session)))
        _cache[key] = cached
    return cached.index


async def _sent_elsewhere(turn: Turn, text: str, index: PolicyIndex) -> bool:
    """A question about a service the bureau file lists as not handled here (医保报销, 社保卡补办 …) gets that
    honest answer, never the nearest policy: the knowledge base has 社保免减缓, not medical reimbursement."""
    from flows import (
        other_services,  # it hands questions naming a policy to this module, so it imports it first
    )

    services = await bureau_services(turn.session)
    if not services:
        return False
    service = other_services.service_asked(text, services, index, turn.today)
    if service is None:
        return False
    await other_services.say_not_handled(turn, service, await other_services.facts_of(turn))
    return True


def _dates(turn: Turn, doc: PolicyDoc) -> str:
    end = doc.effective_to.isoformat() if doc.effective_to else turn.t("policy.open_ended")
    return turn.t("policy.dates", start=doc.effective_from.isoformat(), end=end)


def _bullets(items: tuple[str, ...] | list[str]) -> str:
    return "\n".join(f"· {item}" for item in items)


def answer_text(turn: Turn, doc: PolicyDoc, hit: PolicyHit | None) -> str:
    """The full answer for a private chat."""
    parts = [turn.t("policy.title", title=doc.title, name=doc.key)]
    if doc.is_expired(turn.today):
        parts.append(turn.t("policy.expired", end=doc.effective_to.isoformat() if doc.effective_to else ""))
    if hit is not None and hit.faq_index is not None:
        entry = doc.faq[hit.faq_index]
        parts.append(turn.t("policy.faq", question=entry.question, answer=entry.answer))
    parts.append(doc.summary)
    if doc.key_points:
        parts.append(turn.t("policy.key_points") + "\n" + _bullets(doc.key_points))
    if doc.eligibility:
        parts.append(turn.t("policy.eligibility") + "\n" + _bullets(doc.eligibility))
    if doc.how_to_apply:
        parts.append(turn.t("policy.how_to_apply") + "\n" + _bullets(doc.how_to_apply))
    number = f" {doc.document_number}" if doc.document_number else ""
    parts.append(turn.t("policy.source", issuer=doc.issuer, number=number, source=doc.source) + "\n" + _dates(turn, doc))
    return "\n\n".join(part for part in parts if part)


def group_text(turn: Turn, doc: PolicyDoc) -> str:
    """A short answer for a group: name, status, two key points, and where to ask for details."""
    parts = [turn.t("policy.title", title=doc.title, name=doc.key)]
    if doc.is_expired(turn.today):
        parts.append(turn.t("policy.expired", end=doc.effective_to.isoformat() if doc.effective_to else ""))
    parts.append(_bullets(doc.key_points[:GROUP_POINTS]) or doc.summary)
    parts.append(turn.t("policy.more_in_private"))
    return "\n".join(parts)


@router.intent("policy_question")
async def policy_question(turn: Turn) -> None:
    hints = turn.entity_values("policy")
    text = turn.parse.text if turn.parse else turn.inbound.text
    index = await policy_index(turn.session)
    if not hints and await _sent_elsewhere(turn, text, index):
        return
    await answer(turn, index, text, hints)


async def answer(turn: Turn, index: PolicyIndex, text: str, hints: list[str]) -> None:
    """The best policy for the question, or the likely ones to choose from, or "not found"."""
    hits = index.search(text, policy_hint=hints[0] if hints else None, limit=3, today=turn.today)
    if not hits:
        turn.say(turn.t("policy.not_found", hotline=turn.settings.hotline))
        return
    best = hits[0]
    if best.confident:
        doc = index.policies[best.key]
        turn.say(group_text(turn, doc) if turn.in_group else answer_text(turn, doc, best))
        return
    buttons = [[turn.button(index.policies[hit.key].title, "policy.show", key=hit.key)] for hit in hits]
    turn.say(turn.t("policy.unsure", hotline=turn.settings.hotline), buttons)


@router.action("policy.show")
async def show_policy(turn: Turn) -> None:
    index = await policy_index(turn.session)
    doc = index.policies.get(str(turn.args.get("key")))
    if doc is None:
        turn.say(turn.t("common.unknown_button"))
        return
    turn.say(group_text(turn, doc) if turn.in_group else answer_text(turn, doc, None))
