"""The words a column may hold, defined once: states, roles and kinds, a StrEnum each, with the named sets queries
and flows use.

Every module reads these instead of writing "pending", ("secretary", "admin") or "stability" itself, so a set like
"the open follow-ups" cannot drift between two modules (one of them once named `answered`, a state nothing sets,
and left out `escalated`). Members are strings, so they compare equal to the values stored in the database. Only
closed sets live here: a column whose words come from elsewhere (a service record's intent names, an audit
action) stays plain text.
"""

from __future__ import annotations

from enum import StrEnum, nonmember
from typing import Any


def _as_members(enum: Any, *names: str) -> None:
    """Turn the named sets (written with plain values inside the class body) into sets of members."""
    for name in names:
        setattr(enum, name, frozenset(enum(value) for value in getattr(enum, name)))


class FollowUpState(StrEnum):
    """Where a check-in stands. pending → asked_worker → prompted → escalated; `done` (an outcome) or
    `cancelled` end it (docs/ARCHITECTURE.md, "Life of a row")."""

    PENDING = "pending"  # waiting for its due time
    ASKED_WORKER = "asked_worker"  # the worker was asked in the secretary's name; waiting for their answer
    PROMPTED = "prompted"  # the secretary has the card; waiting for an outcome (one reminder)
    ESCALATED = "escalated"  # admins were told; still waiting for an outcome
    DONE = "done"  # an outcome was recorded
    CANCELLED = "cancelled"  # no longer needed (placed, forgotten, replaced)

    # Still waiting for something: shown in /today and /overdue, moved on /reassign, cancelled on /forget.
    OPEN = nonmember(frozenset({PENDING, ASKED_WORKER, PROMPTED, ESCALATED}))
    # The due scan acts on these; an escalated one waits for a person.
    SCANNED = nonmember(frozenset({PENDING, ASKED_WORKER, PROMPTED}))
    CLOSED = nonmember(frozenset({DONE, CANCELLED}))


_as_members(FollowUpState, "OPEN", "SCANNED", "CLOSED")


class FollowUpStep(StrEnum):
    """What the due scan does with a due follow-up (flows/followups.py decides which)."""

    ASK = "ask"  # ask the worker in private chat, in the secretary's name
    PROMPT = "prompt"  # send the secretary the worker's card
    REMIND = "remind"  # the prompt once more
    ESCALATE = "escalate"  # tell the admins nobody acted


class OutboxState(StrEnum):
    """A queued message's state (bot/delivery.py describes the moves between them)."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNCERTAIN = "uncertain"
    UNREACHABLE = "unreachable"
    CANCELLED = "cancelled"

    # Not yet handed to the channel: a message in these states can still be withdrawn.
    WITHDRAWABLE = nonmember(frozenset({PENDING}))
    # Waiting or in flight: a broadcast is not done while one of its messages is in these.
    UNSENT = nonmember(frozenset({PENDING, SENDING}))


_as_members(OutboxState, "WITHDRAWABLE", "UNSENT")


class Role(StrEnum):
    """What a person may do (SPEC §7)."""

    WORKER = "worker"
    OBSERVER = "observer"
    SECRETARY = "secretary"
    ADMIN = "admin"
    EMPLOYER = "employer"  # an enterprise's contact (Person.enterprise_id): submits and closes its postings

    STAFF = nonmember(frozenset({SECRETARY, ADMIN}))  # staff commands, cards with phone numbers


_as_members(Role, "STAFF")


class PostingState(StrEnum):
    """A posting's place in the job supermarket: an employer's starts `pending` (waiting for staff) → `open` (on
    the shelf) → `closed`; or pending → `rejected` (editable and resubmittable). Imported ones start open."""

    PENDING = "pending"
    OPEN = "open"
    CLOSED = "closed"
    REJECTED = "rejected"

    # What a worker may see and apply to: search, pushes, the daily push, the figures and the exports read only
    # these (the shelf's triggers in storage/shelf.py write the same in SQL: status = 'open').
    SHOWN = nonmember(frozenset({OPEN}))
    # An employer may still change it (the change goes back to staff for review).
    EDITABLE = nonmember(frozenset({PENDING, REJECTED}))
    # Still in play: an employer may close it (filled while open, withdrawn while pending); listed first.
    LIVE = nonmember(frozenset({OPEN, PENDING}))


_as_members(PostingState, "SHOWN", "EDITABLE", "LIVE")


class ApplicationState(StrEnum):
    """Where a worker's application for a posting stands."""

    SUBMITTED = "submitted"  # the worker applied; their secretary was told
    CONTACTED = "contacted"  # someone got in touch about it
    HIRED = "hired"
    REJECTED = "rejected"

    # Still under way: shown on the worker's card.
    OPEN = nonmember(frozenset({SUBMITTED, CONTACTED}))


_as_members(ApplicationState, "OPEN")


class BookingState(StrEnum):
    """A worker's seats on a bus departure."""

    BOOKED = "booked"
    CANCELLED = "cancelled"  # given back (by the worker, or by /forget)


class CaseState(StrEnum):
    """A request for a person (hand-off, wage arrears): `open` (waiting for staff) → `answered` (staff replied;
    the worker may answer again) → `closed` (resolved). A person has at most one open case of each kind."""

    OPEN = "open"
    ANSWERED = "answered"
    CLOSED = "closed"

    # Not resolved: still in someone's hands, moved with the worker to a new secretary.
    UNRESOLVED = nonmember(frozenset({OPEN, ANSWERED}))


_as_members(CaseState, "UNRESOLVED")


class BroadcastState(StrEnum):
    """A notice staff send: `scheduled` (for a later time) → `sending` (queued in the outbox) → `done` once none of
    its messages waits; or `cancelled` (what had not gone yet was withdrawn)."""

    SCHEDULED = "scheduled"
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"

    # Messages may still go out: finished when none of its messages waits.
    UNFINISHED = nonmember(frozenset({SCHEDULED, SENDING}))


_as_members(BroadcastState, "UNFINISHED")


class EmploymentStatus(StrEnum):
    """A registered worker's employment status (SPEC §5, §6): what their secretary last learned."""

    SEEKING = "seeking"  # looking for work: pushes and the weekly check-ins go on
    PLACED = "placed"  # in a job (a stability check-in follows)
    TRAINING = "training"  # in a course
    NOT_SEEKING = "not_seeking"  # not looking now
    UNREACHABLE = "unreachable"  # their secretary could not reach them

    # What a worker, or a list of workers, can say of themselves (an import reads these); unreachable is only
    # learned by trying.
    STATED = nonmember(frozenset({SEEKING, PLACED, TRAINING, NOT_SEEKING}))


_as_members(EmploymentStatus, "STATED")


# --- kinds, answers and outcomes ------------------------------------------------------------------------------


class FollowUpKind(StrEnum):
    """Why a check-in was set (SPEC §6): the cadence of a worker looking for work, the check after a placement, or
    a secretary's own date."""

    FIRST = "first"  # a few days after registration
    SEEKING = "seeking"  # every week while the worker is looking
    STABILITY = "stability"  # a month after a placement: still in the job?
    MANUAL = "manual"  # a secretary moved a check-in to a date of their choosing

    # Set by the cadence rules (config.yaml `followups:` counts their days; the ones the worker may be asked first).
    CADENCED = nonmember(frozenset({FIRST, SEEKING, STABILITY}))
    # The cadence of a worker still looking: one at a time, the next replaces any other still open.
    WHILE_SEEKING = nonmember(frozenset({FIRST, SEEKING}))
    # What a placement cancels (a stability check-in follows it instead).
    UNTIL_PLACED = nonmember(frozenset({FIRST, SEEKING, MANUAL}))


_as_members(FollowUpKind, "CADENCED", "WHILE_SEEKING", "UNTIL_PLACED")


class WorkerAnswer(StrEnum):
    """A worker's one-tap answer to a check-in asked in their secretary's name (FollowUp.worker_answer)."""

    PLACED = "placed"
    SEEKING = "seeking"
    TRAINING = "training"
    CALL_ME = "call_me"  # the secretary is asked to call: never recorded as an outcome

    # Answers that end the check-in with the same word as its outcome (unless the secretary should hear of it).
    CLOSING = nonmember(frozenset({PLACED, SEEKING, TRAINING}))


_as_members(WorkerAnswer, "CLOSING")


class FollowUpOutcome(StrEnum):
    """How a check-in ended (FollowUp.outcome): what the secretary (or the worker's answer) learned, or that it
    was moved to another day."""

    PLACED = "placed"
    SEEKING = "seeking"
    TRAINING = "training"
    UNREACHABLE = "unreachable"
    RESCHEDULED = "rescheduled"  # a manual check-in was set in its place

    # What a secretary records on the worker's card (each records an employment status); rescheduling is its own
    # button with a number of days.
    RECORDED = nonmember(frozenset({PLACED, SEEKING, TRAINING, UNREACHABLE}))


_as_members(FollowUpOutcome, "RECORDED")


class CaseKind(StrEnum):
    """What a case asks of staff (Case.kind): a person has at most one open case of each kind."""

    HANDOFF = "handoff"  # talk to a person
    WAGE_ARREARS = "wage_arrears"  # unpaid wages reported


class OfficeKind(StrEnum):
    """A place of the bureau's facts file (BureauOffice.kind)."""

    OFFICE = "office"  # the bureau's own service hall(s) in town
    STATION = "station"  # a township's labour and social-security service station
