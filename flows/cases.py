"""Cases for a person: wage-arrears guidance and hand-off requests, relayed to the worker's secretary.

The secretary is notified through the outbox with the last messages and a reply button; what they type next
is relayed to the worker through the outbox too, so the conversation goes on without sharing phone numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from flows import access, forms
from flows.channels import fit_lines, rules_for
from flows.dialogue import Context, Topic
from flows.forms import Data, Form, Step
from flows.i18n import t
from flows.messages import Reply
from flows.notify import notify, recipient, refresh
from flows.router import Router
from flows.turn import FlowSettings, Turn
from flows.when import local_time
from storage.models import Case, OutboxMessage, Person
from storage.queries.cases import case_for_update, open_case, replies_sent, secretary_for
from storage.queries.followups import profile_of
from storage.states import CaseKind, CaseState, Role

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


def _message_lines(turn: Turn, entries: list[dict[str, str]], language: str) -> list[str]:
    zone = turn.settings.zone
    lines = []
    for entry in entries:
        when = entry.get("at", "")
        stamp = local_time(datetime.fromisoformat(when), zone, language) if when else ""
        lines.append(f"· {stamp} {entry.get('text', '')}".rstrip())
    return lines


Notice = tuple[list[str], list[str]]  # the head of a notice, and the person's messages (oldest first)


def _first_notice(turn: Turn, case: Case, language: str) -> Notice:
    """Who is asking, where, their phone, and the recent messages."""
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
    return lines, _message_lines(turn, list(case.context or []), language)


def _later_notice(turn: Turn, case: Case, language: str) -> Notice:
    """The messages that came in since the last notice."""
    who = turn.person.name or turn.inbound.display_name or t("cases.unregistered", language)
    head = [t("cases.notify_more", language, name=who, case=case.id, count=case.notice_messages)]
    return head, _message_lines(turn, list(case.context or [])[-case.notice_messages :], language)


async def _notify_secretary(turn: Turn, case: Case, *, new: bool) -> bool:
    """Tell the case's secretary, with a reply button: a new case at once; a message joining an open case in
    the notice waiting for the end of the quiet period (one notice per period at most). False when nobody
    can be reached."""
    if case.secretary_id is None:
        return False
    to = await recipient(turn.session, case.secretary_id)
    if to is None:
        return False
    secretary = await turn.session.get(Person, case.secretary_id)
    language = _language_of(secretary, turn.settings.default_language)
    now, quiet = turn.now, timedelta(minutes=turn.settings.case_quiet_minutes)

    def notice(parts: Notice) -> Reply:
        """One message on the secretary's channel, with the reply button: the oldest messages give way."""
        head, messages = parts
        text = fit_lines(head, messages, rules_for(to.channel), lambda n: t("cases.omitted", language, count=n))
        button = to.button(turn.session, t("cases.reply", language), "case.reply", now=now, case=case.id)
        return Reply(text, [[button]])

    if new:
        case.notices, case.last_notice_at, case.notice_messages = 1, now, len(case.context or [])
        return await notify(turn.session, to, notice(_first_notice(turn, case, language)), purpose=f"case:{case.id}",
                            not_before=now, about=(case.worker_id,))
    last = case.last_notice_at
    if last is not None and last > now:  # a notice is waiting for its time: it takes this message in
        case.notice_messages += 1
        purpose = f"case:{case.id}:{case.notices}"
        if await refresh(turn.session, to, notice(_later_notice(turn, case, language)), purpose=purpose, now=now):
            return True
    # The next notice goes now if the quiet period since the last one is over, else when it ends.
    send_at = now if last is None or last + quiet <= now else last + quiet
    case.notices, case.last_notice_at, case.notice_messages = case.notices + 1, send_at, 1
    return await notify(turn.session, to, notice(_later_notice(turn, case, language)),
                        purpose=f"case:{case.id}:{case.notices}", not_before=send_at, about=(case.worker_id,))


async def open_and_notify(turn: Turn, kind: CaseKind, *, about: str = "") -> tuple[Case, bool, bool]:
    """The person's open case of `kind` (a new one, or the open one with this message added) and whether their
    secretary will hear of it: (case, new, reached); `about` says what it is about when the person pressed a
    button instead of typing."""
    secretary_id = await secretary_for(turn.session, turn.person)
    text = turn.inbound.text.strip() or about
    case, new = await open_case(
        turn.session,
        kind=kind,
        worker_id=turn.person.id,
        secretary_id=secretary_id,
        text=text,
        context=case_context(list(turn.state.history or []), text, turn.now.isoformat()),
        now=turn.now,
        keep=CONTEXT_MESSAGES,
    )
    return case, new, await _notify_secretary(turn, case, new=new)


@router.intent("wage_arrears")
async def wage_arrears(turn: Turn) -> None:
    hotline = turn.settings.hotline
    if turn.in_group:
        turn.say(turn.t("cases.arrears_group", hotline=hotline), access.private_chat_buttons(turn))
        return
    case, new, reached = await open_and_notify(turn, CaseKind.WAGE_ARREARS)
    remember_case(turn, case)
    if new:
        turn.say(turn.t("cases.arrears_guidance", hotline=hotline))
    if not reached:
        turn.say(turn.t("cases.nobody", hotline=hotline))
    else:
        turn.say(turn.t("cases.arrears_followup") if new else turn.t("cases.arrears_again", case=case.id,
                                                                        hotline=hotline))


async def start_handoff(turn: Turn, *, about: str = "") -> None:
    """Ask a person to take over: a case for the secretary, and the worker told what happens next."""
    if turn.in_group:
        turn.say(turn.t("cases.handoff_group"), access.private_chat_buttons(turn))
        return
    case, new, reached = await open_and_notify(turn, CaseKind.HANDOFF, about=about)
    remember_case(turn, case)
    if not reached:
        turn.say(turn.t("cases.nobody", hotline=turn.settings.hotline))
    else:
        turn.say(turn.t("cases.handoff_done") if new else turn.t("cases.handoff_again", case=case.id))


def remember_case(turn: Turn, case: Case) -> None:
    """What the worker says next (more details, "欠了三个月了") belongs to this case (flows/dialogue.py)."""
    turn.context = Context(Topic.CASE, {"kind": case.kind}, turn.now, focus=case.id)


@router.continuation(Topic.CASE)
async def add_to_case(turn: Turn) -> None:
    """More about the case just opened: it joins that case (its secretary hears of it with the others that
    came in, once per quiet period), not a second case."""
    resolution = turn.resolution
    case = await turn.session.get(Case, int(resolution.item)) if resolution and resolution.item is not None else None
    asked = turn.parse.intent if turn.parse else None
    if asked in ("human_handoff", "wage_arrears"):  # the request itself again: its own answer, on the open case
        await (start_handoff(turn) if asked == "human_handoff" else wage_arrears(turn))
        return
    if case is None or case.worker_id != turn.person.id or case.status == CaseState.CLOSED:
        await (start_handoff(turn) if resolution and resolution.intent == "human_handoff" else wage_arrears(turn))
        return
    case, _, reached = await open_and_notify(turn, case.kind)
    remember_case(turn, case)
    turn.say(turn.t("cases.added_ack") if reached else turn.t("cases.nobody", hotline=turn.settings.hotline))


@router.intent("human_handoff")
async def human_handoff(turn: Turn) -> None:
    await start_handoff(turn)


@router.action("case.reply")
async def reply_button(turn: Turn) -> None:
    """The secretary pressed "reply": their next message goes to the worker (if they still handle the worker:
    asked now, never trusted from when the button was shown)."""
    done = await case_in_hand(turn.session, turn.person, int(turn.args["case"]), lock=False)
    if say_case_refusal(turn, done) or done.case is None:
        return
    await forms.start(turn, REPLY, case=done.case.id)


async def ask_reply(turn: Turn, data: Data) -> None:
    turn.say(turn.t("cases.type_reply", case=data.get("case", "")))


async def answer_reply(turn: Turn, data: Data, value: str, pressed: bool) -> str:
    return value.strip()


async def relay_reply(turn: Turn, data: Data) -> None:
    """The secretary's typed reply goes to the worker through the outbox (the console's reply box does the same),
    if they still handle the worker and it fits in a few messages on the worker's channel; a reply too long opens
    the form again for a shorter one."""
    done = await reply_to_case(turn.session, turn.person, int(data["case"]), str(data["text"]), now=turn.now,
                               settings=turn.settings)
    if say_case_refusal(turn, done):
        if done.refusal == CaseRefusal.TOO_LONG and done.case is not None:
            await forms.start(turn, REPLY, case=done.case.id)
        return
    turn.say(turn.t("cases.reply_sent"))


CASE_REFUSAL_KEYS = {
    "not_staff": "common.unknown_button",
    "no_case": "common.unknown_button",
    "not_yours": "secretary.not_yours",
    "resolved": "cases.already_resolved",
    "empty": "cases.type_reply",
    "unreachable": "cases.worker_unreachable",
    "too_long": "cases.too_long",
}


def say_case_refusal(turn: Turn, done: CaseAction) -> bool:
    """Word a refusal of `reply_to_case` / `resolve_case` for the chat; True when there was one."""
    if done.refusal is None:
        return False
    turn.say(turn.t(CASE_REFUSAL_KEYS[done.refusal], case=done.case.id if done.case else "", most=done.most or ""))
    return True


# --- staff acting on a case: the same for the chat (reply form, /reply) and the console (bot/web/requests.py) ---


class CaseRefusal(StrEnum):
    NOT_STAFF = "not_staff"
    NO_CASE = "no_case"
    NOT_YOURS = "not_yours"
    RESOLVED = "resolved"
    EMPTY = "empty"
    UNREACHABLE = "unreachable"  # the person never opened a private chat with the bot
    TOO_LONG = "too_long"  # more than a few messages on the person's channel


@dataclass(frozen=True)
class CaseAction:
    """The case acted on, how many messages a reply became, or why nothing was done."""

    case: Case | None = None
    refusal: CaseRefusal | None = None
    queued: int = 0
    most: int | None = None  # a reply too long: about how many characters the person's channel takes

    @property
    def ok(self) -> bool:
        return self.refusal is None


async def may_act_on_case(session: AsyncSession, staff: Person, case: Case) -> bool:
    """Who handles a case: the secretary who now looks after the person (their profile's; for someone without a
    profile, the one the case was given to), or any admin. Asked at every action, so after /reassign or /handover
    the old secretary's reply button, half-typed reply and console page refuse."""
    if staff.role == Role.ADMIN:
        return True
    if staff.role not in STAFF_ROLES:
        return False
    profile = await profile_of(session, case.worker_id)
    holder = profile.secretary_id if profile is not None else case.secretary_id
    return holder is not None and holder == staff.id


async def case_in_hand(session: AsyncSession, staff: Person, case_id: int, *, lock: bool = True) -> CaseAction:
    """The case (locked for this transaction unless `lock` is false) when this staff member may act on it and it
    is not resolved."""
    if staff.role not in STAFF_ROLES:
        return CaseAction(refusal=CaseRefusal.NOT_STAFF)
    case = await case_for_update(session, case_id) if lock else await session.get(Case, case_id)
    if case is None:
        return CaseAction(refusal=CaseRefusal.NO_CASE)
    if not await may_act_on_case(session, staff, case):
        return CaseAction(case, CaseRefusal.NOT_YOURS)
    if case.status == CaseState.CLOSED:
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
    handled = await case_in_hand(session, staff, case_id)
    if not handled.ok or handled.case is None:
        return handled
    case = handled.case
    to = await recipient(session, case.worker_id)
    if to is None:
        return CaseAction(case, CaseRefusal.UNREACHABLE)
    language = to.language or settings.default_language
    reply = Reply(t("checkin.secretary_says", language, secretary=staff.name or f"#{staff.id}", text=text))
    rules = rules_for(to.channel)
    if rules.too_long(reply.text):  # refused before anything is queued
        return CaseAction(case, CaseRefusal.TOO_LONG, most=rules.most_characters)
    prefix = f"handoff-reply:{case.id}:"
    first = await replies_sent(session, prefix) + 1
    for number in range(first, first + 5):  # the case is locked, but a reply of the old /reply kind takes no number
        if await notify(session, to, reply, purpose=f"{prefix}{number}", about=(), not_before=now):
            break
    else:
        raise RuntimeError(f"no free reply number for case {case.id}")  # the case is locked: cannot happen
    case.status = CaseState.ANSWERED
    profile = await profile_of(session, case.worker_id)
    if profile is not None:
        profile.last_contact_at = now
    return CaseAction(case, queued=1)


async def resolve_case(session: AsyncSession, staff: Person, case_id: int, *, now: datetime) -> CaseAction:
    """Mark a case resolved: it leaves the open boxes; who and when are kept on the case."""
    handled = await case_in_hand(session, staff, case_id)
    if not handled.ok or handled.case is None:
        return handled
    case = handled.case
    case.status, case.resolved_at, case.resolved_by_id = CaseState.CLOSED, now, staff.id
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
