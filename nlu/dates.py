"""Date mentions in normalised text → ISO dates, relative to an injectable today (Asia/Shanghai)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from nlu import lunar

TIMEZONE = ZoneInfo("Asia/Shanghai")
_RELATIVE = {"今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2, "大后天": 3, "昨天": -1, "前天": -2,
             "today": 0, "tomorrow": 1, "yesterday": -1, "day after tomorrow": 2}
_WEEKDAY = {"1": 0, "一": 0, "2": 1, "二": 1, "3": 2, "三": 2, "4": 3, "四": 3, "5": 4, "五": 4,
            "6": 5, "六": 5, "7": 6, "日": 6, "天": 6}
_HOLIDAYS = {"五一": (5, 1), "劳动": (5, 1), "国庆": (10, 1), "元旦": (1, 1)}
_EN_WEEKDAY = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}
_DATE = re.compile(
    lunar.PATTERN + "|"  # first, so that 农历3月15 is not read as March 15th
    r"(?P<ymd>(?P<y>20\d\d)\s*[年\-/.]\s*(?P<m>1[0-2]|0?[1-9])\s*[月\-/.]\s*(?P<d>3[01]|[12]\d|0?[1-9])\s*[日号]?)"
    r"|(?P<md>(?P<m2>1[0-2]|0?[1-9])\s*月\s*(?P<d2>3[01]|[12]\d|0?[1-9])\s*[日号]?)"
    r"|(?P<md_slash>(?<![\d/])(?P<m3>1[0-2]|0?[1-9])/(?P<d3>3[01]|[12]\d|0?[1-9])(?![\d/]))"
    # 每周三 and 一周三天 are a rhythm and a length, not a day.
    r"|(?P<week>(?P<wk>下下|下个?|这个?|本|上个?)?\s*(?<![每一几两数0-9])(?:周|星期|礼拜)\s*(?P<wd>[1-7一二三四五六日天])"
    r"(?!\s*(?:天|个|次|小时|年)))"
    # Next week and next month start on their first day (a bus list "from" then); 下个月5号 is that day.
    r"|(?P<next_month>下个?月|next\s+month\b)(?:\s*(?P<d5>3[01]|[12]\d|[1-9])\s*[号日])?"
    r"|(?P<next_week>下个?(?:周|星期|礼拜)(?!\s*[1-7一二三四五六日天末])|next\s+week\b)"
    r"|(?P<holiday>(?<![\d十])五一(?![村\d])|劳动节|国庆节?|元旦)"
    r"|(?P<rel>大后天|后天|明天|明日|今天|今日|昨天|前天|(?:the\s+)?day\s+after\s+tomorrow|today|tomorrow|yesterday)"
    # English days as the Chinese ones: "this Friday" is 这周五, "next Friday" 下周五, a bare "Friday" the next one
    r"|(?P<en>(?:(?:next|this)\s+)?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday))"
    # 5组12号, 3号楼, 第2号, 三号那个 are addresses and places in a row or a list, not days of the month.
    r"|(?P<day>(?<![\d月组栋楼院街路第排房编床工])(?P<d4>3[01]|[12]\d|[1-9])\s*号"
    r"(?!\s*(?:楼|房|床|线|车厢|窗口|门|桌|柜台|位|院|机|码|球|选手|单元|栋|组|地铁|那个|这个|岗位|工作|职位)))",
    re.IGNORECASE,
)


@dataclass
class DateMatch:
    start: int
    end: int
    value: str


def today_in_shanghai() -> date:
    """Today's date where the bureau is."""
    return datetime.now(TIMEZONE).date()


def _safe(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _upcoming(today: date, month: int, day: int) -> date | None:
    """3月5号 said in December means next March: dates without a year look forward (a bus, a class)."""
    this_year = _safe(today.year, month, day)
    if this_year is None:
        return None
    if this_year < today - timedelta(days=30):
        return _safe(today.year + 1, month, day)
    return this_year


def _weekday(today: date, prefix: str, weekday: int) -> date:
    monday = today - timedelta(days=today.weekday())
    if prefix.startswith("下下"):
        return monday + timedelta(days=14 + weekday)
    if prefix.startswith("下"):
        return monday + timedelta(days=7 + weekday)
    if prefix.startswith("上"):
        return monday + timedelta(days=weekday - 7)
    if prefix:  # 这周 / 本周
        return monday + timedelta(days=weekday)
    # A bare 周五 means the next one to come (today included).
    return today + timedelta(days=(weekday - today.weekday()) % 7)


def find_dates(text: str, today: date | None = None) -> list[DateMatch]:
    """Every date mention in normalised text, with its span and ISO value."""
    today = today or today_in_shanghai()
    found: list[DateMatch] = []
    for m in _DATE.finditer(text):
        value: date | None
        if m.group("lunar"):
            value = lunar.resolve(m, today)
        elif m.group("ymd"):
            value = _safe(int(m.group("y")), int(m.group("m")), int(m.group("d")))
        elif m.group("md"):
            value = _upcoming(today, int(m.group("m2")), int(m.group("d2")))
        elif m.group("md_slash"):
            value = _upcoming(today, int(m.group("m3")), int(m.group("d3")))
        elif m.group("week"):
            value = _weekday(today, (m.group("wk") or "").strip(), _WEEKDAY[m.group("wd")])
        elif m.group("next_month"):
            first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
            value = _safe(first.year, first.month, int(m.group("d5"))) if m.group("d5") else first
        elif m.group("next_week"):
            value = _weekday(today, "下", 0)
        elif m.group("holiday"):
            value = _upcoming(today, *_HOLIDAYS[m.group("holiday").removesuffix("节")])
        elif m.group("rel"):
            value = today + timedelta(days=_RELATIVE[" ".join(m.group("rel").lower().split()).removeprefix("the ")])
        elif m.group("en"):
            words = m.group("en").lower().split()
            value = _weekday(today, {"next": "下", "this": "这"}.get(words[0], ""), _EN_WEEKDAY[words[-1]])
        else:
            day = int(m.group("d4"))
            value = _safe(today.year, today.month, day)
            if value is not None and value < today:
                nxt = today.replace(day=1) + timedelta(days=32)
                value = _safe(nxt.year, nxt.month, day)
        if value is not None:
            found.append(DateMatch(m.start(), m.end(), value.isoformat()))
    return found


def parse_date(text: str, today: date | None = None) -> str | None:
    """The first date in raw text (normalised first) as an ISO string: 明天 → tomorrow in Asia/Shanghai."""
    from nlu.normalise import normalise

    found = find_dates(normalise(text).text, today)
    return found[0].value if found else None
