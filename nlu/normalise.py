"""Text normalisation (t2s, half-width, pinyin and emoji removal, numerals) with a map back to the original."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from opencc import OpenCC

# Pinyin annotations such as 就業(yè) or 就业（jiù yè）: latin letters carrying tone marks, or pinyin
# syllables with tone digits. A plain "(ok)" after English words must survive, so a tone mark,
# tone digit or a preceding CJK character is required.
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü"
_PINYIN_PAREN = re.compile(
    rf"(?<=[\u4e00-\u9fff])\s*[(（]\s*(?:[a-z{_TONED}]+[1-5]?\s*)+[)）]", re.IGNORECASE
)
_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNIT = {"十": 10, "百": 100, "千": 1000, "万": 10000}
# Chinese numerals become digits only before a unit where a number is meant (money, dates, counts),
# so words like 一起, 统一, 万一, 一下 keep their characters.
_NUM_CHARS = "零〇一二两三四五六七八九十百千万"
_NUMERAL = re.compile(
    rf"(?<![\d{_NUM_CHARS}])([一二两三四五六七八九十][{_NUM_CHARS}]*)(?=块|元|号|日|天|岁|个|小时|月|年|k|以上|以下|左右|多|来|到|至|-|~)"
)
# At the end of a phrase a numeral is a number only after a word that takes one (周一, 第三, 工资四千),
# or standing alone; 统一 and 唯一 keep their characters.
_NUMERAL_END = re.compile(
    rf"(?:(?<=[周期拜第薪资到至])|(?<![\u4e00-\u9fff]))([一二两三四五六七八九十][{_NUM_CHARS}]*)(?=$|[^\u4e00-\u9fff])"
)
# A numeral with a magnitude in it (两百, 五千, 三十) is a number wherever it stands: 一天两百 → 1天200.
_NUMERAL_MAGNITUDE = re.compile(
    r"(?<![\d零〇一二两三四五六七八九十百千万])"
    r"((?:[一二两三四五六七八九][十百千万]|十[一二三四五六七八九])(?:零?[一二两三四五六七八九][十百千万])*零?[一二三四五六七八九]?)"
)
_PAIR = re.compile(r"([一二三四五六七八九])([二三四五六七八九十])([十百千万])")
_DIGIT_MAGNITUDE = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)([千万kw])(?![a-z])", re.IGNORECASE)
_REPEAT_PUNCT = re.compile(r"([!?.,~。！？，、…～])\1+")
_t2s = OpenCC("t2s")


@dataclass(frozen=True)
class Normalised:
    """Normalised text and, for every character of it, the span of the original it came from."""

    text: str
    spans: tuple[tuple[int, int], ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The [start, end) span of the original text that normalised [start, end) came from."""
        if not self.spans:
            return 0, 0
        start = min(max(start, 0), len(self.spans) - 1)
        end = min(max(end, start + 1), len(self.spans))
        return self.spans[start][0], self.spans[end - 1][1]


def chinese_to_int(numeral: str) -> int | None:
    """一千五 → 1500, 十二 → 12, 三万 → 30000, 二〇二六 → 2026; None when it is not a number."""
    if not numeral:
        return None
    if all(ch in _DIGIT for ch in numeral) and len(numeral) > 1:
        return int("".join(str(_DIGIT[ch]) for ch in numeral))
    total, section, digit, last_unit = 0, 0, None, None
    for ch in numeral:
        if ch in _DIGIT:
            if digit is not None and digit != 0:
                return None
            digit = _DIGIT[ch]
        elif ch in _UNIT:
            unit = _UNIT[ch]
            if unit == 10000:
                section = (section + (digit or 0)) * unit
                total, section = total + section, 0
            else:
                section += (1 if digit is None else digit) * unit
            digit, last_unit = None, unit
        else:
            return None
    if digit is not None:
        # 一千五 means 1500: a trailing digit takes the next smaller unit.
        section += digit * (last_unit // 10 if last_unit and last_unit >= 100 else 1)
    return total + section


class _Builder:
    def __init__(self) -> None:
        self.chars: list[str] = []
        self.spans: list[tuple[int, int]] = []

    def add(self, text: str, start: int, end: int) -> None:
        for ch in text:
            self.chars.append(ch)
            self.spans.append((start, end))


def _rewrite(text: str, spans: list[tuple[int, int]], pattern: re.Pattern[str], replace) -> tuple[str, list]:
    """Apply a regex rewrite, each replacement mapped to the union of the original spans it covers."""
    out = _Builder()
    pos = 0
    for match in pattern.finditer(text):
        new = replace(match)
        if new is None:
            continue
        for i in range(pos, match.start()):
            out.add(text[i], *spans[i])
        if match.end() > match.start():
            out.add(new, spans[match.start()][0], spans[match.end() - 1][1])
        pos = match.end()
    for i in range(pos, len(text)):
        out.add(text[i], *spans[i])
    return "".join(out.chars), out.spans


def _numeral(match: re.Match[str]) -> str | None:
    value = chinese_to_int(match.group(1) or match.group(2))
    return None if value is None else str(value)


def _pair(match: re.Match[str]) -> str | None:
    low, high = _DIGIT[match.group(1)], _DIGIT.get(match.group(2))
    unit = _UNIT[match.group(3)]
    if match.group(2) == "十" or high is None or high != low + 1:
        return None
    return f"{low * unit}-{high * unit}"


def _magnitude(match: re.Match[str]) -> str | None:
    factor = 1000 if match.group(2).lower() in ("千", "k") else 10000
    if len(match.group(1).partition(".")[0]) > 9:
        return None  # no amount of money: left as typed rather than turned into a float's "inf"
    value = float(match.group(1)) * factor
    return str(int(value)) if value.is_integer() else str(value)


def _is_dropped(ch: str) -> bool:
    """Emoji, pictographs, variation selectors and control characters carry no meaning here."""
    cat = unicodedata.category(ch)
    if cat in ("Cc", "Cf", "Cs", "Co", "Cn") and ch not in "\n\t":
        return True
    return cat == "So" or 0x1F000 <= ord(ch) <= 0x1FAFF or 0xFE00 <= ord(ch) <= 0xFE0F


@lru_cache(maxsize=4096)
def normalise(text: str) -> Normalised:
    """Normalise user text for the pipeline, keeping the span map to what the user typed."""
    out = _Builder()
    simplified = _t2s.convert(text)
    # opencc t2s maps character for character; guard anyway so offsets never drift.
    if len(simplified) != len(text):
        simplified = text
    for i, ch in enumerate(simplified):
        if _is_dropped(ch):
            continue
        half = unicodedata.normalize("NFKC", ch) if ord(ch) >= 0xFF01 or ch == "\u3000" else ch
        if half.isspace():
            half = " "
        if out.chars and half == " " and out.chars[-1] == " ":
            continue
        out.add(half.lower(), i, i + 1)
    norm, spans = "".join(out.chars), out.spans
    for pattern, repl in (
        (_PINYIN_PAREN, lambda m: ""),
        (_REPEAT_PUNCT, lambda m: m.group(1)),
        (_PAIR, _pair),
        (_NUMERAL_MAGNITUDE, _numeral),
        (_NUMERAL, _numeral),
        (_NUMERAL_END, _numeral),
        (_DIGIT_MAGNITUDE, _magnitude),
    ):
        norm, spans = _rewrite(norm, spans, pattern, repl)
    # Leading and trailing blanks carry nothing.
    lead = len(norm) - len(norm.lstrip())
    trail = len(norm.rstrip())
    return Normalised(norm[lead:trail], tuple(spans[lead:trail]))
