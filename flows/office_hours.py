"""When the bureau's offices are open: public holidays and make-up days, the offices' hours, special days.

Pure functions of their arguments (the clock is passed in). Working days come from `flows.workcal` (the
chinesecalendar package, which knows the State Council's holiday notices); the bureau file's special days
override it for the offices they name. A holiday is found by the words people use for it (国庆, 十一长假,
过年, May Day …) and answered with its whole break: first and last day off, the make-up working days, and
the first working day after it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time, timedelta
from enum import StrEnum

import chinese_calendar
from chinese_calendar import Holiday

from flows.workcal import is_working_day
from storage.bureau_file import Hours, Office, SpecialDay

# What people type for each public holiday, in normalised text (simplified, lower case).
HOLIDAY_WORDS: tuple[tuple[Holiday, str], ...] = (
    (Holiday.new_years_day, r"元旦|new year'?s day|new year(?! ?festival)"),
    (Holiday.spring_festival, r"春节|过完?年|(?<![\d两几一二三四五六七八九十多])年后|开年|大年|年假|新年|"
                              r"spring festival|chinese new year|lunar new year"),
    (Holiday.tomb_sweeping_day, r"清明|tomb[- ]?sweeping|qingming"),
    (Holiday.labour_day, r"五一|(?<![\d月])51(?:长假|假|放|节|上班|休息|期间)|劳动节|may day|labou?r day"),
    (Holiday.dragon_boat_festival, r"端午|dragon boat"),
    (Holiday.mid_autumn_festival, r"中秋|mid[- ]?autumn|moon festival"),
    (Holiday.national_day, r"国庆|(?<![\d月])(?:十一|11)(?:长假|假|放|黄金周|节|上班|休息|期间)|national day|golden week"),
)
_HOLIDAY_RES = tuple((holiday, re.compile(pattern)) for holiday, pattern in HOLIDAY_WORDS)
# How far apart a make-up working day and its break can be (the State Council moves at most a weekend or two).
MAKEUP_REACH = timedelta(days=16)
MAX_BREAK = timedelta(days=20)


def holiday_named(text: str) -> Holiday | None:
    """The public holiday a (normalised) message names, if any: the first one mentioned."""
    found = [(m.start(), holiday) for holiday, pattern in _HOLIDAY_RES if (m := pattern.search(text))]
    return min(found, key=lambda pair: pair[0])[1] if found else None


@dataclass(frozen=True)
class HolidayBreak:
    """One public holiday's days off in a year, as the State Council set them."""

    holiday: Holiday
    first: date
    last: date
    makeup: tuple[date, ...]  # weekend days that are working days instead

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def back_to_work(self) -> date:
        """The first working day after the break."""
        day = self.last + timedelta(days=1)
        while not is_working_day(day):
            day += timedelta(days=1)
        return day


def _covered(day: date) -> bool:
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def _break_around(day: date) -> tuple[date, date]:
    """The run of consecutive days off that contains `day` (weekends next to the holiday included)."""
    first = last = day
    while not is_working_day(first - timedelta(days=1)) and day - first < MAX_BREAK:
        first -= timedelta(days=1)
    while not is_working_day(last + timedelta(days=1)) and last - day < MAX_BREAK:
        last += timedelta(days=1)
    return first, last


def holiday_break(holiday: Holiday, today: date) -> HolidayBreak | None:
    """The break of `holiday` going on today, else the next one the installed calendar knows; None when it
    does not know one yet (the State Council publishes next year's in November; a newer chinesecalendar has it)."""
    days = sorted(d for d, name in chinese_calendar.holidays.items()
                  if name == holiday.value and d >= today - MAX_BREAK)
    for day in days:
        first, last = _break_around(day)
        if last < today:
            continue
        names = {chinese_calendar.holidays.get(first + timedelta(days=i)) for i in range((last - first).days + 1)}
        makeup = tuple(sorted(
            d for d, name in chinese_calendar.workdays.items()
            if name in names and first - MAKEUP_REACH <= d <= last + MAKEUP_REACH
        ))
        return HolidayBreak(holiday, first, last, makeup)
    return None


def calendar_covers(day: date) -> bool:
    """Whether the installed holiday calendar knows `day`'s year (else weekends are the only days off)."""
    return _covered(day)


@dataclass(frozen=True)
class DayPlan:
    """Whether an office is open on one day, its hours then, and why it differs from a usual day."""

    day: date
    open: bool
    hours: Hours | None
    holiday: str = ""  # chinesecalendar's English name of the holiday the day belongs to ("National Day")
    makeup: bool = False  # a weekend day worked instead of a holiday
    note: str = ""  # the bureau file's special day note


def day_plan(office: Office, day: date, special_days: tuple[SpecialDay, ...] | list[SpecialDay]) -> DayPlan:
    """The office's day: the bureau file's special day if there is one for it, else the holiday calendar."""
    for special in special_days:
        if special.day == day and special.applies_to(office.key):
            hours = (special.hours or office.hours) if special.open else None
            return DayPlan(day, special.open, hours, note=special.note)
    working = is_working_day(day)
    makeup = working and day.weekday() >= 5
    holiday = ""
    if not working and _covered(day):
        holiday = chinese_calendar.holidays.get(day) or ""
    elif makeup:
        holiday = chinese_calendar.workdays.get(day) or ""
    return DayPlan(day, working, office.hours if working else None, holiday=holiday, makeup=makeup)


def next_open_day(office: Office, after: date, special_days: tuple[SpecialDay, ...] | list[SpecialDay]) -> DayPlan:
    """The office's first open day after `after` (within a month; the hours are the office's usual ones)."""
    day = after
    for _ in range(31):
        day += timedelta(days=1)
        plan = day_plan(office, day, special_days)
        if plan.open:
            return plan
    return DayPlan(day, True, office.hours)


class OfficeState(StrEnum):
    """Where an office stands at one moment."""

    OPEN = "open"  # open until `at`
    LUNCH = "lunch"  # at lunch, back at `at`
    LATER = "later"  # opens at `at` today
    CLOSED = "closed"  # closed for the rest of the day


@dataclass(frozen=True)
class Status:
    """Where an office stands at one moment: open, at lunch (back at `at`), opening at `at`, or closed today."""

    state: OfficeState
    at: time | None = None


def status_at(plan: DayPlan, moment: time) -> Status:
    """The office's state at `moment` of `plan`'s day (local wall-clock time)."""
    if not plan.open or plan.hours is None:
        return Status(OfficeState.CLOSED)
    sessions = plan.hours.sessions
    if moment < sessions[0][0]:
        return Status(OfficeState.LATER, sessions[0][0])
    for index, (start, end) in enumerate(sessions):
        if start <= moment < end:
            return Status(OfficeState.OPEN, end)
        if index + 1 < len(sessions) and end <= moment < sessions[index + 1][0]:
            return Status(OfficeState.LUNCH, sessions[index + 1][0])
    return Status(OfficeState.CLOSED)
