"""The bureau's own facts when asked: where the offices and township stations are, when they are open.

`bureau_info` answers today, tomorrow, Saturday, a date, a public holiday with its make-up days, the nearest
station, phones, map links and the hotline, from the bureau file (`mishu import bureau`) and chinesecalendar.
Services the assistant does not handle are `flows/other_services.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time, timedelta

from flows.dialogue import Context, Topic
from flows.messages import Button
from flows.office_hours import (
    HOLIDAY_WORDS,
    DayPlan,
    HolidayBreak,
    OfficeState,
    day_plan,
    holiday_break,
    holiday_named,
    next_open_day,
    status_at,
)
from flows.policy_search import normalize_query
from flows.router import Router
from flows.turn import Turn
from flows.when import local_day
from storage.bureau_file import BureauFacts, Hours, Office
from storage.queries.bureau import bureau_facts
from storage.states import OfficeKind
from storage.vocabulary import geography

router = Router("bureau")

# "The station nearest to me": the worker's own township, when we know it.
NEAREST = re.compile(r"最近|附近|离我近|近点|近一点|近的|我们镇|我们这|我们那|我们乡|本镇|我这|nearest|near me|closest|nearby")
STATION = re.compile(r"服务站|保障所|便民服务|镇上|乡上|街道办|station")
WEEKEND = re.compile(r"周末|weekend")
# chinesecalendar's English holiday names → the catalogue's keys (the holidays people ask about by name).
_HOLIDAY_KEYS = {holiday.value: holiday.name for holiday, _ in HOLIDAY_WORDS}
# How many days ahead a question about a day is answered (beyond it the calendar may not know yet anyway).
DAYS_AHEAD = 400


# --- understanding the question ------------------------------------------------------------------------


def _townships(turn: Turn) -> list[str]:
    names = [geography().township_of(str(value)) for value in turn.entity_values("location")]
    return list(dict.fromkeys(name for name in names if name))


def _dates(turn: Turn, text: str) -> list[date]:
    days: list[date] = []
    for value in turn.entity_values("date"):
        try:
            days.append(date.fromisoformat(str(value)[:10]))
        except ValueError:
            continue
    if WEEKEND.search(text):
        saturday = turn.today + timedelta(days=(5 - turn.today.weekday()) % 7)
        days += [saturday, saturday + timedelta(days=1)]
    return [d for d in dict.fromkeys(days) if turn.today <= d <= turn.today + timedelta(days=DAYS_AHEAD)]


# --- saying it ----------------------------------------------------------------------------------------


def _clock(moment: time | None) -> str:
    return f"{moment.hour}:{moment.minute:02d}" if moment else ""


def hours_text(turn: Turn, hours: Hours) -> str:
    return turn.t("bureau.join").join(f"{_clock(a)}–{_clock(b)}" for a, b in hours.sessions)


def _day_label(turn: Turn, day: date) -> str:
    offset = (day - turn.today).days
    label = local_day(day, turn.language)
    words = {0: "today", 1: "tomorrow", 2: "day_after"}
    return turn.t(f"bureau.relative.{words[offset]}", day=label) if offset in words else label


def _holiday_name(turn: Turn, english_name: str) -> str:
    """The catalogue's name for a holiday chinesecalendar calls `english_name` ("National Day" → 国庆节)."""
    key = _HOLIDAY_KEYS.get(english_name)
    return turn.t(f"bureau.holidays.{key}") if key else english_name


def _closed_why(turn: Turn, plan: DayPlan) -> str:
    if plan.note:
        return turn.t("bureau.why_note", note=plan.note)
    if plan.holiday:
        return turn.t("bureau.why_holiday", holiday=_holiday_name(turn, plan.holiday))
    return turn.t("bureau.why_weekend") if plan.day.weekday() >= 5 else ""


def day_sentence(turn: Turn, office: Office, plan: DayPlan, facts: BureauFacts) -> str:
    label = _day_label(turn, plan.day)
    if plan.open and plan.hours is not None:
        hours = hours_text(turn, plan.hours)
        if plan.note:
            return turn.t("bureau.day_open_special", day=label, hours=hours, note=plan.note)
        if plan.makeup:
            return turn.t("bureau.day_open_makeup", day=label, hours=hours,
                          holiday=_holiday_name(turn, plan.holiday) if plan.holiday else "")
        return turn.t("bureau.day_open", day=label, hours=hours)
    following = next_open_day(office, plan.day, facts.special_days)
    return turn.t("bureau.day_closed", day=label, why=_closed_why(turn, plan),
                  next=_day_label(turn, following.day),
                  hours=hours_text(turn, following.hours or office.hours))


def today_line(turn: Turn, office: Office, facts: BureauFacts) -> str:
    local = turn.now.astimezone(turn.settings.zone)
    plan = day_plan(office, local.date(), facts.special_days)
    status = status_at(plan, local.time())
    if status.state != OfficeState.CLOSED:
        return turn.t(f"bureau.now_{status.state}", at=_clock(status.at))
    following = next_open_day(office, plan.day, facts.special_days)
    key = "bureau.now_closed" if plan.open else "bureau.now_day_off"
    return turn.t(key, why=_closed_why(turn, plan), next=_day_label(turn, following.day),
                  hours=hours_text(turn, following.hours or office.hours))


def office_card(turn: Turn, office: Office, facts: BureauFacts) -> str:
    lines = [turn.t("bureau.card", name=office.name, address=office.address,
                    hours=turn.t("bureau.usual_hours", hours=hours_text(turn, office.hours)),
                    today=today_line(turn, office, facts), phone=office.phone)]
    if office.note:
        lines.append(office.note)
    return "\n".join(lines)


def holiday_text(turn: Turn, holiday_break_: HolidayBreak, halls: list[Office], facts: BureauFacts) -> str:
    name = turn.t(f"bureau.holidays.{holiday_break_.holiday.name}")
    first, last = local_day(holiday_break_.first, turn.language), local_day(holiday_break_.last, turn.language)
    makeup = ""
    if holiday_break_.makeup:
        makeup = turn.t("bureau.makeup", days=turn.t("bureau.join").join(
            local_day(d, turn.language) for d in holiday_break_.makeup))
    lines = [turn.t("bureau.holiday", name=name, first=first, last=last, days=holiday_break_.days, makeup=makeup)]
    if holiday_break_.first <= turn.today <= holiday_break_.last:
        lines.insert(0, turn.t("bureau.holiday_now", name=name))
    office = halls[0] if halls else None
    back = holiday_break_.back_to_work
    if office is not None:
        plan = day_plan(office, back, facts.special_days)
        if not plan.open:
            plan = next_open_day(office, back, facts.special_days)
        back = plan.day
    hours = hours_text(turn, office.hours) if office else ""
    lines.append(turn.t("bureau.back_to_work", day=local_day(back, turn.language), hours=hours))
    return "\n".join(lines)


def hotline_line(turn: Turn, facts: BureauFacts) -> str:
    if facts.hotline_hours:
        return turn.t("bureau.hotline_hours", hotline=facts.hotline, hours=facts.hotline_hours)
    return turn.t("bureau.hotline", hotline=facts.hotline)


def _footer(turn: Turn, facts: BureauFacts, *lines: str) -> str:
    parts = [line for line in lines if line]
    parts.append(hotline_line(turn, facts))
    if facts.notice:
        parts.append(turn.t("bureau.notice", notice=facts.notice))
    return "\n".join(parts)


@dataclass
class _Answer:
    """The offices an answer is about, and what it says before the footer."""

    offices: list[Office]
    lines: list[str]


def _which_offices(turn: Turn, facts: BureauFacts, text: str) -> _Answer:
    """The stations named, else the worker's own when asked for the nearest, else the bureau's halls."""
    named = _townships(turn)
    if named:
        stations = [s for s in (facts.station_of(name) for name in named) if s is not None]
        missing = [name for name in named if facts.station_of(name) is None]
        lines = [turn.t("bureau.no_station", township=name) for name in missing]
        return _Answer(stations or facts.halls, lines)
    wants_station = STATION.search(text) or NEAREST.search(text)
    if wants_station:
        township = turn.person.township if not turn.in_group else None
        own = facts.station_of(township) if township else None
        if own is not None:
            return _Answer([own], [])
        known = [turn.t("bureau.no_station", township=township)] if township else []
        return _Answer(facts.halls, known or [turn.t("bureau.ask_township")])
    return _Answer(facts.halls, [])


def _map_buttons(turn: Turn, offices: list[Office]) -> list[list[Button]]:
    return [[Button(label=turn.t("bureau.map", name=o.name), url=o.map_url)] for o in offices if o.map_url]


async def facts_of(turn: Turn) -> BureauFacts | None:
    """The bureau file's facts, special days from today on."""
    return await bureau_facts(turn.session, special_days_from=turn.today)


@router.continuation(Topic.BUREAU)
async def bureau_follow_up(turn: Turn) -> None:
    """"那清明节呢" after a question about the bureau: the same question of the day or place now named."""
    await bureau_info(turn)


@router.intent("bureau_info")
async def bureau_info(turn: Turn) -> None:
    """Where, when and how to reach the bureau: the halls, a township's station, a day, a public holiday."""
    turn.context = Context(Topic.BUREAU, {}, turn.now)
    facts = await facts_of(turn)
    if facts is None:
        turn.say(turn.t("bureau.no_facts", bureau=turn.settings.bureau_name, hotline=turn.settings.hotline))
        return
    text = normalize_query(turn.parse.text if turn.parse else turn.inbound.text)
    answer = _which_offices(turn, facts, text)
    holiday = holiday_named(text)
    days = [] if holiday else _dates(turn, text)
    if holiday is not None:
        found = holiday_break(holiday, turn.today)
        if found is None:
            body = turn.t("bureau.holiday_unknown", name=turn.t(f"bureau.holidays.{holiday.name}"),
                          statutory=turn.t(f"bureau.statutory.{holiday.name}"), hotline=facts.hotline)
        else:
            body = holiday_text(turn, found, facts.halls, facts)
        turn.say(_footer(turn, facts, *answer.lines, body))
        return
    if days:
        lines: list[str] = []
        for day in days:
            plans = [(office, day_plan(office, day, facts.special_days)) for office in answer.offices]
            sentences = [day_sentence(turn, office, plan, facts) for office, plan in plans]
            if len(set(sentences)) == 1:
                lines.append(sentences[0])
            else:
                lines += [turn.t("bureau.for_office", name=o.name, text=s) for (o, _), s in zip(plans, sentences,
                                                                                               strict=True)]
        turn.say(_footer(turn, facts, *answer.lines, *lines), _map_buttons(turn, answer.offices))
        return
    cards = [office_card(turn, office, facts) for office in answer.offices]
    extra: list[str] = []
    own = facts.station_of(turn.person.township or "") if not turn.in_group else None
    if own is not None and all(o.kind != OfficeKind.STATION for o in answer.offices):
        extra.append(turn.t("bureau.your_station", name=own.name, address=own.address, phone=own.phone))
    elif not answer.lines and all(o.kind != OfficeKind.STATION for o in answer.offices) and facts.stations:
        extra.append(turn.t("bureau.stations_hint", example=facts.stations[0].township))
    turn.say(_footer(turn, facts, *answer.lines, "\n\n".join(cards), *extra), _map_buttons(turn, answer.offices))
