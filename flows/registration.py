"""Registration as a job seeker (private chat, consent first), profile edits, and registration by observers.

The same form serves a worker registering themself, an observer registering a worker they met in
person (consent recorded as given in person; the worker has no chat yet) and a worker editing one part
of their profile later (a run with a subset of the steps).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flows import forms
from flows.access import is_registered, private_chat_buttons
from flows.answers import (
    TOWNSHIP_SUFFIXES,
    is_skip,
    match_categories,
    match_name,
    normalise_phone,
    parse_date,
    parse_monthly_pay,
    pay_in_range,
)
from flows.assignment import choose_secretary
from flows.followups import schedule_first_checkin
from flows.forms import END, STAY, Data, Form, Invalid, Step
from flows.i18n import t
from flows.messages import Button, ChatType, Reply
from flows.notify import notify, recipient
from flows.router import Router
from flows.turn import Turn
from storage.id_numbers import check_id_number
from storage.models import Person, WorkerProfile
from storage.numbers import read_id
from storage.queries.workers import (
    add_person,
    identities_of,
    person_by_id,
    person_by_id_number,
    person_by_phone,
    record_status,
    secretary_loads,
)
from storage.vocabulary import job_categories, townships, villages

router = Router("registration")

FORM = "register"
OTHER = "__other"
SKIP = "skip"
# Provinces most of the county's migrants return from; 湖北 marks the hardest-hit area of spring 2020.
PROVINCES = ("湖北", "广东", "浙江", "福建", "江苏", "上海", "北京", "重庆", "新疆")
HARDEST_HIT = frozenset({"湖北"})
ORIGINS = ("out", "in", "none")
AGREE_WORDS = frozenset({"同意", "我同意", "好", "好的", "可以", "是", "是的", "行", "yes", "y", "ok", "agree", "i agree"})
DECLINE_WORDS = frozenset({"不同意", "不", "不要", "不行", "拒绝", "no", "n", "decline"})
EDITABLE = {
    "name": ["name"],
    "phone": ["phone"],
    "id_number": ["id_number"],
    "place": ["township", "village"],
    "categories": ["categories"],
    "min_pay": ["min_pay"],
    "available": ["available"],
}


def private_link(turn: Turn, payload: str) -> None:
    """In a group: never ask for personal data there; point to the private chat instead."""
    buttons = private_chat_buttons(turn, payload, "register.open_private")
    turn.say(turn.t("register.go_private" if buttons else "register.go_private_text"), buttons)


# --- the steps --------------------------------------------------------------------------------------


def _observer(data: Data) -> bool:
    return bool(data.get("_observer"))


async def ask_consent(turn: Turn, data: Data) -> None:
    key = "register.consent_observer" if _observer(data) else "register.consent"
    buttons = [[forms.choice(turn, turn.t("register.agree"), "yes"), forms.choice(turn, turn.t("register.decline"), "no")]]
    turn.say(turn.t(key, bureau=turn.settings.bureau_name), buttons)


async def answer_consent(turn: Turn, data: Data, value: str, pressed: bool) -> Any:
    word = value.strip().lower().strip("。.!！")
    if value == "yes" or word in AGREE_WORDS:
        return turn.now.isoformat()
    if value == "no" or word in DECLINE_WORDS:
        turn.say(turn.t("register.declined"))
        return END
    return Invalid("register.consent_unclear")


async def ask_name(turn: Turn, data: Data) -> None:
    turn.say(turn.t("register.ask_worker_name" if _observer(data) else "register.ask_name"))


async def answer_name(turn: Turn, data: Data, value: str, pressed: bool) -> Any:
    name = " ".join(value.split())
    if not 1 <= len(name) <= 20 or any(ch.isdigit() for ch in name) or name.startswith("/"):
        return Invalid("register.bad_name")
    return name


async def ask_phone(turn: Turn, data: Data) -> None:
    if _observer(data):
        turn.say(turn.t("register.ask_worker_phone"))
    else:
        turn.say(turn.t("register.ask_phone"), request_contact=turn.t("register.share_phone"))


async def answer_phone(turn: Turn, data: Data, value: str, pressed: bool) -> Any:
    contact = turn.inbound.contact
    if contact is not None and not _observer(data) and contact.user_id != turn.inbound.user_id:
        return Invalid("register.not_your_contact")  # a card shared from the phone book, not one's own
    phone = normalise_phone(value)
    if phone is None:
        return Invalid("register.bad_phone")
    if await person_by_phone(turn.session, phone, other_than=_whose(turn, data)) is not None:
        if _observer(data):
            return Invalid("register.phone_taken")
        await _in_use(turn, data, "register.phone_in_use", ask_phone)
        return STAY
    return phone


def _whose(turn: Turn, data: Data) -> int | None:
    """Whose details the form collects: the person themself, or (an observer's run) someone new."""
    return None if _observer(data) else turn.person.id


async def _in_use(turn: Turn, data: Data, key: str, ask: Any) -> None:
    """Someone else has registered this number: say so, offer a person to sort it out, ask again."""
    turn.say(turn.t(key), [[turn.button(turn.t("fallback.person"), "menu.person")]])
    await ask(turn, data)


async def ask_id_number(turn: Turn, data: Data) -> None:
    key = "register.ask_worker_id_number" if _observer(data) else "register.ask_id_number"
    turn.say(turn.t(key), [[forms.choice(turn, turn.t("register.skip"), SKIP)]])


async def answer_id_number(turn: Turn, data: Data, value: str, pressed: bool) -> Any:
    if value == SKIP or is_skip(value):
        return None
    checked = check_id_number(value, today=turn.today)
    if checked.number is None:
        return Invalid(f"register.id_{checked.problem}")
    if await person_by_id_number(turn.session, checked.number, other_than=_whose(turn, data)) is not None:
        await _in_use(turn, data, "register.id_in_use", ask_id_number)
        return STAY
    return checked.number


async def ask_township(turn: Turn, data: Data) -> None:
    buttons = [forms.choice(turn, name, name) for name in townships()]
    turn.say(turn.t("register.ask_township"), forms.rows(buttons, 3), remove_keyboard=True)


async def answer_township(turn: Turn, data: Data, value: str, pressed: bool) -> Any:
    township = value if pressed and value in townships() else match_name(value, townships(), TOWNSHIP_SUFFIXES)
    return township or Invalid("register.bad_township")


async def ask_village(turn: Turn, data: Data) -> None:
    buttons = [forms.choice(turn, name, name) for name in villages(data.get("township", ""))]
    buttons.append(forms.choice(turn, turn.t("register.other_village"), OTHER))
    turn.say(turn.t("register.ask_village", township=data.get("township", "")), forms.rows(buttons, 3))


async def answer_village(turn: Turn, data: Data, value: str, pressed: bool) -> Any:
    if pressed and value == OTHER:
        turn.say(turn.t("register.type_village"))
        return STAY
    known = match_name(value, villages(data.get("township", "")), ("社区", "村"))
    if known:
        return known
    name = " ".join(value.split())
    if not 2 <= len(name) <= 32 or any(ch.isdigit() for ch in name):
        return Invalid("register.bad_village")
    return name


def _category_keyboard(turn: Turn, picked: list[str]) -> list[list[Button]]:
    buttons = [
        forms.choice(turn, f"✓ {name}" if name in picked else name, f"toggle:{name}", single_use=False)
        for name in job_categories()
    ]
    keyboard = forms.rows(buttons, 3)
    keyboard.append([forms.choice(turn, turn.t("register.categories_done"), "done")])
    return keyboard


async def ask_categories(turn: Turn, data: Data) -> None:
    picked = list(data.get("_picked", []))
    turn.say(turn.t("register.ask_categories"), _category_keyboard(turn, picked))


async def answer_categories(turn: Turn, data: Data, value: str, pressed: bool) -> Any:
    picked = list(data.get("_picked", []))
    if pressed and value.startswith("toggle:"):
        name = value.removeprefix("toggle:")
        if name in job_categories():
            picked = [p for p in picked if p != name] if name in picked else [*picked, name]
        data["_picked"] = picked
        chosen = "、".join(picked) or turn.t("register.none_yet")
        turn.say(turn.t("register.categories_picked", chosen=chosen), _category_keyboard(turn, picked), edit=True)
        return STAY
    if pressed and value == "done":
        return picked or Invalid("register.categories_none")
    found, unknown = match_categories(value, job_categories())
    if unknown or not found:
        return Invalid("register.bad_categories", what="、".join(unknown) or value)
    return found


async def ask_min_pay(turn: Turn, data: Data) -> None:
    turn.say(turn.t("register.ask_min_pay"), [[forms.choice(turn, turn.t("register.skip"), SKIP)]])


async def answer_min_pay(turn: Turn, data: Data, value: str, pressed: bool) -> Any:
    if value == SKIP or is_skip(value):
        return None
    amount = parse_monthly_pay(value)
    if amount is None or not pay_in_range(amount):
        return Invalid("register.bad_pay")
    return amount


async def ask_available(turn: Turn, data: Data) -> None:
    options = [("today", "register.today"), ("tomorrow", "register.tomorrow"), ("next_week", "register.next_week")]
    buttons = [forms.choice(turn, turn.t(key), value) for value, key in options]
    turn.say(turn.t("register.ask_available"), [buttons, [forms.choice(turn, turn.t("register.skip"), SKIP)]])


async def answer_available(turn: Turn, data: Data, value: str, pressed: bool) -> Any:
    if value == SKIP or is_skip(value):
        return None
    words = {"today": "今天", "tomorrow": "明天", "next_week": "下周"}
    found = parse_date(words.get(value, value) if pressed else value, turn.today)
    if found is None:
        return Invalid("register.bad_date")
    if found < turn.today:
        return Invalid("register.past_date")
    return found.isoformat()


async def ask_origin(turn: Turn, data: Data) -> None:
    buttons = [forms.choice(turn, turn.t(f"register.origin_{value}"), value) for value in ORIGINS]
    turn.say(turn.t("register.ask_origin"), [[b] for b in buttons])


async def answer_origin(turn: Turn, data: Data, value: str, pressed: bool) -> Any:
    if pressed and value in ORIGINS:
        return value
    plain = value.strip().lower()
    for origin, words in (("out", ("省外", "外省", "out")), ("in", ("省内", "in the province")),
                          ("none", ("未外出", "没出去", "没有外出", "没有", "没", "none"))):
        if any(word in plain for word in words):
            return origin
    return Invalid("register.bad_origin")


async def ask_province(turn: Turn, data: Data) -> None:
    buttons = [forms.choice(turn, name, name) for name in PROVINCES]
    buttons.append(forms.choice(turn, turn.t("register.other_province"), OTHER))
    turn.say(turn.t("register.ask_province"), forms.rows(buttons, 3))


async def answer_province(turn: Turn, data: Data, value: str, pressed: bool) -> Any:
    if pressed:
        return "其他" if value == OTHER else value
    plain = value.strip().removesuffix("省").removesuffix("市")
    if 2 <= len(plain) <= 8 and not any(ch.isdigit() for ch in plain):
        return plain
    return Invalid("register.bad_province")


STEPS = (
    Step("consent", ask_consent, answer_consent),
    Step("name", ask_name, answer_name, free_text=True),
    Step("phone", ask_phone, answer_phone, takes_contact=True),
    # Not asked while registering (the form stays as short as the SPEC's); offered in "改资料" (profile edits).
    Step("id_number", ask_id_number, answer_id_number, when=lambda data: data.get("_mode") == "edit"),
    Step("township", ask_township, answer_township),
    Step("village", ask_village, answer_village),
    Step("categories", ask_categories, answer_categories),
    Step("min_pay", ask_min_pay, answer_min_pay),
    Step("available", ask_available, answer_available),
    Step("origin", ask_origin, answer_origin),
    Step("province", ask_province, answer_province, when=lambda data: data.get("origin") == "out"),
)


# --- finishing -------------------------------------------------------------------------------------


def _apply_answers(person: Person, profile: WorkerProfile, data: Data) -> None:
    """Copy the answers this run collected onto the person and their profile."""
    if "name" in data:
        person.name = data["name"]
    if "phone" in data:
        person.phone = data["phone"]
    if "id_number" in data:
        person.id_number = data["id_number"]
    if "township" in data:
        person.township = data["township"]
    if "village" in data:
        person.village = data["village"]
    if "categories" in data:
        profile.wanted_categories = list(data["categories"])
    if "min_pay" in data:
        profile.min_monthly_pay = data["min_pay"]
    if "available" in data:
        profile.available_from = date.fromisoformat(data["available"]) if data["available"] else None
    if "origin" in data:
        origin = data["origin"]
        province = data.get("province") if origin == "out" else None
        profile.is_returnee = origin in ("out", "in")
        profile.returnee_origin = province if origin == "out" else ("省内" if origin == "in" else None)
        profile.hardest_hit = province in HARDEST_HIT


async def assign_secretary(turn: Turn, township: str | None) -> Person | None:
    chosen = choose_secretary(await secretary_loads(turn.session), township)
    return await person_by_id(turn.session, chosen) if chosen is not None else None


def worker_card(worker: Person, language: str) -> str:
    """A worker's details for their secretary's private chat (the full phone is meant for them)."""
    profile = worker.profile
    categories = "、".join(profile.wanted_categories) if profile and profile.wanted_categories else "-"
    place = "".join(p for p in (worker.township, worker.village) if p) or "-"
    return t("register.card", language, name=worker.name or "-", phone=worker.phone or "-", place=place,
             categories=categories)


def staff_language(turn: Turn, person: Person) -> str:
    return person.language or turn.settings.default_language


async def tell_secretary(
    turn: Turn, secretary: Person, key: str, purpose: str, *, about: Person, **values: Any
) -> bool:
    """Queue a message about a worker for a secretary through the outbox (False when they cannot be reached)."""
    to = await recipient(turn.session, secretary.id)
    if to is None:
        return False
    text = t(key, staff_language(turn, secretary), **values)
    return await notify(turn.session, to, Reply(text=text), purpose=purpose, about=(about.id,))


async def finish(turn: Turn, data: Data) -> None:
    """The form's last answer: save, assign a secretary, schedule the first check-in, tell everyone."""
    if data.get("_mode") == "edit":
        await _finish_edit(turn, data)
        return
    observer = turn.person if _observer(data) else None
    if observer is not None:
        worker = Person(role="worker", name="")
        worker.profile = WorkerProfile()
        add_person(turn.session, worker)
        old_status = None
    else:
        worker = turn.person
        old_status = worker.profile.status if worker.profile is not None else None
        if worker.profile is None:
            worker.profile = WorkerProfile()
        worker.forgotten_at = None
        if in_private(turn):
            # Reachable again for check-ins and pushes (after /forget the chat was dropped).
            for identity in await identities_of(turn.session, worker.id):
                if identity.channel == turn.inbound.channel and identity.external_id == turn.inbound.user_id:
                    identity.chat_id = identity.chat_id or turn.inbound.chat_id
    profile = worker.profile
    assert profile is not None
    _apply_answers(worker, profile, data)
    profile.subscribed = True
    profile.paused_until = None
    profile.consent_at = datetime.fromisoformat(data["consent"])
    profile.consent_how = "in_person_by_observer" if observer else "self"
    profile.registered_by_id = observer.id if observer else None
    profile.registered_at = turn.now
    secretary = await assign_secretary(turn, worker.township)
    profile.secretary_id = secretary.id if secretary else None
    await turn.session.flush()
    record_status(
        turn.session, profile, "seeking", by=(observer or worker).id, reason="registered", at=turn.now,
        old_status=old_status,
    )
    await schedule_first_checkin(turn.session, worker.id, profile.secretary_id, turn.now, turn.settings)
    secretary_name = secretary.name if secretary else ""
    if observer:
        turn.say(turn.t("register.done_observer", name=worker.name, secretary=secretary_name or "-"))
    elif secretary:
        turn.say(turn.t("register.done", secretary=secretary_name, days=turn.settings.followups.first_after_days))
    else:
        turn.say(turn.t("register.done_no_secretary"))
    if secretary:
        key = "register.secretary_new_observer" if observer else "register.secretary_new"
        await tell_secretary(
            turn, secretary, key, f"registered:{worker.id}", about=worker,
            card=worker_card(worker, staff_language(turn, secretary)), observer=observer.name if observer else "",
        )
    if data.get("apply") and not observer:
        from flows.applications import apply_to

        posting_id = read_id(data["apply"])
        if posting_id is not None:
            await apply_to(turn, worker, posting_id)


async def _finish_edit(turn: Turn, data: Data) -> None:
    person = turn.person
    if person.profile is None:
        return
    _apply_answers(person, person.profile, data)
    turn.say(turn.t("profile.saved"))


REGISTER = forms.register_form(Form(FORM, STEPS, finish))


# --- entry points -------------------------------------------------------------------------------------


async def start_registration(turn: Turn, *, apply: int | None = None) -> None:
    """Begin registering (in private chat only); `apply` is a posting to apply to when done."""
    if turn.in_group:
        private_link(turn, f"apply_{apply}" if apply else "register")
        return
    person = turn.person
    if person.role == "observer":
        await forms.start(turn, REGISTER, _observer=True)
        return
    if is_registered(person):
        turn.say(turn.t("register.already"), [[turn.button(turn.t("profile.edit"), "profile.menu")]])
        return
    data: dict[str, Any] = {"apply": apply} if apply else {}
    await forms.start(turn, REGISTER, **data)


@router.intent("register")
async def register(turn: Turn) -> None:
    await start_registration(turn)


@router.action("register.start")
async def register_button(turn: Turn) -> None:
    await start_registration(turn, apply=read_id(turn.args.get("apply")))


@router.intent("update_profile")
async def update_profile(turn: Turn) -> None:
    if turn.in_group:
        private_link(turn, "profile")
        return
    if not is_registered(turn.person):
        turn.say(turn.t("register.needed"), [[turn.button(turn.t("register.start"), "register.start")]])
        return
    await profile_menu(turn)


@router.action("profile.menu")
async def profile_menu(turn: Turn) -> None:
    buttons = [turn.button(turn.t(f"profile.field_{name}"), "profile.edit", field=name) for name in EDITABLE]
    turn.say(turn.t("profile.which"), forms.rows(buttons, 2))


@router.action("profile.edit")
async def profile_edit(turn: Turn) -> None:
    if turn.in_group or not is_registered(turn.person):
        turn.say(turn.t("common.unknown_button"))
        return
    field = str(turn.args.get("field"))
    steps = EDITABLE.get(field)
    if steps is None:
        turn.say(turn.t("common.unknown_button"))
        return
    profile = turn.person.profile
    picked = list(profile.wanted_categories) if profile else []
    await forms.start(turn, REGISTER, steps=steps, _mode="edit", _picked=picked)


def in_private(turn: Turn) -> bool:
    return turn.inbound.chat_type == ChatType.PRIVATE
