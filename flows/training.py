"""Skills training: the catalogue of upcoming courses, details, enrolment, and reminders before the start."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from flows import access, forms
from flows.answers import match_choice, parse_yes_no
from flows.forms import Data, Form, Invalid, Step
from flows.i18n import t
from flows.listing import narrowed_else_all
from flows.messages import Reply
from flows.notify import notify_person
from flows.router import Router
from flows.turn import FlowSettings, Turn
from flows.when import local_span, local_time
from storage.db import Database
from storage.models import Enrollment, Person
from storage.queries.training import (
    EnrolResult,
    Offer,
    enrol,
    reminder_candidates,
    training_offer,
    upcoming_trainings,
)

router = Router("training")

# A reminder goes out this long before a course starts.
REMINDER_LEAD = timedelta(hours=24)
# How many courses one catalogue answer lists (groups get fewer).
CATALOGUE_SIZE = 5
GROUP_CATALOGUE_SIZE = 3

# Which training topic suits a worker asking about a job category (canonical names on both sides).
TOPIC_OF_CATEGORY = {
    "采茶工": "采茶技术",
    "制茶工": "制茶技术",
    "电焊工": "电焊",
    "家政": "家政服务",
    "保洁": "家政服务",
    "电工": "电工",
    "厨师": "厨师",
    "护工": "养老护理",
    "销售": "电商直播",
    "种植工": "农业种植",
    "养殖工": "农业种植",
    "司机": "挖掘机驾驶",
    "建筑工": "挖掘机驾驶",
}


def wanted_topics(training: Iterable[str], categories: Iterable[str]) -> list[str]:
    """Topics asked for: named trainings first, then the topics of named job categories, no repeats."""
    topics = [*training, *(TOPIC_OF_CATEGORY[c] for c in categories if c in TOPIC_OF_CATEGORY)]
    return list(dict.fromkeys(str(topic) for topic in topics))


def reminder_due(
    starts_at: datetime, reminded_at: datetime | None, now: datetime, lead: timedelta = REMINDER_LEAD
) -> bool:
    """An enrolment is reminded once, within `lead` before its course starts (never after the start)."""
    return reminded_at is None and now < starts_at <= now + lead


def _place(turn: Turn, offer: Offer) -> str:
    training = offer.training
    if training.mode == "online":
        return turn.t("training.online")
    return turn.t("training.offline", place=training.location or "—")


def card(turn: Turn, offer: Offer) -> str:
    training = offer.training
    seats = (
        turn.t("training.seats", left=offer.seats_left) if offer.seats_left else turn.t("training.full_short")
    )
    return turn.t(
        "training.card",
        title=training.title,
        when=local_span(training.starts_at, training.ends_at, turn.settings.zone, turn.language),
        place=_place(turn, offer),
        seats=seats,
        subsidy=training.subsidy or turn.t("training.no_subsidy"),
    )


async def show_catalogue(turn: Turn, topics: Sequence[str] = (), *, enrolling: bool = False) -> None:
    """The upcoming courses (of the topics given, else all), each with details and enrol buttons."""
    size = GROUP_CATALOGUE_SIZE if turn.in_group else CATALOGUE_SIZE
    offers = await narrowed_else_all(
        turn,
        lambda narrowed: upcoming_trainings(turn.session, now=turn.now, topics=topics if narrowed else (), limit=size),
        narrowed=bool(topics),
        nothing_for_that=turn.t("training.none_for_topic", topic="、".join(topics)),
        nothing_at_all=turn.t("training.none"),
    )
    if not offers:
        return
    intro = "training.choose" if enrolling else "training.intro"
    turn.say(turn.t(intro, count=len(offers)))
    for offer in offers:
        row = [turn.button(turn.t("training.details"), "training.details", training=offer.training.id)]
        if not turn.in_group and offer.seats_left:
            row.append(turn.button(turn.t("training.enroll"), "training.enroll", training=offer.training.id))
        turn.say(card(turn, offer), [row])
    if turn.in_group:
        turn.say(turn.t("training.enrol_in_private"), access.private_chat_buttons(turn))


def _topics(turn: Turn) -> list[str]:
    return wanted_topics(turn.entity_values("training"), turn.entity_values("job_category"))


@router.intent("training_question")
async def training_question(turn: Turn) -> None:
    await show_catalogue(turn, _topics(turn))


@router.intent("training_enroll")
async def training_enroll(turn: Turn) -> None:
    """"我要报名培训": the open courses (of the topic named) as a numbered choice, answerable by typing."""
    if not access.require_private_and_registered(turn):
        return
    topics = _topics(turn)
    offers = await upcoming_trainings(turn.session, now=turn.now, topics=topics, limit=CATALOGUE_SIZE)
    if topics and not any(offer.seats_left for offer in offers):
        turn.say(turn.t("training.none_for_topic", topic="、".join(topics)))
        offers = await upcoming_trainings(turn.session, now=turn.now, limit=CATALOGUE_SIZE)
    open_offers = [offer for offer in offers if offer.seats_left]
    if not open_offers:
        await show_catalogue(turn, enrolling=True)  # says there is none, or shows the full ones
        return
    courses = [[offer.training.id, offer.training.title, offer.training.starts_at.isoformat()] for offer in open_offers]
    await forms.start(turn, ENROLMENT, _offers=courses)


async def ask_course(turn: Turn, data: Data) -> None:
    lines = [turn.t("training.choose", count=len(data["_offers"]))]
    buttons = []
    for number, (training_id, title, starts_at) in enumerate(data["_offers"], start=1):
        when = local_time(datetime.fromisoformat(starts_at), turn.settings.zone, turn.language)
        lines.append(turn.t("training.choice_line", number=number, title=title, when=when))
        buttons.append([forms.choice(turn, f"{number}. {title}", str(training_id))])
    lines.append(turn.t("training.choose_hint"))
    turn.say("\n".join(lines), buttons)


async def answer_course(turn: Turn, data: Data, value: str, pressed: bool) -> int | Invalid:
    offers = data["_offers"]
    ids = [int(offer[0]) for offer in offers]
    if pressed:
        return int(value) if value.isdigit() and int(value) in ids else Invalid("training.bad_choice", most=len(ids))
    index = match_choice(value, [str(offer[1]) for offer in offers])
    if index is None and len(ids) == 1 and parse_yes_no(value):
        index = 0
    if index is None:
        return Invalid("training.bad_choice", most=len(ids))
    return ids[index]


async def enrol_chosen(turn: Turn, data: Data) -> None:
    await enrol_in(turn, int(data["course"]))


ENROLMENT = forms.register_form(
    Form("enrolment", (Step("course", ask_course, answer_course, sample="1"),), enrol_chosen, topic="training_question")
)


@router.action("training.list")
async def catalogue_button(turn: Turn) -> None:
    await show_catalogue(turn)


@router.action("training.details")
async def details(turn: Turn) -> None:
    offer = await training_offer(turn.session, int(turn.args["training"]))
    if offer is None:
        turn.say(turn.t("common.unknown_button"))
        return
    training = offer.training
    parts = [card(turn, offer)]
    if training.organiser:
        parts.append(turn.t("training.organiser", organiser=training.organiser))
    parts.extend(text for text in (training.description, training.requirements) if text)
    buttons = []
    if not turn.in_group and offer.seats_left and training.starts_at > turn.now:
        buttons = [[turn.button(turn.t("training.enroll"), "training.enroll", training=training.id)]]
    turn.say("\n".join(parts), buttons)


@router.action("training.enroll")
async def enroll_button(turn: Turn) -> None:
    await enrol_in(turn, int(turn.args["training"]))


async def enrol_in(turn: Turn, training_id: int) -> None:
    """Enrol the person speaking in a course and say how it went (enrolled, already, full, started)."""
    if not access.require_private_and_registered(turn):
        return
    result = await enrol(turn.session, training_id=training_id, worker_id=turn.person.id, now=turn.now)
    offer = await training_offer(turn.session, training_id)
    if result is EnrolResult.MISSING or offer is None:
        turn.say(turn.t("common.unknown_button"))
        return
    training = offer.training
    when = local_time(training.starts_at, turn.settings.zone, turn.language)
    if result is EnrolResult.ENROLLED:
        turn.say(turn.t("training.enrolled", title=training.title, when=when, place=_place(turn, offer)))
    elif result is EnrolResult.ALREADY:
        turn.say(turn.t("training.already", title=training.title, when=when))
    elif result is EnrolResult.FULL:
        turn.say(
            turn.t("training.full", title=training.title),
            [[turn.button(turn.t("training.others"), "training.list")]],
        )
    else:
        turn.say(turn.t("training.started", title=training.title))


# --- reminders (called by the scheduler) ----------------------------------------------------------------


def reminder(enrollment: Enrollment, person: Person | None, settings: FlowSettings) -> Reply:
    language = (person.language if person else None) or settings.default_language
    training = enrollment.training
    place = t("training.online", language) if training.mode == "online" else training.location
    return Reply(
        t(
            "training.reminder",
            language,
            title=training.title,
            place=place,
            when=local_time(training.starts_at, settings.zone, language),
        )
    )


async def send_training_reminders(db: Database, now: datetime, settings: FlowSettings | None = None) -> int:
    """Queue a reminder for every enrolment whose course starts within the lead time; returns how many."""
    settings = settings or FlowSettings()
    queued = 0
    async with db.session() as session:
        for enrollment in await reminder_candidates(session, now=now, until=now + REMINDER_LEAD):
            if not reminder_due(enrollment.training.starts_at, enrollment.reminded_at, now):
                continue
            enrollment.reminded_at = now  # also when they cannot be reached: not tried again every tick
            if await notify_person(
                session,
                enrollment.worker_id,
                lambda person, enrollment=enrollment: reminder(enrollment, person, settings),
                purpose=f"training-reminder:{enrollment.id}",
            ):
                queued += 1
    return queued
