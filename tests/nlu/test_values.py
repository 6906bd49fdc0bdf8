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
            # English days read as the Chinese ones (today is Monday 2 March): this Friday = 这周五, next = 下周五
            ("is there a bus this Friday?", "2026-03-06"),
            ("and on Sunday?", "2026-03-08"),
            ("next Friday", "2026-03-13"),
            ("the day after tomorrow", "2026-03-04"),
            ("any buses next week", "2026-03-09"),
            ("next month", "2026-04-01"),
        ],
    )
    def test_parsed(self, text: str, iso: str) -> None:
        assert parse_date(text, TODAY) == iso

    @pytest.mark.parametrize("text", ["this one", "next", "the next bus", "next time", "a day after"])
    def test_english_words_that_are_no_date(self, text: str) -> None:
        assert parse_date(text, TODAY) is None

    def test_a_past_month_day_means_next_year(self) -> None:
        assert parse_date("1月5号", date(2026, 12, 20)) == "2027-01-05"

    def test_default_today_is_shanghai(self) -> None:
        assert parse_date("今天") is not None


class TestLunarDate:
    """Workers count the year by the lunar calendar: 春节 2027 is 6 February, 除夕 (腊月 has 29 days) the 5th."""

    WINTER = date(2026, 11, 29)  # lunar 2026-10-21

    @pytest.mark.parametrize(
        ("text", "iso"),
        [
            ("正月十五回来", "2027-02-20"),
            ("正月初八的车", "2027-02-13"),
            ("大年初六走", "2027-02-11"),
            ("腊月二十八回家", "2027-02-04"),
            ("除夕", "2027-02-05"),
            ("大年三十", "2027-02-05"),  # the last day of 腊月 even when it is the 29th
            ("元宵节后", "2027-02-20"),
            ("春节", "2027-02-06"),
            ("農曆三月初三", "2027-04-09"),
            ("农历3月15", "2027-04-21"),  # lunar, not March 15th
            ("冬月初八", "2026-12-16"),
            ("初八", "2026-12-16"),  # the coming 初八: this lunar month's is past
            ("中秋节", "2027-09-15"),
            ("年三十晚上到家", "2027-02-05"),
            ("过完年就走", "2027-02-06"),  # from 春节 on
            ("年后有没得车", "2027-02-06"),
        ],
    )
    def test_parsed(self, text: str, iso: str) -> None:
        assert parse_date(text, self.WINTER) == iso

    def test_just_after_the_festival_it_is_still_this_year(self) -> None:
        assert parse_date("正月初八", date(2027, 2, 10)) == "2027-02-13"
        assert parse_date("元宵", date(2027, 2, 25)) == "2027-02-20"  # five days ago, not next year

    @pytest.mark.parametrize("text", ["初三毕业", "初中文化", "正月", "农历闰六月初一", "两年后", "3年后再说",
                                      "初十五", "两年三十天"])
    def test_not_a_date(self, text: str) -> None:
        # 2025 had the leap sixth month; none comes within the next year from the winter of 2026.
        assert parse_date(text, self.WINTER) is None
