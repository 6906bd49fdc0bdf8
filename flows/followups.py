"""Follow-up cadence: when a check-in is due, what to do when it is, what an answer or outcome leads to.

The decisions are pure functions of (row facts, now, rules); `schedule_first_checkin` and `on_placed` are the
thin async entry points other flows call (registration, report_employed). The due scan that sends asks,
prompts and escalations lives in flows/checkins.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from flows.workcal import WorkingTime, add_working_days, add_working_hours, into_working_hours
from storage.models import FollowUp
from storage.queries.followups import add_followup, cancel_open, open_followups, workers_with_open
from storage.states import (
    EmploymentStatus,
    FollowUpKind,
    FollowUpOutcome,
    FollowUpState,
    FollowUpStep,
    WorkerAnswer,
)

# One-tap answers a worker can give to an automated check-in, and the outcomes a secretary records, in the order
# their buttons are shown.
WORKER_ANSWERS = tuple(WorkerAnswer)
OUTCOMES = tuple(outcome for outcome in FollowUpOutcome if outcome in FollowUpOutcome.RECORDED)
# The worker's employment status each outcome records.
STATUS_OF = {FollowUpOutcome.PLACED: EmploymentStatus.PLACED, FollowUpOutcome.SEEKING: EmploymentStatus.SEEKING,
             FollowUpOutcome.TRAINING: EmploymentStatus.TRAINING,
             FollowUpOutcome.UNREACHABLE: EmploymentStatus.UNREACHABLE}
RESCHEDULE_DAYS = (1, 3, 7)


@dataclass(frozen=True)
class FollowUpRules:
    """The `followups:` section of config.yaml, as flows need it (bot/app.py fills it in)."""

    first_after_days: int = 3
    seeking_every_days: int = 7
    stability_after_days: int = 30
    ask_worker_first: tuple[FollowUpKind, ...] = (FollowUpKind.FIRST, FollowUpKind.SEEKING, FollowUpKind.STABILITY)
    worker_answer_hours: float = 8
    escalate_after_working_days: int = 2
    worry_after_seeking_answers: int = 3
    working_hours: WorkingTime = field(default_factory=WorkingTime)
    digest_at: time = time(8, 30)


def rules_of(settings: Any) -> FollowUpRules:
    """Accept FollowUpRules, FlowSettings (`.followups`) or the bot's Settings (`.followups` section + timezone)."""
    if isinstance(settings, FollowUpRules):
        return settings
    section = getattr(settings, "followups", None)
    if isinstance(section, FollowUpRules):
        return section
    if section is None:
        raise TypeError(f"no follow-up rules in {type(settings).__name__}")
    hours = section.working_hours
    return FollowUpRules(
        first_after_days=section.first_after_days,
        seeking_every_days=section.seeking_every_days,
        stability_after_days=section.stability_after_days,
        ask_worker_first=tuple(section.ask_worker_first),
        worker_answer_hours=section.worker_answer_hours,
        escalate_after_working_days=section.escalate_after_working_days,
        worry_after_seeking_answers=section.worry_after_seeking_answers,
        working_hours=WorkingTime(hours.start, hours.end, settings.timezone),
        digest_at=section.digest_at,
    )


# --- pure decisions ----------------------------------------------------------------------------------


def cadence_days(kind: FollowUpKind, rules: FollowUpRules) -> int:
    return {
        FollowUpKind.FIRST: rules.first_after_days,
        FollowUpKind.SEEKING: rules.seeking_every_days,
        FollowUpKind.STABILITY: rules.stability_after_days,
    }[kind]


def next_due(kind: FollowUpKind, since: datetime, rules: FollowUpRules) -> datetime:
    """When a cadence step falls due: N calendar days after `since`, moved into office hours on a working day."""
    return into_working_hours(since + timedelta(days=cadence_days(kind, rules)), rules.working_hours)


Step = FollowUpStep  # what the due scan does with a due follow-up (storage/states.py)


@dataclass(frozen=True)
class Transition:
    step: Step
    state: FollowUpState
    due_at: datetime
    reason: str = ""


def on_due(
    followup: FollowUp, *, now: datetime, rules: FollowUpRules, worker_reachable: bool, has_secretary: bool
) -> Transition:
    """The one thing to do for a due follow-up now; the next due time is counted from now, so a row
    overdue by days after downtime gets one step, not one per missed tick."""
    hours = rules.working_hours
    if followup.state == FollowUpState.PENDING and followup.kind in rules.ask_worker_first and worker_reachable:
        return Transition(Step.ASK, FollowUpState.ASKED_WORKER, add_working_hours(now, rules.worker_answer_hours, hours))
    if followup.state in (FollowUpState.PENDING, FollowUpState.ASKED_WORKER):
        reason = "no_answer" if followup.state == FollowUpState.ASKED_WORKER else "due"
        if not has_secretary:
            return Transition(Step.ESCALATE, FollowUpState.ESCALATED, now, "no_secretary")
        return Transition(Step.PROMPT, FollowUpState.PROMPTED, add_working_days(now, 1, hours), reason)
    if followup.prompts_sent < 2 and has_secretary:
        first = followup.prompted_at or now
        escalate_at = max(
            add_working_days(first, rules.escalate_after_working_days, hours), add_working_days(now, 1, hours)
        )
        return Transition(Step.REMIND, FollowUpState.PROMPTED, escalate_at, "reminder")
    return Transition(Step.ESCALATE, FollowUpState.ESCALATED, now, "unanswered")


def answer_needs_secretary(answer: WorkerAnswer, seeking_streak: int, rules: FollowUpRules) -> str | None:
    """Why a worker's answer should reach the secretary now (None: recording it is enough).

    'call me' always does; 'still seeking' does once the worker has said so this many check-ins in a row."""
    if answer == WorkerAnswer.CALL_ME:
        return "call_me"
    if answer == WorkerAnswer.SEEKING and seeking_streak + 1 >= rules.worry_after_seeking_answers:
        return "worried"
    return None


def after_outcome(
    kind: FollowUpKind, outcome: FollowUpOutcome, now: datetime, rules: FollowUpRules
) -> tuple[FollowUpKind, datetime] | None:
    """The next check-in (kind, due) once a check-in ends with `outcome`; None when the worker is settled."""
    if outcome == FollowUpOutcome.PLACED:
        if kind == FollowUpKind.STABILITY:
            return None
        return (FollowUpKind.STABILITY, next_due(FollowUpKind.STABILITY, now, rules))
    return (FollowUpKind.SEEKING, next_due(FollowUpKind.SEEKING, now, rules))


def rescheduled(now: datetime, working_days: int, rules: FollowUpRules) -> datetime:
    return add_working_days(now, working_days, rules.working_hours)


# --- entry points for other flows ---------------------------------------------------------------------


async def schedule_first_checkin(
    session: AsyncSession, worker_id: int, secretary_id: int | None, registered_at: datetime, settings: Any
) -> FollowUp:
    """Schedule the first check-in after registration (once: an open one is returned as it is)."""
    existing = await open_followups(session, worker_id, (FollowUpKind.FIRST,))
    if existing:
        return existing[0]
    rules = rules_of(settings)
    followup = add_followup(
        session, worker_id=worker_id, secretary_id=secretary_id, kind=FollowUpKind.FIRST,
        due_at=next_due(FollowUpKind.FIRST, registered_at, rules), now=registered_at,
    )
    await session.flush()
    return followup


async def schedule_first_checkins(
    session: AsyncSession, workers: Sequence[tuple[int, int | None]], registered_at: datetime, settings: Any
) -> int:
    """`schedule_first_checkin` for many workers registered at the same moment (an import): the same rule and
    due time, one query for those who already have one; returns how many were scheduled."""
    if not workers:
        return 0
    already = await workers_with_open(session, [worker_id for worker_id, _ in workers], (FollowUpKind.FIRST,))
    due_at = next_due(FollowUpKind.FIRST, registered_at, rules_of(settings))
    scheduled = 0
    for worker_id, secretary_id in workers:
        if worker_id not in already:
            add_followup(session, worker_id=worker_id, secretary_id=secretary_id, kind=FollowUpKind.FIRST, due_at=due_at,
                         now=registered_at)
            scheduled += 1
    await session.flush()
    return scheduled


async def on_placed(session: AsyncSession, worker_id: int, at: datetime, settings: Any) -> FollowUp:
    """A worker is placed: pending first/seeking check-ins are cancelled and one stability check-in is set."""
    from storage.queries.followups import profile_of

    await cancel_open(session, worker_id, FollowUpKind.UNTIL_PLACED, at=at)
    existing = await open_followups(session, worker_id, (FollowUpKind.STABILITY,))
    if existing:
        return existing[0]
    profile = await profile_of(session, worker_id)
    rules = rules_of(settings)
    followup = add_followup(
        session, worker_id=worker_id, secretary_id=profile.secretary_id if profile else None, kind=FollowUpKind.STABILITY,
        due_at=next_due(FollowUpKind.STABILITY, at, rules), now=at,
    )
    await session.flush()
    return followup
