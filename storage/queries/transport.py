"""Return-to-work buses: departures with seats left, booking under a row lock, cancelling."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from storage.models import Booking, BusDeparture
from storage.queries.locking import lock_row
from storage.states import BookingState


@dataclass(frozen=True)
class Departure:
    """A bus with how many seats are still free."""

    bus: BusDeparture
    seats_left: int


class BookResult(StrEnum):
    BOOKED = "booked"
    ALREADY = "already"
    FULL = "full"
    DEPARTED = "departed"
    MISSING = "missing"


def _booked_seats():  # type: ignore[no-untyped-def]
    return (
        select(Booking.departure_id, func.sum(Booking.seats).label("taken"))
        .where(Booking.status == BookingState.BOOKED)
        .group_by(Booking.departure_id)
        .subquery()
    )


async def upcoming_departures(
    session: AsyncSession,
    *,
    now: datetime,
    places: Sequence[str] = (),
    since: datetime | None = None,
    limit: int = 20,
) -> list[Departure]:
    """Buses not yet gone (and leaving at or after `since`), soonest first, to any of the places given
    (city or province, prefix allowed)."""
    taken = _booked_seats()
    stmt = (
        select(BusDeparture, func.coalesce(taken.c.taken, 0))
        .outerjoin(taken, taken.c.departure_id == BusDeparture.id)
        .where(BusDeparture.departs_at > now)
        .order_by(BusDeparture.departs_at, BusDeparture.id)
        .limit(limit)
    )
    if since is not None:
        stmt = stmt.where(BusDeparture.departs_at >= since)
    if places:
        wanted = [p for p in places if p]
        stmt = stmt.where(
            or_(
                BusDeparture.destination.in_(wanted),
                BusDeparture.destination_province.in_(wanted),
                *[BusDeparture.destination.startswith(p, autoescape=True) for p in wanted],
            )
        )
    rows = (await session.execute(stmt)).all()
    return [Departure(bus, max(bus.seats - int(used), 0)) for bus, used in rows]


async def seats_taken(session: AsyncSession, departure_id: int) -> int:
    stmt = select(func.coalesce(func.sum(Booking.seats), 0)).where(
        Booking.departure_id == departure_id, Booking.status == BookingState.BOOKED
    )
    return int(await session.scalar(stmt) or 0)


async def departure(session: AsyncSession, departure_id: int) -> Departure | None:
    bus = await session.get(BusDeparture, departure_id)
    if bus is None:
        return None
    return Departure(bus, max(bus.seats - await seats_taken(session, departure_id), 0))


async def booking_of(session: AsyncSession, departure_id: int, worker_id: int) -> Booking | None:
    """The worker's booking on this bus (booked or cancelled), if any."""
    stmt = select(Booking).where(Booking.departure_id == departure_id, Booking.worker_id == worker_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def book(
    session: AsyncSession, *, departure_id: int, worker_id: int, seats: int, now: datetime
) -> tuple[BookResult, Booking | None]:
    """Book seats unless the bus is full, gone or already booked by this worker; never overbooks.

    The departure row is locked first, so concurrent bookings count seats one at a time. A cancelled
    booking is booked again in place (one row per worker and bus).
    """
    bus = await lock_row(session, BusDeparture, departure_id)
    if bus is None:
        return BookResult.MISSING, None
    if bus.departs_at <= now:
        return BookResult.DEPARTED, None
    existing = await booking_of(session, departure_id, worker_id)
    if existing is not None and existing.status == BookingState.BOOKED:
        return BookResult.ALREADY, existing
    if bus.seats - await seats_taken(session, departure_id) < seats:
        return BookResult.FULL, None
    if existing is not None:
        existing.status, existing.seats, existing.created_at, existing.reminded_at = BookingState.BOOKED, seats, now, None
        await session.flush()
        return BookResult.BOOKED, existing
    booking = Booking(departure_id=departure_id, worker_id=worker_id, seats=seats, created_at=now)
    try:
        async with session.begin_nested():
            session.add(booking)
    except IntegrityError:
        return BookResult.ALREADY, await booking_of(session, departure_id, worker_id)
    return BookResult.BOOKED, booking


async def cancel_booking(session: AsyncSession, *, booking_id: int, worker_id: int) -> Booking | None:
    """Cancel the worker's own booking; None if it is not theirs or not booked any more."""
    stmt = (
        select(Booking)
        .where(Booking.id == booking_id, Booking.worker_id == worker_id, Booking.status == BookingState.BOOKED)
        .options(selectinload(Booking.departure))
    )
    if session.bind.dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=Booking)
    booking = (await session.execute(stmt)).scalar_one_or_none()
    if booking is not None:
        booking.status = BookingState.CANCELLED
        await session.flush()
    return booking


async def reminder_candidates(
    session: AsyncSession, *, now: datetime, until: datetime, limit: int = 500
) -> list[Booking]:
    """Bookings not yet reminded whose bus leaves in (now, until], with the bus loaded.

    On PostgreSQL the rows are locked and rows another process holds are skipped, so two schedulers never
    remind the same booking at the same time.
    """
    stmt = (
        select(Booking)
        .join(BusDeparture, BusDeparture.id == Booking.departure_id)
        .where(Booking.status == BookingState.BOOKED, Booking.reminded_at.is_(None),
               BusDeparture.departs_at > now, BusDeparture.departs_at <= until)
        .options(selectinload(Booking.departure))
        .order_by(BusDeparture.departs_at, Booking.id)
        .limit(limit)
    )
    if session.bind.dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=Booking, skip_locked=True)
    return list((await session.execute(stmt)).scalars())
