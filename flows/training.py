"""Skills training: the catalogue of upcoming courses, details, enrolment, and reminders before the start."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from flows import access, forms
from flows.answers import match_choice, parse_yes_no
from flows.dialogue import Move, Topic, criteria_of
from flows.forms import Data, Form, Invalid, Step
from flows.i18n import t
from flows.listing import narrowed_else_all, take_notes
from flows.messages import Reply
from flows.notify import notify_person
from flows.resume import continue_in_private
from flows.router import Router
from flows.turn import FlowSettings, Turn
from flows.when import local_day, local_span, local_time
from storage.db import Database
from storage.models import Enrollment, Person
from storage.numbers import read_id
from storage.queries.training import (
    EnrolResult,
    Offer,
    enrol,
    reminder_candidates,
    training_offer,
    upcoming_trainings,
)
from storage.trades import TRAINING_TOPIC_OF_CATEGORY

router = Router("training")

# A reminder goes out this long before a course starts.
REMINDER_LEAD = timedelta(hours=24)
# How many courses one catalogue answer lists (groups get fewer).
CATALOGUE_SIZE = 5
GROUP_CATALOGUE_SIZE = 3
# How many upcoming courses a catalogue answer remembers for "还有吗".
CATALOGUE_MEMORY = 20
# What `answer_about` can say of each course.
ABOUT = ("seats", "time", "place", "pay", "requirements")


def wanted_topics(training: Iterable[str], categories: Iterable[str]) -> list[str]:
    """Topics asked for: named trainings first (a course named by a trade the NLU knows no course of, 司机培训, is
    that trade's topic here, else the trade: "no such course" is then said), then the topics of named job
    categories, no repeats."""
    topics = [*(TRAINING_TOPIC_OF_CATEGORY.get(t, t) for t in training),
              *(TRAINING_TOPIC_OF_CATEGORY[c] for c in categories if c in TRAINING_TOPIC_OF_CATEGORY)]
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


def compact_line(turn: Turn, number: int, offer: Offer) -> str:
    """One course on one line of a numbered list."""
    training = offer.training
    seats = turn.t("training.seats", left=offer.seats_left) if offer.seats_left else turn.t("training.full_short")
    when = local_time(training.starts_at, turn.settings.zone, turn.language)
    return turn.t("training.line", number=number, title=training.title, when=when, place=_place(turn, offer),
                  seats=seats)


def _day(criteria: dict[str, Any]) -> date | None:
    try:
        return date.fromisoformat(str(criteria["date"])) if criteria.get("date") else None
    except ValueError:
        return None


def topics_of(criteria: dict[str, Any]) -> list[str]:
    return wanted_topics(criteria.get("training") or (), criteria.get("job_category") or ())


async def _offers(turn: Turn, topics: Sequence[str], day: date | None) -> list[Offer]:
    since = datetime.combine(day, time.min, tzinfo=turn.settings.zone) if day and day > turn.today else None
    return await narrowed_else_all(
        turn,
        lambda narrowed: upcoming_trainings(
            turn.session, now=turn.now, topics=topics if narrowed else (), since=since, limit=CATALOGUE_MEMORY
        ),
        narrowed=bool(topics),
        nothing_for_that=turn.t("training.none_for_topic", topic="、".join(topics)),
        nothing_at_all=turn.t("training.none"),
    )


def _show_offers(turn: Turn, offers: Sequence[Offer], first: int, heading: str, rest: bool) -> None:
    """Courses numbered from `first`: cards with details and enrol buttons, or one numbered message."""
    if turn.compact:
        lines = [heading, *(compact_line(turn, first + i, offer) for i, offer in enumerate(offers))]
        lines.append(turn.t("training.hint_group" if turn.in_group else "training.hint_more" if rest else "training.hint"))
        turn.say("\n".join(line for line in lines if line), continue_in_private(turn) if turn.in_group else [])
        return
    if heading:
        turn.say(heading)
    for number, offer in enumerate(offers, start=first):
        row = [turn.button(turn.t("training.details"), "training.details", training=offer.training.id)]
        if offer.seats_left:
            row.append(turn.button(turn.t("training.enroll"), "training.enroll", training=offer.training.id))
        turn.say(f"{number}. {card(turn, offer)}", [row])


async def show_catalogue(
    turn: Turn, topics: Sequence[str] = (), *, enrolling: bool = False, criteria: dict[str, Any] | None = None,
    move: Move = Move.NEW, previous: dict[str, Any] | None = None,
) -> None:
    """The upcoming courses (of the topics given, from the day asked, else all), numbered; remembered as the
    list "第一个" and "还有吗" refer to."""
    criteria = dict(criteria or {})
    size = GROUP_CATALOGUE_SIZE if turn.in_group else CATALOGUE_SIZE
    mark = len(turn.replies)
    offers = await _offers(turn, topics, _day(criteria))
    turn.remember(Topic.TRAINING, criteria, [o.training.id for o in offers], seen=size, previous=previous)
    if not offers:
        return
    page = offers[:size]
    lines = [*take_notes(turn, mark), turn.t("training.choose" if enrolling else "training.intro", count=len(page))]
    if move is not Move.NEW:
        what = "、".join([*topics, *([local_day(d, turn.language)] if (d := _day(criteria)) else [])])
        lines.insert(0, turn.t("training.understood", what=what or turn.t("training.all")))
    _show_offers(turn, page, 1, "\n".join(lines), len(offers) > size)


def _topics(turn: Turn) -> list[str]:
    return wanted_topics(turn.entity_values("training"), turn.entity_values("job_category"))


def _criteria(turn: Turn) -> dict[str, Any]:
    return criteria_of(Topic.TRAINING, turn.parse.entities if turn.parse else [])


@router.intent("training_question")
async def training_question(turn: Turn) -> None:
    await show_catalogue(turn, _topics(turn), criteria=_criteria(turn))


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
        chosen = read_id(value)
        return chosen if chosen in ids else Invalid("training.bad_choice", most=len(ids))
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


async def show_training(turn: Turn, training_id: int, number: int | None = None) -> None:
    """A course in full, with the enrol button (in a group: the way to the private chat)."""
    offer = await training_offer(turn.session, training_id)
    if offer is None:
        turn.say(turn.t("common.unknown_button"))
        return
    turn.look_at(Topic.TRAINING, training_id)
    training = offer.training
    parts = [f"{number}. {card(turn, offer)}" if number else card(turn, offer)]
    if training.organiser:
        parts.append(turn.t("training.organiser", organiser=training.organiser))
    parts.extend(text for text in (training.description, training.requirements) if text)
    open_for_enrolment = offer.seats_left and training.starts_at > turn.now
    if turn.in_group:
        turn.say("\n".join(parts), continue_in_private(turn))
    elif turn.compact:
        hint = [turn.t("training.hint_enrol")] if open_for_enrolment else []
        turn.say("\n".join([*parts, *hint]))
    else:
        buttons = [[turn.button(turn.t("training.enroll"), "training.enroll", training=training.id)]] \
            if open_for_enrolment else []
        turn.say("\n".join(parts), buttons)


@router.action("training.details")
async def details(turn: Turn) -> None:
    training_id = int(turn.args["training"])
    shown = turn.context.shown if turn.context and turn.context.topic == Topic.TRAINING else None
    await show_training(turn, training_id, shown.items.index(training_id) + 1 if shown and training_id in shown.items
                        else None)


async def enrol_in(turn: Turn, training_id: int) -> None:
    """Enrol the person speaking (once), and say how it went."""
    if not access.require_private_and_registered(turn):
        return
    result = await enrol(turn.session, training_id=training_id, worker_id=turn.person.id, now=turn.now)
    offer = await training_offer(turn.session, training_id)
    if result is EnrolResult.MISSING or offer is None:
        turn.say(turn.t("common.unknown_button"))
        return
    turn.look_at(Topic.TRAINING, training_id)
    training = offer.training
    when = local_time(training.starts_at, turn.settings.zone, turn.language)
    if result is EnrolResult.ENROLLED:
        turn.say(turn.t("training.enrolled", title=training.title, when=when, place=_place(turn, offer)))
    elif result is EnrolResult.ALREADY:
        turn.say(turn.t("training.already", title=training.title, when=when))
    elif result is EnrolResult.FULL:
        turn.say(
            turn.t("training.full", title=training.title),
            [] if turn.compact else [[turn.button(turn.t("training.others"), "training.list")]],
        )
    else:
        turn.say(turn.t("training.started", title=training.title))


@router.action("training.enroll")
async def enroll_button(turn: Turn) -> None:
    await enrol_in(turn, int(turn.args["training"]))


def _attribute_text(turn: Turn, offer: Offer, attribute: str) -> str:
    training = offer.training
    if attribute == "seats":
        return turn.t("training.seats", left=offer.seats_left) if offer.seats_left else turn.t("training.full_short")
    if attribute == "time":
        return local_span(training.starts_at, training.ends_at, turn.settings.zone, turn.language)
    if attribute == "place":
        return _place(turn, offer)
    if attribute == "pay":
        return training.subsidy or turn.t("training.no_subsidy")
    if attribute == "requirements":
        return training.requirements or turn.t("training.no_requirements")
    return training.description or training.title


def picked(turn: Turn, offer: Offer, filters: dict[str, Any]) -> bool:
    """Whether a course is one the question picks out by its topic or its first day."""
    topics = topics_of(filters)
    day = _day(filters)
    training = offer.training
    return (not topics or training.topic in topics) and (
        day is None or training.starts_at.astimezone(turn.settings.zone).date() == day)


async def answer_about(turn: Turn, attribute: str, item: int | None, filters: dict[str, Any] | None = None) -> None:
    """"还有名额吗", "什么时候开课", "要带啥" about the course looked at, else about each course shown (those the
    question picks out, when it does)."""
    context = turn.context
    if attribute == "how":
        turn.say(turn.t("training.how_to_enrol"))
        return
    if item is not None and attribute == "details":
        await show_training(turn, item)
        return
    if item is not None:
        offer = await training_offer(turn.session, item)
        offers = [offer] if offer else []
    else:
        shown = context.shown if context else None
        wanted = list(shown.items[shown.page_start : shown.seen]) if shown else []
        if filters:
            wanted = list(shown.items[: shown.seen]) if shown else []
        found = await upcoming_trainings(turn.session, now=turn.now, limit=CATALOGUE_MEMORY)
        offers = sorted((o for o in found if o.training.id in wanted and (not filters or picked(turn, o, filters))),
                        key=lambda o: wanted.index(o.training.id))
    if not offers:
        await show_catalogue(turn)
        return
    items = list(context.shown.items) if context and context.shown else []
    lines = [turn.t(f"training.about_{attribute}" if attribute in ABOUT else "training.about_details")]
    for offer in offers:
        number = items.index(offer.training.id) + 1 if offer.training.id in items else 1
        lines.append(turn.t("training.about_line", number=number, title=offer.training.title,
                            text=_attribute_text(turn, offer, attribute)))
    turn.say("\n".join(lines), continue_in_private(turn) if turn.in_group else [])


@router.continuation(Topic.TRAINING)
async def continue_training(turn: Turn) -> None:
    """A follow-up of a training question: refine, go back, page on, show one, or answer about them."""
    resolution, context = turn.resolution, turn.context
    assert resolution is not None and context is not None
    move = resolution.move
    if move in (Move.REFINE, Move.UNDO) and resolution.criteria is not None:
        previous = context.criteria if move is Move.REFINE else None
        await show_catalogue(turn, topics_of(resolution.criteria), criteria=resolution.criteria, move=move,
                             previous=previous)
    elif move in (Move.MORE, Move.SHOW) and context.shown:
        shown = context.shown
        offers = await _offers(turn, topics_of(context.criteria), _day(context.criteria))
        start = shown.seen if move is Move.MORE else shown.page_start
        size = GROUP_CATALOGUE_SIZE if turn.in_group else CATALOGUE_SIZE
        page = offers[start : start + size]
        if not page:
            turn.say(turn.t("training.no_more"))
            return
        turn.remember(Topic.TRAINING, context.criteria, [o.training.id for o in offers], seen=start + len(page),
                      page_start=start, previous=context.previous)
        heading = turn.t("training.page", first=start + 1, last=start + len(page), total=len(offers))
        _show_offers(turn, page, start + 1, heading, len(offers) > start + len(page))
    elif move is Move.REFER and resolution.item is not None:
        await show_training(turn, int(resolution.item), resolution.number)
    elif move is Move.ASK and resolution.attribute:
        item = int(resolution.item) if resolution.item is not None else None
        await answer_about(turn, resolution.attribute, item, resolution.criteria)
    else:
        turn.say(turn.t("training.say_again"))


@router.continuation(Topic.TRAINING, act=True)
async def enrol_typed(turn: Turn) -> None:
    """"报第一个" after a catalogue, or "我要报名" after a course's details: enrol as the button would (once)."""
    resolution = turn.resolution
    assert resolution is not None and resolution.item is not None
    await enrol_in(turn, int(resolution.item))


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
