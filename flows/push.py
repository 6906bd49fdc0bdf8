"""Pushing postings to the workers they fit: pure policy decisions, a thin async shell, and the push buttons.

Entry points: `push_posting(db, posting_id, now, settings)` when a posting is created or imported, and
`daily_push(db, now, settings)` from the scheduler (re-matches recent postings for newly eligible workers and
sends the one-a-day digest to workers in digest mode). Messages leave through the outbox (`push:<posting>`,
`digest:<date>`), so a worker never gets the same one twice.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from flows import phone_sharing
from flows.i18n import t
from flows.matching import (
    Candidates,
    Match,
    MatchRules,
    PostingFacts,
    best_matches,
    county_geography,
    reason_text,
)
from flows.messages import Button, Reply
from flows.notify import notify, recipient
from flows.router import Router
from flows.turn import Turn
from storage.db import Database
from storage.models import Person, Posting
from storage.queries import push as q
from storage.queries.employers import application_of
from storage.worker_index import index_unindexed

router = Router("push")


@dataclass(frozen=True)
class PushPolicy:
    """The push settings flows read (built from config `push:`; flows never import bot/)."""

    max_per_opening: float = 3
    daily_cap_per_worker: int = 3
    quiet_start: time = time(22, 0)
    quiet_end: time = time(8, 0)
    prioritise_hardest_hit: bool = True
    min_score: float = 0.5
    pause_days: int = 7
    duplicate_window_days: int = 30
    lookback_days: int = 7
    distance_zero_km: float = 40
    digest_max_items: int = 5
    timezone: str = "Asia/Shanghai"
    default_language: str = "zh-hans"

    @classmethod
    def coerce(cls, settings: Any) -> PushPolicy:
        """A PushPolicy from itself, or from bot.settings.Settings (read by attribute, no import)."""
        if isinstance(settings, cls):
            return settings
        p = settings.push
        return cls(
            max_per_opening=p.max_per_opening, daily_cap_per_worker=p.daily_cap_per_worker,
            quiet_start=p.quiet_hours.start, quiet_end=p.quiet_hours.end,
            prioritise_hardest_hit=p.prioritise_hardest_hit, min_score=p.min_score, pause_days=p.pause_days,
            duplicate_window_days=p.duplicate_window_days, lookback_days=p.lookback_days,
            distance_zero_km=p.distance_zero_km, digest_max_items=p.digest_max_items,
            timezone=settings.timezone, default_language=settings.language.default,
        )

    @property
    def rules(self) -> MatchRules:
        return MatchRules(self.min_score, self.distance_zero_km, self.prioritise_hardest_hit)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


# --- pure decisions -------------------------------------------------------------------------------------


def quota(openings: int | None, max_per_opening: float, already: int) -> int:
    """How many more workers a posting may go to: at most `max_per_opening` × its openings in all (openings not
    said, 若干, count as one)."""
    return max(0, math.floor(max(openings or 1, 1) * max_per_opening) - already)


def in_quiet_hours(local: time, start: time, end: time) -> bool:
    if start <= end:
        return start <= local < end
    return local >= start or local < end


def not_before(now: datetime, policy: PushPolicy) -> datetime | None:
    """None to send now; in quiet hours, the moment they end (bureau time), as UTC."""
    local = now.astimezone(policy.zone)
    if not in_quiet_hours(local.timetz().replace(tzinfo=None), policy.quiet_start, policy.quiet_end):
        return None
    end = datetime.combine(local.date(), policy.quiet_end, tzinfo=policy.zone)
    if end <= local:
        end = datetime.combine(local.date() + timedelta(days=1), policy.quiet_end, tzinfo=policy.zone)
    return end.astimezone(now.tzinfo)


def duplicate_key(posting: Posting) -> tuple[Any, ...]:
    """Near-duplicate postings (re-posted or split by the same employer) share this key and are sent once."""
    return (posting.enterprise_id, posting.job_category, posting.township or posting.city)


def collapse_duplicates(postings: list[Posting]) -> list[Posting]:
    """Keep the newest posting of each near-duplicate group (input oldest first)."""
    newest: dict[tuple[Any, ...], Posting] = {}
    for posting in postings:
        newest[duplicate_key(posting)] = posting
    return sorted(newest.values(), key=lambda p: (p.created_at, p.id))


# --- the async shell ------------------------------------------------------------------------------------


@dataclass
class PushReport:
    """What pushing one posting did."""

    posting_id: int
    open: bool = True
    candidates: int = 0
    matched: int = 0
    quota: int = 0
    queued: int = 0
    no_chat: int = 0
    send_at: datetime | None = None  # set when quiet hours delayed the messages


@dataclass
class DailyReport:
    postings: list[PushReport] = field(default_factory=list)
    digests: int = 0

    @property
    def queued(self) -> int:
        return sum(r.queued for r in self.postings)


def _salary(posting: Posting, language: str) -> str:
    low, high = posting.salary_min, posting.salary_max
    if low is None and high is None:
        return posting.salary_text or t("jobs.salary_negotiable", language)
    amount = f"{low}-{high}" if low and high and low != high else str(low or high)
    return amount + t(f"jobs.per_{posting.salary_unit}", language)


def _language(person: Person | None, policy: PushPolicy) -> str:
    return (person.language if person else None) or policy.default_language


async def _matches(session: AsyncSession, posting: Posting, now: datetime, policy: PushPolicy, *, digest: bool,
                   limit: int) -> tuple[int, list[Match]]:
    geo = county_geography()
    rows = await q.candidate_rows(
        session, posting, now=now, digest=digest, daily_cap=None if digest else policy.daily_cap_per_worker,
        duplicate_window=timedelta(days=policy.duplicate_window_days),
    )
    candidates = Candidates.from_rows(rows, geo)
    today = now.astimezone(policy.zone).date()
    return len(rows), best_matches(PostingFacts.of(posting), candidates, today, policy.rules, geo, limit=limit)


async def push_posting_in(session: AsyncSession, posting_id: int, now: datetime, settings: Any) -> PushReport:
    """`push_posting` inside the caller's transaction (the import can push as part of its own)."""
    policy = PushPolicy.coerce(settings)
    report = PushReport(posting_id)
    today = now.astimezone(policy.zone).date()
    posting = await q.open_posting(session, posting_id, today)
    if posting is None:
        report.open = False
        return report
    report.quota = quota(posting.openings, policy.max_per_opening, await q.pushes_of_posting(session, posting_id))
    if report.quota == 0:
        return report
    report.candidates, matches = await _matches(session, posting, now, policy, digest=False, limit=report.quota)
    report.matched = len(matches)
    report.send_at = not_before(now, policy)
    people = await q.people_by_id(session, [m.person_id for m in matches])
    for match in matches:
        to = await recipient(session, match.person_id)
        if to is None:
            report.no_chat += 1
            continue
        language = _language(people.get(match.person_id), policy)
        reason = reason_text(match.reasons, language)
        if not await q.record_push(session, posting_id=posting_id, worker_id=match.person_id, score=match.score,
                                   reason=reason, at=now):
            continue
        text = t("push.message", language, title=posting.title, enterprise=posting.enterprise.name,
                 salary=_salary(posting, language), place=posting.township or posting.city,
                 openings=posting.openings if posting.openings is not None else t("jobs.openings_unknown", language),
                 reason=reason)
        buttons = [[
            to.button(session, t("push.apply", language), "push.apply", now=now, posting=posting_id),
            to.button(session, t("push.not_interested", language), "push.not_interested", now=now, posting=posting_id),
            to.button(session, t("push.pause", language), "push.pause", now=now, posting=posting_id,
                    days=policy.pause_days),
        ]]
        if await notify(session, to, Reply(text=text, buttons=buttons), purpose=f"push:{posting_id}",
                        about=(), not_before=report.send_at):
            report.queued += 1
    return report


async def push_posting(db: Database, posting_id: int, now: datetime, settings: Any) -> PushReport:
    """Push a new or imported posting to the best-fitting eligible workers (not those in digest mode)."""
    async with db.session() as session:
        return await push_posting_in(session, posting_id, now, settings)


async def daily_push(db: Database, now: datetime, settings: Any) -> DailyReport:
    """The daily run: re-match recent open postings (workers registered since get them), then digests."""
    policy = PushPolicy.coerce(settings)
    today = now.astimezone(policy.zone).date()
    report = DailyReport()
    async with db.session() as session:
        await index_unindexed(session)  # profiles written by bulk SQL join the matching index
        recent = collapse_duplicates(
            await q.recent_open_postings(session, since=now - timedelta(days=policy.lookback_days), today=today)
        )
    for posting in recent:
        report.postings.append(await push_posting(db, posting.id, now, policy))
    async with db.session() as session:
        report.digests = await _digests(session, [p.id for p in recent if p.created_at >= now - timedelta(days=1)],
                                        now, today, policy)
    return report


async def _digests(session: AsyncSession, posting_ids: list[int], now: datetime, today: date,
                   policy: PushPolicy) -> int:
    """One message per digest-mode worker listing the day's best matches (each posting within its quota)."""
    per_worker: dict[int, list[tuple[Posting, Match]]] = {}
    for posting_id in posting_ids:
        posting = await q.open_posting(session, posting_id, today)
        if posting is None:
            continue
        left = quota(posting.openings, policy.max_per_opening, await q.pushes_of_posting(session, posting_id))
        if left == 0:
            continue
        _, matches = await _matches(session, posting, now, policy, digest=True, limit=left)
        for match in matches:
            per_worker.setdefault(match.person_id, []).append((posting, match))
    people = await q.people_by_id(session, list(per_worker))
    sent = 0
    send_at = not_before(now, policy)
    for worker_id, items in per_worker.items():
        to = await recipient(session, worker_id)
        if to is None:
            continue
        language = _language(people.get(worker_id), policy)
        items = sorted(items, key=lambda pm: -pm[1].score)[: policy.digest_max_items]
        lines = [t("push.digest_title", language, count=len(items))]
        buttons: list[list[Button]] = []
        for number, (posting, match) in enumerate(items, 1):
            reason = reason_text(match.reasons, language)
            if not await q.record_push(session, posting_id=posting.id, worker_id=worker_id, score=match.score,
                                       reason=reason, at=now):
                continue
            lines.append(t("push.digest_item", language, number=number, title=posting.title,
                           enterprise=posting.enterprise.name, salary=_salary(posting, language),
                           place=posting.township or posting.city, reason=reason))
            buttons.append([to.button(session, t("push.apply_number", language, number=number), "push.apply",
                                     now=now, posting=posting.id)])
        if not buttons:
            continue
        buttons.append([to.button(session, t("push.pause", language), "push.pause", now=now, days=policy.pause_days)])
        if await notify(session, to, Reply(text="\n".join(lines), buttons=buttons),
                        purpose=f"digest:{today.isoformat()}", about=(), not_before=send_at):
            sent += 1
    return sent


# --- the worker's one-tap answers ------------------------------------------------------------------------


@router.action("push.apply", once=True)
async def apply(turn: Turn) -> None:
    posting_id = int(turn.args["posting"])
    posting = await q.open_posting(turn.session, posting_id, turn.today)
    if posting is None:
        turn.say(turn.t("push.closed"))
        return
    application_id, created = await q.create_application(
        turn.session, posting_id=posting_id, worker_id=turn.person.id, at=turn.now
    )
    await q.set_response(turn.session, posting_id=posting_id, worker_id=turn.person.id, response="applied")
    secretary_id = turn.person.profile.secretary_id if turn.person.profile else None
    if created and secretary_id is not None:
        to = await recipient(turn.session, secretary_id)
        if to is not None:
            secretary = (await q.people_by_id(turn.session, [secretary_id])).get(secretary_id)
            language = (secretary.language if secretary else None) or turn.settings.default_language
            text = t("push.secretary_applied", language, name=turn.person.name or "—",
                     phone=turn.person.phone or "—", title=posting.title, enterprise=posting.enterprise.name)
            await notify(turn.session, to, Reply(text=text), purpose=f"apply:{application_id}",
                         about=(turn.person.id,))
    turn.say(turn.t("push.applied", title=posting.title, enterprise=posting.enterprise.name))
    if created:
        application = await application_of(turn.session, posting_id, turn.person.id)
        if application is not None:
            await phone_sharing.offer(turn, posting, application)


@router.action("push.not_interested")
async def not_interested(turn: Turn) -> None:
    await q.set_response(turn.session, posting_id=int(turn.args["posting"]), worker_id=turn.person.id,
                         response="not_interested")
    turn.say(turn.t("push.noted"))


@router.action("push.pause")
async def pause(turn: Turn) -> None:
    days = PushPolicy().pause_days if "days" not in turn.args else int(turn.args["days"])
    await q.pause_pushes(turn.session, turn.person.id, turn.now + timedelta(days=days))
    if "posting" in turn.args:
        await q.set_response(turn.session, posting_id=int(turn.args["posting"]), worker_id=turn.person.id,
                             response="paused")
    turn.say(turn.t("push.paused", days=days), [[turn.button(turn.t("push.unsubscribe"), "push.unsubscribe")]])


@router.action("push.unsubscribe")
async def unsubscribe(turn: Turn) -> None:
    await q.set_subscribed(turn.session, turn.person.id, False)
    turn.say(turn.t("push.unsubscribed"))
