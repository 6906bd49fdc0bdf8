"""Policy questions answered from the knowledge base: the policy, its key points, who qualifies, how to apply.

The search index is built from the database's policies and rebuilt only when they change (import), so a
question costs a sub-millisecond search, not a rebuild.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from flows.dialogue import Move, Topic
from flows.policy_search import PolicyHit, PolicyIndex
from flows.router import Router
from flows.turn import Turn
from storage.policy_files import PolicyDoc
from storage.queries.bureau import bureau_services
from storage.queries.policies import knowledge_version, policy_docs

router = Router("policy")

# How many key points a group answer keeps (groups get short answers).
GROUP_POINTS = 2
MATCHES = 3  # policies a question is matched with: the best, or these to choose from


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


def _choices(turn: Turn, index: PolicyIndex, keys: list[str]) -> None:
    """Policies it may be, numbered: buttons, or one numbered message answered by typing the number."""
    turn.remember(Topic.POLICY, {}, keys, seen=len(keys))
    titles = [index.policies[key].title for key in keys]
    text = turn.t("policy.unsure", hotline=turn.settings.hotline)
    if turn.compact:
        lines = [text, *(f"{n}. {title}" for n, title in enumerate(titles, start=1)), turn.t("policy.hint")]
        turn.say("\n".join(lines))
        return
    buttons = [[turn.button(f"{n}. {title}", "policy.show", key=key)]
               for n, (key, title) in enumerate(zip(keys, titles, strict=True), start=1)]
    turn.say(text, buttons)


def _answer(turn: Turn, doc: PolicyDoc, hit: PolicyHit | None) -> None:
    turn.look_at(Topic.POLICY, doc.key)
    turn.say(group_text(turn, doc) if turn.in_group else answer_text(turn, doc, hit))


@router.intent("policy_question")
async def policy_question(turn: Turn) -> None:
    hints = turn.entity_values("policy")
    text = turn.parse.text if turn.parse else turn.inbound.text
    index = await policy_index(turn.session)
    if not hints and await _sent_elsewhere(turn, text, index):
        return
    context = turn.context
    if not hints and context is not None and context.topic == Topic.POLICY and context.focus is not None:
        hints = [str(context.focus)]  # "现在还能申请不" is about the policy just read
    await answer(turn, index, text, hints)


class Validity(StrEnum):
    """Where a policy stands today, for staff keeping the knowledge base current (the console's 政策 list)."""

    EXPIRED = "expired"  # its last day is behind: the chat still answers with it, saying it has ended
    EXPIRING = "expiring"  # ends within EXPIRING_DAYS
    PENDING = "pending"  # announced, not in force yet
    OPEN_ENDED = "open_ended"  # no end date in its file: worth checking it is still in force
    IN_FORCE = "in_force"


EXPIRING_DAYS = 30  # "expiring soon": a month to get the renewed document


def validity(doc: PolicyDoc, today: date, soon_days: int = EXPIRING_DAYS) -> Validity:
    if doc.is_expired(today):
        return Validity.EXPIRED
    if doc.is_pending(today):
        return Validity.PENDING
    if doc.effective_to is None:
        return Validity.OPEN_ENDED
    if (doc.effective_to - today).days <= soon_days:
        return Validity.EXPIRING
    return Validity.IN_FORCE


async def knowledge_base(session: AsyncSession, today: date) -> list[tuple[PolicyDoc, Validity]]:
    """Every policy the chat answers from, with where it stands today: expired first, then ending soon, not yet in
    force, without an end date, in force (staff see first what needs their attention)."""
    index = await policy_index(session)
    order = list(Validity)
    rows = [(doc, validity(doc, today)) for doc in index.policies.values()]
    return sorted(rows, key=lambda row: (order.index(row[1]), row[0].effective_to or date.max, row[0].key))


def rank(index: PolicyIndex, text: str, hints: list[str], today: date) -> list[PolicyHit]:
    """The policies a question may be about, best first, with their scores: what the chat answers from, and what
    the console's "ask as a worker" shows staff as the reason."""
    return index.search(text, policy_hint=hints[0] if hints else None, limit=MATCHES, today=today)


@dataclass(frozen=True, slots=True)
class PolicyMatch:
    """One of the knowledge base's top matches for a question, as staff see it: which policy, its score, the FAQ
    entry that matched, and whether the chat trusts it enough to answer with it alone."""

    key: str
    title: str
    score: float
    confident: bool
    faq_question: str | None
    expired: bool


async def policy_matches(session: AsyncSession, text: str, hints: list[str], today: date) -> list[PolicyMatch]:
    """`rank` on this database's knowledge base, each hit with its policy's title and FAQ question."""
    index = await policy_index(session)
    matches = []
    for hit in rank(index, text, hints, today):
        doc = index.policies[hit.key]
        question = doc.faq[hit.faq_index].question if hit.faq_index is not None else None
        matches.append(PolicyMatch(hit.key, doc.title, hit.score, hit.confident, question, doc.is_expired(today)))
    return matches


async def answer(turn: Turn, index: PolicyIndex, text: str, hints: list[str]) -> None:
    """The best policy for the question, or the likely ones to choose from, or "not found"."""
    hits = rank(index, text, hints, turn.today)
    if not hits:
        turn.say(turn.t("policy.not_found", hotline=turn.settings.hotline))
        return
    best = hits[0]
    if best.confident:
        _answer(turn, index.policies[best.key], best)
        return
    _choices(turn, index, [hit.key for hit in hits])


@router.action("policy.show")
async def show_policy(turn: Turn) -> None:
    index = await policy_index(turn.session)
    doc = index.policies.get(str(turn.args.get("key")))
    if doc is None:
        turn.say(turn.t("common.unknown_button"))
        return
    _answer(turn, doc, None)


# What a follow-up about the policy just shown asks for, and the parts of the policy that answer it ("要带啥子材料"
# is answered by who qualifies and how to apply, where the documents are listed).
_PARTS = {"requirements": ("eligibility", "how_to_apply"), "how": ("how_to_apply",)}


@router.continuation(Topic.POLICY)
async def continue_policy(turn: Turn) -> None:
    """"第二个" after the choices, "怎么申请" / "要什么条件" after a policy: that policy, or that part of it."""
    resolution, context = turn.resolution, turn.context
    assert resolution is not None and context is not None
    index = await policy_index(turn.session)
    key = resolution.item if resolution.item is not None else context.focus
    doc = index.policies.get(str(key)) if key is not None else None
    if resolution.move is Move.SHOW and context.shown:
        _choices(turn, index, [str(k) for k in context.shown.items if str(k) in index.policies])
    elif doc is None:
        await policy_question(turn)
    elif resolution.move is Move.ASK and resolution.attribute in _PARTS and not turn.in_group:
        turn.look_at(Topic.POLICY, doc.key)
        parts = [turn.t(f"policy.{part}") + "\n" + _bullets(getattr(doc, part))
                 for part in _PARTS[resolution.attribute] if getattr(doc, part)]
        title = turn.t("policy.title", title=doc.title, name=doc.key)
        turn.say(title + "\n\n" + ("\n\n".join(parts) if parts else answer_text(turn, doc, None)))
    elif resolution.move is Move.ASK and resolution.attribute == "time":
        turn.look_at(Topic.POLICY, doc.key)
        turn.say(turn.t("policy.title", title=doc.title, name=doc.key) + "\n" + _dates(turn, doc))
    else:
        _answer(turn, doc, None)
