"""Working time in the bureau's zone: working days (Chinese holidays, make-up days), working hours, adding them.

Pure functions of their arguments: the clock is always passed in. Working days come from the
`chinesecalendar` package, which knows the State Council's holiday notices (including Saturdays and
Sundays that are made-up working days); a year it does not know yet falls back to Monday–Friday.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar


def is_working_day(day: date) -> bool:
    """Whether the bureau works on `day` (public holidays off, make-up Saturdays/Sundays on)."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # a year the installed calendar does not cover yet
        return day.weekday() < 5


def next_working_day(day: date) -> date:
    """The first working day strictly after `day`."""
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


@dataclass(frozen=True)
class WorkingTime:
    """Office hours [start, end) on working days, in the bureau's time zone."""

    start: time = time(9, 0)
    end: time = time(17, 30)
    timezone: str = "Asia/Shanghai"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def at(self, day: date, moment: time) -> datetime:
        """A local wall-clock time on `day`, as UTC."""
        return datetime.combine(day, moment, tzinfo=self.zone).astimezone(UTC)

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()


def in_working_hours(moment: datetime, hours: WorkingTime) -> bool:
    local = moment.astimezone(hours.zone)
    return is_working_day(local.date()) and hours.start <= local.time() < hours.end


def into_working_hours(moment: datetime, hours: WorkingTime) -> datetime:
    """`moment` itself if the office is open then, else the next opening time (UTC)."""
    local = moment.astimezone(hours.zone)
    day = local.date()
    if is_working_day(day):
        if local.time() < hours.start:
            return hours.at(day, hours.start)
        if local.time() < hours.end:
            return moment.astimezone(UTC)
    return hours.at(next_working_day(day), hours.start)


def add_working_hours(moment: datetime, amount: float, hours: WorkingTime) -> datetime:
    """The moment `amount` office hours after `moment` (time outside office hours does not count)."""
    remaining = timedelta(hours=amount)
    current = into_working_hours(moment, hours)
    while True:
        day = hours.local_date(current)
        left_today = hours.at(day, hours.end) - current
        if remaining <= left_today:
            return current + remaining
        remaining -= left_today
        current = hours.at(next_working_day(day), hours.start)


def add_working_days(moment: datetime, days: int, hours: WorkingTime) -> datetime:
    """The same office time `days` working days later (a moment outside office hours first moves into them)."""
    start = into_working_hours(moment, hours)
    local = start.astimezone(hours.zone)
    day = local.date()
    for _ in range(days):
        day = next_working_day(day)
    return hours.at(day, local.time())


def working_day_bounds(day: date, hours: WorkingTime) -> tuple[datetime, datetime]:
    """Midnight to midnight of a local day, as UTC (for 'today' and 'overdue' queries)."""
    return hours.at(day, time(0)), hours.at(day + timedelta(days=1), time(0))
