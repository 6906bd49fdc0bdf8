"""Parsing the values staff type into spreadsheets: pay, dates, counts, phone numbers, places.

Pure functions; each returns the parsed value or raises FieldError with a message staff understand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from storage.vocabulary import canonical_job_category, geography


class FieldError(ValueError):
    """A cell's value cannot be used; the message says what is expected."""


@dataclass(frozen=True)
class Pay:
    min: int | None
    max: int | None
    unit: str  # month | day | piece | hour
    text: str


_UNITS = (("月", "month"), ("天", "day"), ("日", "day"), ("时", "hour"), ("小时", "hour"), ("斤", "piece"),
          ("件", "piece"), ("个", "piece"))
_NUMBER = r"(\d+(?:\.\d+)?)\s*(万|千|k|K)?"
_FACTORS = {"万": 10000, "千": 1000, "k": 1000, "K": 1000, "": 1}


def _amount(number: str, factor: str) -> int:
    return int(round(float(number) * _FACTORS[factor]))


def parse_pay(text: str) -> Pay:
    """'3000-5000元/月', '150元/天', '4000以上', '3-5千', '面议', '按斤计价' → Pay."""
    raw = text.strip()
    cleaned = raw.replace("～", "-").replace("~", "-").replace("—", "-").replace("至", "-").replace("到", "-")
    cleaned = cleaned.replace(",", "").replace("，", "").replace(" ", "")
    unit = "month"
    for word, name in _UNITS:
        if word in cleaned:
            unit = name
            break
    numbers = re.findall(_NUMBER, cleaned)
    if not numbers:
        if raw and any(word in raw for word in ("面议", "议", "计件", "按斤", "按件", "计价", "协商")):
            return Pay(None, None, "piece" if "斤" in raw or "件" in raw else unit, raw)
        raise FieldError(f"pay '{raw}' has no amount; write e.g. 3000-5000元/月, 150元/天 or 面议")
    # '3-5千': a shared factor written once at the end applies to both numbers.
    if len(numbers) >= 2 and numbers[0][1] == "" and numbers[1][1]:
        numbers[0] = (numbers[0][0], numbers[1][1])
    amounts = [_amount(n, f) for n, f in numbers[:2]]
    if len(amounts) == 2:
        low, high = sorted(amounts)
        return Pay(low, high, unit, raw)
    if any(word in cleaned for word in ("以上", "起", "+")):
        return Pay(amounts[0], None, unit, raw)
    if "以下" in cleaned or "最高" in cleaned:
        return Pay(None, amounts[0], unit, raw)
    return Pay(amounts[0], amounts[0], unit, raw)


_EXCEL_EPOCH = date(1899, 12, 30)


def parse_date(text: str) -> date:
    """'2026-03-05', '2026/3/5', '2026年3月5日', '2026.3.5' or an Excel serial number like '46086'."""
    raw = text.strip()
    if re.fullmatch(r"\d{5}(\.0+)?", raw):
        return _EXCEL_EPOCH + timedelta(days=int(float(raw)))
    match = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+[\d:]+)?", raw)
    if not match:
        raise FieldError(f"date '{raw}' not understood; write e.g. 2026-03-05")
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError as exc:
        raise FieldError(f"date '{raw}' does not exist") from exc


def parse_count(text: str) -> int:
    """'30', '30人', '30.0', '若干' is refused: an opening count must be a number."""
    raw = text.strip()
    match = re.fullmatch(r"(\d+)(?:\.0+)?\s*(?:人|名|个)?", raw)
    if not match:
        raise FieldError(f"'{raw}' is not a whole number")
    return int(match.group(1))


_MOBILE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9})$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def parse_phone(text: str, *, mobile_only: bool = False) -> str:
    """A mainland mobile (spaces, dashes, +86 allowed) or, unless `mobile_only`, a landline like 0833-5521234."""
    raw = text.strip()
    compact = re.sub(r"[\s\-()（）]", "", raw)
    match = _MOBILE.match(compact)
    if match:
        return match.group(1)
    if not mobile_only and _LANDLINE.match(raw.replace(" ", "")):
        return raw.replace(" ", "")
    raise FieldError("phone number is not a mainland mobile (11 digits starting 13–19)" +
                     ("" if mobile_only else " or a landline like 0833-5521234"))


def parse_job_category(text: str) -> str:
    found = canonical_job_category(text)
    if found is None:
        raise FieldError(f"unknown job category '{text.strip()}'; see docs/examples/README.md for the list")
    return found


@dataclass(frozen=True)
class Place:
    township: str | None
    city: str
    province: str


def parse_place(text: str) -> Place:
    """A township of the county ('双福镇', '双福'), or a destination ('浙江绍兴', '东莞', '广东东莞市')."""
    raw = text.strip()
    geo = geography()
    township = geo.township_of(raw.removeprefix(geo.county))
    if township:
        return Place(township, geo.county, "四川")
    for city, province in geo.destinations.items():
        if city in raw:
            return Place(None, city, province)
    for province in set(geo.destinations.values()):
        if raw.startswith(province):
            rest = raw.removeprefix(province).removesuffix("市") or province
            return Place(None, rest, province)
    if not raw:
        raise FieldError("work place is empty")
    return Place(None, raw.removesuffix("市"), "")


def split_list(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[、,，;；/ ]+", text) if part.strip()]
