"""Numbers people type, read once and bounded: row ids, counts and amounts, for every room above storage.

Text becomes a number here and nowhere else, so that nothing a person types — `²` (a digit to `str.isdigit`
but not to `int`), a 40-digit phone number pasted into `/worker`, a 309-digit pay that is infinity as a float —
can reach `int()`, a float or the database unbounded. Digits are what keyboards here type: 0-9 in half or full
width (a Chinese input method gives `１２`); superscripts, circled numbers and other scripts' digits are not a
number typed after a command. Each reader returns the number, or None when
the text is not a number in range; the caller says so in words (no exception leaves this module).

Bounds: a row id is 1..2³¹-1 (the INTEGER primary keys on PostgreSQL; SQLite stops at 2⁶³-1, so the smaller
bound makes both backends answer alike); a count or an amount is within the range its caller declares.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

INT32_MAX = 2**31 - 1

# Digits a person may type: 0-9 in half or full width, an optional "#" before an id (#12), a "-" where the bounds
# allow it, thousands separators in amounts (3,000), at most one decimal point.
_INTEGER = re.compile(r"#?(-?)([0-9]+)")
_DECIMAL = re.compile(r"([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.([0-9]+))?")
_HALF_WIDTH = {ord(c): ord(c) - 0xFEE0 for c in "０１２３４５６７８９＃－．，"}
_CHAT_ID = re.compile(r"-?[0-9]{1,19}")
# Longer than this is out of every range we read, whatever it says: no conversion is even attempted.
_MAX_DIGITS = 18


@dataclass(frozen=True)
class Bounds:
    """An inclusive range a number must be in."""

    low: int
    high: int

    def __contains__(self, value: object) -> bool:
        return isinstance(value, int | Decimal | float) and self.low <= value <= self.high


ID = Bounds(1, INT32_MAX)  # a row id: posting, worker, case, follow-up …
COUNT = Bounds(0, INT32_MAX)  # anything stored in an INTEGER column
CHAT_ID = Bounds(-(2**63), 2**63 - 1)  # a channel's chat id (Telegram's are up to 52 bits, negative for groups)


def plain_digits(text: str) -> str:
    """The text with full-width digits and signs made half width (１２ → 12), trimmed (full-width spaces too)."""
    return text.translate(_HALF_WIDTH).strip()


def read_int(text: str | int | None, bounds: Bounds = COUNT) -> int | None:
    """A whole number typed as text ("12", " １２ ", "#12"), or stored as one, within `bounds`; else None
    ("²", "٣", "1e3", "3.0" and 19 digits are not whole numbers typed here)."""
    if isinstance(text, bool) or text is None:
        return None
    if isinstance(text, int):
        return text if text in bounds else None
    match = _INTEGER.fullmatch(plain_digits(str(text)))
    if match is None:
        return None
    digits = match.group(2).lstrip("0") or "0"
    if len(digits) > _MAX_DIGITS + 1:
        return None
    value = -int(digits) if match.group(1) else int(digits)
    return value if value in bounds else None


def read_id(text: str | int | None) -> int | None:
    """A row id (1..2³¹-1) as typed after a command or kept in a button; None when it cannot be one."""
    return read_int(text, ID)


def chat_id_value(chat_id: str) -> int | str:
    """A chat id as the channel API wants it: the number when it is one, else the text (`@channelname`)."""
    if _CHAT_ID.fullmatch(chat_id) is None:
        return chat_id
    number = int(chat_id)
    return number if number in CHAT_ID else chat_id


def read_decimal(text: str, bounds: Bounds) -> Decimal | None:
    """A number with an optional fraction ("3000", "3,000", "2.5", "２.５") within `bounds`; else None."""
    match = _DECIMAL.fullmatch(plain_digits(text))
    if match is None:
        return None
    whole = match.group(1).replace(",", "").lstrip("0") or "0"
    if len(whole) > _MAX_DIGITS or len(match.group(2) or "") > _MAX_DIGITS:
        return None
    try:
        value = Decimal(f"{whole}.{match.group(2) or '0'}")
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits
        return None
    return value if value in bounds else None


def scaled(value: Decimal, factor: int, bounds: Bounds) -> int | None:
    """`value` × `factor` rounded to a whole number ("2.5" 千 → 2500), if within `bounds`; else None."""
    result = int((value * factor).to_integral_value())
    return result if result in bounds else None
