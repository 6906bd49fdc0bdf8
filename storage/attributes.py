"""What workers ask of a job besides trade, place and pay — one vocabulary for postings and questions.

Canonical values (the NLU's `job_attribute` entity gives the same names, nlu/data/lookup_attributes.yml):
pay form (日结 周结 月结 计件), board and lodging (包吃住 = 包住 + 包吃), insurance (五险, 五险一金), term (长期
临时 季节性), shifts (白班 夜班 两班倒), 无需经验, 接送 and 夫妻房. A posting's attributes are read from its
text once, when it is written (`read_posting`), and stored as a bit mask (`Posting.attribute_mask`) and as
search tokens; age limits ("18-45岁", "50岁以下") fill `age_min`/`age_max` when the sheet did not.

Nothing here may ever filter on who a person is (gender, ethnicity, 户籍): such words are not attributes,
and a posting's "男性优先" is not read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from storage.search_text import normalise


@dataclass(frozen=True)
class Attribute:
    name: str  # canonical value
    facet: str  # pay_form | lodging | insurance | term | shift | experience | extras
    bit: int  # its bit in Posting.attribute_mask (stable: stored in databases)
    requires: tuple[str, ...] = ()  # a compound (包吃住): asked for, each of these must hold


ATTRIBUTES: tuple[Attribute, ...] = (
    Attribute("日结", "pay_form", 0),
    Attribute("周结", "pay_form", 1),
    Attribute("月结", "pay_form", 2),
    Attribute("计件", "pay_form", 3),
    Attribute("包住", "lodging", 4),
    Attribute("包吃", "lodging", 5),
    Attribute("包吃住", "lodging", -1, ("包住", "包吃")),
    Attribute("五险", "insurance", 6),
    Attribute("五险一金", "insurance", 7),
    Attribute("长期", "term", 8),
    Attribute("临时", "term", 9),
    Attribute("季节性", "term", 10),
    Attribute("白班", "shift", 11),
    Attribute("夜班", "shift", 12),
    Attribute("两班倒", "shift", 13),
    Attribute("无需经验", "experience", 14),
    Attribute("接送", "extras", 15),
    Attribute("夫妻房", "extras", 16),
)
BY_NAME = {a.name: a for a in ATTRIBUTES}
STORED = tuple(a for a in ATTRIBUTES if a.bit >= 0)

_NOT = r"(?<![不无没免])(?<!不提供)(?<!不包)"
# What a posting's text says, after normalisation (simplified, half-width, lower case).
_POSTING_PATTERNS: dict[str, str] = {
    "日结": _NOT + r"(?:日结|当天结|当日结|天天结|现结|一天一结|按天结|工资日清|日清)",
    "周结": _NOT + r"(?:周结|一周一结|按周结)",
    "月结": _NOT + r"(?:月结|按月结|按月发|每月\d{1,2}[号日]发)",
    "计件": _NOT + r"(?:计件|按件计|按斤计|多劳多得)",
    "包住": _NOT + r"(?:包吃住|包住|管住|包食宿|提供食宿|食宿全包|吃住全包|管吃住|提供住宿|免费住宿|住宿免费|提供宿舍|"
            r"免费宿舍|宿舍|夫妻房)",
    "包吃": _NOT + r"(?:包吃住|包吃|管吃|包食宿|提供食宿|食宿全包|吃住全包|管吃住|包[早午晚三两]餐|包午饭|包中饭|包饭|"
            r"管饭|工作餐|免费用餐)",
    "五险": _NOT + r"(?:五险|社保|社会保险)",
    "五险一金": _NOT + r"(?:五险一金)",
    "长期": _NOT + r"(?:长期(?!招)|签订?劳动合同|正式工)",
    "临时": _NOT + r"(?:临时|短期|零工|点工|(?<![\d个半])小时工(?![作资])|兼职|干几天)",
    "季节性": r"季节|茶季|采茶季|春茶季|旺季|农忙",
    "白班": r"长白班|白班|不上夜班|无夜班|不倒班",
    "夜班": r"(?<![不无])(?<!不上)夜班|晚班|通宵",
    "两班倒": r"两班倒|三班倒|倒班|轮班",
    "无需经验": r"无经验可|无需经验|不需要经验|不要经验|经验不限|零基础|新手可|可带学徒|学徒|包教包会|无经验者可",
    "接送": _NOT + r"(?:接送|交通补贴|报销车费|报车费|交通车)",
    "夫妻房": _NOT + r"(?:夫妻房)",
}
_COMPILED = {name: re.compile(pattern) for name, pattern in _POSTING_PATTERNS.items()}

# Age limits as postings write them (numbers already digits, see `_digits`).
_AGE = r"(\d{2})\s*(?:周岁|岁)"
_AGE_RANGE = re.compile(r"(\d{2})\s*(?:周岁|岁)?\s*(?:-|~|—|–|至|到)\s*" + _AGE)
_AGE_RANGE_PLAIN = re.compile(r"年龄(?:要求)?[:：]?\s*(\d{2})\s*(?:-|~|—|–|至|到)\s*(\d{2})(?!\d)")
_AGE_MAX = re.compile(_AGE + r"\s*(?:以下|以内|之内|及以下|内)|不超过\s*" + _AGE + r"|(?:不大于|小于|低于)\s*" + _AGE)
_AGE_OVER_REFUSED = re.compile(_AGE + r"\s*(?:以上|及以上)\s*(?:的)?\s*(?:不要|勿|谢绝|免谈)")
_AGE_MIN = re.compile(r"(?:年满|满)\s*" + _AGE + "|" + _AGE + r"\s*(?:以上|及以上)")
PLAUSIBLE_AGES = range(14, 81)

_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_NUMBER = re.compile(r"[一二两三四五六七八九]?十[一二三四五六七八九]?(?=\s*(?:周岁|岁|-|~|至|到))")


def _cn_value(numeral: str) -> int:
    tens, _, ones = numeral.partition("十")
    return _CN_DIGITS.get(tens, 1) * 10 + _CN_DIGITS.get(ones, 0)


def _digits(text: str) -> str:
    """Chinese numerals of ages (十八, 四十五) as digits."""
    return _CN_NUMBER.sub(lambda m: str(_cn_value(m.group(0))), text)


def age_limits(text: str, *, normalised: bool = False) -> tuple[int | None, int | None]:
    """(min, max) age a posting's text sets: "18-45岁" → (18, 45), "50岁以下" → (None, 50); (None, None) if none."""
    if "岁" not in text and "年龄" not in text:
        return None, None
    text = _digits(text if normalised else normalise(text))
    if "年龄不限" in text:
        return None, None
    for pattern in (_AGE_RANGE, _AGE_RANGE_PLAIN):
        for m in pattern.finditer(text):
            low, high = int(m.group(1)), int(m.group(2))
            if low in PLAUSIBLE_AGES and high in PLAUSIBLE_AGES and low <= high:
                return low, high
    low = high = None
    for m in _AGE_OVER_REFUSED.finditer(text):
        value = int(m.group(1))
        if value in PLAUSIBLE_AGES:
            high = value
            text = text.replace(m.group(0), " ")
    for m in _AGE_MAX.finditer(text):
        value = int(next(g for g in m.groups() if g))
        if value in PLAUSIBLE_AGES:
            high = value if high is None else min(high, value)
    for m in _AGE_MIN.finditer(text):
        value = int(next(g for g in m.groups() if g))
        if value in PLAUSIBLE_AGES:
            low = value if low is None else max(low, value)
    if low is not None and high is not None and low > high:
        return None, None
    return low, high


@dataclass(frozen=True)
class PostingAttributes:
    names: frozenset[str]  # stored attributes only (no compounds)
    age_min: int | None
    age_max: int | None

    @property
    def mask(self) -> int:
        return mask_of(self.names)


def read_posting(*texts: str, salary_unit: str = "month", seasonal: bool = False,
                 normalised: bool = False) -> PostingAttributes:
    """The attributes and age limits a posting's texts (title, description, requirements, benefits, pay text)
    state; a piece rate is 计件 and a seasonal posting 季节性 whatever the text says."""
    text = "\n".join(t for t in texts if t)
    if not normalised:
        text = normalise(text)
    names = {name for name, pattern in _COMPILED.items() if pattern.search(text)}
    if salary_unit == "piece":
        names.add("计件")
    if seasonal:
        names.add("季节性")
    if "五险一金" in names:
        names.add("五险")
    low, high = age_limits(text, normalised=True)
    return PostingAttributes(frozenset(names), low, high)


def mask_of(names: Iterable[str]) -> int:
    """The bit mask of stored attributes; a compound sets the bits of its parts, unknown names none."""
    value = 0
    for name in expand(names):
        value |= 1 << BY_NAME[name].bit
    return value


def expand(names: Iterable[str]) -> list[str]:
    """The stored attributes the names stand for (包吃住 → 包住, 包吃), known names only, in vocabulary order."""
    wanted: set[str] = set()
    for name in names:
        attribute = BY_NAME.get(name)
        if attribute is None:
            continue
        wanted.update(attribute.requires or (attribute.name,))
    return [a.name for a in STORED if a.name in wanted]


def names_of(mask: int) -> list[str]:
    """The attributes a mask holds, for people: 包住 and 包吃 together read 包吃住; 五险一金 hides 五险."""
    names = [a.name for a in STORED if mask >> a.bit & 1]
    if "包住" in names and "包吃" in names:
        at = names.index("包住")
        names = [n for n in names if n not in ("包住", "包吃")]
        names.insert(at, "包吃住")
    if "五险一金" in names and "五险" in names:
        names.remove("五险")
    return names


def canonical(name: str) -> str | None:
    """The canonical attribute for a value, or None when it is not one."""
    return name if name in BY_NAME else None
