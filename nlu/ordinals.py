"""References to an item of a list just shown: 第一个, 第2条, 二号, 头一个, 最后那个, 这个, "the first one", "no. 2".

Works on normalised text (simplified, lower case, numerals before 个/号 already digits). A value is the item's
number counted from 1, "last" for the last one shown, or "this" for the one being talked about (这个岗位,
that one). What the number points at is decided later, by the dialogue rules, against the list the person saw.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlu.normalise import chinese_to_int

# Items are numbered in lists of at most a few pages: larger numbers are amounts, years or phone digits.
MAX_ORDINAL = 99
_CN = "一二两三四五六七八九十"
_NUMBER = rf"(\d{{1,3}}|[{_CN}]{{1,3}})"
# Counters an item can take; words after 第N that make it a day, a year or a time are not items.
_COUNTER = "个条家项趟班期份号位"
_NOT_ITEM = "天年月日周次季批代届遍轮步时"
_WHAT = r"(?:岗位|工作|活路?|培训班?|课|车|班车|专车|政策|企业|厂)?"

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # 倒数第1个 is the last one
    (re.compile(r"倒数\s*第?\s*(?:1|一)\s*[个条家项趟班]?"), "last"),
    # 第1个, 第二条, 第3, 要第2个岗位 (not 第2天, 第3年)
    (re.compile(rf"第\s*{_NUMBER}\s*(?:[{_COUNTER}]{_WHAT}|(?![{_NOT_ITEM}\d{_CN}]))"), "number"),
    # 头1个 / 头一个 (Sichuanese "the first one")
    (re.compile(r"头\s*(?:1|一)\s*[个条家项趟班]"), "first"),
    # 最后那个, 最后一个, 最后头那个, 末尾那个
    (re.compile(rf"(?:最后|最末|末尾)头?\s*(?:(?:那|这|1|一)\s*[{_COUNTER}]?|[{_COUNTER}])(?![{_NOT_ITEM}]){_WHAT}"),
     "last"),
    # 2号 as an item (2号的车 and 3月2号 are dates)
    (re.compile(rf"(?<![\d月.])(?<![{_CN}]){_NUMBER}\s*号(?!的|那天|开|发|走|出|线)"), "number"),
    # 这个, 那个岗位, 这趟车, 那家 (not 这个月, 那个时候)
    (re.compile(r"(?:这|那)\s*(?:个|条|家|项|趟|班)(?!月|星期|礼拜|周|时候|样|事|人|地方|问题|东西)" + _WHAT), "this"),
    # 报1, 订2, 选3 (not 报2个人, 订2个座位)
    (re.compile(r"(?:报|订|选)\s*(\d{1,2})(?![\d个人位座天号])"), "verb"),
    # apply 1, book no. 2, choose 3
    (re.compile(r"\b(?:apply|book|enrol|enroll|choose|pick|select|take)\s+(?:for\s+)?(?:no\.?\s*|number\s*|#)?"
                r"(\d{1,2})\b"), "verb"),
    # English: the first one, the 2nd, no. 2, number 3, #2, option 1, the last one, this one, that job
    (re.compile(r"(?:\b(?:no\.?|number|num|option)|#)\s*(\d{1,2})\b"), "number"),
    (re.compile(r"\b(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)\b(?:\s+(?:one|job|bus|course|training|posting))?"), "number"),
    (re.compile(r"\bthe\s+(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|last)\b"
                r"(?:\s+(?:one|job|bus|course|training|posting))?"), "word"),
    (re.compile(r"\b(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|last)\s+"
                r"(?:one|job|bus|course|training|posting)\b"), "word"),
    (re.compile(r"\b(?:this|that)\s+(?:one|job|bus|course|training|posting)\b"), "this"),
)
_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
          "ninth": 9, "tenth": 10, "last": "last"}
# A message that is only a number: "1", "2.", "选3" — or a count answering "how many?" ("2个", "两个座位").
_BARE = re.compile(
    r"^\s*(?:选|要|我要|我选|订)?\s*(\d{1,2})\s*(?:个座位|个位子|个人|个|位|张|seats?|people)?\s*[.。)）!！]?\s*$"
)
# A whole-message English ordinal: "first", "second!", "last".
_BARE_WORD = re.compile(r"^\s*(first|second|third|fourth|fifth|last)\s*[.!]?\s*$")


@dataclass(frozen=True)
class OrdinalMatch:
    """A reference found in normalised text: [start, end) and its value (int from 1, "last" or "this")."""

    start: int
    end: int
    value: int | str


def _number(text: str) -> int | None:
    value = int(text) if text.isdigit() else chinese_to_int(text)
    return value if value is not None and 1 <= value <= MAX_ORDINAL else None


def _value(kind: str, match: re.Match[str]) -> int | str | None:
    if kind in ("number", "verb"):
        return _number(match.group(1))
    if kind == "word":
        return _WORDS[match.group(1)]
    if kind == "first":
        return 1
    return kind  # "last", "this"


def find_ordinals(text: str) -> list[OrdinalMatch]:
    """Every reference to a listed item in normalised `text`, left to right, without overlaps."""
    for bare, kind in ((_BARE, "number"), (_BARE_WORD, "word")):
        whole = bare.match(text)
        if whole:
            value = _value(kind, whole)
            return [OrdinalMatch(whole.start(1), whole.end(1), value)] if value is not None else []
    found: list[OrdinalMatch] = []
    for pattern, kind in _PATTERNS:
        for match in pattern.finditer(text):
            value = _value(kind, match)
            # After a verb (报1, apply 1) the reference is the number alone: the verb says what to do with it.
            start, end = match.span(1) if kind == "verb" else match.span()
            if value is None or any(f.start < end and start < f.end for f in found):
                continue
            found.append(OrdinalMatch(start, end, value))
    return sorted(found, key=lambda m: m.start)
