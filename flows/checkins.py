"""The follow-up shell: the due scan (ask the worker, prompt the secretary, remind, escalate), answers and
outcomes, the worker's card, and the morning digest. Decisions come from flows/followups.py; every message
leaves through the outbox with a purpose naming the follow-up and the step, so nothing is sent twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from flows.followups import (
    OUTCOMES,
    RESCHEDULE_DAYS,
    STATUS_OF,
    WORKER_ANSWERS,
    FollowUpRules,
    Step,
    after_outcome,
    answer_needs_secretary,
    on_due,
    on_placed,
    rules_of,
)
from flows.i18n import LANGUAGES, t
from flows.messages import Button, Reply
from flows.notify import Recipient, notify, recipient
from flows.workcal import (
    add_working_days,
    in_working_hours,
    into_working_hours,
    is_working_day,
    working_day_bounds,
)
from storage.db import Database
from storage.models import FollowUp, Person, WorkerProfile
from storage.queries.conversation import new_dialog
from storage.queries.followups import (
    add_followup,
    admin_ids,
    advance,
    answered_since,
    cancel,
    cancel_open,
    claim_due,
    claimed_rows,
    close,
    last_contacts,
    open_applications,
    people_by_id,
    private_chats,
    profile_of,
    recent_notes,
    record_status,
    record_worker_answer,
    release,
    secretaries_with_work,
    secretary_list,
)
from storage.states import FollowUpKind, FollowUpOutcome, FollowUpState, WorkerAnswer

log = logging.getLogger(__name__)

DEFAULT_LEASE = timedelta(minutes=5)
DIGEST_LIMIT = 30  # lines per section of the morning digest; the rest is counted ("… and N more")


def language_of(person: Person | None, settings: Any) -> str:
    if person is not None and person.language in LANGUAGES:
        return person.language
    return getattr(settings, "default_language", "zh-hans")


def when(moment: datetime | None, rules: FollowUpRules) -> str:
    """A moment as the bureau's local wall-clock time."""
    if moment is None:
        return "-"
    return moment.astimezone(rules.working_hours.zone).strftime("%Y-%m-%d %H:%M")


def display_name(person: Person) -> str:
    return person.name or f"#{person.id}"


# --- the worker's card -------------------------------------------------------------------------------


async def worker_card(session: AsyncSession, worker: Person, language: str, rules: FollowUpRules) -> str:
    """Name, tap-to-call phone, township, status, last contacts, open applications, notes."""
    profile = await profile_of(session, worker.id)
    status = t(f"secretary.status.{profile.status}", language) if profile else t("secretary.unregistered", language)
    contacts = [
        t(
            "secretary.contact_line", language, when=when(f.completed_at, rules),
            kind=t(f"secretary.kind.{f.kind}", language),
            outcome=t(f"secretary.outcome.{f.outcome}", language) if f.outcome else "-",
        )
        for f in await last_contacts(session, worker.id)
    ]
    applications = [
        f"{a.posting.title} · {a.posting.enterprise.name}" for a in await open_applications(session, worker.id)
    ]
    notes = [n.text for n in await recent_notes(session, worker.id)]
    lines = [
        t("secretary.card.title", language, name=display_name(worker), id=worker.id),
        t("secretary.card.phone", language, phone=worker.phone or "-"),
        t("secretary.card.place", language, township=worker.township or "-", village=worker.village or ""),
        t("secretary.card.status", language, status=status,
          employer=(profile.placed_employer or "") if profile else ""),
        t("secretary.card.last_contact", language, when=when(profile.last_contact_at if profile else None, rules)),
    ]
    lines += [f"  · {c}" for c in contacts]
    lines.append(t("secretary.card.applications", language, count=len(applications)))
    lines += [f"  · {a}" for a in applications]
    if notes:
        lines.append(t("secretary.card.notes", language))
        lines += [f"  · {n}" for n in notes]
    return "\n".join(line.rstrip() for line in lines)


ButtonMaker = Callable[..., Button]


def outcome_buttons(make: ButtonMaker, followup: FollowUp, language: str) -> list[list[Button]]:
    """Placed, still seeking, needs training, unreachable, reschedule, add a note: `make(label, action, **args)`."""

    def b(key: str, action: str, **args: Any) -> Button:
        return make(t(key, language), action, followup=followup.id, **args)

    recorded = [b(f"secretary.outcome.{outcome}", "checkin.outcome", outcome=outcome) for outcome in OUTCOMES]
    return [
        recorded[:2], recorded[2:],
        [b("secretary.button.reschedule", "checkin.reschedule"), b("secretary.button.note", "checkin.note")],
    ]


async def card_text(
    session: AsyncSession, followup: FollowUp | None, worker: Person, language: str, rules: FollowUpRules,
    head: str = "",
) -> str:
    """The worker's card, with the check-in it is about and the worker's own answer, if any."""
    parts = [head, await worker_card(session, worker, language, rules)]
    if followup is not None:
        # Only a pending check-in's due time is a date to show; later states use it for their own deadlines.
        key = "secretary.card.checkin_due" if followup.state == FollowUpState.PENDING else "secretary.card.checkin"
        parts.append(t(key, language, kind=t(f"secretary.kind.{followup.kind}", language),
                       due=when(followup.due_at, rules), state=t(f"secretary.state.{followup.state}", language)))
        if followup.worker_answer:
            parts.append(t("secretary.card.answer", language,
                           answer=t(f"checkin.answer.{followup.worker_answer}", language)))
    return "\n".join(part for part in parts if part)


async def prompt_reply(
    session: AsyncSession, followup: FollowUp, worker: Person, to: Recipient, secretary: Person | None,
    *, reason: str, now: datetime, settings: Any,
) -> Reply:
    rules = rules_of(settings)
    language = language_of(secretary, settings)
    head = t(f"secretary.reason.{reason}", language, name=display_name(worker),
             count=rules.worry_after_seeking_answers)
    text = await card_text(session, followup, worker, language, rules, head)

    def make(label: str, action: str, **args: Any) -> Button:
        return to.button(session, label, action, now=now, **args)

    return Reply(text=text, buttons=outcome_buttons(make, followup, language))


# --- the due scan --------------------------------------------------------------------------------------


@dataclass
class ScanReport:
    """What one due scan did."""

    asked: int = 0
    prompted: int = 0
    reminded: int = 0
    escalated: int = 0
    cancelled: int = 0
    handled: list[tuple[int, str]] | None = None  # (follow-up id, step), kept only when asked for

    @property
    def total(self) -> int:
        return self.asked + self.prompted + self.reminded + self.escalated


async def run_due_scan(
    db: Database, *, now: datetime, settings: Any, claimer: str, batch: int = 200,
    lease: timedelta = DEFAULT_LEASE, keep_log: bool = False,
) -> ScanReport:
    """Handle every due follow-up once: claim a batch with row locks, act, release; repeat until none is due.

    Only in office hours on working days: outside them nothing is asked or prompted (it waits for the
    morning). Each handled row's next due time lies after `now`, so one scan never handles a row twice.
    """
    rules = rules_of(settings)
    report = ScanReport(handled=[] if keep_log else None)
    if not in_working_hours(now, rules.working_hours):
        return report
    while True:
        async with db.session() as session:
            ids = await claim_due(session, now=now, claimer=claimer, lease_until=now + lease, limit=batch)
        if not ids:
            return report
        async with db.session() as session:
            rows = await claimed_rows(session, ids, claimer)
            known = await Batch.load(session, rows)
            with session.no_autoflush:  # the rows' own changes are written once, at commit
                for followup in rows:
                    await handle_due(session, followup, now=now, settings=settings, report=report, batch=known)


@dataclass
class Batch:
    """People and private chats of one claimed batch, read in two queries instead of four per row."""

    people: dict[int, Person]
    chats: dict[int, Recipient]

    @classmethod
    async def load(cls, session: AsyncSession, rows: list[FollowUp]) -> Batch:
        ids = {r.worker_id for r in rows} | {r.secretary_id for r in rows if r.secretary_id is not None}
        people = await people_by_id(session, ids)
        chats = {
            pid: Recipient(pid, identity.channel, identity.chat_id or "", identity.external_id,
                           people[pid].language if pid in people else None)
            for pid, identity in (await private_chats(session, ids)).items()
        }
        return cls(people, chats)


async def handle_due(
    session: AsyncSession, followup: FollowUp, *, now: datetime, settings: Any, report: ScanReport,
    batch: Batch | None = None,
) -> None:
    rules = rules_of(settings)
    release(followup)
    if followup.state not in FollowUpState.SCANNED or followup.due_at > now:
        return  # someone answered or acted between the claim and now
    if batch is None:
        batch = await Batch.load(session, [followup])
    worker = batch.people.get(followup.worker_id)
    if worker is None or worker.forgotten_at is not None:
        cancel(followup, at=now)
        report.cancelled += 1
        return
    secretary = batch.people.get(followup.secretary_id) if followup.secretary_id else None
    worker_to = batch.chats.get(worker.id) if worker.reachable else None
    secretary_to = batch.chats.get(secretary.id) if secretary is not None else None
    step = on_due(followup, now=now, rules=rules, worker_reachable=worker_to is not None,
                  has_secretary=secretary_to is not None)
    if step.step == Step.ASK and worker_to is not None:
        await ask_worker(session, followup, worker, worker_to, secretary, now=now, settings=settings)
        advance(followup, Step.ASK, step.state, step.due_at, at=now)
        report.asked += 1
    elif step.step in (Step.PROMPT, Step.REMIND) and secretary_to is not None:
        advance(followup, step.step, step.state, step.due_at, at=now)  # the card shows the follow-up as it is now
        reply = await prompt_reply(session, followup, worker, secretary_to, secretary, reason=step.reason,
                                   now=now, settings=settings)
        await notify(session, secretary_to, reply, purpose=f"checkin:{followup.id}:{step.step.value}",
                     about=(worker.id,), not_before=now)
        if step.step == Step.PROMPT:
            report.prompted += 1
        else:
            report.reminded += 1
    else:
        await escalate(session, followup, worker, secretary, reason=step.reason, now=now, settings=settings)
        advance(followup, Step.ESCALATE, step.state, step.due_at, at=now)
        report.escalated += 1
    if report.handled is not None:
        report.handled.append((followup.id, step.step.value))


async def ask_worker(
    session: AsyncSession, followup: FollowUp, worker: Person, to: Recipient, secretary: Person | None,
    *, now: datetime, settings: Any,
) -> None:
    """The check-in question in the secretary's name, with one-tap answers."""
    language = language_of(worker, settings)
    key = "checkin.ask_stability" if followup.kind == FollowUpKind.STABILITY else "checkin.ask"
    text = t(key, language, name=worker.name or "", secretary=display_name(secretary) if secretary else "",
             bureau=getattr(settings, "bureau_name", ""))
    dialog = new_dialog()  # one answer per question
    buttons = [
        to.button(session, t(f"checkin.answer.{answer}", language), "checkin.answer", now=now, dialog=dialog,
                  followup=followup.id, answer=answer)
        for answer in WORKER_ANSWERS
    ]
    reply = Reply(text=text, buttons=[buttons[:2], buttons[2:]])
    await notify(session, to, reply, purpose=f"checkin:{followup.id}:ask", about=(), not_before=now)


async def escalate(
    session: AsyncSession, followup: FollowUp, worker: Person, secretary: Person | None,
    *, reason: str, now: datetime, settings: Any,
) -> int:
    """Tell every admin that a check-in is stuck; returns how many were told."""
    rules = rules_of(settings)
    told = 0
    for admin_id in await admin_ids(session):
        to = await recipient(session, admin_id)
        if to is None:
            continue
        admin = (await people_by_id(session, (admin_id,)))[admin_id]
        language = language_of(admin, settings)
        text = t(
            f"secretary.escalation.{reason or 'unanswered'}", language, name=display_name(worker), id=worker.id,
            secretary=display_name(secretary) if secretary else "-", kind=t(f"secretary.kind.{followup.kind}", language),
            due=when(followup.prompted_at or followup.due_at, rules),
        )
        told += await notify(session, to, Reply(text=text), purpose=f"checkin:{followup.id}:escalate",
                             about=(worker.id,), not_before=now)
    if not told:
        log.warning("follow-up %s needs an admin but no admin has a private chat", followup.id)
    return told


# --- answers and outcomes ------------------------------------------------------------------------------


async def seeking_streak(session: AsyncSession, worker_id: int, rules: FollowUpRules) -> int:
    """How many of the worker's latest check-ins in a row ended 'still seeking'."""
    streak = 0
    for followup in await last_contacts(session, worker_id, limit=rules.worry_after_seeking_answers):
        if followup.outcome != FollowUpOutcome.SEEKING:
            break
        streak += 1
    return streak


async def record_answer(
    session: AsyncSession, followup: FollowUp, worker: Person, answer: WorkerAnswer | str, *, now: datetime,
    settings: Any,
) -> FollowUp | None:
    """A worker's one-tap answer: recorded as the outcome, or turned into a prompt for the secretary.

    Returns the next check-in when the answer closed this one."""
    rules = rules_of(settings)
    if answer not in WORKER_ANSWERS:
        raise ValueError(f"unknown answer {answer!r}")
    answer = WorkerAnswer(answer)
    record_worker_answer(followup, answer)
    profile = await profile_of(session, worker.id)
    if profile is not None:
        profile.last_contact_at = now
    reason = answer_needs_secretary(answer, await seeking_streak(session, worker.id, rules), rules)
    if reason is None:
        # An answer that needs nobody is one of WorkerAnswer.CLOSING: the outcome of the same word.
        return await complete(session, followup, FollowUpOutcome(answer), now=now, settings=settings, by=worker.id)
    secretary = (await people_by_id(session, (followup.secretary_id,))).get(followup.secretary_id or -1)
    to = await recipient(session, secretary.id) if secretary is not None else None
    followup.prompts_sent = 0  # the secretary's first prompt for this check-in
    advance(followup, Step.PROMPT, FollowUpState.PROMPTED, add_working_days(now, 1, rules.working_hours), at=now)
    if to is None:
        advance(followup, Step.ESCALATE, FollowUpState.ESCALATED, followup.due_at, at=now)
        await escalate(session, followup, worker, None, reason="no_secretary", now=now, settings=settings)
        return None
    reply = await prompt_reply(session, followup, worker, to, secretary, reason=reason, now=now, settings=settings)
    # A worker may answer at night: the secretary's phone buzzes when the office opens.
    await notify(session, to, reply, purpose=f"checkin:{followup.id}:{reason}", about=(worker.id,),
                 not_before=into_working_hours(now, rules.working_hours))
    return None


async def complete(
    session: AsyncSession, followup: FollowUp, outcome: FollowUpOutcome | str, *, now: datetime, settings: Any,
    by: int | None, employer: str | None = None,
) -> FollowUp | None:
    """Close a check-in with an outcome: status history, worker profile, and the next check-in (returned)."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    outcome = FollowUpOutcome(outcome)
    rules = rules_of(settings)
    profile: WorkerProfile | None = await profile_of(session, followup.worker_id)
    if profile is not None:
        record_status(session, profile, STATUS_OF[outcome], by=by, reason=f"checkin:{outcome}", at=now)
        if outcome == FollowUpOutcome.PLACED and employer:
            profile.placed_employer = employer[:128]
        if outcome != FollowUpOutcome.UNREACHABLE:
            profile.last_contact_at = now
    close(followup, outcome, at=now)
    await session.flush()
    if outcome == FollowUpOutcome.PLACED and followup.kind != FollowUpKind.STABILITY:
        return await on_placed(session, followup.worker_id, now, rules)
    following = after_outcome(followup.kind, outcome, now, rules)
    if following is None:
        return None
    kind, due = following
    await cancel_open(session, followup.worker_id, FollowUpKind.WHILE_SEEKING, at=now)
    nxt = add_followup(session, worker_id=followup.worker_id, secretary_id=followup.secretary_id, kind=kind,
                       due_at=due, now=now)
    await session.flush()
    return nxt


async def reschedule(
    session: AsyncSession, followup: FollowUp, working_days: int, *, now: datetime, settings: Any, by: int | None
) -> FollowUp:
    """The secretary moves the check-in: this one ends 'rescheduled', a manual one is set N working days on."""
    if working_days not in RESCHEDULE_DAYS:
        raise ValueError(f"reschedule by {working_days} working days is not offered")
    rules = rules_of(settings)
    close(followup, FollowUpOutcome.RESCHEDULED, at=now)
    nxt = add_followup(session, worker_id=followup.worker_id, secretary_id=followup.secretary_id,
                       kind=FollowUpKind.MANUAL,
                       due_at=add_working_days(now, working_days, rules.working_hours), now=now)
    await session.flush()
    return nxt


# --- the morning digest ------------------------------------------------------------------------------


async def digest_reply(
    session: AsyncSession, secretary: Person, *, now: datetime, settings: Any, since: datetime
) -> tuple[Reply, set[int]] | None:
    """The digest, and the workers it names (the message is about them too)."""
    rules = rules_of(settings)
    language = language_of(secretary, settings)
    start, end = working_day_bounds(rules.working_hours.local_date(now), rules.working_hours)
    today = await secretary_list(session, secretary.id, due_before=end, due_from=start)
    overdue = await secretary_list(session, secretary.id, due_before=start)
    answered = await answered_since(session, secretary.id, since)
    if not today and not overdue and not answered:
        return None
    lines = [t("secretary.digest.title", language, name=display_name(secretary), today=len(today),
               overdue=len(overdue))]
    for key, rows in (("secretary.digest.overdue", overdue), ("secretary.digest.today", today)):
        if rows:
            lines.append(t(key, language))
            lines += [list_line(f, w, language, rules) for f, w in rows[:DIGEST_LIMIT]]
            if len(rows) > DIGEST_LIMIT:
                lines.append(t("secretary.list_more", language, count=len(rows) - DIGEST_LIMIT))
    if answered:
        lines.append(t("secretary.digest.answered", language))
        lines += [
            t("secretary.answered_line", language, name=display_name(w), id=w.id,
              answer=t(f"checkin.answer.{f.worker_answer}", language))
            for f, w in answered
        ]
    named = [w.id for _, w in [*overdue[:DIGEST_LIMIT], *today[:DIGEST_LIMIT], *answered]]
    return Reply(text="\n".join(lines)), set(named)


def list_line(followup: FollowUp, worker: Person, language: str, rules: FollowUpRules) -> str:
    return t(
        "secretary.list_line", language, when=when(followup.due_at, rules), name=display_name(worker), id=worker.id,
        kind=t(f"secretary.kind.{followup.kind}", language), state=t(f"secretary.state.{followup.state}", language),
    )


async def send_digests(db: Database, *, now: datetime, settings: Any) -> int:
    """Each secretary with check-ins today, overdue ones or fresh worker answers gets one digest a day."""
    rules = rules_of(settings)
    hours = rules.working_hours
    today = hours.local_date(now)
    if not is_working_day(today):
        return 0
    previous = today - timedelta(days=1)
    while not is_working_day(previous):
        previous -= timedelta(days=1)
    since = hours.at(previous, rules.digest_at)
    _, end = working_day_bounds(today, hours)
    sent = 0
    async with db.session() as session:
        for secretary_id in await secretaries_with_work(session, due_before=end, answered_since_at=since):
            to = await recipient(session, secretary_id)
            secretary = (await people_by_id(session, (secretary_id,))).get(secretary_id)
            if to is None or secretary is None:
                continue
            digest = await digest_reply(session, secretary, now=now, settings=settings, since=since)
            if digest is not None:
                reply, named = digest
                sent += await notify(session, to, reply, purpose=f"digest:{today.isoformat()}", about=named,
                                     not_before=now)
    return sent
