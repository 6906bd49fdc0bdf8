"""A person's own data: see it (/mydata), delete it (/forget), choose the language (/lang); observers' lists."""

from __future__ import annotations

from dataclasses import replace

from flows.i18n import LANGUAGES
from flows.registration import private_link
from flows.router import Router
from flows.turn import Turn
from storage.personal_data import forget_person
from storage.queries.workers import (
    applications_of,
    follow_ups_of,
    identities_of,
    person_by_id,
    status_history,
    village_workers,
)
from storage.states import FollowUpState, Role

router = Router("account")


def _value(turn: Turn, value: object) -> str:
    if value is None or value == "" or value == []:
        return turn.t("account.empty")
    if isinstance(value, bool):
        return turn.t("account.true_") if value else turn.t("account.false_")
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


@router.intent("mydata")
async def mydata(turn: Turn) -> None:
    """Everything stored about this person (private chat only)."""
    if turn.in_group:
        private_link(turn, "mydata")
        return
    person = turn.person
    rows = [
        ("name", person.name), ("phone", person.phone), ("id_number", person.id_number),
        ("township", person.township), ("village", person.village),
        ("language", turn.t(f"account.lang_{person.language}") if person.language else None),
        ("role", turn.t(f"account.role_{person.role}")),
    ]
    profile = person.profile if person.forgotten_at is None else None
    if profile is not None:
        secretary = await person_by_id(turn.session, profile.secretary_id) if profile.secretary_id else None
        rows += [
            ("status", turn.t(f"account.status_{profile.status}")),
            ("categories", profile.wanted_categories), ("skills", profile.skills),
            ("min_pay", profile.min_monthly_pay), ("available", profile.available_from),
            ("returnee", profile.returnee_origin if profile.is_returnee else None),
            ("subscribed", profile.subscribed), ("paused_until", profile.paused_until and profile.paused_until.date()),
            ("secretary", secretary.name if secretary else None),
            ("consent", f"{profile.consent_at:%Y-%m-%d} ({turn.t('account.consent_' + (profile.consent_how or 'self'))})"
             if profile.consent_at else None),
        ]
    identities = await identities_of(turn.session, person.id)
    rows.append(("accounts", [" ".join(filter(None, (turn.t(f"account.channel_{i.channel}"), i.display_name)))
                              for i in identities]))
    if profile is not None:
        applications = await applications_of(turn.session, person.id)
        rows.append(("applications", [a.posting.title for a in applications]))
        rows.append(("follow_ups", len([f for f in await follow_ups_of(turn.session, person.id)
                                        if f.state != FollowUpState.CANCELLED])))
        rows.append(("status_changes", len(await status_history(turn.session, person.id))))
    rows.append(("history", len(turn.state.history or [])))
    lines = [turn.t("account.mydata_title")]
    lines += [f"· {turn.t('account.field_' + key)}: {_value(turn, value)}" for key, value in rows]
    lines.append(turn.t("account.mydata_footer"))
    turn.say("\n".join(lines))


def staff_must_be_revoked_first(turn: Turn) -> bool:
    """Staff and observers keep records others rely on (cases, notes, registrations): an admin revokes their
    role before their personal data can go (docs/OPERATIONS.md, "What we guarantee")."""
    if turn.person.role == Role.WORKER:
        return False
    turn.say(turn.t("account.forget_staff", role=turn.t(f"account.role_{turn.person.role}")))
    return True


@router.intent("forget")
async def forget(turn: Turn) -> None:
    if turn.in_group:
        private_link(turn, "forget")
        return
    if staff_must_be_revoked_first(turn):
        return
    dialog = turn.dialog()
    buttons = [[
        turn.button(turn.t("account.forget_yes"), "account.forget", dialog=dialog),
        turn.button(turn.t("account.forget_no"), "account.keep", dialog=dialog),
    ]]
    turn.say(turn.t("account.forget_confirm"), buttons)


@router.action("account.forget", once=True)
async def forget_confirmed(turn: Turn) -> None:
    if turn.in_group:
        turn.say(turn.t("common.unknown_button"))
        return
    if staff_must_be_revoked_first(turn):
        return
    await forget_person(turn.session, turn.person, at=turn.now)
    turn.state.history = []
    turn.state.data = {}
    turn.state.form = None
    turn.state.step = None
    turn.say(turn.t("account.forgotten"))


@router.action("account.keep", once=True)
async def keep(turn: Turn) -> None:
    turn.say(turn.t("account.kept"))


@router.intent("language")
async def language(turn: Turn) -> None:
    # Each language is named in its own script (the catalogues say so), for someone who reads only that one.
    buttons = [
        [replace(turn.button(turn.t(f"account.lang_{code}"), "account.lang", code=code), keep_script=True)]
        for code in LANGUAGES
    ]
    buttons.append([turn.button(turn.t("account.lang_auto"), "account.lang", code="auto")])
    turn.say(turn.t("account.lang_choose"), buttons)


@router.action("account.lang")
async def set_language(turn: Turn) -> None:
    code = str(turn.args.get("code"))
    if code not in (*LANGUAGES, "auto"):
        turn.say(turn.t("common.unknown_button"))
        return
    turn.person.language = None if code == "auto" else code
    if code != "auto":
        turn.language = code
    turn.say(turn.t("account.lang_set"))


@router.intent("village_list")
async def village_list(turn: Turn) -> None:
    """An observer's list of their village's registered workers (private chat only: it has phone numbers)."""
    person = turn.person
    if person.role != Role.OBSERVER:
        turn.say(turn.t("village.not_observer"))
        return
    if turn.in_group:
        private_link(turn, "village")
        return
    workers = await village_workers(turn.session, person)
    if not workers:
        turn.say(turn.t("village.empty"))
        return
    lines = [turn.t("village.title", count=len(workers), village=person.village or "-")]
    for worker in workers:
        status = turn.t(f"account.status_{worker.profile.status}") if worker.profile else "-"
        lines.append(turn.t("village.row", name=worker.name or "-", phone=worker.phone or "-",
                            village=worker.village or "-", status=status))
    turn.say("\n".join(lines))
