"""Dates and times as people read them: the bureau's local time, in the reply's language."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flows.i18n import t


def _day_fields(day: date, language: str) -> dict[str, object]:
    weekdays = t("when.weekdays", language).split(",")
    months = t("when.months", language).split(",")
    return {"month": day.month, "month_name": months[day.month - 1], "day": day.day,
            "weekday": weekdays[day.weekday()]}


def local_time(moment: datetime, zone: ZoneInfo, language: str) -> str:
    """E.g. "3月5日(周四) 08:30" or "Thu 5 Mar 08:30", in the bureau's time zone."""
    local = moment.astimezone(zone)
    return t("when.format", language, time=local.strftime("%H:%M"), **_day_fields(local.date(), language))


def local_day(day: date, language: str) -> str:
    """A calendar day without a time, e.g. "2月13日(周六)" or "Sat 13 Feb"."""
    return t("when.day_format", language, **_day_fields(day, language))


def local_span(start: datetime, end: datetime | None, zone: ZoneInfo, language: str) -> str:
    """A start and an optional end; an end on the same local day shows only its time."""
    first = local_time(start, zone, language)
    if end is None:
        return first
    if end.astimezone(zone).date() == start.astimezone(zone).date():
        return f"{first}–{end.astimezone(zone).strftime('%H:%M')}"
    return f"{first} – {local_time(end, zone, language)}"
