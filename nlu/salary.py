"""Salary mentions in normalised text → {"min", "max", "unit"} (units month/day/piece/hour)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# Numbers arrive as digits: the normaliser has turned 五千 into 5000 and 四五千 into 4000-5000.
_NUM = r"\d{1,6}(?:\.\d+)?"
_UNIT_BEFORE = (
    r"(?P<pre>月薪|月工资|每个?月|1个?月|一个?月|底薪|日薪|日工资|每天|1天|一天|天天|时薪|每小时|1小时|一小时|"
    r"1个小时|计件|每件|1件|一件|每斤|1斤|一斤|工资|薪资|薪水|收入|待遇|包吃住|年薪)?"
)
_RANGE = rf"(?P<low>{_NUM})\s*(?:块|元)?\s*(?:-|~|到|至)\s*(?P<high>{_NUM})"
_SINGLE = rf"(?P<value>{_NUM})"
_CURRENCY = r"(?P<cur>块钱|块|元|rmb|yuan|¥)?"
_UNIT_AFTER = r"(?P<post>/月|/天|/小时|/件|/斤|每月|每天|每小时|1个?月|1天|1小时|一个?月|一天|一小时|1斤|一斤|1件|一件|月薪|日薪)?"
_QUAL = r"(?P<qual>以上|起步|起|往上|多|出头|左右|上下|以下|以内|封顶)?"
_SALARY = re.compile(
    rf"(?<![\d.])(?:¥\s*)?{_UNIT_BEFORE}\s*(?:{_RANGE}|{_SINGLE})\s*{_CURRENCY}\s*{_QUAL}\s*{_UNIT_AFTER}(?![\d])"
    r"(?!\s*(?:年|月|号|日|岁|个|人|公里|里|点|斤|亩|米|平|次|周|天(?!\s*\d)|小时|分|%|\.|w))",
    re.IGNORECASE,
)
_DAY = ("天", "日")
_HOUR = ("小时", "时薪")
_PIECE = ("件", "斤")


@dataclass
class SalaryMatch:
    start: int
    end: int
    value: dict[str, Any]
    pay_word: bool = False  # 月薪, 工资, 底薪 … right before the amount
    rate: bool = False  # a unit of time or work: 一天, /月, 每小时, 一斤


# Around an amount: words that make it pay, and words that make it another sum of money.
_PAY = re.compile(r"工资|薪|收入|待遇|挣|赚|提成|计件|工钱")
_NOT_PAY = re.compile(r"欠|借|押金|费|票|罚|补贴|补助|贷款|利息|房租|租金|价|买|卖|花了|交|退|报销|赔|存|彩礼|红包|捐|"
                      r"车钱|话费|保证金|一共|总共")
_PAY_BEFORE = ("月薪", "月工资", "底薪", "日薪", "日工资", "时薪", "工资", "薪资", "薪水", "收入", "待遇", "年薪", "计件")


def pay_context(text: str, match: SalaryMatch) -> bool | None:
    """True when the words around a salary match make it pay, False when they make it another sum (a debt, a fee,
    a fare, a subsidy: 欠我3000, 报名费200元, 补贴有1000块吗), None when they say neither (有没有4000的)."""
    before, after = text[max(0, match.start - 6):match.start], text[match.end:match.end + 4]
    if match.pay_word or _PAY.search(before) or _PAY.search(after):
        return True
    if _NOT_PAY.search(before) or _NOT_PAY.search(after):
        return False
    return True if match.rate else None


def _unit(words: str, amount: float) -> str:
    if any(w in words for w in _HOUR):
        return "hour"
    if any(w in words for w in _PIECE):
        return "piece"
    if any(w in words for w in _DAY) and "月" not in words:
        return "day"
    if "月" in words or "年薪" in words:
        return "month"
    # Without a unit the size tells: nobody is paid 5000 a day, nor 150 a month.
    return "month" if amount >= 800 else "day"


def _num(text: str) -> int | float:
    value = float(text)
    return int(value) if value.is_integer() else value


def find_salaries(text: str) -> list[SalaryMatch]:
    """Every salary mention in normalised text, with its span."""
    found: list[SalaryMatch] = []
    for m in _SALARY.finditer(text):
        pre, cur, qual, post = m.group("pre") or "", m.group("cur") or "", m.group("qual") or "", m.group("post") or ""
        around = text[max(0, m.start() - 4):m.start()] + pre + post + text[m.end():m.end() + 3]
        if m.group("low"):
            low, high = _num(m.group("low")), _num(m.group("high"))
            if high < low:
                continue
        else:
            low, high = _num(m.group("value")), None
        # A bare number is a salary only with a money word, a unit or a salary-like size.
        if not (pre or cur or post or qual in ("以上", "起", "起步", "往上", "出头", "以下", "封顶")):
            context = text[max(0, m.start() - 6):m.end() + 4]
            salary_like = 1000 <= low <= 50000
            if not salary_like and not re.search(r"工资|薪|钱|收入|待遇|块|元|给|开|挣|赚", context):
                continue
        unit = _unit(around, float(low))
        if low > 200000 or (low < 10 and unit != "piece") or low == 0:
            continue
        if qual in ("以下", "以内", "封顶"):
            value = {"min": None, "max": low, "unit": unit}
        else:
            value = {"min": low, "max": high, "unit": unit}
        start, end = m.start(), m.end()
        while end > start and text[end - 1] == " ":
            end -= 1
        while start < end and text[start] == " ":
            start += 1
        found.append(SalaryMatch(start, end, value, pay_word=pre in _PAY_BEFORE, rate=bool(pre or post)))
    return found


def parse_salary(text: str) -> dict[str, Any] | None:
    """The first salary in raw text (normalised first): 五千以上 → {"min": 5000, "max": None, "unit": "month"}."""
    from nlu.normalise import normalise

    found = find_salaries(normalise(text).text)
    return found[0].value if found else None
