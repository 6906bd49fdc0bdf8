"""The bureau's overview for the console: the figures of `mishu stats` and the series behind its charts, for a
period and optionally one township. Pure helpers decide the period and the weeks; the shell reads storage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from storage.queries import figures
from storage.queries.stats import bureau_figures

DEFAULT_WEEKS = 12
LONGEST_DAYS = 366


@dataclass(frozen=True)
class Period:
    """Local calendar days from `start` to `end`, both included."""

    start: date
    end: date

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """The period as UTC moments [from, to)."""
        return (datetime.combine(self.start, time(), zone), datetime.combine(self.end + timedelta(days=1), time(), zone))


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat((text or "").strip()[:10])
    except ValueError:
        return None


def parse_period(start: str | None, end: str | None, today: date) -> Period:
    """The period typed in the filter (ISO dates): the last 12 weeks by default; future dates cut at today,
    reversed dates swapped, at most a year long (counted back from the end)."""
    last = min(_date(end) or today, today)
    first = min(_date(start) or last - timedelta(weeks=DEFAULT_WEEKS) + timedelta(days=1), today)
    if first > last:
        first, last = last, first
    if (last - first).days >= LONGEST_DAYS:
        first = last - timedelta(days=LONGEST_DAYS - 1)
    return Period(first, last)


def week_starts(period: Period) -> list[date]:
    """The Mondays of the weeks the period touches."""
    monday = period.start - timedelta(days=period.start.weekday())
    weeks = []
    while monday <= period.end:
        weeks.append(monday)
        monday += timedelta(weeks=1)
    return weeks


def weekly(daily: dict[date, int], period: Period) -> list[int]:
    """Daily counts summed per week (Monday first), for the weeks of the period."""
    starts = week_starts(period)
    totals = [0] * len(starts)
    for day, count in daily.items():
        if period.start <= day <= period.end:
            totals[(day - starts[0]).days // 7] += count
    return totals


async def overview(
    session: AsyncSession, period: Period, township: str | None, *, now: datetime, timezone: str
) -> dict[str, Any]:
    """Everything the overview page shows, JSON-able (the page's `?format=json` is exactly this)."""
    zone = ZoneInfo(timezone)
    start, end = period.bounds(zone)
    offset = int((now.astimezone(zone).utcoffset() or timedelta()).total_seconds() // 60)
    local = {"zone": timezone, "offset_minutes": offset}
    today = now.astimezone(zone).date()
    registrations = await figures.registrations_by_day(session, start, end, township=township, **local)
    placements = await figures.placements_by_day(session, start, end, township=township, **local)
    contacts = await figures.contacts_by_day(session, start, end, township=township, **local)
    channels = sorted({channel for _, channel, _ in contacts})
    per_channel = {channel: {day: 0 for day in period.days} for channel in channels}
    for day, channel, count in contacts:
        if day in per_channel[channel]:
            per_channel[channel][day] = count
    delivery: dict[str, dict[str, int]] = {kind: {} for kind in figures.DELIVERY_KINDS}
    for kind, state, count in await figures.delivery_states(session, start, end):
        delivery[kind][state] = count
    return {
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        "township": township,
        "figures": await bureau_figures(session, now=now, today=today, township=township),
        "weeks": [monday.isoformat() for monday in week_starts(period)],
        "registrations": weekly(registrations, period),
        "placements": weekly(placements, period),
        "openings_by_category": [
            {"category": c, "openings": n}
            for c, n in await figures.openings_by_category(session, today=today, township=township)
        ],
        "workers_by_place": [
            {"place": p, "workers": n} for p, n in await figures.workers_by_place(session, township=township)
        ],
        "followups_by_secretary": [
            {"secretary_id": sid, "secretary": name, "done": done, "overdue": overdue}
            for sid, name, done, overdue in await figures.followups_by_secretary(
                session, start, end, now=now, township=township)
        ],
        "contacts": {
            "days": [day.isoformat() for day in period.days],
            "channels": {channel: list(per_channel[channel].values()) for channel in channels},
        },
        "delivery": delivery,
    }
