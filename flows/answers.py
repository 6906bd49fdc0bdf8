"""Reading typed form answers: phone numbers, pay, dates, townships, job categories (pure functions)."""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date, timedelta

import cn2an
from opencc import OpenCC

from nlu.dates import parse_date as find_date

_t2s = OpenCC("t2s")

MOBILE = re.compile(r"^1[3-9]\d{9}$")
SKIP_WORDS = frozenset({"跳过", "不限", "面议", "无所谓", "都行", "随便", "不知道", "skip", "any", "-", "无"})
TOWNSHIP_SUFFIXES = ("街道办事处", "街道", "镇", "乡")


def _plain(text: str) -> str:
    """Full-width to half-width, traditional to simplified, trimmed, lower-case."""
    return _t2s.convert(unicodedata.normalize("NFKC", text)).strip().lower()


def is_skip(text: str) -> bool:
    return _plain(text).strip("。.!！") in SKIP_WORDS


def normalise_phone(text: str) -> str | None:
    """A mainland mobile number as 11 digits, accepting +86, 0086, spaces, dashes and brackets; else None."""
    digits = re.sub(r"[\s\-()（）.]", "", unicodedata.normalize("NFKC", text))
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == 11 + len(prefix):
            digits = digits[len(prefix) :]
            break
    return digits if MOBILE.match(digits) else None


_AMOUNT = re.compile(r"(\d+(?:\.\d+)?)\s*([千kK万w]?)|([零〇一二两三四五六七八九十百千万点]+)")
PAY_RANGE = (500, 100_000)


def parse_monthly_pay(text: str) -> int | None:
    """Monthly pay from "3000", "3千", "三千五", "3k", "5000以上", "一万"; None when there is no amount."""
    plain = _plain(text).replace(",", "")
    match = _AMOUNT.search(plain)
    if match is None:
        return None
    if match.group(1):
        value = float(match.group(1)) * {"千": 1000, "k": 1000, "万": 10000, "w": 10000}.get(match.group(2), 1)
    else:
        try:
            value = float(cn2an.cn2an(match.group(3), "smart"))
        except (ValueError, KeyError):
            return None
    return int(value)


def pay_in_range(amount: int) -> bool:
    return PAY_RANGE[0] <= amount <= PAY_RANGE[1]


_ISO = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})[日号]?$")
_MONTH_DAY = re.compile(r"^(\d{1,2}|[一二三四五六七八九十]+)(?:月|/|\.|-)(\d{1,2}|[一二三四五六七八九十]+)[日号]?$")


def _number(text: str) -> int:
    return int(text) if text.isdigit() else int(cn2an.cn2an(text, "smart"))


def parse_date(text: str, today: date) -> date | None:
    """A date from 今天/明天/后天/下周/下个月, 2026-03-10, 3月10号, 3/10, and whatever the NLU's date reader
    knows (周五, 正月初八, 元宵节后); None when it is not a date."""
    plain = _plain(text).strip("。.!！ ")
    words = {
        "今天": 0, "现在": 0, "马上": 0, "随时": 0, "today": 0, "now": 0,
        "明天": 1, "tomorrow": 1, "后天": 2,
    }
    if plain in words:
        return today + timedelta(days=words[plain])
    if plain in ("下周", "下星期", "下礼拜", "next week"):
        return today + timedelta(days=7 - today.weekday())
    if plain in ("下个月", "下月", "next month"):
        year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
        return date(year, month, 1)
    try:
        match = _ISO.match(plain)
        if match:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        match = _MONTH_DAY.match(plain)
        if match:
            month, day = _number(match.group(1)), _number(match.group(2))
            if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(today.year, month)[1]:
                return None
            found = date(today.year, month, day)
            # "3月1号" typed in December means next year's March.
            return found if found >= today - timedelta(days=31) else date(today.year + 1, month, day)
    except ValueError:
        return None
    found = find_date(text, today)
    return date.fromisoformat(found) if found else None


def match_name(text: str, names: Iterable[str], suffixes: tuple[str, ...] = ()) -> str | None:
    """The canonical name typed, also without its suffix ("双福" → 双福镇) or in traditional script."""
    plain = _plain(text)
    names = list(names)
    for name in names:
        if plain == name.lower():
            return name
    for name in names:
        stem = name
        for suffix in suffixes:
            if stem.endswith(suffix) and len(stem) > len(suffix):
                stem = stem[: -len(suffix)]
                break
        if plain == stem.lower() or (len(plain) >= 2 and name.startswith(plain)):
            return name
    return None


def match_categories(text: str, categories: Mapping[str, list[str]]) -> tuple[list[str], list[str]]:
    """(canonical categories, pieces not understood) from a typed list like "采茶、进厂 和 保安"."""
    aliases = {alias.lower(): name for name, names in categories.items() for alias in [name, *names]}
    found: list[str] = []
    unknown: list[str] = []
    for piece in re.split(r"[、,，;；/\s]+|和|或者|或|还有", _plain(text)):
        piece = piece.strip()
        if not piece:
            continue
        name = aliases.get(piece)
        if name is None:
            name = next((canon for alias, canon in sorted(aliases.items(), key=lambda a: -len(a[0]))
                         if len(alias) >= 2 and alias in piece), None)
        if name is None:
            unknown.append(piece)
        elif name not in found:
            found.append(name)
    return found, unknown


_CHOICE = re.compile(r"^(?:第|选|选择|要|no\.?\s*|#)?\s*(\d{1,2}|[一二两三四五六七八九十]{1,3})\s*(?:个|号|条|项|\.|、)?$")


def parse_choice(text: str, count: int) -> int | None:
    """The option a typed answer names, from 1: "2", "第二个", "选3", "No. 1"; None when it names none of `count`."""
    m = _CHOICE.match(_plain(text).strip("。!！?？ "))
    if m is None:
        return None
    try:
        number = _number(m.group(1))
    except ValueError:
        return None
    return number if 1 <= number <= count else None
