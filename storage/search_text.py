"""How postings and questions become search tokens: one segmentation for SQLite FTS5 and PostgreSQL tsvector.

Chinese has no spaces, so text is cut into overlapping character pairs (双福镇茶园 → 双福 福镇 镇茶 茶园): a word
of two or more characters is found wherever its pairs all are, with no dictionary to disagree between the
posting and the question. Latin letters and digits form words of their own (b2, c1). A lone Chinese character
is a token too, and a one-character word is searched as a prefix.

Besides the text, a posting's tokens name what search filters on, so one inverted index answers the whole
question: `_all` (every posting on the shelf), `c_<category>`, `p_<place>`, `t_<attribute>`, `h_<pair>` (a pair
of the title, for relevance), and pay and age limits as dyadic ranges (`m_<level>_<prefix>`,
`a_<level>_<prefix>`): a number is stored as its prefixes and a range asked for becomes a few prefixes, so
"pays at least 5200 a month" and "takes a 55-year-old" are exact index look-ups. The underscore keeps these
apart from text tokens, which never contain one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import opencc
from opencc import OpenCC

ALL = "_all"
PAY_UNKNOWN = "m_none"  # negotiable or piece rate: kept when a minimum is asked ("面议" may pay it)
AGE_ANY = "a_none"  # no age limit
PAY_BITS = 14  # monthly pay in tens of yuan: up to 163,830 a month
AGE_BITS = 7  # ages 0..127
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUNS = re.compile(rf"[{_CJK}]+|[a-z0-9]+")
_t2s = OpenCC("t2s")


@cache
def _traditional_characters() -> frozenset[str]:
    """Characters t2s may change, from the converter's own table: text without any of them (most postings)
    skips the converter, which is slow (pure Python)."""
    table = Path(opencc.__file__).resolve().parent / "dictionary" / "TSCharacters.txt"
    chars = set()
    for line in table.read_text(encoding="utf-8").splitlines():
        source, _, targets = line.partition("\t")
        if len(source) == 1 and targets.split() != [source]:
            chars.add(source)
    return frozenset(chars)


def normalise(text: str) -> str:
    """Simplified characters, half-width letters and digits, lower case."""
    text = text or ""
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    text = text.lower()
    if not _traditional_characters().isdisjoint(text):
        text = _t2s.convert(text)
    return text


def runs(text: str) -> list[str]:
    """The Chinese runs and latin/digit words of normalised text, in order."""
    return _RUNS.findall(text)


def _is_cjk(run: str) -> bool:
    return not run[0].isascii()


def word_tokens(text: str) -> list[str]:
    """The tokens of one normalised run of text: character pairs (or the character alone), or the word."""
    if not text:
        return []
    if not _is_cjk(text) or len(text) == 1:
        return [text]
    return [text[i:i + 2] for i in range(len(text) - 1)]


def text_tokens(text: str, *, normalised: bool = False) -> set[str]:
    """Every token of a text (normalised here unless it already is)."""
    found: set[str] = set()
    for run in _RUNS.findall(text if normalised else normalise(text)):
        if len(run) > 1 and not run[0].isascii():
            found.update(run[i:i + 2] for i in range(len(run) - 1))
        else:
            found.add(run)
    return found


# --- dyadic ranges ----------------------------------------------------------------------------------------


def prefixes(value: int, bits: int) -> list[tuple[int, int]]:
    """(level, value >> level) for every level: the dyadic intervals that contain `value`."""
    value = min(max(value, 0), (1 << bits) - 1)
    return [(level, value >> level) for level in range(bits + 1)]


def cover(low: int, high: int, bits: int) -> list[tuple[int, int]]:
    """The fewest dyadic intervals (level, prefix) whose union is [low, high] (empty when low > high)."""
    top = (1 << bits) - 1
    low, high = max(low, 0), min(high, top)
    found: list[tuple[int, int]] = []
    while low <= high:
        level = 0
        # grow the block at `low` while it stays aligned and inside [low, high]
        while level < bits and low % (1 << (level + 1)) == 0 and low + (1 << (level + 1)) - 1 <= high:
            level += 1
        found.append((level, low >> level))
        low += 1 << level
    return found


def pay_units(monthly_yuan: float) -> int:
    """Monthly pay in the tens of yuan the pay tokens count."""
    return int(monthly_yuan // 10)


def pay_token(level: int, prefix: int) -> str:
    return f"m_{level}_{prefix}"


def age_token(level: int, prefix: int) -> str:
    return f"a_{level}_{prefix}"


def _clean(name: str) -> str:
    """A name as one token: its Chinese characters, letters and digits (never a space or a quote)."""
    return "".join(runs(normalise(name)))


def category_token(category: str) -> str:
    return "c_" + _clean(category)


def place_token(place: str) -> str:
    return "p_" + _clean(place)


def attribute_token(name: str) -> str:
    return "t_" + name


def title_token(pair: str) -> str:
    return "h_" + pair


# --- match expressions -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    """A boolean expression over tokens: ("tok", t), ("prefix", t), ("and"|"or", parts), ("not", a, b) = a and
    not b. Rendered for FTS5 (`fts5`) or for a tsquery (`tsquery`)."""

    op: str
    parts: tuple[Match, ...] = ()
    token: str = ""

    def fts5(self) -> str:
        if self.op == "tok":
            return f'"{self.token}"'
        if self.op == "prefix":
            return f'"{self.token}"*'
        if self.op == "not":
            return f"({self.parts[0].fts5()} NOT {self.parts[1].fts5()})"
        joined = f" {self.op.upper()} ".join(p.fts5() for p in self.parts)
        return f"({joined})"

    def tsquery(self) -> str:
        if self.op == "tok":
            return f"'{self.token}'"
        if self.op == "prefix":
            return f"'{self.token}':*"
        if self.op == "not":
            return f"({self.parts[0].tsquery()} & !{self.parts[1].tsquery()})"
        joined = (" & " if self.op == "and" else " | ").join(p.tsquery() for p in self.parts)
        return f"({joined})"


def tok(token: str) -> Match:
    return Match("tok", token=token)


def all_of(parts: Iterable[Match]) -> Match:
    items = tuple(parts)
    return items[0] if len(items) == 1 else Match("and", items)


def any_of(parts: Iterable[Match]) -> Match:
    items = tuple(parts)
    return items[0] if len(items) == 1 else Match("or", items)


def but_not(wanted: Match, unwanted: Match) -> Match:
    return Match("not", (wanted, unwanted))


def word_match(word: str, *, title: bool = False) -> Match | None:
    """A free-text word: all its pairs (a one-character word as a prefix); None when nothing is searchable."""
    parts: list[Match] = []
    for run in runs(normalise(word)):
        if _is_cjk(run) and len(run) == 1:
            parts.append(Match("prefix", token=title_token(run) if title else run))
        else:
            parts.extend(tok(title_token(t) if title else t) for t in word_tokens(run))
    return all_of(parts) if parts else None


def pay_at_least(monthly_yuan: float) -> Match:
    """Postings whose best monthly pay reaches the amount, or that name no comparable figure."""
    low = -(-int(monthly_yuan) // 10)  # tens of yuan, rounded up: never below what was asked
    ranges = [tok(pay_token(level, prefix)) for level, prefix in cover(low, (1 << PAY_BITS) - 1, PAY_BITS)]
    return any_of([*ranges, tok(PAY_UNKNOWN)])


def pay_between(low_yuan: int, high_yuan: int | None) -> Match | None:
    """Postings paying in [low, high) a month (for ordering by pay band)."""
    high = (1 << PAY_BITS) - 1 if high_yuan is None else high_yuan // 10 - 1
    ranges = [tok(pay_token(level, prefix)) for level, prefix in cover(low_yuan // 10, high, PAY_BITS)]
    return any_of(ranges) if ranges else None


def takes_age(age: int) -> Match:
    """Postings whose age limits include `age`, or that set none."""
    return any_of([*(tok(age_token(level, prefix)) for level, prefix in prefixes(age, AGE_BITS)), tok(AGE_ANY)])


def pay_tokens(monthly_yuan: float | None) -> list[str]:
    if monthly_yuan is None:
        return [PAY_UNKNOWN]
    return [pay_token(level, prefix) for level, prefix in prefixes(pay_units(monthly_yuan), PAY_BITS)]


def age_tokens(age_min: int | None, age_max: int | None) -> list[str]:
    if age_min is None and age_max is None:
        return [AGE_ANY]
    low = 0 if age_min is None else age_min
    high = (1 << AGE_BITS) - 1 if age_max is None else age_max
    return [age_token(level, prefix) for level, prefix in cover(low, high, AGE_BITS)]
