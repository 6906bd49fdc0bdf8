"""A worker found work (status placed, pushes stop, a stability check-in) and "who is my secretary"."""

from __future__ import annotations

from flows.followups import on_placed
from flows.registration import is_registered, staff_language, tell_secretary, worker_card
from flows.router import Router
from flows.turn import Turn
from storage.queries.workers import person_by_id, record_status
from storage.states import EmploymentStatus

router = Router("employment")


@router.intent("report_employed")
async def report_employed(turn: Turn) -> None:
    person = turn.person
    if not is_registered(person) or person.profile is None:
        turn.say(turn.t("employed.congrats"))
        return
    if person.profile.status == EmploymentStatus.PLACED:
        turn.say(turn.t("employed.already"))
        return
    dialog = turn.dialog()
    buttons = [[
        turn.button(turn.t("employed.confirm_yes"), "employed.confirm", dialog=dialog),
        turn.button(turn.t("employed.confirm_no"), "employed.not_yet", dialog=dialog),
    ]]
    turn.say(turn.t("employed.confirm"), buttons)


@router.action("employed.confirm", once=True)
async def confirm(turn: Turn) -> None:
    person = turn.person
    profile = person.profile
    if profile is None or person.forgotten_at is not None or profile.status == EmploymentStatus.PLACED:
        turn.say(turn.t("employed.already") if profile and profile.status == EmploymentStatus.PLACED
                 else turn.t("common.unknown_button"))
        return
    record_status(turn.session, profile, EmploymentStatus.PLACED, by=person.id, reason="self_report", at=turn.now)
    await on_placed(turn.session, person.id, turn.now, turn.settings)
    days = turn.settings.followups.stability_after_days
    turn.say(turn.t("employed.done", days=days))
    secretary = await person_by_id(turn.session, profile.secretary_id) if profile.secretary_id else None
    if secretary is not None:
        await tell_secretary(
            turn, secretary, "employed.secretary", f"placed:{person.id}:{turn.today.isoformat()}", about=person,
            card=worker_card(person, staff_language(turn, secretary)), days=days,
        )


@router.action("employed.not_yet", once=True)
async def not_yet(turn: Turn) -> None:
    turn.say(turn.t("employed.not_yet"))


@router.intent("my_secretary")
async def my_secretary(turn: Turn) -> None:
    """The secretary's name and how to reach them through the bot; their own phone is never given out here."""
    person = turn.person
    profile = person.profile
    if not is_registered(person) or profile is None:
        turn.say(turn.t("my_secretary.unregistered"), [[turn.button(turn.t("register.start"), "register.start")]])
        return
    secretary = await person_by_id(turn.session, profile.secretary_id) if profile.secretary_id else None
    if secretary is None:
        turn.say(turn.t("my_secretary.none"))
        return
    turn.say(turn.t("my_secretary.yours", name=secretary.name))
