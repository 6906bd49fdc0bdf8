"""The employer's posting form in chat: title, job category (read from the title, confirmed or changed), openings,
pay, place, requirements (age limits read from them), benefits, contact, deadline, then a summary to submit, change
a part, or cancel. A submitted posting waits as `pending` until staff approve it (flows/posting_review.py).

Every step takes typed answers (a number or a word for each button), re-asks with examples on anything else, and
answers questions asked on the way (the form engine, flows/forms.py). The same form edits a posting that is still
waiting (or was turned down): it opens at the summary with the stored answers.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

from flows import forms
from flows.answers import match_categories, parse_record_id, parse_yes_no, plain_answer
from flows.employers import employer_only, own_posting
from flows.forms import END, Data, Form, Invalid, Step
from flows.posting_answers import (
    UNKNOWN_OPENINGS,
    openings_value,
    read_age_limits,
    read_contact,
    read_deadline,
    read_free_text,
    read_openings,
    read_pay,
    read_place,
    read_title,
)
from flows.posting_review import ask_admins
from flows.router import Router
from flows.turn import Turn
from storage.importing.fields import parse_pay, parse_place
from storage.importing.postings import columns_of
from storage.models import Enterprise, Posting
from storage.queries.employers import last_contact
from storage.queries.locking import lock_row
from storage.states import PostingState
from storage.vocabulary import OTHER_CATEGORY, job_categories

router = Router("posting_form")
log = logging.getLogger(__name__)

FORM = "employer_post"
PICK = "__pick"  # "another category": the list is shown
SAME_PLACE = "__enterprise"
MINE = "__mine"
# The parts an employer may change from the summary, in order, and the steps each asks again.
PARTS = (
    ("title", ("title", "category", "category_pick")),
    ("category", ("category", "category_pick")),
    ("openings", ("openings",)),
    ("pay", ("pay",)),
    ("place", ("place",)),
    ("requirements", ("requirements",)),
    ("benefits", ("benefits",)),
    ("contact", ("contact",)),
    ("deadline", ("deadline",)),
)
PART_STEPS = dict(PARTS)
ANSWERS = ("title", "_guess", "category", "category_pick", "openings", "pay", "place", "requirements", "benefits",
           "contact", "deadline", "posting_id")


def categories() -> list[str]:
    return [*job_categories(), OTHER_CATEGORY]


def chosen_category(data: Data) -> str:
    picked = data.get("category")
    if picked is None or picked == PICK:
        return str(data.get("category_pick") or OTHER_CATEGORY)
    return str(picked)


def _typed_category(text: str) -> str | None:
    if plain_answer(text) == OTHER_CATEGORY:
        return OTHER_CATEGORY
    found, unknown = match_categories(text, job_categories())
    return found[0] if len(found) == 1 and not unknown else None


async def _enterprise(turn: Turn) -> Enterprise | None:
    return await turn.session.get(Enterprise, turn.person.enterprise_id) if turn.person.enterprise_id else None


# --- starting ----------------------------------------------------------------------------------------------------


@router.intent("employer_post")
@router.action("employer.post")
async def begin(turn: Turn) -> None:
    """发布岗位, /post: a new posting from its first question."""
    if not employer_only(turn):
        return
    turn.say(turn.t("posting_form.intro"))
    await forms.start(turn, POSTING)


@router.intent("employer_edit")
async def edit_command(turn: Turn) -> None:
    """/editjob 12, 修改岗位 12."""
    if employer_only(turn):
        await begin_edit(turn, parse_record_id(turn.command_argument.lstrip("#")))


@router.action("employer.edit")
async def edit_button(turn: Turn) -> None:
    if employer_only(turn):
        await begin_edit(turn, int(turn.args["posting"]))


def answers_of(posting: Posting) -> Data:
    """A stored posting as the form's answers (what the employer typed is kept in its text columns)."""
    return {
        "title": posting.title, "_guess": posting.job_category, "category": posting.job_category,
        "openings": UNKNOWN_OPENINGS if posting.openings is None else str(posting.openings),
        "pay": posting.salary_text or "面议", "place": posting.address or posting.township or posting.city,
        "requirements": posting.requirements, "benefits": posting.benefits,
        "contact": {"name": posting.contact_name, "phone": posting.contact_phone},
        "deadline": posting.deadline.isoformat() if posting.deadline else "", "posting_id": posting.id,
    }


async def begin_edit(turn: Turn, posting_id: int | None) -> None:
    """Open a posting that waits for review (or was turned down) at the summary, to change parts and resubmit."""
    posting = await own_posting(turn, posting_id)
    if posting is None:
        return
    if posting.status not in PostingState.EDITABLE:
        turn.say(turn.t("posting_form.not_editable", id=posting.id, status=turn.t(f"employer.status.{posting.status}")))
        return
    await forms.start(turn, POSTING, steps=["confirm"], **answers_of(posting))


# --- the steps ---------------------------------------------------------------------------------------------------


async def ask_title(turn: Turn, data: Data) -> None:
    turn.say(turn.t("posting_form.ask_title"))


async def answer_title(turn: Turn, data: Data, value: str, pressed: bool) -> Any:
    title = read_title(value)
    if title is None:
        return Invalid("posting_form.bad_title")
    guess = turn.categorise(title, "") if turn.categorise is not None else None
    data["_guess"] = guess.category if guess is not None else OTHER_CATEGORY
    data.pop("category", None)  # a new title: its category is asked again
    data.pop("category_pick", None)
    return title


async def ask_category(turn: Turn, data: Data) -> None:
    guess = str(data["_guess"])
    choices = [forms.choice(turn, turn.t("posting_form.category_yes", category=guess), guess),
               forms.choice(turn, turn.t("posting_form.category_other"), PICK)]
    turn.say(turn.t("posting_form.ask_category", category=guess), [choices])


async def answer_category(turn: Turn, data: Data, value: str, pressed: bool) -> Any:
    if pressed:
        return value
    typed = _typed_category(value)
    if typed is not None:
        return typed
    yes = parse_yes_no(value)
    if yes is True:
        return str(data["_guess"])
    if yes is False or plain_answer(value) in ("换一个", "换", "改", "不是这个", "选别的"):
        return PICK
    return Invalid("posting_form.bad_category", example=str(data["_guess"]))


async def ask_category_pick(turn: Turn, data: Data) -> None:
    key = "posting_form.pick_unknown" if data.get("_guess") in (None, OTHER_CATEGORY) else "posting_form.pick"
    choices = [forms.choice(turn, name, name) for name in categories()]
    turn.say(turn.t(key), forms.rows(choices, 3))


async def answer_category_pick(turn: Turn, data: Data, value: str, pressed: bool) -> Any:
    if pressed and value in categories():
        return value
    typed = _typed_category(value)
    return typed if typed is not None else Invalid("posting_form.bad_category_pick")


def _needs_pick(data: Data) -> bool:
    return data.get("_guess") in (None, OTHER_CATEGORY) or data.get("category") == PICK


async def ask_openings(turn: Turn, data: Data) -> None:
    turn.say(turn.t("posting_form.ask_openings"), [[forms.choice(turn, UNKNOWN_OPENINGS, UNKNOWN_OPENINGS)]])


async def answer_openings(turn: Turn, data: Data, value: str, pressed: bool) -> Any:
    found = read_openings(value)
    return found if found is not None else Invalid("posting_form.bad_openings")


async def ask_pay(turn: Turn, data: Data) -> None:
    turn.say(turn.t("posting_form.ask_pay"))


async def answer_pay(turn: Turn, data: Data, value: str, pressed: bool) -> Any:
    pay = read_pay(value)
    return pay.text if pay is not None else Invalid("posting_form.bad_pay")


def _enterprise_place(enterprise: Enterprise | None) -> str:
    if enterprise is None:
        return ""
    return enterprise.township or (enterprise.city if enterprise.city else "")


async def ask_place(turn: Turn, data: Data) -> None:
    place = _enterprise_place(await _enterprise(turn))
    buttons = [[forms.choice(turn, turn.t("posting_form.same_place", place=place), SAME_PLACE)]] if place else []
    turn.say(turn.t("posting_form.ask_place"), buttons)


async def answer_place(turn: Turn, data: Data, value: str, pressed: bool) -> Any:
    if pressed and value == SAME_PLACE:
        place = _enterprise_place(await _enterprise(turn))
        if place:
            return place
    found = read_place(value)
    return found.text if found is not None else Invalid("posting_form.bad_place")


async def ask_requirements(turn: Turn, data: Data) -> None:
    turn.say(turn.t("posting_form.ask_requirements"),
             [[forms.choice(turn, turn.t("posting_form.no_requirements"), "")]])


async def ask_benefits(turn: Turn, data: Data) -> None:
    turn.say(turn.t("posting_form.ask_benefits"), [[forms.choice(turn, turn.t("posting_form.no_benefits"), "")]])


async def answer_free_text(turn: Turn, data: Data, value: str, pressed: bool) -> Any:
    return "" if pressed else read_free_text(value)


async def _default_contact(turn: Turn) -> dict[str, str] | None:
    """The employer's own name and phone, else the contact of their last posting, else the enterprise's contact."""
    person = turn.person
    if person.phone:
        return {"name": person.name, "phone": person.phone}
    last = await last_contact(turn.session, person.id)
    if last is not None:
        return {"name": last[0], "phone": last[1]}
    enterprise = await _enterprise(turn)
    if enterprise is not None and enterprise.contact_phone:
        return {"name": enterprise.contact_name, "phone": enterprise.contact_phone}
    return None


async def ask_contact(turn: Turn, data: Data) -> None:
    mine = await _default_contact(turn)
    buttons = []
    if mine is not None:
        label = turn.t("posting_form.use_contact", contact=f"{mine['name']} {mine['phone']}".strip())
        buttons = [[forms.choice(turn, label, MINE)]]
    turn.say(turn.t("posting_form.ask_contact"), buttons, request_contact=turn.t("posting_form.share_phone"))


async def answer_contact(turn: Turn, data: Data, value: str, pressed: bool) -> Any:
    if pressed and value == MINE:
        mine = await _default_contact(turn)
        if mine is not None:
            return mine
    default = await _default_contact(turn)
    found = read_contact(value, turn.person.name or (default or {}).get("name", ""))
    if found is None:
        return Invalid("posting_form.bad_contact")
    return {"name": found.name, "phone": found.phone}


async def ask_deadline(turn: Turn, data: Data) -> None:
    month = (turn.today + timedelta(days=30)).isoformat()
    turn.say(turn.t("posting_form.ask_deadline"), [[
        forms.choice(turn, turn.t("posting_form.open_ended"), "长期"),
        forms.choice(turn, turn.t("posting_form.in_a_month", day=month), month),
    ]])


async def answer_deadline(turn: Turn, data: Data, value: str, pressed: bool) -> Any:
    found = read_deadline(value, turn.today)
    if found is None:
        return Invalid("posting_form.bad_deadline", latest=(turn.today + timedelta(days=365)).isoformat())
    return found.day.isoformat() if found.day else ""


def summary(turn: Turn, data: Data) -> str:
    """The posting as it will be stored (parsed again from the answers: what staff and workers will see)."""
    contact = data.get("contact") or {}
    low, high = read_age_limits(str(data.get("requirements", "")))
    if low is None and high is None:
        age = turn.t("posting_form.age_none")
    elif low is None:
        age = turn.t("posting_form.age_max", age=high)
    elif high is None:
        age = turn.t("posting_form.age_min", age=low)
    else:
        age = turn.t("posting_form.age_range", low=low, high=high)
    openings = str(data.get("openings", ""))
    return turn.t(
        "posting_form.summary", title=data.get("title", ""), category=chosen_category(data),
        openings=turn.t("posting_form.openings_unknown") if openings == UNKNOWN_OPENINGS else openings,
        pay=data.get("pay", ""), place=data.get("place", ""), requirements=data.get("requirements") or "-", age=age,
        benefits=data.get("benefits") or "-", contact=f"{contact.get('name', '')} {contact.get('phone', '')}".strip(),
        deadline=data.get("deadline") or turn.t("posting_form.open_ended"),
    )


async def ask_confirm(turn: Turn, data: Data) -> None:
    key = "posting_form.confirm_edit" if data.get("posting_id") else "posting_form.confirm"
    turn.say(turn.t(key, summary=summary(turn, data)), [[
        forms.choice(turn, turn.t("posting_form.submit"), "submit"),
        forms.choice(turn, turn.t("posting_form.change"), "edit"),
        forms.choice(turn, turn.t("posting_form.cancel"), "cancel"),
    ]])


SUBMIT_WORDS = frozenset({"提交", "提交审核", "发布", "确认提交", "submit"})
CHANGE_WORDS = frozenset({"修改", "改", "改一下", "要改", "change", "edit"})


async def answer_confirm(turn: Turn, data: Data, value: str, pressed: bool) -> Any:
    word = plain_answer(value)
    if value == "cancel" and pressed:
        turn.say(turn.t("common.cancelled"))
        return END
    if pressed and value in ("submit", "edit"):
        return value
    if word in SUBMIT_WORDS or parse_yes_no(value) is True:
        return "submit"
    if word in CHANGE_WORDS or _part_named(value) is not None:
        data["_part"] = _part_named(value)
        return "edit"
    return Invalid("posting_form.use_buttons")


def _part_named(text: str) -> str | None:
    """The part a typed word names ("工资", "改地点"), for changing it straight from the summary."""
    word = plain_answer(text).removeprefix("改").removeprefix("修改")
    for part, _ in PARTS:
        names = [plain_answer(name) for name in PART_WORDS[part]]
        if word and word in names:
            return part
    return None


PART_WORDS = {
    "title": ("岗位名称", "名称", "岗位", "title"), "category": ("工种", "category"),
    "openings": ("人数", "招几个人", "openings"), "pay": ("工资", "工资待遇", "薪资", "pay", "salary"),
    "place": ("地点", "工作地点", "地址", "place"), "requirements": ("要求", "岗位要求", "年龄", "requirements"),
    "benefits": ("待遇", "福利", "benefits"), "contact": ("联系人", "电话", "联系方式", "contact"),
    "deadline": ("截止日期", "截止", "日期", "deadline"),
}


async def ask_field(turn: Turn, data: Data) -> None:
    choices = [forms.choice(turn, turn.t(f"posting_form.part.{part}"), part) for part, _ in PARTS]
    turn.say(turn.t("posting_form.ask_field"), forms.rows(choices, 3))


async def answer_field(turn: Turn, data: Data, value: str, pressed: bool) -> Any:
    if pressed and value in PART_STEPS:
        return value
    part = _part_named(value)
    return part if part is not None else Invalid("posting_form.bad_field")


async def finish(turn: Turn, data: Data) -> None:
    """Submitted: stored as pending and sent to the admins. "Change": a run asking which part (unless it was named),
    then a run asking that part and showing the summary again; each is a run of its own, so no run goes back."""
    kept = {key: data[key] for key in ANSWERS if key in data}
    if data.get("confirm") == "edit":
        part = data.get("_part")
        if part in PART_STEPS:
            await forms.start(turn, POSTING, steps=[*PART_STEPS[str(part)], "confirm"], **kept)
        else:
            await forms.start(turn, POSTING, steps=["field"], _choosing=True, **kept)
        return
    if data.get("field") in PART_STEPS:
        await forms.start(turn, POSTING, steps=[*PART_STEPS[str(data["field"])], "confirm"], **kept)
        return
    if not employer_only(turn):
        return
    await submit(turn, data)


def posting_columns(data: Data) -> dict[str, Any]:
    """The posting's columns from the answers, read by the same parsers as an imported sheet."""
    contact = data.get("contact") or {}
    requirements = str(data.get("requirements") or "")
    age_min, age_max = read_age_limits(requirements)
    deadline = str(data.get("deadline") or "")
    return {
        "title": str(data["title"]), "job_category": chosen_category(data),
        "openings": openings_value(str(data["openings"])),
        **columns_of("pay", parse_pay(str(data["pay"]))), **columns_of("place", parse_place(str(data["place"]))),
        "requirements": requirements, "benefits": str(data.get("benefits") or "")[:256],
        "age_min": age_min, "age_max": age_max,
        "contact_name": str(contact.get("name", ""))[:32], "contact_phone": str(contact.get("phone", ""))[:32],
        "deadline": date.fromisoformat(deadline) if deadline else None,
    }


async def submit(turn: Turn, data: Data) -> None:
    person = turn.person
    columns = posting_columns(data)
    if data.get("posting_id"):
        posting = await own_posting(turn, int(data["posting_id"]))
        if posting is None:
            return
        posting = await lock_row(turn.session, Posting, posting.id)  # an admin's approval waits, or went first
        if posting is None or posting.status not in PostingState.EDITABLE:
            gone = posting.status if posting else PostingState.CLOSED
            turn.say(turn.t("posting_form.not_editable", id=data["posting_id"], status=turn.t(f"employer.status.{gone}")))
            return
        for column, value in columns.items():
            setattr(posting, column, value)
        posting.status, posting.revision, posting.submitted_at = PostingState.PENDING, posting.revision + 1, turn.now
        posting.review_note, posting.reviewed_at, posting.reviewed_by_id = "", None, None
        await turn.session.flush()
    else:
        posting = Posting(enterprise_id=person.enterprise_id, status=PostingState.PENDING, submitted_by_id=person.id,
                          submitted_at=turn.now, created_at=turn.now, **columns)
        turn.session.add(posting)
        await turn.session.flush()
    posting = await own_posting(turn, posting.id)
    assert posting is not None
    await ask_admins(turn.session, posting, now=turn.now, default_language=turn.settings.default_language)
    log.info("employer %s submitted posting %s (revision %s)", person.id, posting.id, posting.revision)
    turn.say(turn.t("posting_form.submitted", id=posting.id, title=posting.title))


POSTING = forms.register_form(Form(FORM, (
    Step("title", ask_title, answer_title, free_text=True, sample="春茶采摘工"),
    Step("category", ask_category, answer_category, when=lambda data: data.get("_guess") not in (None, OTHER_CATEGORY),
         sample="对"),
    Step("category_pick", ask_category_pick, answer_category_pick, when=_needs_pick, sample="采茶工"),
    Step("openings", ask_openings, answer_openings, sample="30人"),
    Step("pay", ask_pay, answer_pay, sample="计件,月均3500元"),
    Step("place", ask_place, answer_place, sample="峨眉山市双福镇青春村茶园"),
    Step("requirements", ask_requirements, answer_free_text, free_text=True, sample="18-55岁，身体健康"),
    Step("benefits", ask_benefits, answer_free_text, free_text=True, sample="包午饭"),
    Step("contact", ask_contact, answer_contact, takes_contact=True, sample="王经理 13912345678"),
    Step("deadline", ask_deadline, answer_deadline, sample="长期"),
    Step("confirm", ask_confirm, answer_confirm, sample="提交"),
    Step("field", ask_field, answer_field, when=lambda data: bool(data.get("_choosing")), sample="工资"),
), finish, topic="employer_help"))
