"""Chinese lunar dates (正月十五, 腊月二十八, 大年初六, 元宵, 初八, 过完年) → Gregorian dates.

Returning migrant workers count the year by the lunar calendar: they leave "after 初八" and come home
"before 腊月二十". This module turns those mentions into calendar dates, looking forward from today the
way `nlu.dates` does for 3月5号. Conversion uses borax's tables (1900–2100); outside them, or for a day a
month does not have (a 30th in a 29-day month), the mention is simply not a date.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from borax.calendars.lunardate import LCalendars, LunarDate

_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_NAMED_MONTHS = {"正": 1, "冬": 11, "腊": 12}
_LAST_DAY = 0  # marker for 除夕 / 大年三十: the last day of 腊月, whether it has 29 or 30 days

# Lunar days as they look after normalisation: 初八 stays in characters, 十五 has become 15, 廿八 may remain.
DAY = r"(?:初\s*(?:10|[1-9](?!\d)|十|[一二三四五六七八九])|30|[12]\d|[1-9]|廿[一二三四五六七八九]?|二?十[一二三四五六七八九]?|三十)"
MONTH = r"(?:闰\s*)?(?:正|冬|腊|1[0-2]|[1-9]|十[一二]?|[一二三四五六七八九])"
PATTERN = (
    rf"(?P<lunar>(?:农历|阴历|旧历)\s*(?P<lm>{MONTH})\s*月\s*(?P<ld>{DAY})"
    rf"|(?P<lm2>[正冬腊])\s*月\s*(?P<ld2>{DAY})"
    rf"|大年\s*(?P<ld3>{DAY})"
    r"|(?P<feast>除夕|大年夜|(?<![0-9一二三四五六七八九十几两半今明去前每当])年(?:三十|30)|春节|元宵节?|端午节?|中秋节?|重阳节?|腊八节?)"
    # "After the new year" is when workers leave: from 春节 on (a bus list starts there, a start date is then).
    # 两年后, 多年后, 成年后, 老年后 count years or ages; 开年会 is a meeting.
    r"|(?P<after_new_year>过完年|过了年|(?<![0-9一二三四五六七八九十几两半今明去前每当多数成老中晚青少整周百千万])年后"
    r"|开年(?!会|终|度|薪|检|假))"
    # A bare 初八 means the coming 初八; 初三毕业 is a school year, not a date.
    r"|(?<![月年])(?P<ld4>初\s*(?:10|[1-9](?!\d)|十|[一二三四五六七八九]))(?!\s*(?:毕业|文化|学历|年级|的学生|学生)))"
)
_FEASTS = {"除夕": (12, _LAST_DAY), "大年夜": (12, _LAST_DAY), "年三十": (12, _LAST_DAY), "年30": (12, _LAST_DAY),
           "春节": (1, 1),
           "元宵": (1, 15), "端午": (5, 5), "中秋": (8, 15), "重阳": (9, 9), "腊八": (12, 8)}


def _number(text: str) -> int:
    """30, 初八, 廿三, 十五, 二十, 三十 → the day (or month) number."""
    text = text.replace("初", "").replace("闰", "").replace(" ", "").strip()
    if text.isdecimal():  # not isdigit: "²" is a digit to it, and int() refuses it
        return int(text)
    if text in _NAMED_MONTHS:
        return _NAMED_MONTHS[text]
    if text.startswith("廿"):
        return 20 + _DIGITS.get(text[1:], 0)
    if "十" in text:
        tens, _, units = text.partition("十")
        return (_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[units] if units else 0)
    return _DIGITS[text]


def _solar(year: int, month: int, day: int, leap: bool) -> date | None:
    try:
        if leap and LCalendars.leap_month(year) != month:
            return None
        if day == _LAST_DAY:
            day = LCalendars.ndays(year, month, int(leap))
        return LunarDate(year, month, day, int(leap)).to_solar_date()
    except Exception:  # outside the tables, or no such day in that month: not a date
        return None


def upcoming(today: date, month: int, day: int, leap: bool = False) -> date | None:
    """The lunar month/day nearest ahead of today; up to 30 days back still counts (said just after)."""
    try:
        this_year = LunarDate.from_solar_date(today.year, today.month, today.day).year
    except Exception:
        return None
    for year in (this_year - 1, this_year, this_year + 1):
        value = _solar(year, month, day, leap)
        if value is not None and value >= today - timedelta(days=30):
            return value
    return None


def coming_day(today: date, day: int) -> date | None:
    """A bare 初八: the 8th of this lunar month if still ahead, else of the next one."""
    try:
        now = LunarDate.from_solar_date(today.year, today.month, today.day)
        first = now - timedelta(days=now.day - 1)
        for _ in range(2):
            value = _solar(first.year, first.month, day, bool(first.leap))
            if value is not None and value >= today:
                return value
            first = first + timedelta(days=LCalendars.ndays(first.year, first.month, first.leap))
    except Exception:
        return None
    return None


def resolve(match: re.Match[str], today: date) -> date | None:
    """The date a match of PATTERN names."""
    if match.group("lm"):
        month_text = match.group("lm")
        return upcoming(today, _number(month_text), _number(match.group("ld")), leap="闰" in month_text)
    if match.group("lm2"):
        return upcoming(today, _NAMED_MONTHS[match.group("lm2")], _number(match.group("ld2")))
    if match.group("ld3"):
        text = match.group("ld3")
        day = _number(text)
        if text.startswith("初"):  # 大年初六: the sixth day of the new year
            return upcoming(today, 1, day)
        return upcoming(today, 12, _LAST_DAY if day == 30 else day)  # 大年三十, 大年二十九: the old year's end
    if match.group("after_new_year"):
        return upcoming(today, 1, 1)
    if match.group("feast"):
        feast = match.group("feast")
        return upcoming(today, *_FEASTS[feast if feast in _FEASTS else feast.removesuffix("节")])
    return coming_day(today, _number(match.group("ld4")))
