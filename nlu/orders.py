"""Asking for an order by pay or by distance, however it is worded: 工资最高的, 钱多点的, 待遇最好, 收入高一点,
哪个工资高, 最赚钱的, 高薪, 按工资排, "best paid", "pays the most"; 离家最近的, "closest to home".

A lookup table cannot list every way of saying "the better paid first": the words come in a few classes and
the phrases are their combinations — a word for pay (工资, 工钱, 收入, 待遇 …), maybe a degree (最, 更, 比较 …),
a word for "more" (高, 多, 好 …), maybe a tail (点, 一点, 些); or the other way round (最高的工资, 高薪); or
earning verbs (挣得多, 最赚钱). Works on normalised text (simplified, lower case). What is not an order: pay
asked about (工资多少, 工资好多, 工资高不高), pay compared with an amount (工资高于5000: a salary), pay that is low
(工资不高, 最低工资); how much something pays is asked (工资高不高, 待遇咋样) with `find_pay_questions`.

The word classes are public: flows/free_text.py keeps them out of the words a search looks for.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

# Words for pay, longest first where one starts another.
PAY_NOUNS = ("工资", "工钱", "工价", "薪水", "薪资", "薪酬", "薪金", "薪", "收入", "待遇", "报酬", "酬劳", "月薪", "日薪",
             "时薪", "底薪", "钱")
# Verbs of earning: 挣得多, 赚钱最多, 最能挣钱.
EARN_VERBS = ("挣", "赚")
# Degree words before an adjective (最高, 更多, 比较好, 稍微高点).
DEGREES = ("最最", "最", "更加", "更", "比较", "较", "稍微", "稍", "相对", "还要", "挺", "很", "蛮", "特别", "非常")
# Words a degree or a tail ranks (高一点, 最近, 更轻松): with one, a comparison, not a thing sought.
GRADABLE = frozenset("高 多 好 低 少 近 远 快 慢 新 大 小 贵 累 忙 闲 长 短 早 晚 轻松 便宜 稳定 划算 实惠 舒服 辛苦".split())
# A softening tail (高点, 多一些).
TAILS = ("一点儿", "一点", "一些", "点儿", "点", "些")
# How pay is handed out: 给得多, 开得高, 发得多.
GIVE_VERBS = ("给", "开", "发")
# Choosing among the shown or the possible ones: 哪个工资高, 工资哪家最高.
WHICH = ("哪一个", "哪一家", "哪个", "哪家", "哪份", "哪种", "哪样", "哪些", "哪儿", "哪里", "谁")


def _alt(words: tuple[str, ...]) -> str:
    return "(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + ")"


_DEGREE, _TAIL, _GIVE, _WHICH, _EARN = _alt(DEGREES), _alt(TAILS), _alt(GIVE_VERBS), _alt(WHICH), _alt(EARN_VERBS)
# 钱 is pay, but not in 价钱, 车钱, 学费钱 … (价钱好商量 says nothing about pay).
_PAY = "(?:" + "|".join([re.escape(w) for w in sorted(PAY_NOUNS, key=len, reverse=True) if w != "钱"]
                        + ["(?<![价车票学路饭房本花存借赔押罚])钱"]) + ")"
_PAY_BEHIND = "(?:工资|工钱|薪水|薪资|薪酬|薪|收入|待遇|报酬|工价)"  # pay words an adjective goes before (高薪)
# "More" for pay (high, much, good, generous). 多 in 多少/多久/多长/多大/多高 asks how much; 好 in 好多/好久/好少 too
# (Sichuanese); A不A (高不高) and 没 ask; 高于 / 多过 compare with an amount.
_MORE = r"(?:高(?![不没于过])|多(?![少久长大高不没于过])|好(?![多久少不没])|优厚|丰厚|可观|不错|优(?![先惠势]))"
_MUCH = r"多(?![少久长大高不没于过])"
_HIGHER = rf"(?:{_DEGREE}\s*)?{_MORE}(?:\s*{_TAIL})?"
_CHINESE_PAY: tuple[re.Pattern[str], ...] = (
    # 工资最高, 钱多点, 待遇好一些, 工资给得高, 钱给的多, 工资哪家最高, 工资能高点, 收入比较可观
    re.compile(rf"{_PAY}\s*(?:{_WHICH}\s*)?(?:(?:{_GIVE}|{_EARN})\s*[得的]\s*)?(?:(?:能不能|可不可以|可以|[能要会])\s*)?"
               rf"{_HIGHER}"),
    # 最高的工资, 更高工资, 高薪, 高收入, 更好的待遇, 更多的钱 (很多工资 is a lot of it: 还有很多工资没给)
    re.compile(rf"(?:{_DEGREE}\s*(?:高|好)\s*的?|(?:最|更加|更)\s*多\s*的?|高|好)\s*{_PAY_BEHIND}"
               rf"|(?:最|更加|更)\s*(?:高|多|好)\s*的?\s*钱"),
    # 挣得多, 赚钱多, 挣钱最多, 赚得更多, 能挣多点, 多挣点钱, 最赚钱, 最能挣钱; 给得多, 给钱最多, 开的最高; 来钱快
    re.compile(rf"{_GIVE}\s*(?:钱\s*)?(?:[得的]\s*)?(?:{_DEGREE}\s*)?(?:{_MUCH}|高(?![不没于过]))(?:\s*{_TAIL})?"
               rf"|(?:能\s*)?{_EARN}\s*(?:钱\s*)?(?:[得的]\s*)?(?:{_DEGREE}\s*)?{_MUCH}(?:\s*{_TAIL})?"
               rf"|{_MUCH}\s*{_EARN}\s*(?:{_TAIL}\s*)?钱|{_DEGREE}\s*(?:能\s*)?{_EARN}\s*钱"
               rf"|(?:{_EARN}|来)\s*钱\s*(?:{_DEGREE}\s*)?快"),  # 来钱快, 挣钱最快
    # 按工资排, 按工资高低排序, 工资从高到低
    re.compile(rf"(?:按|按照|根据)\s*{_PAY}\s*(?:高低|多少)?\s*(?:来\s*)?(?:排序|排列|排)"
               rf"|{_PAY}\s*(?:从|由)\s*(?:高到低|多到少)(?:\s*(?:来\s*)?(?:排序|排列|排))?"),
)
_ENGLISH_MORE = r"(?:best|better|highest|higher|top|well|good|great|high|decent|bigger|biggest|most|more)"
_ENGLISH_PAY: tuple[re.Pattern[str], ...] = (
    # best paid, highest-paying, well paid, top paying
    re.compile(rf"\b{_ENGLISH_MORE}[\s-]*(?:paid|paying)\b"),
    # better pay, highest salary, more money, good wages
    re.compile(rf"\b{_ENGLISH_MORE}\s+(?:pay|wages?|salar(?:y|ies)|income|earnings|money)\b"),
    # pays the most, pay more, pays better, pays well
    re.compile(r"\bpay(?:s|ing)?\s+(?:the\s+)?(?:most|best|better|more|well|highest|top)\b"),
    # earn the most, make more money
    re.compile(r"\bearn(?:s|ing)?\s+(?:the\s+)?(?:most|more)\b"
               r"|\b(?:make|makes|making|get|gets|getting)\s+(?:the\s+)?(?:most|more)\s+money\b"),
    # sort by pay, ordered by salary
    re.compile(r"\b(?:sort|sorted|order|ordered|rank|ranked)\s+by\s+(?:pay|wages?|salary)\b"),
)
# 离家最近, 离我近点, 离屋头更近: nearness to the worker's home (最近 alone is "lately").
_NEAR: tuple[re.Pattern[str], ...] = (
    re.compile(rf"离\s*(?:我们家|我家|我们|我|家里|家|屋头|屋里)\s*(?:{_DEGREE}\s*)?近(?:\s*{_TAIL})?"),
    re.compile(r"\b(?:closest|nearest)(?:\s+to\s+(?:home|me|my\s+(?:home|place|house)))?\b"),
)
# 工资高的排前面, 钱多的放在前头: the ranking said outright belongs to the order.
_UP_FRONT = re.compile(r"\s*的?\s*(?:排|放)\s*(?:在\s*)?(?:前面|前头|前边|第一|最前)")
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    *((p, "pay") for p in (*_CHINESE_PAY, *_ENGLISH_PAY)), *((p, "near") for p in _NEAR),
)


# Asking about pay itself — 工资高不高, 钱多不多, 待遇怎么样, 工钱好多 — is a question about what was shown (the
# `attribute` pay), not an order and not unpaid wages.
_PAY_ASKED = re.compile(rf"{_PAY}\s*(?:{_WHICH}\s*)?(?:高不高|多不多|好不好|高吗|多吗|咋样|怎么样|怎样|如何|咋个样|多少|"
                        rf"好多|有多少|有好多|是多少|是好多|几多)")


def find_pay_questions(text: str) -> list[tuple[int, int]]:
    """The [start, end) spans of normalised `text` that ask how much something pays (工资高不高, 待遇咋样)."""
    return [m.span() for m in _PAY_ASKED.finditer(text)]


@dataclass(frozen=True)
class OrderMatch:
    """An order asked for in normalised text: [start, end) and its value ("pay" or "near")."""

    start: int
    end: int
    value: str


def find_orders(text: str) -> list[OrderMatch]:
    """Every order asked for in normalised `text`, left to right, longest first where two overlap."""
    candidates = []
    for pattern, value in _PATTERNS:
        for m in pattern.finditer(text):
            up_front = _UP_FRONT.match(text, m.end())
            candidates.append(OrderMatch(m.start(), up_front.end() if up_front else m.end(), value))
    found: list[OrderMatch] = []
    for match in sorted(candidates, key=lambda m: (m.start - m.end, m.start)):
        if not any(f.start < match.end and match.start < f.end for f in found):
            found.append(match)
    return sorted(found, key=lambda m: m.start)


def is_comparison(word: str) -> bool:
    """A word that compares or ranks rather than names what is sought (最高, 更多, 比较好, 高一点, 哪家, 排序)."""
    if word.startswith(DEGREES) or word.startswith("哪") or word in _RANKING or word[-1:] == "于" and word[:-1] in GRADABLE:
        return True  # 高于, 少于: compared with an amount, which a salary says
    stem = next((word[: -len(tail)] for tail in TAILS if word.endswith(tail) and len(word) > len(tail)), word)
    return stem != word and stem in GRADABLE


def comparisons(words: Sequence[str]) -> list[bool]:
    """For each word of a segmented phrase, whether it compares: a comparison word itself, or the word a degree
    goes before or a tail after (最 | 轻松, 稳定 | 一点) — never a word a search looks for."""
    return [is_comparison(word) or i > 0 and words[i - 1] in DEGREES or i + 1 < len(words) and words[i + 1] in TAILS
            for i, word in enumerate(words)]


def is_pay_word(word: str) -> bool:
    """A word about pay or earning (工资, 收入, 月薪, 挣钱, 高薪): pay is a salary or an order, never searched text."""
    return word in PAY_NOUNS or word in _EARNING or (word[:2] in PAY_NOUNS or word[:2] in _EARNING) and word[2:] in GRADABLE


_RANKING = frozenset({"排序", "排列", "排前", "排前面", "前面", "顺序", "高低", "从高到低", "由高到低", "多少", "超过",
                      "不到", "以内", "排名", "排行", "靠前", "最前"})
_EARNING = frozenset({"挣钱", "赚钱", "挣得", "赚得", "能挣", "能赚", "高薪", "挣", "赚", "钱多", "钱少"})
