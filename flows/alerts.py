"""Job alerts: subscribe, pause for some days, or unsubscribe (pushes honour all three).

Turning alerts back on after a pause or an unsubscribe needs a clear request (a button, /subscribe, or a
message the NLU is sure about); a doubtful one ("订座" once read as subscribe) is asked back first, and the
reply always says what changed.
"""

from __future__ import annotations

from datetime import timedelta

from flows import forms
from flows.answers import parse_yes_no
from flows.forms import END, Data, Form, Invalid, Step
from flows.registration import is_registered, private_link
from flows.router import Router
from flows.turn import Turn
from storage.attributes import canonical
from storage.states import EmploymentStatus
from storage.vocabulary import job_categories

router = Router("alerts")

PAUSE_OPTIONS = (7, 30)
# A typed request resumes paused or stopped alerts without asking back only when the NLU is this sure.
RESUME_WITHOUT_ASKING = 0.9


async def _offer_registration(turn: Turn, key: str) -> None:
    if turn.in_group:
        private_link(turn, "register")
        return
    turn.say(turn.t(key), [[turn.button(turn.t("register.start"), "register.start")]])


def _paused(turn: Turn) -> bool:
    profile = turn.person.profile
    return profile is not None and profile.paused_until is not None and profile.paused_until > turn.now


async def subscribe_to(turn: Turn, categories: list[str], attributes: list[str] | None = None, *,
                       explicit: bool = True) -> None:
    """Alerts on (with the categories named added, and — when given — only for postings that offer these
    attributes: 日结, 包吃住 …, which replace the ones asked before); a doubtful request to resume them is asked
    back first."""
    person = turn.person
    if not is_registered(person) or person.profile is None:
        await _offer_registration(turn, "alerts.register_first")
        return
    profile = person.profile
    was_on = profile.subscribed and not _paused(turn)
    if not was_on and not explicit:
        await forms.start(turn, RESUME, categories=[c for c in categories if c in job_categories()],
                          attributes=[a for a in attributes or () if canonical(a)])
        return
    paused_until = profile.paused_until if _paused(turn) else None
    profile.subscribed = True
    profile.paused_until = None
    known = [c for c in categories if c in job_categories() and c not in profile.wanted_categories]
    if known:
        profile.wanted_categories = [*profile.wanted_categories, *known]
    asked = [a for a in dict.fromkeys(attributes or ()) if canonical(a)]
    changed = bool(asked) and asked != list(profile.wanted_attributes or [])
    if asked:
        profile.wanted_attributes = asked
    wanted = "、".join(profile.wanted_categories) or turn.t("alerts.any_job")
    if profile.wanted_attributes:
        labels = "、".join(turn.t(f"search.attribute.{a}") for a in profile.wanted_attributes)
        wanted += turn.t("alerts.with_attributes", attributes=labels)
    if was_on and not known and not changed:
        turn.say(turn.t("alerts.already_on", wanted=wanted))
    elif paused_until is not None and not was_on:
        until = paused_until.astimezone(turn.settings.zone).date().isoformat()
        turn.say(turn.t("alerts.resumed", wanted=wanted, until=until))
    else:
        turn.say(turn.t("alerts.enabled", wanted=wanted))
    if profile.status == EmploymentStatus.PLACED:
        turn.say(turn.t("alerts.placed_note"))


@router.intent("subscribe")
async def subscribe(turn: Turn) -> None:
    parse = turn.parse
    explicit = parse is None or parse.confidence >= RESUME_WITHOUT_ASKING  # a command, or a clear request
    await subscribe_to(turn, [str(v) for v in turn.entity_values("job_category")],
                       [str(v) for v in turn.entity_values("job_attribute")], explicit=explicit)


async def ask_resume(turn: Turn, data: Data) -> None:
    profile = turn.person.profile
    if _paused(turn) and profile is not None and profile.paused_until is not None:
        until = profile.paused_until.astimezone(turn.settings.zone).date().isoformat()
        question = turn.t("alerts.confirm_paused", until=until)
    else:
        question = turn.t("alerts.confirm_stopped")
    turn.say(question, [[forms.choice(turn, turn.t("alerts.resume_yes"), "yes"),
                         forms.choice(turn, turn.t("alerts.resume_no"), "no")]])


async def answer_resume(turn: Turn, data: Data, value: str, pressed: bool) -> object:
    agreed = (value == "yes") if pressed else parse_yes_no(value)
    if agreed is None:
        return Invalid("alerts.resume_unclear")
    if not agreed:
        turn.say(turn.t("alerts.kept_off"))
        return END
    return True


async def resume(turn: Turn, data: Data) -> None:
    await subscribe_to(turn, [str(c) for c in data.get("categories", [])],
                       [str(a) for a in data.get("attributes", [])])


RESUME = forms.register_form(Form("alerts_resume", (Step("confirm", ask_resume, answer_resume, sample="是"),), resume))


@router.action("jobs.subscribe")
async def subscribe_button(turn: Turn) -> None:
    await subscribe_to(turn, [str(v) for v in turn.args.get("categories", [])],
                       [str(v) for v in turn.args.get("attributes", [])])


@router.intent("unsubscribe")
async def unsubscribe(turn: Turn) -> None:
    person = turn.person
    if not is_registered(person) or person.profile is None or not person.profile.subscribed:
        turn.say(turn.t("alerts.not_subscribed"))
        return
    dialog = turn.dialog()
    buttons = [[turn.button(turn.t("alerts.pause", days=days), "alerts.pause", dialog=dialog, days=days)]
               for days in PAUSE_OPTIONS]
    buttons.append([turn.button(turn.t("alerts.stop"), "alerts.stop", dialog=dialog)])
    turn.say(turn.t("alerts.choose"), buttons)


@router.action("alerts.pause", once=True)
async def pause(turn: Turn) -> None:
    profile = turn.person.profile
    if profile is None:
        turn.say(turn.t("common.unknown_button"))
        return
    days = int(turn.args.get("days", 7))
    profile.paused_until = turn.now + timedelta(days=days)
    until = (turn.today + timedelta(days=days)).isoformat()
    turn.say(turn.t("alerts.paused", until=until))


@router.action("alerts.stop", once=True)
async def stop(turn: Turn) -> None:
    profile = turn.person.profile
    if profile is None:
        turn.say(turn.t("common.unknown_button"))
        return
    profile.subscribed = False
    profile.paused_until = None
    turn.say(turn.t("alerts.disabled"))
