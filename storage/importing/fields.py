"""Parsing the values staff and enterprises type into spreadsheets: pay, dates, counts, phones, ID numbers, places.

Pure functions; each returns the parsed value or raises FieldError with a message staff understand. Every parser
first folds full-width characters (NFKC: ３０００ → 3000, （ → (), which Chinese input methods produce, and
bounds its numbers, so a cell never reaches the database as something it cannot store.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache, lru_cache
from typing import Any

import cn2an

from storage.id_numbers import Problem, check_character, check_id_number
from storage.numbers import COUNT, Bounds, read_decimal, scaled
from storage.vocabulary import OTHER_CATEGORY, PROVINCES, canonical_job_category, geography


class FieldError(ValueError):
    """A cell's value cannot be used: `key` (under `importing.` in the catalogues) and `values` say what is
    expected, worded in the reader's language by flows.imports."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


MAX_AMOUNT = 1_000_000  # yuan, per any unit: above this a pay figure is a typing slip (or an ID pasted in)
_TYPED_AMOUNT = Bounds(0, 10**12 - 1)  # the digits as written, before 万/千
MAX_OPENINGS = 100_000
FIRST_YEAR, LAST_YEAR = 1900, 2099


def fold(text: str) -> str:
    """Full-width to half-width (NFKC), ideographic spaces to spaces, stripped."""
    return unicodedata.normalize("NFKC", text).strip()


def _numerals(text: str) -> str:
    """Chinese numerals to digits ('三千五' → '3500'), leaving text with digits as it is."""
    if re.search(r"\d", text) or not re.search(r"[零〇一二两三四五六七八九十百千万]", text):
        return text
    # '一天' is 'per day', not the number one: say it as 每天 before the numerals are converted.
    text = re.sub(r"(?<![零〇一二两三四五六七八九十百千万])一(?=(?:个)?(?:天|日|月|小时|斤|件))", "每", text)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # cn2an warns about every fragment it cannot read, like a lone 千
            return str(cn2an.transform(text, "cn2an"))
    except Exception:  # noqa: BLE001 — cn2an raises plain ValueError/KeyError on odd input; keep the text as is
        return text


# --- pay ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pay:
    min: int | None
    max: int | None
    unit: str  # month | day | piece | hour
    text: str


_UNIT_AFTER = re.compile(r"(?:/|每|元|块)\s*(?:个)?(月|天|日|小时|时|斤|公斤|件|个)")
_UNIT_NAMES = {"月": "month", "天": "day", "日": "day", "小时": "hour", "时": "hour", "斤": "piece", "公斤": "piece",
               "件": "piece", "个": "piece"}
_UNIT_WORDS = (("月", "month"), ("日薪", "day"), ("天", "day"), ("时薪", "hour"), ("小时", "hour"), ("斤", "piece"))
_NUMBER = re.compile(r"(\d+(?:\.\d+)?)\s*(万|千|k|K|w|W)?")
_FACTORS = {"万": 10000, "w": 10000, "W": 10000, "千": 1000, "k": 1000, "K": 1000, "": 1}
_NO_AMOUNT = ("面议", "面谈", "议", "协商", "计件", "按斤", "按件", "计价", "多劳多得")


def _amount(number: str, factor: str, raw: str) -> int:
    typed = read_decimal(number, _TYPED_AMOUNT)  # storage.numbers: the one reader of numbers
    if typed is None:
        raise FieldError("pay_not_amount", raw=raw, number=number)
    value = scaled(typed, _FACTORS[factor], COUNT)
    if value is None or value > MAX_AMOUNT:
        raise FieldError("pay_too_much", raw=raw, number=value if value is not None else number, most=MAX_AMOUNT)
    return value


def _pay_unit(cleaned: str) -> str:
    found = _UNIT_AFTER.search(cleaned)
    if found:
        return _UNIT_NAMES[found.group(1)]
    for word, unit in _UNIT_WORDS:
        if word in cleaned:
            return unit
    return "month"


@lru_cache(maxsize=8192)  # sheets repeat their cells; the value is immutable
def parse_pay(text: str) -> Pay:
    """'3000-4500元/月', '150元/天', '20元/小时', '8000元/月以上', '计件,月均3500元', '3-5千', '面议' → Pay."""
    raw = text.strip()
    cleaned = _numerals(fold(raw))
    for dash in ("~", "—", "–", "至", "到"):
        cleaned = cleaned.replace(dash, "-")
    cleaned = re.sub(r"(?<=\d),(?=\d{3})", "", cleaned)  # 4,500 is four thousand five hundred
    cleaned = cleaned.replace(" ", "")
    unit = _pay_unit(cleaned)
    numbers = _NUMBER.findall(cleaned)
    if not numbers:
        if any(word in cleaned for word in _NO_AMOUNT):
            return Pay(None, None, "piece" if ("斤" in cleaned or "件" in cleaned) else unit, raw)
        raise FieldError("pay_no_amount", raw=raw)
    # '3-5千': a factor written once at the end applies to both numbers.
    if len(numbers) >= 2 and numbers[0][1] == "" and numbers[1][1]:
        numbers[0] = (numbers[0][0], numbers[1][1])
    amounts = [_amount(n, f, raw) for n, f in numbers[:2]]
    if len(amounts) == 2 and re.search(r"\d\s*(?:万|千|k|K|w|W)?\s*-\s*\d", cleaned):
        low, high = sorted(amounts)
        return Pay(low, high, unit, raw)
    amount = amounts[-1] if re.search(r"月均|月入|综合|平均", cleaned) else amounts[0]
    if any(word in cleaned for word in ("以上", "起", "保底", "不低于", "最低")) or re.search(r"\d\+(?!.*\d)", cleaned):
        return Pay(amount, None, unit, raw)
    if any(word in cleaned for word in ("以下", "以内", "最高", "不超过")):
        return Pay(None, amount, unit, raw)
    return Pay(amount, amount, unit, raw)


# --- dates --------------------------------------------------------------------------------------------

_EXCEL_EPOCH = date(1899, 12, 30)
OPEN_ENDED = ("长期", "长期有效", "招满为止", "不限", "常年", "常年招聘", "随时")
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:[-/.月]\s*(\d{1,2}|底)?\s*[日号]?)?(?:\s*[\dT:.]+)?")


def _calendar_date(year: int, month: int, day: int, raw: str) -> date:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise FieldError("date_year", raw=raw, year=year)
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise FieldError("date_none", raw=raw) from exc


@lru_cache(maxsize=8192)  # sheets repeat their cells; the value is immutable
def parse_date(text: str) -> date:
    """'2027-03-31', '2027/3/31', '2027.3.31', '2027年3月31日', '2027年3月31号', '2027年3月底', '二〇二七年三月三十一日',
    '20270331' or an Excel serial number like '46477'."""
    raw = text.strip()
    cleaned = _numerals(fold(raw)).replace(" ", "")
    serial = re.fullmatch(r"(\d{5})(?:\.\d+)?", cleaned)
    if serial:
        day = _EXCEL_EPOCH + timedelta(days=int(serial.group(1)))
        return _calendar_date(day.year, day.month, day.day, raw)
    compact = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", cleaned)
    if compact:
        return _calendar_date(int(compact.group(1)), int(compact.group(2)), int(compact.group(3)), raw)
    match = _DATE.fullmatch(cleaned)
    if not match or (match.group(3) is None and "月" not in cleaned):
        raise FieldError("date_unread", raw=raw)
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        raise FieldError("date_none", raw=raw)
    day_text = match.group(3)
    if day_text in (None, "底"):  # 2027年3月 / 2027年3月底: the end of that month
        _calendar_date(year, month, 1, raw)
        day_number = monthrange(year, month)[1]
    else:
        day_number = int(day_text)
    return _calendar_date(year, month, day_number, raw)


@lru_cache(maxsize=8192)  # sheets repeat their cells; the value is immutable
def parse_deadline(text: str) -> date | None:
    """A date, or None for an open-ended posting (长期, 招满为止, 常年招聘 …)."""
    if fold(text).replace(" ", "") in OPEN_ENDED:
        return None
    return parse_date(text)


# --- counts --------------------------------------------------------------------------------------------

UNKNOWN_OPENINGS = ("若干", "若干名", "若干人", "不限", "多名", "大量", "数名", "不定", "待定")


@lru_cache(maxsize=8192)  # sheets repeat their cells; the value is immutable
def parse_openings(text: str) -> int | None:
    """'30', '30人', '约30人', '30余人', '10-20人' (the larger), '三十人' → a number; '若干', '不限' → None (unknown)."""
    raw = text.strip()
    cleaned = fold(raw).replace(" ", "")
    if cleaned in UNKNOWN_OPENINGS:
        return None
    cleaned = _numerals(cleaned)
    match = re.fullmatch(r"(?:约|招|共|需)?(\d{1,9})(?:\.0+)?(?:\s*[-~至到]\s*(\d{1,9}))?(?:余|多)?(?:人|名|个|位)?(?:左右)?", cleaned)
    if not match:
        raise FieldError("openings_unread", raw=raw)
    count = max(int(match.group(1)), int(match.group(2) or 0))
    if count < 1:
        raise FieldError("openings_none", raw=raw)
    if count > MAX_OPENINGS:
        raise FieldError("openings_too_many", raw=raw, most=MAX_OPENINGS)
    return count


# --- phones and ID numbers -----------------------------------------------------------------------------

_MOBILE = re.compile(r"(?:\+?86|0086)?(1[3-9]\d{9})")
_LANDLINE = re.compile(r"(0\d{2,3})-?(\d{7,8})")
_PHONE_SEPARATORS = re.compile(r"[/、,;；]|或")


def parse_phone(text: str, *, mobile_only: bool = False) -> str:
    """A mainland mobile ('138 0000 1111', '+86-138…', full-width digits) → '13800001111'; unless `mobile_only`,
    a landline ('0833 5521234' → '0833-5521234'). Of several numbers ('138…/0833-…') the first is kept."""
    raw = text.strip()
    parts = [fold(part) for part in _PHONE_SEPARATORS.split(raw)] if not mobile_only else [fold(raw)]
    for part in parts:
        compact = re.sub(r"[\s()·.]", "", part)
        mobile = _MOBILE.fullmatch(compact.replace("-", ""))
        if mobile:
            return mobile.group(1)
        landline = _LANDLINE.fullmatch(compact)
        if not mobile_only and landline:
            return f"{landline.group(1)}-{landline.group(2)}"
    raise FieldError("phone_mobile" if mobile_only else "phone")


_SCIENTIFIC = re.compile(r"\d(?:\.\d+)?[eE][+]?\d+")
_ID_PROBLEMS = {Problem.SHAPE: "id_shape", Problem.BIRTH_DATE: "id_birth_date", Problem.CHECK: "id_check"}
id_check_character = check_character  # the one implementation of GB 11643's check is storage/id_numbers.py


def parse_id_number(text: str, *, was_number: bool = False) -> str:
    """An 18-character resident ID number (digits, last may be X) with a valid birth date and check character
    (checked by storage.id_numbers, as in chat).

    A spreadsheet cell that held a number lost the last digits already (Excel keeps 15 significant digits), so
    it is refused with what to do about it rather than stored wrong.
    """
    raw = fold(text).replace(" ", "").upper()
    if was_number or _SCIENTIFIC.fullmatch(raw):
        raise FieldError("id_as_number")
    if re.fullmatch(r"\d{15}", raw):
        raise FieldError("id_old")
    checked = check_id_number(raw)
    if checked.number is None:
        raise FieldError(_ID_PROBLEMS[checked.problem or Problem.SHAPE])
    return checked.number


# --- categories -------------------------------------------------------------------------------------------


@lru_cache(maxsize=8192)  # sheets repeat their cells; the value is immutable
def parse_job_category(text: str) -> str:
    """A canonical job category from its name or a common name for it ('采茶' → '采茶工'), or 其他."""
    folded = fold(text)
    if folded == OTHER_CATEGORY:
        return OTHER_CATEGORY
    found = canonical_job_category(folded)
    if found is None:
        raise FieldError("category_unknown", raw=text.strip())
    return found


# --- places -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    township: str | None
    city: str
    province: str
    village: str | None = None
    text: str = ""  # as written, e.g. 峨眉山市双福镇青春村茶园

    @property
    def in_county(self) -> bool:
        return self.city == geography().county


_LOCAL = ("本地", "本市", "市内", "市区", "城区", "县城", "全市", "本县", "就近")
_VILLAGE = re.compile(r"([\u4e00-\u9fff]{1,8}?(?:村|社区))")


@cache
def _province_names() -> tuple[tuple[str, str], ...]:
    """(written form, short name), longest first: 广西壮族自治区, 浙江省, 浙江 …"""
    forms = {form: short for short, full in PROVINCES.items() for form in (full, short + "省", short)}
    return tuple(sorted(forms.items(), key=lambda item: -len(item[0])))


@cache
def _townships_longest_first() -> tuple[tuple[str, str], ...]:
    """(written form, township): full names and short ones (双福镇, 双福), longest first."""
    forms = []
    for name in geography().townships:
        short = name.removesuffix("街道").removesuffix("镇").removesuffix("乡")
        forms += [(name, name)] + ([(short, name)] if len(short) >= 2 else [])
    return tuple(sorted(forms, key=lambda item: -len(item[0])))


@cache
def _destinations_longest_first() -> tuple[tuple[str, str], ...]:
    return tuple(sorted(geography().destinations.items(), key=lambda item: -len(item[0])))


def _strip_province(text: str) -> tuple[str, str]:
    for form, short in _province_names():
        if text.startswith(form):
            return short, text[len(form):]
    return "", text


def _in_county(rest: str, raw: str) -> Place:
    """The part after the county's name: township, then village (when one is named)."""
    geo = geography()
    township = None
    for form, name in _townships_longest_first():
        if rest.startswith(form):
            township, rest = name, rest[len(form):]
            break
    village = None
    if township:
        known = next((v for v in geo.townships[township].villages if rest.startswith(v)), None)
        match = _VILLAGE.match(rest)
        village = known or (match.group(1) if match else None)
    return Place(township, geo.county, "四川", village, raw)


@lru_cache(maxsize=8192)  # sheets repeat their cells; the value is immutable
def parse_place(text: str) -> Place:
    """'双福镇', '双福', '峨眉山市双福镇青春村茶园', '峨眉山景区', '四川省乐山市峨眉山市…', '浙江省绍兴市柯桥区',
    '浙江绍兴', '东莞', '本地' → township/village inside the county, else city and province."""
    raw = text.strip()
    cleaned = fold(raw).replace(" ", "")
    if not cleaned:
        raise FieldError("place_empty")
    geo = geography()
    province, rest = _strip_province(cleaned)
    if province in ("", "四川"):
        if geo.prefecture and rest.startswith(geo.prefecture) and rest[len(geo.prefecture):].startswith(
                geo.county.removesuffix("市")):
            rest = rest[len(geo.prefecture):]
        county_short = geo.county.removesuffix("市")
        for name in (geo.county, county_short):
            if rest.startswith(name):
                return _in_county(rest[len(name):], raw)
        if rest in _LOCAL or any(rest.startswith(word) for word in _LOCAL):
            return Place(None, geo.county, "四川", None, raw)
        inside = _in_county(rest, raw)
        if inside.township:
            return inside
    for city, city_province in _destinations_longest_first():
        if rest.startswith(city) or (not province and city in rest[:len(city) + 4]):
            return Place(None, city, province or city_province, None, raw)
    city_match = re.match(r"([\u4e00-\u9fff]{2,7}?)(?:市|地区|州|盟)", rest)
    if city_match:
        return Place(None, city_match.group(1), province, None, raw)
    if province:
        return Place(None, rest[:8] or province, province, None, raw)
    return Place(None, rest[:32], "", None, raw)


@lru_cache(maxsize=8192)  # sheets repeat their cells; the value is immutable
def parse_age(text: str) -> tuple[int | None, int | None]:
    """'18-55岁', '55岁以下', '45周岁以内', '18周岁以上', '不限' → (min, max)."""
    cleaned = _numerals(fold(text))
    if cleaned.replace(" ", "") in ("", "不限", "无", "无要求"):
        return None, None
    numbers = [int(n) for n in re.findall(r"\d{1,3}", cleaned)]
    if not numbers or any(not 14 <= n <= 100 for n in numbers):
        raise FieldError("age_unread", raw=text.strip())
    if any(word in cleaned for word in ("以下", "以内", "之内", "不超过")):
        return None, max(numbers)
    if len(numbers) >= 2:
        return min(numbers[:2]), max(numbers[:2])
    return (numbers[0], None) if ("以上" in cleaned or "满" in cleaned) else (None, numbers[0])


def split_list(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[、,，;；/ ]+", fold(text)) if part.strip()]
