"""A worker's age in a question ("我55了", "五十多岁", "适合50岁以上的", "I'm 55"), found on normalised text.

Only a person's own age is read, for search to leave out postings whose age limits exclude them; "18-45岁"
(a range, as postings write it) and "50岁以下的" (a limit asked of the posting) are not ages of the asker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PLAUSIBLE = range(16, 81)

_PATTERNS = [
    # 55岁, 55周岁, 五十多岁 (numerals already digits), 55岁以上的 — not 18-45岁 nor 50岁以下
    re.compile(r"(?<![\d\-~～至到])(\d{2})\s*(?:多)?\s*(?:周岁|岁)(?!\s*(?:以下|以内|之内|及以下))"),
    # 我55了, 我都60了, 我今年52, 我五十多了
    re.compile(r"我\s*(?:今年|已经|都|也|快|有)?\s*(?:快)?\s*(\d{2})\s*(?:多)?\s*(?:了|啦|咯|喽|$|[,，。!！?？\s])"),
    # 年纪55, 年龄52
    re.compile(r"(?:年纪|年龄)\s*(?:是|有)?\s*(\d{2})(?!\d)(?!\s*(?:-|~|～|至|到))"),
    # I'm 55, I am 55 years old, 55 years old, aged 55
    re.compile(r"(?:i'?m|i am|aged)\s+(\d{2})(?!\d)"),
    re.compile(r"(?<!\d)(\d{2})\s*(?:years? old|yrs? old|y/o)"),
]


@dataclass(frozen=True)
class AgeMatch:
    value: int
    start: int
    end: int


def find_ages(text: str) -> list[AgeMatch]:
    """Ages said in normalised text (simplified, lower case, numerals as digits), left to right, one per span."""
    found: list[AgeMatch] = []
    for pattern in _PATTERNS:
        for m in pattern.finditer(text):
            value = int(m.group(1))
            start, end = m.start(1), m.end(1)
            if value not in PLAUSIBLE or any(f.start < end and start < f.end for f in found):
                continue
            found.append(AgeMatch(value, start, end))
    return sorted(found, key=lambda f: f.start)
