"""Salary and date values: pay to {"min", "max", "unit"}, dates to ISO strings relative to an injected today."""

from __future__ import annotations

from datetime import date

import pytest

from nlu.dates import parse_date
from nlu.salary import parse_salary

TODAY = date(2026, 3, 2)  # a Monday


class TestSalary:
    @pytest.mark.parametrize(
        ("text", "value"),
        [
            ("五千以上", {"min": 5000, "max": None, "unit": "month"}),
            ("一天150块", {"min": 150, "max": None, "unit": "day"}),
            ("3000-5000", {"min": 3000, "max": 5000, "unit": "month"}),
            ("月薪4千", {"min": 4000, "max": None, "unit": "month"}),
            ("四五千", {"min": 4000, "max": 5000, "unit": "month"}),
            ("工资3000到5000元", {"min": 3000, "max": 5000, "unit": "month"}),
            ("时薪20", {"min": 20, "max": None, "unit": "hour"}),
            ("计件一斤两块", {"min": 2, "max": None, "unit": "piece"}),
            ("日薪两百", {"min": 200, "max": None, "unit": "day"}),
            ("5000以下", {"min": None, "max": 5000, "unit": "month"}),
            ("４ｋ", {"min": 4000, "max": None, "unit": "month"}),
            ("1.2万", {"min": 12000, "max": None, "unit": "month"}),
            ("工资一天两百", {"min": 200, "max": None, "unit": "day"}),
            ("有没得五千的活路", {"min": 5000, "max": None, "unit": "month"}),
            ("一千五一个月", {"min": 1500, "max": None, "unit": "month"}),
            ("月薪一万零五百", {"min": 10500, "max": None, "unit": "month"}),
        ],
    )
    def test_parsed(self, text: str, value: dict) -> None:
        assert parse_salary(text) == value

    @pytest.mark.parametrize(
        "text", ["45岁", "3月5号", "2个人", "13812345678", "下周一", "你好", "万一不行", "千万别去", "十分好", "三十多岁"]
    )
    def test_not_a_salary(self, text: str) -> None:
        assert parse_salary(text) is None


class TestDate:
    @pytest.mark.parametrize(
        ("text", "iso"),
        [
            ("明天", "2026-03-03"),
            ("後天", "2026-03-04"),
            ("大后天", "2026-03-05"),
            ("下周一", "2026-03-09"),
            ("下个星期三", "2026-03-11"),
            ("周五", "2026-03-06"),
            ("3月5号", "2026-03-05"),
            ("三月五号", "2026-03-05"),
            ("2026年4月1日", "2026-04-01"),
            ("10号", "2026-03-10"),
            ("tomorrow", "2026-03-03"),
        ],
    )
    def test_parsed(self, text: str, iso: str) -> None:
        assert parse_date(text, TODAY) == iso

    def test_a_past_month_day_means_next_year(self) -> None:
        assert parse_date("1月5号", date(2026, 12, 20)) == "2027-01-05"

    def test_default_today_is_shanghai(self) -> None:
        assert parse_date("今天") is not None
