"""Job alerts: subscribe, pause for some days, or unsubscribe (pushes honour all three)."""

from __future__ import annotations

from datetime import timedelta

from flows.registration import is_registered, private_link
from flows.router import Router
from flows.turn import Turn
from storage.attributes import canonical
from storage.vocabulary import job_categories

router = Router("alerts")

PAUSE_OPTIONS = (7, 30)


async def _offer_registration(turn: Turn, key: str) -> None:
    if turn.in_group:
        private_link(turn, "register")
        return
    turn.say(turn.t(key), [[turn.button(turn.t("register.start"), "register.start")]])


async def subscribe_to(turn: Turn, categories: list[str], attributes: list[str] | None = None) -> None:
    """Pushes on (again), for these categories (added to the wanted ones) and, when given, only postings that
    offer these attributes (日结, 包吃住 …: they replace the ones asked before)."""
    person = turn.person
    if not is_registered(person) or person.profile is None:
        await _offer_registration(turn, "alerts.register_first")
        return
    profile = person.profile
    profile.subscribed = True
    profile.paused_until = None
    known = [c for c in categories if c in job_categories() and c not in profile.wanted_categories]
    if known:
        profile.wanted_categories = [*profile.wanted_categories, *known]
    wanted_attributes = [a for a in attributes or () if canonical(a)]
    if wanted_attributes:
        profile.wanted_attributes = list(dict.fromkeys(wanted_attributes))
    wanted = "、".join(profile.wanted_categories) or turn.t("alerts.any_job")
    if profile.wanted_attributes:
        labels = "、".join(turn.t(f"search.attribute.{a}") for a in profile.wanted_attributes)
        wanted += turn.t("alerts.with_attributes", attributes=labels)
    turn.say(turn.t("alerts.enabled", wanted=wanted))
    if profile.status == "placed":
        turn.say(turn.t("alerts.placed_note"))


@router.intent("subscribe")
async def subscribe(turn: Turn) -> None:
    await subscribe_to(turn, [str(v) for v in turn.entity_values("job_category")],
                       [str(v) for v in turn.entity_values("job_attribute")])


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
    buttons = [[turn.button(turn.t("alerts.pause", days=days), "alerts.pause", single_use=True, days=days)]
               for days in PAUSE_OPTIONS]
    buttons.append([turn.button(turn.t("alerts.stop"), "alerts.stop", single_use=True)])
    turn.say(turn.t("alerts.choose"), buttons)


@router.action("alerts.pause")
async def pause(turn: Turn) -> None:
    profile = turn.person.profile
    if profile is None:
        turn.say(turn.t("common.unknown_button"))
        return
    days = int(turn.args.get("days", 7))
    profile.paused_until = turn.now + timedelta(days=days)
    until = (turn.today + timedelta(days=days)).isoformat()
    turn.say(turn.t("alerts.paused", until=until))


@router.action("alerts.stop")
async def stop(turn: Turn) -> None:
    profile = turn.person.profile
    if profile is None:
        turn.say(turn.t("common.unknown_button"))
        return
    profile.subscribed = False
    profile.paused_until = None
    turn.say(turn.t("alerts.disabled"))
