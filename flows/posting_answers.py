"""Reading an employer's typed answers for a posting (pure functions): the title, openings (若干), pay as enterprises
write it (计件,月均3500元; 8000元/月以上; 面议), the work place, age limits inside the requirements, the contact
person and phone, and the deadline (长期, 4月30号, 2027-03-31).

The values are read by the same parsers as the bureau's imported sheets (storage/importing/fields.py), so a posting
typed in chat and one in a sheet are stored alike; what is added here is what chat needs: None instead of an
error, plausibility for a typed slip, and dates typed without a year.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from flows.answers import (
    date_in_window,
    is_cancel,
    is_skip,
    parse_count,
    parse_date,
    parse_org_name,
    parse_person_name,
    plain_answer,
)
from storage.importing.fields import (
    MAX_OPENINGS,
    OPEN_ENDED,
    FieldError,
    Pay,
    Place,
    parse_age,
    parse_deadline,
    parse_openings,
    parse_pay,
    parse_phone,
    parse_place,
)

TITLE_LIMIT = 40
TEXT_LIMIT = 300  # requirements and benefits: a few lines, not a brochure
UNKNOWN_OPENINGS = "若干"
# The least a typed figure can be per unit before it is a slip (5 元/月 is a missing 千).
LEAST_PAY = {"month": 300, "day": 20, "hour": 5, "piece": 0}
DEADLINE_AHEAD = timedelta(days=366)
NOTHING = frozenset({"无", "没有", "没", "不限", "无要求", "没有要求", "没要求", "暂无", "none", "no", "-"})


def _folded(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split())


_TITLE_EDGES = " \t\n\r。.!！?？,，、~～…;；:：\"'“”‘’"


def read_title(text: str) -> str | None:
    """A job title (春茶采摘工, 普工（包吃住）): a few words with two letters or more, not an answer word (好的, 取消),
    at most 40 characters; brackets stay, sentence punctuation around it goes."""
    if parse_org_name(text) is None:  # a number, an emoji, 好的, 跳过, 取消 …
        return None
    value = "".join(ch for ch in _folded(text) if unicodedata.category(ch) not in ("So", "Cc", "Cf", "Cs", "Co", "Cn"))
    value = value.strip(_TITLE_EDGES)
    if not 2 <= len(value) <= TITLE_LIMIT:
        return None
    return value


def read_openings(text: str) -> str | None:
    """How many people: "30", "30人", "三十个", "10-20人" (the larger) as digits, or "若干" (said as 若干, 不限, 多名 …)."""
    try:
        count = parse_openings(text)
    except FieldError:
        count = parse_count(text)
        if count is None or not 1 <= count <= MAX_OPENINGS:
            return None
    return UNKNOWN_OPENINGS if count is None else str(count)


def openings_value(stored: str) -> int | None:
    """The posting column for a stored answer: None for 若干."""
    return None if stored == UNKNOWN_OPENINGS else int(stored)


def read_pay(text: str) -> Pay | None:
    """Pay as enterprises write it; None for no amount and no pay word, or a figure too small for its unit."""
    if not text.strip() or is_skip(text) and plain_answer(text) != "面议":
        return None
    try:
        pay = parse_pay(text.strip()[:64])
    except FieldError:
        return None
    best = max(pay.min or 0, pay.max or 0)
    if (pay.min is not None or pay.max is not None) and best < LEAST_PAY[pay.unit]:
        return None
    return pay


def read_place(text: str) -> Place | None:
    """A township of the county (双福镇, 峨眉山市双福镇青春村茶园), or a city/province elsewhere (浙江绍兴, 东莞);
    None for words that name no place."""
    if not text.strip() or len(text) > 128:
        return None
    try:
        place = parse_place(text.strip())
    except FieldError:
        return None
    if place.township or (place.province and place.city) or place.in_county:
        return place
    return None


def read_free_text(text: str) -> str:
    """Requirements or benefits as typed (up to a few lines); "无", "不限", "跳过" → nothing."""
    value = " ".join(text.split())  # kept as typed (full-width punctuation and all), blanks collapsed
    if plain_answer(value) in NOTHING or is_skip(value):
        return ""
    return value[:TEXT_LIMIT]


_AGE = re.compile(
    r"(?:年龄|年纪)?\s*[:：]?\s*"
    r"([0-9一二三四五六七八九十]{1,3}\s*(?:周?岁)?\s*(?:-|~|～|至|到|—)\s*[0-9一二三四五六七八九十]{1,3}\s*周?岁"
    r"|[0-9一二三四五六七八九十]{1,3}\s*周?岁\s*(?:以下|以内|之内|以上)"
    r"|(?:年龄|年纪)\s*[:：]?\s*[0-9]{2}\s*(?:-|~|～|至|到|—)\s*[0-9]{2})"
)


def read_age_limits(requirements: str) -> tuple[int | None, int | None]:
    """The age limits a requirements text states ("18-55岁，身体健康", "50岁以下", "年龄18~45"); (None, None) if none."""
    match = _AGE.search(_folded(requirements))
    if match is None:
        return None, None
    try:
        return parse_age(match.group(1))
    except FieldError:
        return None, None


@dataclass(frozen=True)
class ContactAnswer:
    name: str
    phone: str


_PHONE_PART = re.compile(r"(?:\+?86[\s-]?)?(?:1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}|0\d{2,3}[\s-]?\d{7,8})")


def read_contact(text: str, default_name: str = "") -> ContactAnswer | None:
    """"王经理 13912345678", "13912345678 王经理", "联系人：王经理，电话0833-5521234", or a phone alone (the name is then
    `default_name`); None without a usable phone number or with words that are no name."""
    folded = _folded(text)
    if len(folded) > 80:
        return None
    found = _PHONE_PART.search(folded)
    if found is None:
        return None
    try:
        phone = parse_phone(found.group())
    except FieldError:
        return None
    rest = (folded[:found.start()] + " " + folded[found.end():])
    rest = re.sub(r"联系人|联系电话|电话|手机号?|号码|姓名|名字|[:：,，;；、/]", " ", rest).strip()
    if not rest:
        return ContactAnswer(default_name, phone) if default_name else ContactAnswer("", phone)
    name = parse_person_name(rest)
    if name is None:
        return None
    return ContactAnswer(name, phone)


@dataclass(frozen=True)
class Deadline:
    """When applications close; None: open-ended (长期, 招满为止)."""

    day: date | None


def read_deadline(text: str, today: date) -> Deadline | None:
    """"长期", "招满为止", "4月30号", "下个月", "2026-12-31", "2026年12月底" → a deadline from today to a year ahead."""
    folded = _folded(text).replace(" ", "")
    if not folded or is_cancel(folded):
        return None
    if folded in OPEN_ENDED or plain_answer(folded) in ("长期", "长期招聘", "不限", "没有", "无"):
        return Deadline(None)
    day = parse_date(folded, today)
    if day is None:
        try:
            day = parse_deadline(folded)
        except FieldError:
            return None
    if day is None:
        return Deadline(None)
    if not today <= day <= today + DEADLINE_AHEAD or not date_in_window(day, today):
        return None
    return Deadline(day)
