"""Where a person's data lives — every table that can hold it, in one list — and what /forget does there.

`REGISTRY` lists, table by table, how a person's rows are found and what forgetting does to them (wipe some
columns, delete the rows), with the columns deliberately kept and why. `NOT_PERSONAL` lists the tables that hold
nobody's personal data, with the reason. `forget_person` is nothing but a walk over REGISTRY, so deletion is as
complete as this list; tests/storage/test_personal_data.py fails when a table or a text column of the models is
in neither list, and dumps the whole database after /forget looking for the name, phone and ID number.

Besides the person's own rows, what others typed may name them: a secretary's or observer's recent messages
(an observer types the worker's name and phone while registering them). `MENTIONS` lists those columns; the
person's name, phone (in any spacing or width) and ID number are masked there.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from opencc import OpenCC
from sqlalchemy import ColumnElement, and_, delete, exists, false, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Application,
    AuditEntry,
    Base,
    Booking,
    CallbackToken,
    Case,
    ChannelIdentity,
    ConversationState,
    EmployerCode,
    Enrollment,
    FollowUp,
    OutboxMessage,
    OutboxSubject,
    Person,
    PersonNameGram,
    PushRecord,
    ServiceRecord,
    StaffAccount,
    StaffInvite,
    StaffSession,
    StatusChange,
    WorkerCategory,
    WorkerNote,
    WorkerProfile,
)
from storage.queries import followups
from storage.states import BookingState, CaseState, FollowUpState, OutboxState, Role

AT = object()  # in `values`: the moment of forgetting


@dataclass(frozen=True)
class Owner:
    """The person being forgotten, as the registry's row finders need them."""

    person_id: int
    identities: tuple[tuple[str, str], ...]  # (channel, external id) of each of their channel accounts


def by(column_name: str) -> Callable[[type[Base], Owner], ColumnElement[bool]]:
    """Rows whose `column_name` holds the person's id."""
    return lambda table, owner: getattr(table, column_name) == owner.person_id


def by_identity(table: type[Base], owner: Owner) -> ColumnElement[bool]:
    """Rows keyed by the person's channel accounts (channel, user id)."""
    if not owner.identities:
        return false()
    return or_(*(and_(table.channel == channel, table.user_id == user) for channel, user in owner.identities))


def to_or_about(table: type[Base], owner: Owner) -> ColumnElement[bool]:
    """Outbox messages to the person, or about them (a card sent to their secretary, a digest line)."""
    about = select(OutboxSubject.outbox_id).where(OutboxSubject.person_id == owner.person_id)
    return or_(table.person_id == owner.person_id, table.id.in_(about))


@dataclass(frozen=True)
class Holding:
    """Rows of one table that belong to a person and what forgetting does to them: set `values` (a wipe),
    or delete the rows. `keeps` names the text columns left as they are, and why."""

    table: type[Base]
    rows: Callable[[type[Base], Owner], ColumnElement[bool]]
    why: str
    values: Mapping[str, Any] = field(default_factory=dict)
    delete: bool = False
    only: Callable[[type[Base]], ColumnElement[bool]] | None = None  # a further condition on the rows
    keeps: Mapping[str, str] = field(default_factory=dict)
    # When a table has its own writer module, it does the work (`values` then documents what it changes).
    writer: Callable[[AsyncSession, Owner, datetime], Awaitable[int]] | None = None


REGISTRY: tuple[Holding, ...] = (
    Holding(Person, by("id"), "the person: who they are and how to reach them",
            values={"name": "", "phone": None, "id_number": None, "village": None, "forgotten_at": AT},
            keeps={"role": "a worker stays a worker (staff must have their role revoked first)",
                   "language": "the language to answer them in if they write again",
                   "township": "the bureau's figures by township (a township names nobody)"}),
    Holding(PersonNameGram, by("person_id"), "pieces of their name (the console's name search; the wiped name "
            "leaves none: storage/name_index.py)", delete=True),
    Holding(ChannelIdentity, by("person_id"), "their channel accounts",
            values={"display_name": "", "chat_id": None},
            keeps={"channel": "a channel name", "external_id": "recognises them if they write again (no proactive "
                                                             "message: the private chat is dropped)"}),
    Holding(WorkerProfile, by("person_id"), "what they told us as a job seeker",
            values={"skills": [], "wanted_categories": [], "wanted_attributes": [], "min_monthly_pay": None,
                    "available_from": None, "birth_year": None, "gender": None, "returnee_origin": None,
                    "placed_employer": None, "subscribed": False, "paused_until": None, "digest_mode": False,
                    "secretary_id": None, "last_contact_at": None},
            keeps={"status": "the bureau's figures (placed, seeking)",
                   "consent_how": "a code: how consent was given"}),
    Holding(WorkerCategory, by("person_id"), "the push index of their wanted categories", delete=True),
    Holding(WorkerNote, by("worker_id"), "secretaries' notes about them", delete=True),
    Holding(StatusChange, by("worker_id"), "their status history: kept as counts",
            keeps={"old_status": "a code", "new_status": "a code", "reason": "a code (registered, checkin:placed)"}),
    Holding(Application, by("worker_id"), "applications: kept as counts", keeps={"status": "a code"}),
    Holding(PushRecord, by("worker_id"), "postings pushed to them: kept so nothing is pushed twice",
            values={"reason": ""}, keeps={"response": "a code"}),
    Holding(Enrollment, by("worker_id"), "training places: given back", delete=True),
    Holding(Booking, by("worker_id"), "bus seats: given back", values={"status": BookingState.CANCELLED}),
    Holding(FollowUp, by("worker_id"), "check-ins: open ones cancelled (nobody is to call them any more), every "
            "one's note erased — written by storage/queries/followups.py, the one writer of follow-up rows",
            values={"state": FollowUpState.CANCELLED, "completed_at": AT, "note": ""},
            writer=lambda session, owner, at: followups.forget_worker(session, owner.person_id, at=at),
            keeps={"kind": "a code", "state": "a code", "worker_answer": "a code", "outcome": "a code",
                   "claimed_by": "a process name"}),
    Holding(Case, by("worker_id"), "their hand-off and wage-arrears cases: the words are theirs",
            values={"text": "", "context": [], "status": CaseState.CLOSED}, keeps={"kind": "a code"}),
    Holding(ServiceRecord, by("person_id"), "service contacts: kept as counts",
            keeps={"channel": "a channel name", "kind": "a code", "chat_type": "a code"}),
    Holding(OutboxMessage, to_or_about, "queued messages to or about them: withdrawn",
            values={"state": OutboxState.CANCELLED, "claimed_by": None, "claimed_until": None},
            only=lambda table: table.state.in_(sorted(OutboxState.WITHDRAWABLE))),
    Holding(OutboxMessage, to_or_about, "every message to or about them: its words", values={"payload": {}},
            keeps={"idempotency_key": "purpose and chat id", "purpose": "a code with row ids",
                   "channel": "a channel name", "chat_id": "the recipient's chat (theirs is dropped with the words)",
                   "chat_type": "a code", "state": "a code", "last_error": "the channel's error text",
                   "claimed_by": "a process name"}),
    Holding(OutboxSubject, by("person_id"), "which messages were about them", delete=True),
    Holding(ConversationState, by_identity, "where they are in the conversation and what they last said",
            values={"history": [], "data": {}, "context": {}, "form": None, "step": None, "expires_at": None},
            keeps={"channel": "a channel name", "user_id": "their channel account (as ChannelIdentity)",
                   "language": "the language to answer them in"}),
    Holding(CallbackToken, by_identity, "their buttons", delete=True),
    # The staff console (bot/web/): only staff have these rows, and a role is revoked before forgetting.
    Holding(StaffAccount, by("person_id"), "their console sign-in (login name, password hash)", delete=True),
    Holding(StaffInvite, by("person_id"), "their one-time sign-in links", delete=True),
    Holding(StaffSession, by("person_id"), "their console sessions (with the address they worked from)",
            delete=True),
    Holding(AuditEntry, by("actor_id"), "what they did in the console: the bureau's record of access to personal "
            "data, kept",
            keeps={"action": "a code", "target_type": "a code", "target_id": "a row id (or a login name typed at "
                   "a failed sign-in)", "client": "the address a staff member worked from",
                   "detail": "codes and row ids of the action (an outcome, a path, a count of failures)"}),
    Holding(EmployerCode, by("used_by_id"), "the binding code they used: who used it is dropped (an employer "
            "has their role revoked first, which unbinds them)", values={"used_by_id": None},
            keeps={"code_hash": "the hash of a spent one-time code, naming nobody"}),
)

NOT_PERSONAL: Mapping[str, str] = {
    "secretary_coverage": "townships staff cover",
    "enterprise": "employers and their business contacts",
    "posting": "job postings and employers' contacts",
    "shelf_count": "how many postings share a category, place, pay and age limits: numbers only",
    "shelf_token": "how many listed postings hold each search token: numbers only",
    "shelf_token_change": "the search tokens of postings coming on or leaving the shelf, not counted yet",
    "policy": "policy documents",
    "policy_faq": "policy questions and answers",
    "training": "courses",
    "bus_departure": "buses",
    "chat_group": "group chats (titles given by their members)",
    "broadcast": "staff's notices to the public (authors are staff: roles are revoked before forgetting)",
    "delivery_worker": "delivery processes",
    "bureau_profile": "the bureau's name, hotline and notice",
    "name_gram_offset": "fixed numbers: where the pieces of a name start (storage/name_index.py)",
    "bureau_office": "the bureau's offices and stations (public addresses and phones)",
    "bureau_service": "services and where they are handled",
    "bureau_special_day": "holidays and changed opening hours",
    "sign_in_throttle": "failed console sign-ins counted per login name or client address, cleared on success",
}


@dataclass(frozen=True)
class Mention:
    """Text columns where other people may have typed this person's details, and whose rows to search."""

    table: type[Base]
    columns: tuple[str, ...]
    rows: Callable[[], ColumnElement[bool]]
    why: str


def _staff_accounts() -> ColumnElement[bool]:
    """Conversations of people with a role (observers register workers by typing their name and phone)."""
    return exists().where(
        ChannelIdentity.channel == ConversationState.channel, ChannelIdentity.external_id == ConversationState.user_id,
        ChannelIdentity.person_id == Person.id, Person.role != Role.WORKER,
    )


MENTIONS: tuple[Mention, ...] = (
    Mention(ConversationState, ("history", "data"), _staff_accounts,
            "what staff and observers typed recently (an observer's registration of this worker, a secretary's "
            "reply naming them)"),
)


# --- masking what others typed ---------------------------------------------------------------------------

_t2s, _s2t = OpenCC("t2s"), OpenCC("s2t")
MASK = "***"


def _char_class(ch: str) -> str:
    """A character as typed in half or full width (and x/X for the ID number's check character)."""
    forms = {ch, ch.lower(), ch.upper()}
    forms |= {chr(ord(c) + 0xFEE0) for c in list(forms) if "!" <= c <= "~"}
    return "[" + "".join(re.escape(c) for c in sorted(forms)) + "]"


def _spaced(value: str) -> str:
    """`value` with any separators people put between digits (spaces, dashes, dots, full-width ones)."""
    return r"[\s\-.·－．]*".join(_char_class(ch) for ch in value)


def identifiers(person: Person) -> re.Pattern[str] | None:
    """One pattern for the person's name (simplified and traditional), phone (any spacing/width, +86) and ID."""
    parts: list[str] = []
    if person.phone:
        parts.append(r"(?:(?:\+|＋)?[8８][6６][\s\-－]*)?" + _spaced(person.phone))
    if person.id_number:
        parts.append(_spaced(person.id_number))
    name = (person.name or "").strip()
    if len(name) >= 2:  # a one-character name would mask every word it occurs in
        parts += [re.escape(form) for form in {name, _t2s.convert(name), _s2t.convert(name)}]
    return re.compile("|".join(parts)) if parts else None


def masked(value: Any, pattern: re.Pattern[str]) -> Any:
    """The value (text, or lists and dicts of it) with the person's identifiers masked."""
    if isinstance(value, str):
        return pattern.sub(MASK, value)
    if isinstance(value, list):
        return [masked(item, pattern) for item in value]
    if isinstance(value, dict):
        return {key: masked(item, pattern) for key, item in value.items()}
    return value


# --- forgetting -----------------------------------------------------------------------------------------


@dataclass
class ForgetReport:
    """What /forget did, table by table (row counts only)."""

    rows: dict[str, int] = field(default_factory=dict)
    mentions_masked: int = 0


async def forget_person(session: AsyncSession, person: Person, *, at: datetime) -> ForgetReport:
    """Remove a person's personal data everywhere REGISTRY says it lives, and mask it where others typed it."""
    report = ForgetReport()
    pattern = identifiers(person)  # read before the wipe
    identities = (await session.execute(
        select(ChannelIdentity.channel, ChannelIdentity.external_id).where(ChannelIdentity.person_id == person.id)
    )).all()
    owner = Owner(person.id, tuple((channel, external) for channel, external in identities))
    for holding in REGISTRY:
        key = holding.table.__tablename__
        if holding.writer is not None:
            report.rows[key] = report.rows.get(key, 0) + await holding.writer(session, owner, at)
            continue
        condition = holding.rows(holding.table, owner)
        if holding.only is not None:
            condition = and_(condition, holding.only(holding.table))
        if holding.delete:
            stmt: Any = delete(holding.table).where(condition)
        elif holding.values:
            values = {name: at if value is AT else value for name, value in holding.values.items()}
            stmt = update(holding.table).where(condition).values(**values)
        else:
            continue
        result = await session.execute(stmt.execution_options(synchronize_session="fetch"))
        report.rows[key] = report.rows.get(key, 0) + (result.rowcount or 0)
    if pattern is not None:
        report.mentions_masked = await _mask_mentions(session, pattern)
    return report


async def _mask_mentions(session: AsyncSession, pattern: re.Pattern[str]) -> int:
    changed = 0
    for mention in MENTIONS:
        table = mention.table
        columns = [getattr(table, name) for name in mention.columns]
        rows = (await session.execute(select(table.id, *columns).where(mention.rows()))).all()
        for row_id, *values in rows:
            new = {name: masked(value, pattern) for name, value in zip(mention.columns, values, strict=True)}
            if any(json.dumps(new[n], sort_keys=True) != json.dumps(v, sort_keys=True)
                   for n, v in zip(mention.columns, values, strict=True)):
                await session.execute(update(table).where(table.id == row_id).values(**new)
                                      .execution_options(synchronize_session="fetch"))
                changed += 1
    return changed
