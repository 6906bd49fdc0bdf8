"""What staff do to a worker's check-ins and file, the same from the chat (flows/secretary.py) and the console
(bot/web/): take a follow-up in hand, record an outcome, reschedule, add a note.

Each returns a value saying what happened or why not (`Refusal`), and each channel words it its own way; the
rules (who may act, which outcomes exist, placed needs the employer) live here and in flows/checkins.py once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from flows.checkins import complete, reschedule
from flows.followups import OUTCOMES, RESCHEDULE_DAYS
from flows.scope import acts_for
from storage.models import FollowUp, Person
from storage.queries.followups import add_note, followup_for_update, profile_of
from storage.states import FollowUpOutcome, FollowUpState, Role

NOTE_LIMIT = 1000


class Refusal(StrEnum):
    NOT_STAFF = "not_staff"
    NOT_YOURS = "not_yours"
    NO_FOLLOWUP = "no_followup"
    ALREADY_DONE = "already_done"
    UNKNOWN_CHOICE = "unknown_choice"
    NEEDS_EMPLOYER = "needs_employer"
    EMPTY = "empty"


@dataclass(frozen=True)
class Handled:
    """The follow-up acted on, the next one it led to, or why nothing was done."""

    followup: FollowUp | None = None
    next: FollowUp | None = None
    refusal: Refusal | None = None

    @property
    def ok(self) -> bool:
        return self.refusal is None


async def followup_in_hand(session: AsyncSession, staff: Person, followup_id: int) -> Handled:
    """The follow-up (locked for this transaction) if this staff member may act on it and it is still open."""
    if staff.role not in Role.STAFF:
        return Handled(refusal=Refusal.NOT_STAFF)
    followup = await followup_for_update(session, followup_id)
    if followup is None:
        return Handled(refusal=Refusal.NO_FOLLOWUP)
    if not acts_for(staff, await worker_secretary(session, followup.worker_id)):
        return Handled(followup, refusal=Refusal.NOT_YOURS)
    if followup.state not in FollowUpState.OPEN:
        return Handled(followup, refusal=Refusal.ALREADY_DONE)
    return Handled(followup)


async def worker_secretary(session: AsyncSession, worker_id: int) -> int | None:
    profile = await profile_of(session, worker_id)
    return profile.secretary_id if profile is not None else None


async def record_outcome(
    session: AsyncSession, staff: Person, followup_id: int, outcome: FollowUpOutcome | str, *, now: datetime,
    settings: Any, employer: str | None = None,
) -> Handled:
    """Close a check-in with a secretary's outcome; 'placed' needs the employer's name."""
    if outcome not in OUTCOMES:
        return Handled(refusal=Refusal.UNKNOWN_CHOICE)
    employer = (employer or "").strip()
    if outcome == FollowUpOutcome.PLACED and not employer:
        return Handled(refusal=Refusal.NEEDS_EMPLOYER)
    handled = await followup_in_hand(session, staff, followup_id)
    if not handled.ok or handled.followup is None:
        return handled
    nxt = await complete(session, handled.followup, outcome, now=now, settings=settings, by=staff.id,
                         employer=employer or None)
    return Handled(handled.followup, nxt)


async def reschedule_followup(
    session: AsyncSession, staff: Person, followup_id: int, working_days: int, *, now: datetime, settings: Any
) -> Handled:
    """Move a check-in by one of the offered numbers of working days."""
    if working_days not in RESCHEDULE_DAYS:
        return Handled(refusal=Refusal.UNKNOWN_CHOICE)
    handled = await followup_in_hand(session, staff, followup_id)
    if not handled.ok or handled.followup is None:
        return handled
    nxt = await reschedule(session, handled.followup, working_days, now=now, settings=settings, by=staff.id)
    return Handled(handled.followup, nxt)


async def note_on_worker(session: AsyncSession, staff: Person, worker_id: int, text: str, *, now: datetime) -> Handled:
    """A staff note on a worker's card (their own workers; admins anyone's)."""
    if staff.role not in Role.STAFF:
        return Handled(refusal=Refusal.NOT_STAFF)
    text = text.strip()
    if not text:
        return Handled(refusal=Refusal.EMPTY)
    if not acts_for(staff, await worker_secretary(session, worker_id)):
        return Handled(refusal=Refusal.NOT_YOURS)
    add_note(session, worker_id=worker_id, author_id=staff.id, text=text[:NOTE_LIMIT], at=now)
    return Handled()
