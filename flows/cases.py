"""Cases for a person: wage-arrears guidance and hand-off requests, relayed to the worker's secretary.

The secretary is notified through the outbox with the last messages and a reply button; what they type next
is relayed to the worker through the outbox too, so the conversation goes on without sharing phone numbers.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flows import access, forms
from flows.channels import fit_lines, rules_for
from flows.forms import Data, Form, Step
from flows.i18n import t
from flows.messages import Reply
from flows.notify import notify, recipient, refresh
from flows.router import Router
from flows.secretary import may_handle, staff_only
from flows.turn import Turn
from flows.when import local_time
from storage.models import Case, Person
from storage.queries.cases import open_case, replies_sent, secretary_for
from storage.queries.conversation import load_state
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


async def open_and_notify(turn: Turn, kind: str, *, about: str = "") -> tuple[Case, bool, bool]:
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
    case, new, reached = await open_and_notify(turn, "wage_arrears")
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
    case, new, reached = await open_and_notify(turn, "handoff", about=about)
    if not reached:
        turn.say(turn.t("cases.nobody", hotline=turn.settings.hotline))
    else:
        turn.say(turn.t("cases.handoff_done") if new else turn.t("cases.handoff_again", case=case.id))


@router.intent("human_handoff")
async def human_handoff(turn: Turn) -> None:
    await start_handoff(turn)


@router.action("case.reply")
async def reply_button(turn: Turn) -> None:
    """The secretary pressed "reply": their next message goes to the worker."""
    if not staff_only(turn):
        return
    case = await turn.session.get(Case, int(turn.args["case"]))
    if case is None:
        turn.say(turn.t("common.unknown_button"))
        return
    if not await may_handle(turn, case.worker_id, case):
        return
    await forms.start(turn, REPLY, case=case.id)


async def ask_reply(turn: Turn, data: Data) -> None:
    turn.say(turn.t("cases.type_reply", case=data.get("case", "")))


async def answer_reply(turn: Turn, data: Data, value: str, pressed: bool) -> str:
    return value.strip()


async def relay_reply(turn: Turn, data: Data) -> None:
    """The secretary's typed reply goes to the worker through the outbox, if they still handle the worker and
    it fits in a few messages on the worker's channel (else nothing is queued and they are told why)."""
    text = str(data["text"])
    case = await turn.session.get(Case, int(data["case"]))
    if case is None:
        turn.say(turn.t("common.unknown_button"))
        return
    if not staff_only(turn) or not await may_handle(turn, case.worker_id, case):
        return  # the worker was given to someone else while the reply was being typed
    to = await recipient(turn.session, case.worker_id)
    if to is None:
        turn.say(turn.t("cases.worker_unreachable"))
        return
    worker = await turn.session.get(Person, case.worker_id)
    state = await load_state(turn.session, to.channel, to.user_id)
    language = (worker.language if worker else None) or state.language or turn.settings.default_language
    relayed = Reply(t("cases.relayed", language, text=text))
    rules = rules_for(to.channel)
    if rules.too_long(relayed.text):  # refused before anything is queued; the form opens again for a shorter one
        turn.say(turn.t("cases.too_long", most=rules.most_characters))
        await forms.start(turn, REPLY, case=case.id)
        return
    prefix = f"handoff-reply:{case.id}:"
    first = await replies_sent(turn.session, prefix) + 1
    for number in range(first, first + 5):  # another reply to this case may have taken a number a moment ago
        if await notify(turn.session, to, relayed, purpose=f"{prefix}{number}", about=()):
            break
    else:
        turn.say(turn.t("common.apology"))
        return
    case.status = "answered"
    turn.say(turn.t("cases.reply_sent"))


REPLY = forms.register_form(
    Form(REPLY_FORM, (Step("text", ask_reply, answer_reply, relay=True, sample="您好，明天上午给您打电话。"),), relay_reply)
)
