"""Secretaries' side of follow-ups in chat: /today, /overdue, /worker, /reply, admins' /reassign and /handover,
the outcome buttons on a worker's card, and the worker's one-tap answers to an automated check-in.

Staff commands check the role on every call and work only in private chat (cards carry phone numbers).
"""

from __future__ import annotations

import logging

from flows import forms
from flows.answers import normalise_phone, parse_org_name
from flows.assignment import hand_over, reassign_worker
from flows.cases import CaseRefusal, reply_to_case, say_case_refusal
from flows.casework import (
    Handled,
    Refusal,
    followup_in_hand,
    note_on_worker,
    record_outcome,
    reschedule_followup,
    worker_secretary,
)
from flows.checkins import (
    card_text,
    display_name,
    list_line,
    outcome_buttons,
    record_answer,
    when,
)
from flows.followups import RESCHEDULE_DAYS, WORKER_ANSWERS, rules_of
from flows.forms import Data, Form, Invalid, Step
from flows.router import Router
from flows.scope import acts_for
from flows.signin import SignInPolicy, issue_invite
from flows.turn import Turn
from flows.workcal import working_day_bounds
from storage.models import Case, FollowUp, Person
from storage.numbers import read_id
from storage.queries.followups import (
    followup_for_update,
    open_followups,
    people_by_id,
    profile_of,
    secretary_list,
)
from storage.queries.workers import worker_by_phone
from storage.states import FollowUpOutcome, FollowUpState, Role

router = Router("secretary")
log = logging.getLogger(__name__)

STAFF = Role.STAFF
LIST_LIMIT = 20


# --- guards --------------------------------------------------------------------------------------------


def staff_only(turn: Turn, roles: frozenset[Role] = STAFF) -> bool:
    """True when the person may use staff commands here; otherwise says why not."""
    if turn.person.role not in roles:
        # Recorded for the bureau: someone tried a staff command (or replayed a staff button) without the role.
        log.warning("staff action refused: person %s with role %s", turn.person.id, turn.person.role)
        turn.say(turn.t("secretary.refused" if roles == STAFF else "secretary.admins_only"))
        return False
    if turn.in_group:
        turn.say(turn.t("secretary.private_only"))
        return False
    return True


async def may_handle(turn: Turn, worker_id: int, case: Case | None = None) -> bool:
    """A secretary handles their own workers (and a case of someone without a profile that was given to them);
    an admin anyone's (flows/scope.py, the console's rule too). Asked when a button is pressed or a form's answer
    arrives, never trusted from when the button was shown: after /reassign or /handover the old secretary's
    buttons about the worker refuse."""
    holder = await worker_secretary(turn.session, worker_id)
    if holder is None and case is not None and await profile_of(turn.session, worker_id) is None:
        holder = case.secretary_id
    if acts_for(turn.person, holder):
        return True
    turn.say(turn.t("secretary.not_yours"))
    return False


REFUSAL_KEYS = {
    Refusal.NOT_STAFF: "secretary.refused",
    Refusal.NOT_YOURS: "secretary.not_yours",
    Refusal.ALREADY_DONE: "secretary.already_done",
    Refusal.NO_FOLLOWUP: "secretary.already_done",
    Refusal.UNKNOWN_CHOICE: "common.unknown_button",
    Refusal.NEEDS_EMPLOYER: "secretary.ask_employer",
    Refusal.EMPTY: "secretary.ask_note",
}


def say_refusal(turn: Turn, handled: Handled) -> bool:
    """Word a refusal from flows/casework.py for the chat; True when there was one."""
    if handled.refusal is None:
        return False
    turn.say(turn.t(REFUSAL_KEYS[handled.refusal]))
    return True


def id_args(turn: Turn, count: int, usage: str) -> list[int] | None:
    """The first `count` words after the command read as row ids; when one is missing or is not an id (a phone
    number, "²", 40 digits), says so with the command's usage and returns None."""
    words = turn.inbound.text.split()[1 : 1 + count]
    if len(words) < count:
        turn.say(turn.t(f"secretary.usage.{usage}"))
        return None
    ids = [read_id(word) for word in words]
    for word, found in zip(words, ids, strict=True):
        if found is None:
            turn.say(turn.t("secretary.not_an_id", text=word[:20], usage=turn.t(f"secretary.usage.{usage}")))
            return None
    return [i for i in ids if i is not None]


async def own_open_followup(turn: Turn, followup_id: int | None = None) -> FollowUp | None:
    """The follow-up a pressed button (or a form) is about, if this person may act on it and it is still open."""
    if not staff_only(turn):
        return None
    handled = await followup_in_hand(turn.session, turn.person, followup_id or int(turn.args["followup"]))
    return None if say_refusal(turn, handled) else handled.followup


# --- lists and cards -----------------------------------------------------------------------------------


async def show_list(turn: Turn, *, overdue: bool) -> None:
    rules = rules_of(turn.settings)
    start, end = working_day_bounds(turn.today, rules.working_hours)
    mine = None if turn.person.role == Role.ADMIN else turn.person.id
    if overdue:
        rows = await secretary_list(turn.session, mine, due_before=start)
    else:
        rows = await secretary_list(turn.session, mine, due_before=end, due_from=start)
    key = "secretary.overdue" if overdue else "secretary.today"
    if not rows:
        turn.say(turn.t(f"{key}.empty"))
        return
    lines = [turn.t(f"{key}.title", count=len(rows))]
    lines += [list_line(f, w, turn.language, rules) for f, w in rows[:LIST_LIMIT]]
    if len(rows) > LIST_LIMIT:
        lines.append(turn.t("secretary.list_more", count=len(rows) - LIST_LIMIT))
    buttons = [
        [turn.button(turn.t("secretary.open_card", name=display_name(w)), "checkin.open", followup=f.id)]
        for f, w in rows[:LIST_LIMIT]
    ]
    turn.say("\n".join(lines), buttons)


async def show_card(turn: Turn, worker: Person, followup: FollowUp | None) -> None:
    rules = rules_of(turn.settings)
    text = await card_text(turn.session, followup, worker, turn.language, rules)
    buttons = outcome_buttons(turn.button, followup, turn.language) if followup is not None else []
    turn.say(text, buttons)


@router.command("today")
async def today(turn: Turn) -> None:
    if staff_only(turn):
        await show_list(turn, overdue=False)


@router.command("overdue")
async def overdue(turn: Turn) -> None:
    if staff_only(turn):
        await show_list(turn, overdue=True)


@router.command("worker")
async def worker(turn: Turn) -> None:
    if not staff_only(turn):
        return
    words = turn.inbound.text.split(maxsplit=1)
    argument = words[1].strip() if len(words) > 1 else ""
    phone = normalise_phone(argument) if argument else None
    if phone is not None:
        # A secretary who has the worker's phone number at hand may type it instead of the number.
        found = await worker_by_phone(turn.session, phone)
        if found is None:
            turn.say(turn.t("secretary.no_worker_phone"))
            return
        worker_id = found.id
    else:
        ids = id_args(turn, 1, "worker")
        if ids is None:
            return
        worker_id = ids[0]
    person = (await people_by_id(turn.session, (worker_id,))).get(worker_id)
    if person is None or person.role != Role.WORKER or person.forgotten_at is not None:
        turn.say(turn.t("secretary.no_worker", id=worker_id))
        return
    if not await may_handle(turn, worker_id):
        return
    followups = await open_followups(turn.session, worker_id)
    await show_card(turn, person, followups[0] if followups else None)


@router.action("checkin.open")
async def open_card(turn: Turn) -> None:
    followup = await own_open_followup(turn)
    if followup is None:
        return
    worker_ = (await people_by_id(turn.session, (followup.worker_id,)))[followup.worker_id]
    await show_card(turn, worker_, followup)


# --- outcomes ------------------------------------------------------------------------------------------


async def say_recorded(turn: Turn, followup: FollowUp, outcome_key: str, nxt: FollowUp | None) -> None:
    rules = rules_of(turn.settings)
    worker_ = (await people_by_id(turn.session, (followup.worker_id,)))[followup.worker_id]
    following = (
        turn.t("secretary.next", due=when(nxt.due_at, rules), kind=turn.t(f"secretary.kind.{nxt.kind}"))
        if nxt is not None else turn.t("secretary.no_next")
    )
    turn.say(turn.t("secretary.recorded", name=display_name(worker_), outcome=turn.t(outcome_key), next=following))


@router.action("checkin.outcome")
async def outcome(turn: Turn) -> None:
    chosen = str(turn.args.get("outcome"))
    if chosen == FollowUpOutcome.PLACED:
        # The employer's name is asked first; the outcome is recorded when it comes (the form below).
        followup = await own_open_followup(turn)
        if followup is not None:
            await forms.start(turn, EMPLOYER_FORM, followup=followup.id)
        return
    if not staff_only(turn):
        return
    handled = await record_outcome(turn.session, turn.person, int(turn.args["followup"]), chosen, now=turn.now,
                                   settings=turn.settings)
    if not say_refusal(turn, handled) and handled.followup is not None:
        await say_recorded(turn, handled.followup, f"secretary.outcome.{chosen}", handled.next)


async def ask_employer(turn: Turn, data: Data) -> None:
    turn.say(turn.t("secretary.ask_employer"))


async def answer_employer(turn: Turn, data: Data, value: str, pressed: bool) -> str | Invalid:
    return parse_org_name(value) or Invalid("secretary.bad_employer")


async def record_placed(turn: Turn, data: Data) -> None:
    """The employer is known: the check-in ends as placed, and the next one is set (flows/casework.py)."""
    if not staff_only(turn):
        return
    handled = await record_outcome(turn.session, turn.person, int(data["followup"]), FollowUpOutcome.PLACED,
                                   now=turn.now, settings=turn.settings, employer=str(data["employer"]))
    if not say_refusal(turn, handled) and handled.followup is not None:
        await say_recorded(turn, handled.followup, f"secretary.outcome.{FollowUpOutcome.PLACED}", handled.next)


EMPLOYER_FORM = forms.register_form(Form(
    "checkin.employer",
    (Step("employer", ask_employer, answer_employer, free_text=True, sample="峨眉山云尖茶业有限公司"),),
    record_placed,
))


@router.action("checkin.reschedule")
async def reschedule_pick(turn: Turn) -> None:
    followup = await own_open_followup(turn)
    if followup is None:
        return
    dialog = turn.dialog()
    row = [
        turn.button(turn.t("secretary.plus_days", n=n), "checkin.reschedule_to", dialog=dialog,
                    followup=followup.id, days=n)
        for n in RESCHEDULE_DAYS
    ]
    turn.say(turn.t("secretary.pick_date"), [row])


@router.action("checkin.reschedule_to", once=True)
async def reschedule_to(turn: Turn) -> None:
    if not staff_only(turn):
        return
    handled = await reschedule_followup(turn.session, turn.person, int(turn.args["followup"]),
                                        int(turn.args.get("days", 0)), now=turn.now, settings=turn.settings)
    if say_refusal(turn, handled) or handled.followup is None or handled.next is None:
        return
    worker_ = (await people_by_id(turn.session, (handled.followup.worker_id,)))[handled.followup.worker_id]
    turn.say(turn.t("secretary.rescheduled", name=display_name(worker_),
                    due=when(handled.next.due_at, rules_of(turn.settings))))


@router.action("checkin.note")
async def note_start(turn: Turn) -> None:
    followup = await own_open_followup(turn)
    if followup is None:
        return
    await forms.start(turn, NOTE_FORM, worker=followup.worker_id)


async def ask_note(turn: Turn, data: Data) -> None:
    turn.say(turn.t("secretary.ask_note"))


async def answer_note(turn: Turn, data: Data, value: str, pressed: bool) -> str:
    return value.strip()


async def save_note(turn: Turn, data: Data) -> None:
    if not staff_only(turn):
        return
    handled = await note_on_worker(turn.session, turn.person, int(data["worker"]), str(data["note"]), now=turn.now)
    if not say_refusal(turn, handled):
        turn.say(turn.t("secretary.note_saved"))


NOTE_FORM = forms.register_form(Form(
    "checkin.note", (Step("note", ask_note, answer_note, relay=True, sample="电话打通了，下周再联系。"),), save_note
))


# --- the worker's answer to an automated check-in ---------------------------------------------------------


@router.action("checkin.answer", once=True)
async def answer(turn: Turn) -> None:
    followup = await followup_for_update(turn.session, int(turn.args["followup"]))
    chosen = str(turn.args.get("answer"))
    if followup is None or followup.worker_id != turn.person.id or chosen not in WORKER_ANSWERS:
        turn.say(turn.t("common.unknown_button"))
        return
    if followup.worker_answer is not None or followup.state not in FollowUpState.OPEN:
        turn.say(turn.t("checkin.already"))
        return
    secretary = (await people_by_id(turn.session, (followup.secretary_id,))).get(followup.secretary_id or -1)
    await record_answer(turn.session, followup, turn.person, chosen, now=turn.now, settings=turn.settings)
    name = display_name(secretary) if secretary is not None else turn.t("checkin.your_secretary")
    turn.say(turn.t(f"checkin.thanks.{chosen}", secretary=name))


# --- hand-off replies --------------------------------------------------------------------------------------


@router.command("reply")
async def reply(turn: Turn) -> None:
    """`/reply CASE TEXT`: the same as the case's reply button and the console's reply box (flows/cases.py)."""
    if not staff_only(turn):
        return
    parts = turn.inbound.text.split(maxsplit=2)
    ids = id_args(turn, 1, "reply")
    if ids is None:
        return
    case_id = ids[0]
    if len(parts) < 3 or not parts[2].strip():
        turn.say(turn.t("secretary.usage.reply"))
        return
    done = await reply_to_case(turn.session, turn.person, case_id, parts[2], now=turn.now, settings=turn.settings)
    if done.refusal == CaseRefusal.NO_CASE:
        turn.say(turn.t("secretary.no_case", id=case_id))
        return
    if say_case_refusal(turn, done) or done.case is None:
        return
    worker_ = (await people_by_id(turn.session, (done.case.worker_id,))).get(done.case.worker_id)
    turn.say(turn.t("secretary.reply_sent", name=display_name(worker_) if worker_ else "", id=case_id))


# --- the staff console ------------------------------------------------------------------------------------


@router.command("console")
async def console_link(turn: Turn) -> None:
    """A one-time sign-in link to the web console, for staff, in private chat only (it opens their account)."""
    if not staff_only(turn):
        return
    if not turn.settings.console_url:
        turn.say(turn.t("web.chat.no_url"))
        return
    policy = SignInPolicy(invite_hours=turn.settings.console_invite_hours)
    token = await issue_invite(turn.session, turn.person, now=turn.now, policy=policy)
    if token is None:
        turn.say(turn.t("secretary.refused"))
        return
    hours = f"{turn.settings.console_invite_hours:g}"
    turn.say(turn.t("web.chat.link", hours=hours, url=f"{turn.settings.console_url.rstrip('/')}/invite/{token}"))


# --- reassignment (admins) -----------------------------------------------------------------------------------


@router.command("reassign")
async def reassign(turn: Turn) -> None:
    if not staff_only(turn, frozenset({Role.ADMIN})):
        return
    ids = id_args(turn, 2, "reassign")
    if ids is None:
        return
    worker_id, secretary_id = ids
    people = await people_by_id(turn.session, (worker_id, secretary_id))
    if worker_id not in people or people[worker_id].role != Role.WORKER or await profile_of(turn.session, worker_id) is None:
        turn.say(turn.t("secretary.no_worker", id=worker_id))
        return
    if not await reassign_worker(turn.session, worker_id, secretary_id, now=turn.now, settings=turn.settings):
        turn.say(turn.t("secretary.no_secretary", id=secretary_id))
        return
    turn.say(turn.t("secretary.reassigned", name=display_name(people[worker_id]),
                    secretary=display_name(people[secretary_id])))


@router.command("handover")
async def handover(turn: Turn) -> None:
    if not staff_only(turn, frozenset({Role.ADMIN})):
        return
    ids = id_args(turn, 1, "handover")
    if ids is None:
        return
    departing = ids[0]
    people = await people_by_id(turn.session, (departing,))
    if departing not in people or people[departing].role != Role.SECRETARY:
        turn.say(turn.t("secretary.no_secretary", id=departing))
        return
    plan = await hand_over(turn.session, departing, now=turn.now, settings=turn.settings)
    if not plan:
        turn.say(turn.t("secretary.handover_none", name=display_name(people[departing])))
        return
    counts: dict[int, int] = {}
    for secretary_id in plan.values():
        counts[secretary_id] = counts.get(secretary_id, 0) + 1
    names = await people_by_id(turn.session, counts)
    summary = turn.t("secretary.separator").join(f"{display_name(names[sid])} {n}" for sid, n in sorted(counts.items()))
    turn.say(turn.t("secretary.handed_over", name=display_name(people[departing]), count=len(plan), summary=summary))


