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
    date_in_window,
    is_skip,
    match_categories,
    match_name,
    normalise_phone,
    parse_date,
    parse_monthly_pay,
    parse_ordinals,
    parse_person_name,
    parse_place_name,
    parse_province,
    parse_yes_no,
    pay_in_range,
    plain_answer,
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
from storage.states import EmploymentStatus, Role
from storage.vocabulary import job_categories, townships, villages

router = Router("registration")

FORM = "register"
OTHER = "__other"
SKIP = "skip"
# Provinces most of the county's migrants return from; 湖北 marks the hardest-hit area of spring 2020.
PROVINCES = ("湖北", "广东", "浙江", "福建", "江苏", "上海", "北京", "重庆", "新疆")
HARDEST_HIT = frozenset({"湖北"})
ORIGINS = ("out", "in", "none")
HOME_PROVINCE = "四川"
# Typed answers to "did you come back from working away?" beyond yes and no (containment, normalised).
STAYED_HOME = ("没有外出", "没外出", "没出去", "没有出去", "没出门", "没有出门", "一直在家", "没去打工", "没有打工",
               "未外出", "在本地", "本地打工", "在家")
FROM_OUTSIDE = ("省外", "外省")
FROM_INSIDE = ("省内", "本省", "四川")
DONE_WORDS = frozenset({"选好了", "好了", "选好", "完成", "就这些", "就这些了", "done", "ok", "好"})
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
    agreed = (value == "yes") if pressed else parse_yes_no(value)
    if agreed is True:
        return turn.now.isoformat()
    if agreed is False:
        turn.say(turn.t("register.declined"))
        return END
    return Invalid("register.consent_unclear")


async def ask_name(turn: Turn, data: Data) -> None:
    turn.say(turn.t("register.ask_worker_name" if _observer(data) else "register.ask_name"))


def not_names() -> list[str]:
    """Words that are answers to other questions, never a person's or a village's name."""
    words = [*townships(), *(name.removesuffix(suffix) for name in townships() for suffix in TOWNSHIP_SUFFIXES
                             if name.endswith(suffix)), *PROVINCES]
    for name, aliases in job_categories().items():
        words += [name, *aliases]
    return words


async def answer_name(turn: Turn, data: Data, value: str, pressed: bool) -> Any:
    return parse_person_name(value, not_names()) or Invalid("register.bad_name")


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
    key = "register.ask_worker_township" if _observer(data) else "register.ask_township"
    turn.say(turn.t(key), forms.rows(buttons, 3), remove_keyboard=True)


async def answer_township(turn: Turn, data: Data, value: str, pressed: bool) -> Any:
    township = value if pressed and value in townships() else match_name(value, townships(), TOWNSHIP_SUFFIXES)
    return township or Invalid("register.bad_township", example=townships()[0])


async def ask_village(turn: Turn, data: Data) -> None:
    buttons = [forms.choice(turn, name, name) for name in villages(data.get("township", ""))]
    buttons.append(forms.choice(turn, turn.t("register.other_village"), OTHER))
    key = "register.ask_worker_village" if _observer(data) else "register.ask_village"
    turn.say(turn.t(key, township=data.get("township", "")), forms.rows(buttons, 3))


async def answer_village(turn: Turn, data: Data, value: str, pressed: bool) -> Any:
    if value == OTHER:
        return Invalid("register.type_village")
    known = villages(data.get("township", ""))
    if pressed and value in known:
        return value
    found = match_name(value, known, ("社区", "村"))
    if found:
        return found
    typed = parse_place_name(value, not_names())
    if typed is None:
        return Invalid("register.bad_village", example=known[0] if known else "张山村")
    return typed


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
    if pressed and value == "done" or not pressed and plain_answer(value) in DONE_WORDS:
        return picked or Invalid("register.categories_none")
    if is_skip(value):
        return []  # any work
    names = list(job_categories())
    numbers = parse_ordinals(value, len(names))
    if numbers:
        # A typed number picks as its button does and the step stays open for more ("选好了" ends it, as the
        # question says); typing never un-picks, so a worker editing their choices who types the number of one
        # already ticked keeps it.
        picked = [*picked, *(names[n - 1] for n in numbers if names[n - 1] not in picked)]
        data["_picked"] = picked
        turn.say(turn.t("register.categories_picked", chosen="、".join(picked)), _category_keyboard(turn, picked))
        return STAY
    found, unknown = match_categories(value, job_categories())
    if unknown or not found:
        what = "、".join(unknown)[:20] or plain_answer(value)[:20]
        return Invalid("register.bad_categories", what=what)
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
    if not date_in_window(found, turn.today):
        return Invalid("register.far_date")
    return found.isoformat()


async def ask_origin(turn: Turn, data: Data) -> None:
    buttons = [forms.choice(turn, turn.t(f"register.origin_{value}"), value) for value in ORIGINS]
    turn.say(turn.t("register.ask_origin"), [[b] for b in buttons])


async def answer_origin(turn: Turn, data: Data, value: str, pressed: bool) -> Any:
    if pressed:
        return value if value in ORIGINS else Invalid("register.bad_origin")
    plain = plain_answer(value)
    province = parse_province(value)
    if any(word in plain for word in STAYED_HOME):
        return "none"
    if province is not None and province != HOME_PROVINCE:
        data["province"] = province  # "从广东回来的" answers the next question too
        return "out"
    if any(word in plain for word in FROM_OUTSIDE) or plain in ("out", "outside"):
        return "out"
    if any(word in plain for word in FROM_INSIDE) or plain in ("in", "inside"):
        return "in"
    answer = parse_yes_no(value)
    if answer is False or plain == "none":
        return "none"
    if answer is True:
        return Invalid("register.origin_which")
    return Invalid("register.bad_origin")


async def ask_province(turn: Turn, data: Data) -> None:
    buttons = [forms.choice(turn, name, name) for name in PROVINCES]
    buttons.append(forms.choice(turn, turn.t("register.other_province"), OTHER))
    turn.say(turn.t("register.ask_province"), forms.rows(buttons, 3))


async def answer_province(turn: Turn, data: Data, value: str, pressed: bool) -> Any:
    if pressed:
        return "其他" if value == OTHER else value if value in PROVINCES else Invalid("register.bad_province")
    province = parse_province(value)
    if province is None or province == HOME_PROVINCE:
        return Invalid("register.bad_province")
    return province


STEPS = (
    Step("consent", ask_consent, answer_consent, sample="同意"),
    Step("name", ask_name, answer_name, free_text=True, sample="刘大姐"),
    Step("phone", ask_phone, answer_phone, takes_contact=True, sample="13812345678"),
    # Not asked while registering (the form stays as short as the SPEC's); offered in "改资料" (profile edits).
    Step("id_number", ask_id_number, answer_id_number, sample="511181199003071230",
         when=lambda data: data.get("_mode") == "edit"),
    Step("township", ask_township, answer_township, sample="双福镇"),
    Step("village", ask_village, answer_village, free_text=True, sample="永兴村"),
    Step("categories", ask_categories, answer_categories, typed_choices=False, sample="采茶、进厂"),
    Step("min_pay", ask_min_pay, answer_min_pay, sample="3000"),
    Step("available", ask_available, answer_available, sample="明天"),
    Step("origin", ask_origin, answer_origin, sample="省外"),
    Step("province", ask_province, answer_province, sample="湖北",
         when=lambda data: data.get("origin") == "out" and not data.get("province")),
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
        worker = Person(role=Role.WORKER, name="")
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
        turn.session, profile, EmploymentStatus.SEEKING, by=(observer or worker).id, reason="registered", at=turn.now,
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
    if person.role == Role.OBSERVER:
        await forms.start(turn, REGISTER, _observer=True, _title="forms.title.observer")
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


# Words that name a part of the profile ("改乡镇", "换个电话"), checked in this order.
FIELD_WORDS = (
    ("phone", ("手机", "电话", "号码", "phone")),
    ("place", ("乡镇", "村", "地址", "住址", "街道", "place", "village", "township")),
    ("categories", ("工种", "想做", "工作", "活路", "job")),
    ("min_pay", ("工资", "薪", "钱", "pay", "wage")),
    ("available", ("上岗", "时间", "哪天", "什么时候", "date", "start")),
    ("name", ("名字", "姓名", "称呼", "name")),
)


def field_named(text: str) -> str | None:
    """The profile field a message names ("改乡镇" → place, "换个手机号" → phone), if exactly one."""
    plain = plain_answer(text)
    named = [field for field, words in FIELD_WORDS if any(word in plain for word in words)]
    return named[0] if len(named) == 1 else None


@router.intent("update_profile")
async def update_profile(turn: Turn) -> None:
    if turn.in_group:
        private_link(turn, "profile")
        return
    if not is_registered(turn.person):
        turn.say(turn.t("register.needed"), [[turn.button(turn.t("register.start"), "register.start")]])
        return
    field = field_named(turn.inbound.text) if turn.parse is not None else None
    if field is not None:
        await edit_field(turn, field)
        return
    await profile_menu(turn)


@router.action("profile.menu")
async def profile_menu(turn: Turn) -> None:
    if turn.in_group or not is_registered(turn.person):
        turn.say(turn.t("common.unknown_button"))
        return
    await forms.start(turn, PROFILE_MENU)


async def ask_field(turn: Turn, data: Data) -> None:
    buttons = [forms.choice(turn, turn.t(f"profile.field_{name}"), name) for name in EDITABLE]
    turn.say(turn.t("profile.which"), forms.rows(buttons, 2))


async def answer_field(turn: Turn, data: Data, value: str, pressed: bool) -> Any:
    field = value if pressed else field_named(value)
    return field if field in EDITABLE else Invalid("profile.which_unclear")


async def edit_chosen(turn: Turn, data: Data) -> None:
    await edit_field(turn, str(data["field"]))


PROFILE_MENU = forms.register_form(Form("profile", (Step("field", ask_field, answer_field, sample="乡镇"),), edit_chosen))


@router.action("profile.edit")
async def profile_edit(turn: Turn) -> None:
    await edit_field(turn, str(turn.args.get("field")))


async def edit_field(turn: Turn, field: str) -> None:
    """A run of the registration form with only the steps of one part of the profile."""
    if turn.in_group or not is_registered(turn.person):
        turn.say(turn.t("common.unknown_button"))
        return
    steps = EDITABLE.get(field)
    if steps is None:
        turn.say(turn.t("common.unknown_button"))
        return
    profile = turn.person.profile
    picked = list(profile.wanted_categories) if profile else []
    await forms.start(turn, REGISTER, steps=steps, _mode="edit", _picked=picked, _title="forms.title.profile",
                      _as=PROFILE_MENU.name)


def in_private(turn: Turn) -> bool:
    return turn.inbound.chat_type == ChatType.PRIVATE
