"""The bureau's own facts in the database: replace them from the bureau file, read them back as BureauFacts."""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.bureau_file import BureauFacts, Hours, Office, Service, SpecialDay
from storage.models import BureauOffice, BureauProfile, BureauService, BureauSpecialDay


def _hours(data: dict[str, Any] | None) -> Hours | None:
    if not data:
        return None
    lunch = data.get("lunch")
    span = None
    if lunch:
        start, end = lunch.split("-")
        span = (dt.time.fromisoformat(start), dt.time.fromisoformat(end))
    return Hours(dt.time.fromisoformat(data["open"]), dt.time.fromisoformat(data["close"]), span)


async def replace_bureau_facts(session: AsyncSession, facts: BureauFacts, *, now: datetime) -> dict[str, int]:
    """Make the database say what the file says (rows the file no longer has are removed); counts per kind."""
    for table in (BureauSpecialDay, BureauService, BureauOffice, BureauProfile):
        await session.execute(delete(table))
    session.add(BureauProfile(name=facts.name, hotline=facts.hotline, hotline_hours=facts.hotline_hours,
                              notice=facts.notice, updated_at=now))
    for position, office in enumerate(facts.offices):
        session.add(BureauOffice(
            key=office.key, kind=office.kind, name=office.name, township=office.township, address=office.address,
            phone=office.phone, map_url=office.map_url, lat=office.lat, lon=office.lon, hours=office.hours.as_dict(),
            services=list(office.services), note=office.note, position=position,
        ))
    for position, service in enumerate(facts.services):
        session.add(BureauService(
            name=service.name, en=service.en, aliases=list(service.aliases), offices=list(service.offices),
            stations=service.stations, hotline=service.hotline, elsewhere=service.elsewhere, bring=service.bring,
            position=position,
        ))
    for special in facts.special_days:
        session.add(BureauSpecialDay(day=special.day, open=special.open, offices=list(special.offices),
                                     hours=special.hours.as_dict() if special.hours else None, note=special.note))
    await session.flush()
    return {"offices": len(facts.halls), "stations": len(facts.stations), "services": len(facts.services),
            "special_days": len(facts.special_days)}


def _service(row: BureauService) -> Service:
    return Service(name=row.name, en=row.en, aliases=tuple(row.aliases), offices=tuple(row.offices),
                   stations=row.stations, hotline=row.hotline, elsewhere=row.elsewhere, bring=row.bring)


async def bureau_services(session: AsyncSession) -> list[Service]:
    """The services the assistant sends elsewhere (one small query: the policy flow checks them too)."""
    rows = (await session.execute(select(BureauService).order_by(BureauService.position))).scalars()
    return [_service(row) for row in rows]


async def bureau_facts(session: AsyncSession, *, special_days_from: dt.date | None = None) -> BureauFacts | None:
    """Everything imported from the bureau file (special days from `special_days_from` on), or None if nothing
    was ever imported."""
    profile = (await session.execute(select(BureauProfile).limit(1))).scalar_one_or_none()
    if profile is None:
        return None
    offices = (await session.execute(select(BureauOffice).order_by(BureauOffice.position))).scalars().all()
    days = select(BureauSpecialDay).order_by(BureauSpecialDay.day)
    if special_days_from is not None:
        days = days.where(BureauSpecialDay.day >= special_days_from)
    return BureauFacts(
        name=profile.name, hotline=profile.hotline, hotline_hours=profile.hotline_hours, notice=profile.notice,
        offices=tuple(
            Office(key=o.key, kind=o.kind, name=o.name, township=o.township, address=o.address, phone=o.phone,
                   map_url=o.map_url, lat=o.lat, lon=o.lon, hours=_hours(o.hours) or Hours(dt.time(9), dt.time(17)),
                   services=tuple(o.services), note=o.note)
            for o in offices
        ),
        services=tuple(await bureau_services(session)),
        special_days=tuple(
            SpecialDay(day=d.day, open=d.open, hours=_hours(d.hours), offices=tuple(d.offices), note=d.note)
            for d in (await session.execute(days)).scalars()
        ),
    )
