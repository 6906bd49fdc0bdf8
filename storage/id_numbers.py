"""Resident ID numbers (居民身份证号码, GB 11643-1999) as people type them and files hold them: checked, not trusted.

An 18-character number is 6 digits of the issuing area, the birth date (YYYYMMDD), 3 digits of sequence and a
check character (ISO 7064 MOD 11-2: a digit or X). The old 15-digit numbers (issued until 1999) have the birth
date as YYMMDD in the 1900s and no check character. A number is accepted when its shape, birth date and check
character are right; otherwise the reason says which part is wrong, so the person can be asked precisely.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SEPARATORS = re.compile(r"[\s\-.·]")
_SHAPE_18 = re.compile(r"\d{17}[\dX]")
_SHAPE_15 = re.compile(r"\d{15}")


class Problem(StrEnum):
    """Why a typed ID number is not accepted (each has its own message: `register.id_<problem>`)."""

    SHAPE = "shape"  # not 18 characters (17 digits and a digit or X), nor 15 digits
    BIRTH_DATE = "birth_date"  # the birth date inside it is not a real date, or lies in the future
    CHECK = "check"  # the last character does not match the others (a typo, or digits lost in a spreadsheet)


@dataclass(frozen=True)
class IdCheck:
    """The number as stored (digits, capital X, no spaces) when valid; else the problem."""

    number: str | None
    problem: Problem | None = None


def check_character(first17: str) -> str:
    """The check character of the first 17 digits (GB 11643: ISO 7064 MOD 11-2)."""
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def _birth_date(year: int, month: int, day: int, today: date) -> bool:
    try:
        born = date(year, month, day)
    except ValueError:
        return False
    return date(1900, 1, 1) <= born <= today


def check_id_number(text: str, *, today: date | None = None) -> IdCheck:
    """Read an ID number as typed ("51118119900307123x", full width, with spaces) and check it."""
    today = today or date.today()
    plain = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text)).upper()
    if not plain.isascii():
        return IdCheck(None, Problem.SHAPE)
    if _SHAPE_18.fullmatch(plain):
        if not _birth_date(int(plain[6:10]), int(plain[10:12]), int(plain[12:14]), today):
            return IdCheck(None, Problem.BIRTH_DATE)
        if check_character(plain[:17]) != plain[17]:
            return IdCheck(None, Problem.CHECK)
        return IdCheck(plain)
    if _SHAPE_15.fullmatch(plain):
        if not _birth_date(1900 + int(plain[6:8]), int(plain[8:10]), int(plain[10:12]), today):
            return IdCheck(None, Problem.BIRTH_DATE)
        return IdCheck(plain)
    return IdCheck(None, Problem.SHAPE)


def looks_like_id_number(text: str) -> bool:
    """Whether a typed text is meant as an ID number at all (15–18 digits, maybe an X), right or wrong."""
    plain = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text)).upper()
    return bool(re.fullmatch(r"\d{14,17}[\dX]", plain))
