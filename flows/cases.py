"""Cases for a person: wage-arrears guidance and hand-off requests, relayed to the worker's secretary.

The secretary is notified through the outbox with the last messages and a reply button; what they type next
is relayed to the worker through the outbox too, so the conversation goes on without sharing phone numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from flows import access, forms
from flows.forms import Data, Form, Step
from flows.i18n import t
from flows.messages import Reply
from flows.notify import notify, recipient
from flows.router import Router
from flows.turn import FlowSettings, Turn
from flows.when import local_time
from storage.models import Case, OutboxMessage, Person
from storage.queries.cases import case_for_update, open_case, replies_sent, secretary_for
from storage.queries.followups import profile_of
from storage.states import Role

router = Router("cases")

# How many of the last messages travel with a case (the conversation keeps ten).
CONTEXT_MESSAGES = 8
REPLY_FORM = "case_reply"
STAFF_ROLES = Role.STAFF


def case_context(history: list[dict[str, str]], current: str, now_iso: str) -> list[dict[str, str]]:
    """The last messages for the secretary, the one just typed included (history is saved after the turn)."""
    context = [entry for entry in history if isinstance(entry, dict) and entry.get("text")]
    if current:
        context.append({"at": now_iso, "text": current[:500]})
    return context[-CONTEXT_MESSAGES:]


def _language_of(person: Person | None, fallback: str) -> str:
    return (person.language if person else None) or fallback


async def _notify_secretary(turn: Turn, case: Case) -> bool:
    """Queue the case for its secretary with a reply button; False when nobody can be reached."""
    if case.secretary_id is None:
        return False
    to = await recipient(turn.session, case.secretary_id)
    if to is None:
        return False
    secretary = await turn.session.get(Person, case.secretary_id)
    language = _language_of(secretary, turn.settings.default_language)
    person = turn.person
    who = person.name or turn.inbound.display_name or t("cases.unregistered", language)
    lines = [t(f"cases.notify_{case.kind}", language, name=who, case=case.id)]
    if person.township:
        lines.append(t("cases.township", language, township=person.township, village=person.village or ""))
    if person.phone:
        lines.append(t("cases.phone", language, phone=person.phone))
    if not access.is_registered(turn.person):
        lines.append(t("cases.not_registered", language))
    lines.append(t("cases.recent", language))
    zone = turn.settings.zone
    for entry in case.context:
        when = entry.get("at", "")
        stamp = local_time(datetime.fromisoformat(when), zone, language) if when else ""
        lines.append(f"· {stamp} {entry.get('text', '')}".rstrip())
    button = to.button(turn.session, t("cases.reply", language), "case.reply", now=turn.now, case=case.id)
    return await notify(turn.session, to, Reply("\n".join(lines), [[button]]), purpose=f"case:{case.id}",
                        about=(case.worker_id,))


async def open_and_notify(turn: Turn, kind: str, *, about: str = "") -> tuple[Case, bool]:
    """Open a case of `kind` for the person speaking and tell the secretary who handles them; `about` says what
    it is about when the person pressed a button instead of typing."""
    secretary_id = await secretary_for(turn.session, turn.person)
    text = turn.inbound.text.strip() or about
    case = await open_case(
        turn.session,
        kind=kind,
        worker_id=turn.person.id,
        secretary_id=secretary_id,
        text=text,
        context=case_context(list(turn.state.history or []), text, turn.now.isoformat()),
        now=turn.now,
    )
    return case, await _notify_secretary(turn, case)


@router.intent("wage_arrears")
async def wage_arrears(turn: Turn) -> None:
    hotline = turn.settings.hotline
    if turn.in_group:
        turn.say(turn.t("cases.arrears_group", hotline=hotline), access.private_chat_buttons(turn))
        return
    turn.say(turn.t("cases.arrears_guidance", hotline=hotline))
    _, notified = await open_and_notify(turn, "wage_arrears")
    turn.say(turn.t("cases.arrears_followup") if notified else turn.t("cases.nobody", hotline=hotline))


async def start_handoff(turn: Turn, *, about: str = "") -> None:
    """Ask a person to take over: a case for the secretary, and the worker told what happens next."""
    if turn.in_group:
        turn.say(turn.t("cases.handoff_group"), access.private_chat_buttons(turn))
        return
    _, notified = await open_and_notify(turn, "handoff", about=about)
    turn.say(
        turn.t("cases.handoff_done") if notified else turn.t("cases.nobody", hotline=turn.settings.hotline)
    )


@router.intent("human_handoff")
async def human_handoff(turn: Turn) -> None:
    await start_handoff(turn)


@router.action("case.reply")
async def reply_button(turn: Turn) -> None:
    """The secretary pressed "reply": their next message goes to the worker."""
    case = await turn.session.get(Case, int(turn.args["case"]))
    if case is None or turn.person.role not in STAFF_ROLES:
        turn.say(turn.t("common.unknown_button"))
        return
    await forms.start(turn, REPLY, case=case.id)


async def ask_reply(turn: Turn, data: Data) -> None:
    turn.say(turn.t("cases.type_reply", case=data.get("case", "")))


async def answer_reply(turn: Turn, data: Data, value: str, pressed: bool) -> str:
    return value.strip()


async def relay_reply(turn: Turn, data: Data) -> None:
    """The secretary's typed reply goes to the worker through the outbox (the console's reply box does the same)."""
    done = await reply_to_case(turn.session, turn.person, int(data["case"]), str(data["text"]), now=turn.now,
                               settings=turn.settings)
    if say_case_refusal(turn, done):
        return
    turn.say(turn.t("cases.reply_sent"))


CASE_REFUSAL_KEYS = {
    "not_staff": "common.unknown_button",
    "no_case": "common.unknown_button",
    "not_yours": "secretary.not_yours",
    "resolved": "cases.already_resolved",
    "empty": "cases.type_reply",
    "unreachable": "cases.worker_unreachable",
}


def say_case_refusal(turn: Turn, done: CaseAction) -> bool:
    """Word a refusal of `reply_to_case` / `resolve_case` for the chat; True when there was one."""
    if done.refusal is None:
        return False
    turn.say(turn.t(CASE_REFUSAL_KEYS[done.refusal], case=done.case.id if done.case else ""))
    return True


# --- staff acting on a case: the same for the chat (reply form, /reply) and the console (bot/web/requests.py) ---


class CaseRefusal(StrEnum):
    NOT_STAFF = "not_staff"
    NO_CASE = "no_case"
    NOT_YOURS = "not_yours"
    RESOLVED = "resolved"
    EMPTY = "empty"
    UNREACHABLE = "unreachable"  # the person never opened a private chat with the bot


@dataclass(frozen=True)
class CaseAction:
    """The case acted on, how many messages a reply became, or why nothing was done."""

    case: Case | None = None
    refusal: CaseRefusal | None = None
    queued: int = 0

    @property
    def ok(self) -> bool:
        return self.refusal is None


def may_act_on_case(staff: Person, case: Case) -> bool:
    """Who handles a case: the staff member it was given to, or any admin."""
    return staff.role == "admin" or (staff.role in STAFF_ROLES and case.secretary_id == staff.id)


async def _case_in_hand(session: AsyncSession, staff: Person, case_id: int) -> CaseAction:
    """The case, locked for this transaction, when this staff member may act on it and it is not resolved."""
    if staff.role not in STAFF_ROLES:
        return CaseAction(refusal=CaseRefusal.NOT_STAFF)
    case = await case_for_update(session, case_id)
    if case is None:
        return CaseAction(refusal=CaseRefusal.NO_CASE)
    if not may_act_on_case(staff, case):
        return CaseAction(case, CaseRefusal.NOT_YOURS)
    if case.status == "closed":
        return CaseAction(case, CaseRefusal.RESOLVED)
    return CaseAction(case)


async def reply_to_case(
    session: AsyncSession, staff: Person, case_id: int, text: str, *, now: datetime, settings: FlowSettings
) -> CaseAction:
    """Relay a staff member's reply to the case's person through the outbox, in their script and with the staff
    member's name; the case becomes answered and the worker's last contact is now. Each reply has its own
    purpose (`handoff-reply:<case>:<n>`), so two replies are two messages and a retried one is sent once."""
    text = text.strip()
    if not text:
        return CaseAction(refusal=CaseRefusal.EMPTY)
    handled = await _case_in_hand(session, staff, case_id)
    if not handled.ok or handled.case is None:
        return handled
    case = handled.case
    to = await recipient(session, case.worker_id)
    if to is None:
        return CaseAction(case, CaseRefusal.UNREACHABLE)
    language = to.language or settings.default_language
    reply = Reply(t("checkin.secretary_says", language, secretary=staff.name or f"#{staff.id}", text=text))
    prefix = f"handoff-reply:{case.id}:"
    first = await replies_sent(session, prefix) + 1
    for number in range(first, first + 5):  # the case is locked, but a reply of the old /reply kind takes no number
        if await notify(session, to, reply, purpose=f"{prefix}{number}", about=(), not_before=now):
            break
    case.status = "answered"
    profile = await profile_of(session, case.worker_id)
    if profile is not None:
        profile.last_contact_at = now
    return CaseAction(case, queued=1)


async def resolve_case(session: AsyncSession, staff: Person, case_id: int, *, now: datetime) -> CaseAction:
    """Mark a case resolved: it leaves the open boxes; who and when are kept on the case."""
    handled = await _case_in_hand(session, staff, case_id)
    if not handled.ok or handled.case is None:
        return handled
    case = handled.case
    case.status, case.resolved_at, case.resolved_by_id = "closed", now, staff.id
    return CaseAction(case)


@dataclass(frozen=True)
class ThreadEntry:
    """One message of a case's conversation: the person's, or a staff reply with its delivery state."""

    at: datetime
    text: str
    from_staff: bool = False
    state: str | None = None  # a reply's outbox state (pending, sent, failed …)


def _moment(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def case_thread(case: Case, replies: list[OutboxMessage], messages: list[dict[str, Any]]) -> list[ThreadEntry]:
    """The conversation so far, oldest first: the messages that came with the case, what the person wrote since
    (their conversation keeps the last few), and every reply sent to them."""
    seen: set[tuple[datetime, str]] = set()
    entries: list[ThreadEntry] = []
    for entry, later_only in [*((e, False) for e in case.context or []), *((m, True) for m in messages)]:
        moment, text = _moment(entry.get("at")), str(entry.get("text", ""))
        if moment is None or not text or (moment, text) in seen or (later_only and moment < case.created_at):
            continue
        seen.add((moment, text))
        entries.append(ThreadEntry(moment, text))
    for message in replies:
        entries.append(ThreadEntry(message.created_at, str((message.payload or {}).get("text", "")), True,
                                   message.state))
    return sorted(entries, key=lambda entry: entry.at)


REPLY = forms.register_form(
    Form(REPLY_FORM, (Step("text", ask_reply, answer_reply, relay=True, sample="您好，明天上午给您打电话。"),), relay_reply)
)
