"""Return-to-work buses (春风行动): departures, requirements, booking seats and cancelling, and a reminder the
day before."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flows import access, forms
from flows.answers import parse_count, parse_yes_no
from flows.forms import END, Data, Form, Invalid, Step
from flows.i18n import t
from flows.listing import narrowed_else_all
from flows.messages import Reply
from flows.notify import notify_person
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

router = Router("transport")

# At most this many seats in one booking (a worker with family or workmates), and buses per answer.
MAX_SEATS = 4
LIST_SIZE = 5
GROUP_LIST_SIZE = 3
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


async def show_departures(turn: Turn, places: list[str] | None = None, day: date | None = None) -> None:
    size = GROUP_LIST_SIZE if turn.in_group else LIST_SIZE
    places = places or []
    found = await narrowed_else_all(
        turn,
        lambda narrowed: _departures_from(turn, places if narrowed else [], day, size),
        narrowed=bool(places),
        nothing_for_that=turn.t("transport.none_for_place", place="、".join(places)),
        nothing_at_all=turn.t("transport.none"),
    )
    if not found:
        return
    turn.say(turn.t("transport.intro", count=len(found)))
    for item in found:
        buttons = []
        if not turn.in_group:
            mine = await booking_of(turn.session, item.bus.id, turn.person.id)
            if mine is not None and mine.status == "booked":
                buttons = [
                    [
                        turn.button(turn.t("transport.cancel"), "transport.cancel", booking=mine.id)
                    ]
                ]
            elif item.seats_left:
                buttons = [[turn.button(turn.t("transport.book"), "transport.book", departure=item.bus.id)]]
        turn.say(card(turn, item), buttons)
    if turn.in_group:
        turn.say(turn.t("transport.book_in_private"), access.private_chat_buttons(turn))


@router.intent("transport_question")
async def transport_question(turn: Turn) -> None:
    await show_departures(turn, [str(v) for v in turn.entity_values("location")], _first_day(turn.entity_values("date")))


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


@router.action("transport.book")
async def start_booking(turn: Turn) -> None:
    """"我要订座" under a bus: the booking form asks how many seats, then for a confirmation."""
    if not access.require_private_and_registered(turn):
        return
    item = await departure(turn.session, int(turn.args["departure"]))
    if item is None or item.bus.departs_at <= turn.now:
        turn.say(turn.t("common.unknown_button"))
        return
    mine = await booking_of(turn.session, item.bus.id, turn.person.id)
    if mine is not None and mine.status == "booked":
        when = local_time(item.bus.departs_at, turn.settings.zone, turn.language)
        turn.say(turn.t("transport.already", seats=mine.seats, destination=item.bus.destination, when=when))
        return
    if not seat_choices(item.seats_left):
        turn.say(turn.t("transport.full", destination=item.bus.destination))
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
