"""The words for states and roles, defined once: a StrEnum each, with the named sets queries and flows use.

Every module reads these instead of writing "pending" or ("secretary", "admin") itself, so a set like "the open
follow-ups" cannot drift between two modules (one of them once named `answered`, a state nothing sets, and left
out `escalated`). Members are strings, so they compare equal to the values stored in the database.
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


_as_members(OutboxState, "WITHDRAWABLE")


class Role(StrEnum):
    """What a person may do (SPEC §7)."""

    WORKER = "worker"
    OBSERVER = "observer"
    SECRETARY = "secretary"
    ADMIN = "admin"
    EMPLOYER = "employer"  # an enterprise's contact (Person.enterprise_id): submits and closes its postings

    STAFF = nonmember(frozenset({SECRETARY, ADMIN}))  # staff commands, cards with phone numbers


_as_members(Role, "STAFF")
