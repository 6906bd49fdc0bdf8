"""Return-to-work buses (春风行动): departures, requirements, booking seats and cancelling, and a reminder the
day before."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from flows import access, forms
from flows.answers import parse_count, parse_yes_no
from flows.dialogue import Move, Topic, criteria_of
from flows.forms import END, Data, Form, Invalid, Step
from flows.i18n import t
from flows.listing import narrowed_else_all, take_notes
from flows.messages import Button, Reply
from flows.notify import notify_person
from flows.resume import continue_in_private
from flows.router import Router
from flows.turn import FlowSettings, Turn
from flows.when import local_day, local_time
from storage.db import Database
from storage.models import Booking, Person
from storage.queries.transport import (
    BookResult,
    Departure,
    book,
    booking_of,
    cancel_booking,
    departure,
    reminder_candidates,
)
from storage.queries.transport import upcoming_departures as departures_query
from storage.states import BookingState

router = Router("transport")

# At most this many seats in one booking (a worker with family or workmates), and buses per answer.
MAX_SEATS = 4
LIST_SIZE = 5
GROUP_LIST_SIZE = 3
# How many coming buses one answer remembers for "还有吗".
LIST_MEMORY = 20
# The reminder goes out this long before the bus leaves: a 07:00 bus is reminded at 13:00 the day before,
# in time to pack, get the health certificate and tell the secretary.
REMINDER_LEAD = timedelta(hours=18)


def seat_choices(seats_left: int, most: int = MAX_SEATS) -> list[int]:
    """The seat counts a worker may pick: 1 up to the smaller of the limit and the seats left."""
    return list(range(1, min(most, seats_left) + 1))


def card(turn: Turn, item: Departure) -> str:
    bus = item.bus
    seats = (
        turn.t("transport.seats", left=item.seats_left) if item.seats_left else turn.t("transport.full_short")
    )
    lines = [
        turn.t(
            "transport.card",
            origin=bus.origin,
            destination=bus.destination,
            when=local_time(bus.departs_at, turn.settings.zone, turn.language),
            seats=seats,
            price=bus.price,
        )
    ]
    if bus.pickup_points:
        lines.append(turn.t("transport.pickup", points="、".join(bus.pickup_points)))
    if bus.requirements:
        lines.append(turn.t("transport.requirements", text=bus.requirements))
    if bus.employer:
        lines.append(turn.t("transport.employer", employer=bus.employer))
    return "\n".join(lines)


def compact_line(turn: Turn, number: int, item: Departure) -> str:
    """One bus on one line of a numbered list."""
    bus = item.bus
    seats = turn.t("transport.seats", left=item.seats_left) if item.seats_left else turn.t("transport.full_short")
    return turn.t(
        "transport.line", number=number, origin=bus.origin, destination=bus.destination,
        when=local_time(bus.departs_at, turn.settings.zone, turn.language), seats=seats, price=bus.price,
    )


def price_rank(price: str) -> tuple[int, float]:
    """Free buses first, then by the first amount in the price text ("免费（企业承担）" → free)."""
    if not price or "免费" in price or "free" in price.lower():
        return 0, 0.0
    digits = "".join(ch if ch.isdigit() or ch == "." else " " for ch in price).split()
    try:
        return 1, float(digits[0]) if digits else float("inf")
    except ValueError:
        return 1, float("inf")


async def _departures_from(turn: Turn, places: list[str], day: date | None, size: int) -> list[Departure]:
    """Buses from the day asked about (正月初八的车), else the coming ones, with a note saying which."""
    if day is None or day < turn.today:
        return await departures_query(turn.session, now=turn.now, places=places, limit=size)
    since = datetime.combine(day, time.min, tzinfo=turn.settings.zone)
    found = await departures_query(turn.session, now=turn.now, places=places, since=since, limit=size)
    if not found:
        found = await departures_query(turn.session, now=turn.now, places=places, limit=size)
        if found:
            turn.say(turn.t("transport.none_from_day", day=local_day(day, turn.language)))
    elif all(item.bus.departs_at.astimezone(turn.settings.zone).date() != day for item in found):
        turn.say(turn.t("transport.none_on_day", day=local_day(day, turn.language)))
    return found


async def _find(turn: Turn, criteria: dict[str, Any]) -> list[Departure]:
    places = [str(p) for p in criteria.get("location") or ()]
    found = await narrowed_else_all(
        turn,
        lambda narrowed: _departures_from(turn, places if narrowed else [], _first_day([criteria.get("date")]),
                                          LIST_MEMORY),
        narrowed=bool(places),
        nothing_for_that=turn.t("transport.none_for_place", place="、".join(places)),
        nothing_at_all=turn.t("transport.none"),
    )
    if criteria.get("order") == "cheap":
        found = sorted(found, key=lambda item: price_rank(item.bus.price))
    return found


async def _show(turn: Turn, found: Sequence[Departure], first: int, heading: str, rest: bool) -> None:
    """Buses numbered from `first`: cards with book / give-back buttons, or one numbered message."""
    if turn.compact:
        lines = [heading, *(compact_line(turn, first + i, item) for i, item in enumerate(found))]
        lines.append(turn.t("transport.hint_group" if turn.in_group else "transport.hint_more" if rest else "transport.hint"))
        turn.say("\n".join(line for line in lines if line), continue_in_private(turn) if turn.in_group else [])
        return
    turn.say(heading)
    for number, item in enumerate(found, start=first):
        turn.say(f"{number}. {card(turn, item)}", await _buttons(turn, item))


async def _buttons(turn: Turn, item: Departure) -> list[list[Button]]:
    mine = await booking_of(turn.session, item.bus.id, turn.person.id)
    if mine is not None and mine.status == BookingState.BOOKED:
        return [[turn.button(turn.t("transport.cancel"), "transport.cancel", booking=mine.id)]]
    if item.seats_left:
        return [[turn.button(turn.t("transport.book"), "transport.book", departure=item.bus.id)]]
    return []


async def show_departures(
    turn: Turn, criteria: dict[str, Any] | None = None, *, move: Move = Move.NEW,
    previous: dict[str, Any] | None = None,
) -> None:
    """The coming buses (to the places, from the day asked), numbered; remembered for "第一个" and "要带啥"."""
    criteria = dict(criteria or {})
    size = GROUP_LIST_SIZE if turn.in_group else LIST_SIZE
    mark = len(turn.replies)
    found = await _find(turn, criteria)
    turn.remember(Topic.BUS, criteria, [item.bus.id for item in found], seen=size, previous=previous)
    if not found:
        return
    page = found[:size]
    lines = [*take_notes(turn, mark), turn.t("transport.intro", count=len(page))]
    if move is not Move.NEW:
        lines.insert(0, turn.t("transport.understood", what=describe(turn, criteria)))
    await _show(turn, page, 1, "\n".join(lines), len(found) > size)


def describe(turn: Turn, criteria: dict[str, Any]) -> str:
    """What buses are being looked for, in words: "去浙江、12月4日起、便宜的排前面"."""
    parts = [turn.t("transport.to_place", place="、".join(str(p) for p in criteria.get("location") or ()))] \
        if criteria.get("location") else []
    day = _first_day([criteria.get("date")])
    if day is not None:
        parts.append(turn.t("transport.from_day", day=local_day(day, turn.language)))
    if criteria.get("order") == "cheap":
        parts.append(turn.t("transport.order_cheap"))
    return "、".join(parts) or turn.t("transport.all")


@router.intent("transport_question")
async def transport_question(turn: Turn) -> None:
    await show_departures(turn, criteria_of(Topic.BUS, turn.parse.entities if turn.parse else []))


def _first_day(values: list[object]) -> date | None:
    """The first ISO date among the NLU's date values (a value it could not date is skipped)."""
    for value in values:
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            continue
    return None


@router.action("transport.list")
async def list_button(turn: Turn) -> None:
    await show_departures(turn)


def _attribute_text(turn: Turn, item: Departure, attribute: str) -> str:
    bus = item.bus
    if attribute == "requirements":
        return bus.requirements or turn.t("transport.no_requirements")
    if attribute == "seats":
        return turn.t("transport.seats", left=item.seats_left) if item.seats_left else turn.t("transport.full_short")
    if attribute == "time":
        return local_time(bus.departs_at, turn.settings.zone, turn.language)
    if attribute == "place":
        return "、".join(bus.pickup_points) or bus.origin
    if attribute == "pay":
        return bus.price
    return card(turn, item)


def picked(turn: Turn, item: Departure, filters: dict[str, Any]) -> bool:
    """Whether a bus is one the question picks out: by a place on its way (pick-up point or destination) or
    by its day ("罗目能上车不", "星期六那趟")."""
    bus = item.bus
    places = [str(p) for p in filters.get("location") or ()]
    stops = [*bus.pickup_points, bus.destination, bus.destination_province or ""]
    if places and not any(place in stop or stop and stop in place for place in places for stop in stops):
        return False
    day = _first_day([filters.get("date")])
    return day is None or bus.departs_at.astimezone(turn.settings.zone).date() == day


def within(filters: dict[str, Any], criteria: dict[str, Any]) -> dict[str, Any]:
    """A weekday named after asking about a later period ("下个星期有车没得", then "星期六那趟") is that day of the
    period: the list shown starts there, so a day before it is moved on by whole weeks."""
    day, start = _first_day([filters.get("date")]), _first_day([criteria.get("date")])
    if day is None or start is None or day >= start:
        return filters
    return {**filters, "date": (day + timedelta(weeks=-(-(start - day).days // 7))).isoformat()}


async def answer_about(turn: Turn, attribute: str, item_id: int | None, filters: dict[str, Any] | None = None) -> None:
    """"要带啥", "还有座位吗", "几点走", "在哪上车" about the bus looked at, else about each bus shown (those the
    question picks out by place or day, when it does)."""
    if attribute == "how":
        turn.say(turn.t("transport.how_to_book"))
        return
    context = turn.context
    shown = context.shown if context else None
    if item_id is not None:
        found = [d for d in [await departure(turn.session, item_id)] if d is not None]
    else:
        criteria = context.criteria if context else {}
        mark = len(turn.replies)
        listed = await _find(turn, criteria)
        take_notes(turn, mark)  # what the search notes ("3月9日没有专车") was said with the list
        if filters:
            wanted, filters = list(shown.items[: shown.seen]) if shown else [], within(filters, criteria)
            found = [d for d in listed if d.bus.id in wanted and picked(turn, d, filters)]
            if not found:
                turn.say(turn.t("transport.none_picked"))
                return
        else:
            wanted = list(shown.items[shown.page_start : shown.seen]) if shown else []
            found = [d for d in listed if d.bus.id in wanted]
    if not found:
        await show_departures(turn)
        return
    items = list(shown.items) if shown else []
    key = f"transport.about_{attribute}" if attribute in ("requirements", "seats", "time", "place", "pay") \
        else "transport.about_details"
    lines = [turn.t(key)]
    for item in found:
        number = items.index(item.bus.id) + 1 if item.bus.id in items else 1
        lines.append(turn.t("transport.about_line", number=number, destination=item.bus.destination,
                            text=_attribute_text(turn, item, attribute)))
    turn.say("\n".join(lines), continue_in_private(turn) if turn.in_group else [])


async def show_departure(turn: Turn, departure_id: int, number: int | None = None) -> None:
    """One bus in full, with its book (or give back) button; in a group, the way to the private chat."""
    item = await departure(turn.session, departure_id)
    if item is None or item.bus.departs_at <= turn.now:
        turn.say(turn.t("transport.departed_or_gone"))
        return
    turn.look_at(Topic.BUS, departure_id)
    text = f"{number}. {card(turn, item)}" if number else card(turn, item)
    if turn.in_group:
        turn.say(text, continue_in_private(turn))
    elif turn.compact:
        turn.say(text + ("\n" + turn.t("transport.hint_book", number=number or 1) if item.seats_left else ""))
    else:
        turn.say(text, await _buttons(turn, item))


@router.continuation(Topic.BUS)
async def continue_buses(turn: Turn) -> None:
    """A follow-up of a bus question: refine, go back, page on, show one, or answer about them."""
    resolution, context = turn.resolution, turn.context
    assert resolution is not None and context is not None
    move = resolution.move
    if move in (Move.REFINE, Move.UNDO) and resolution.criteria is not None:
        previous = context.criteria if move is Move.REFINE else None
        await show_departures(turn, resolution.criteria, move=move, previous=previous)
    elif move in (Move.MORE, Move.SHOW) and context.shown:
        shown = context.shown
        found = await _find(turn, context.criteria)
        start = shown.seen if move is Move.MORE else shown.page_start
        size = GROUP_LIST_SIZE if turn.in_group else LIST_SIZE
        page = found[start : start + size]
        if not page:
            turn.say(turn.t("transport.no_more"))
            return
        turn.remember(Topic.BUS, context.criteria, [item.bus.id for item in found], seen=start + len(page),
                      page_start=start, previous=context.previous)
        heading = turn.t("transport.page", first=start + 1, last=start + len(page), total=len(found))
        await _show(turn, page, start + 1, heading, len(found) > start + len(page))
    elif move is Move.REFER and resolution.item is not None:
        await show_departure(turn, int(resolution.item), resolution.number)
    elif move is Move.ASK and resolution.attribute:
        item = int(resolution.item) if resolution.item is not None else None
        await answer_about(turn, resolution.attribute, item, resolution.criteria)
    else:
        turn.say(turn.t("transport.say_again"))


@router.continuation(Topic.BUS, act=True)
async def book_typed(turn: Turn) -> None:
    """"订第一个", or "我要订" after a bus's details: as if its "book" button was pressed."""
    resolution = turn.resolution
    assert resolution is not None and resolution.item is not None
    turn.look_at(Topic.BUS, int(resolution.item))
    await start_booking_for(turn, int(resolution.item), seats_said(turn))


def seats_said(turn: Turn) -> int | None:
    """The seats asked for in the message that picked the bus ("第一个，订两个位子"): the count of its booking
    cue (nlu CueEntityExtractor), None when it says none."""
    text = turn.inbound.text
    for entity in turn.parse.entities if turn.parse else ():
        seats = parse_count(text[entity.start : entity.end]) if entity.entity == "act" else None
        if seats is not None:
            return seats
    return None


@router.action("transport.book")
async def start_booking(turn: Turn) -> None:
    """"我要订座" under a bus: the booking form asks how many seats, then for a confirmation."""
    await start_booking_for(turn, int(turn.args["departure"]))


async def start_booking_for(turn: Turn, departure_id: int, seats: int | None = None) -> None:
    """Book seats on a bus (registered, in private): the form takes typed answers as well as buttons; seats
    already said (and available) skip their question."""
    if not access.require_private_and_registered(turn):
        return
    item = await departure(turn.session, departure_id)
    if item is None or item.bus.departs_at <= turn.now:
        turn.say(turn.t("common.unknown_button"))
        return
    mine = await booking_of(turn.session, item.bus.id, turn.person.id)
    if mine is not None and mine.status == BookingState.BOOKED:
        when = local_time(item.bus.departs_at, turn.settings.zone, turn.language)
        turn.say(turn.t("transport.already", seats=mine.seats, destination=item.bus.destination, when=when))
        return
    if not seat_choices(item.seats_left):
        turn.say(turn.t("transport.full", destination=item.bus.destination))
        return
    if seats is not None and seats in seat_choices(item.seats_left):
        await forms.start(turn, BOOKING, departure=item.bus.id, seats=seats, steps=["confirm"])
        return
    await forms.start(turn, BOOKING, departure=item.bus.id)


async def ask_seats(turn: Turn, data: Data) -> None:
    item = await departure(turn.session, int(data["departure"]))
    choices = seat_choices(item.seats_left) if item is not None else []
    buttons = [
        [forms.choice(turn, str(n), str(n)) for n in choices],
        [forms.choice(turn, turn.t("common.cancel"), "cancel", typed=False)],
    ]
    destination = item.bus.destination if item is not None else ""
    turn.say(turn.t("transport.how_many", destination=destination, most=len(choices)), buttons)


async def answer_seats(turn: Turn, data: Data, value: str, pressed: bool) -> int | Invalid | object:
    if value == "cancel":
        turn.say(turn.t("common.cancelled"))
        return END
    item = await departure(turn.session, int(data["departure"]))
    choices = seat_choices(item.seats_left) if item is not None else []
    if item is None or not choices:
        turn.say(turn.t("transport.full", destination=item.bus.destination if item else ""))
        return END
    seats = parse_count(value)
    if seats is None or seats not in choices:
        return Invalid("transport.bad_seats", most=len(choices), left=item.seats_left, limit=MAX_SEATS)
    return seats


async def ask_confirm(turn: Turn, data: Data) -> None:
    item = await departure(turn.session, int(data["departure"]))
    buttons = [[
        forms.choice(turn, turn.t("transport.confirm"), "yes"),
        forms.choice(turn, turn.t("common.cancel"), "cancel"),
    ]]
    details = "\n" + card(turn, item) if item is not None else ""
    turn.say(turn.t("transport.confirm_question", seats=data.get("seats", 1)) + details, buttons)


async def answer_confirm(turn: Turn, data: Data, value: str, pressed: bool) -> bool | Invalid | object:
    agreed = (value == "yes") if pressed else parse_yes_no(value)
    if value == "cancel" or agreed is False:
        turn.say(turn.t("common.cancelled"))
        return END
    return True if agreed else Invalid("transport.confirm_unclear")


async def confirm(turn: Turn, data: Data) -> None:
    """The worker confirmed: book the seats (the bus row is locked, so seats are never oversold)."""
    if not access.require_private_and_registered(turn):
        return
    departure_id, seats = int(data["departure"]), int(data["seats"])
    result, booking = await book(
        turn.session, departure_id=departure_id, worker_id=turn.person.id, seats=seats, now=turn.now
    )
    item = await departure(turn.session, departure_id)
    if result is BookResult.MISSING or item is None:
        turn.say(turn.t("common.unknown_button"))
        return
    bus = item.bus
    when = local_time(bus.departs_at, turn.settings.zone, turn.language)
    if result is BookResult.BOOKED and booking is not None:
        cancel = [
            [turn.button(turn.t("transport.cancel"), "transport.cancel", booking=booking.id)]
        ]
        turn.say(
            turn.t(
                "transport.booked",
                seats=seats,
                destination=bus.destination,
                when=when,
                pickup="、".join(bus.pickup_points) or bus.origin,
                requirements=bus.requirements or "—",
            ),
            cancel,
        )
    elif result is BookResult.ALREADY and booking is not None:
        turn.say(turn.t("transport.already", seats=booking.seats, destination=bus.destination, when=when))
    elif result is BookResult.FULL:
        turn.say(
            turn.t("transport.not_enough", left=item.seats_left, destination=bus.destination),
            [[turn.button(turn.t("transport.other_buses"), "transport.list")]],
        )
    else:
        turn.say(turn.t("transport.departed", destination=bus.destination))


BOOKING = forms.register_form(Form("booking", (
    Step("seats", ask_seats, answer_seats, sample="1"),
    Step("confirm", ask_confirm, answer_confirm, sample="确认"),
), confirm, topic="transport_question"))


@router.action("transport.cancel", once=True)
async def cancel(turn: Turn) -> None:
    if not access.require_private_and_registered(turn):
        return
    booking = await cancel_booking(
        turn.session, booking_id=int(turn.args["booking"]), worker_id=turn.person.id
    )
    if booking is None:
        turn.say(turn.t("transport.nothing_to_cancel"))
        return
    when = local_time(booking.departure.departs_at, turn.settings.zone, turn.language)
    turn.say(turn.t("transport.cancelled", destination=booking.departure.destination, when=when))


# --- reminders (called by the scheduler) ----------------------------------------------------------------


def reminder(booking: Booking, person: Person | None, settings: FlowSettings) -> Reply:
    language = (person.language if person else None) or settings.default_language
    bus = booking.departure
    return Reply(
        t(
            "transport.reminder",
            language,
            destination=bus.destination,
            when=local_time(bus.departs_at, settings.zone, language),
            seats=booking.seats,
            pickup="、".join(bus.pickup_points) or t("transport.pickup_ask", language),
            requirements=bus.requirements or t("transport.no_requirements", language),
        )
    )


async def send_bus_reminders(db: Database, now: datetime, settings: FlowSettings | None = None) -> int:
    """Queue a reminder for every booking whose bus leaves within the lead time; returns how many.

    A booking made inside that window is not reminded: its confirmation said all of it a few hours ago."""
    settings = settings or FlowSettings()
    queued = 0
    async with db.session() as session:
        for booking in await reminder_candidates(session, now=now, until=now + REMINDER_LEAD):
            booking.reminded_at = now
            if booking.created_at >= booking.departure.departs_at - REMINDER_LEAD:
                continue
            if await notify_person(
                session,
                booking.worker_id,
                lambda person, booking=booking: reminder(booking, person, settings),
                purpose=f"bus-reminder:{booking.id}",
            ):
                queued += 1
    return queued
