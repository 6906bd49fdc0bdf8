"""Cases for a person: wage-arrears guidance and hand-off requests, relayed to the worker's secretary.

The secretary is notified through the outbox with the last messages and a reply button; what they type next
is relayed to the worker through the outbox too, so the conversation goes on without sharing phone numbers.
"""

from __future__ import annotations

from datetime import datetime

from flows import access, forms
from flows.forms import Data, Form, Step
from flows.i18n import t
from flows.messages import Reply
from flows.notify import notify, recipient
from flows.router import Router
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
    """The secretary's typed reply goes to the worker through the outbox."""
    text = str(data["text"])
    case = await turn.session.get(Case, int(data["case"]))
    if case is None:
        turn.say(turn.t("common.unknown_button"))
        return
    to = await recipient(turn.session, case.worker_id)
    if to is None:
        turn.say(turn.t("cases.worker_unreachable"))
        return
    worker = await turn.session.get(Person, case.worker_id)
    state = await load_state(turn.session, to.channel, to.user_id)
    language = (worker.language if worker else None) or state.language or turn.settings.default_language
    prefix = f"handoff-reply:{case.id}:"
    number = await replies_sent(turn.session, prefix) + 1
    await notify(
        turn.session, to, Reply(t("cases.relayed", language, text=text)), purpose=f"{prefix}{number}", about=()
    )
    case.status = "answered"
    turn.say(turn.t("cases.reply_sent"))


REPLY = forms.register_form(
    Form(REPLY_FORM, (Step("text", ask_reply, answer_reply, relay=True, sample="您好，明天上午给您打电话。"),), relay_reply)
)
