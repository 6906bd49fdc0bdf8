"""Typed form answers (flows/answers.py): examples of each rule, and properties over arbitrary text."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.answers import (
    MAX_RECORD_ID,
    date_in_window,
    is_cancel,
    looks_like_question,
    match_choice,
    parse_count,
    parse_date,
    parse_monthly_pay,
    parse_ordinal,
    parse_org_name,
    parse_person_name,
    parse_province,
    parse_record_id,
    parse_yes_no,
)

TODAY = date(2026, 3, 2)
ANY_TEXT = st.one_of(st.text(max_size=60), st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)))
fast = settings(max_examples=300, deadline=None)


class TestCancel:
    @pytest.mark.parametrize("text", ["取消", "取消。", "取消！", "算了", "算了吧", "那算了", "不要了", "我不要了",
                                      "不用了", "退出", "cancel", "CANCEL", "ＣＡＮＣＥＬ", "/cancel",
                                      "/cancel@mishu_bot", "Cancel!", "quit", "取消登记", " 取消 "])
    def test_ways_of_leaving(self, text: str) -> None:
        assert is_cancel(text)

    @pytest.mark.parametrize("text", ["取消订阅", "cancel my booking please", "刘大姐", "不", "没有", "双福镇", ""])
    def test_not_leaving(self, text: str) -> None:
        assert not is_cancel(text)


class TestQuestions:
    @pytest.mark.parametrize("text", ["有没有采茶的工作", "包车几点走？", "符溪镇的呢", "稳岗补贴怎么申请", "在哪里上车",
                                      "要带啥子", "有车没", "工资多少", "where is the bus", "is there a bus?",
                                      "可以吗"])
    def test_questions(self, text: str) -> None:
        assert looks_like_question(text)

    @pytest.mark.parametrize("text", ["刘大姐", "双福镇", "什么都行", "啥都可以", "哪个都行", "3000", "明天", "不",
                                      "没", "没有", "采茶、进厂", "永兴村", "2"])
    def test_answers(self, text: str) -> None:
        assert not looks_like_question(text)


class TestYesNo:
    @pytest.mark.parametrize("text", ["是", "是的", "对", "有", "嗯", "嗯嗯", "好的呀", "没问题", "没事", "同意", "可以",
                                      "要得", "OK", "ｙｅｓ", "是的，我同意", "👍好的"])
    def test_yes(self, text: str) -> None:
        assert parse_yes_no(text) is True

    @pytest.mark.parametrize("text", ["不", "不是", "否", "没有", "没", "没得", "不同意", "不行", "no", "不，我不同意"])
    def test_no(self, text: str) -> None:
        assert parse_yes_no(text) is False

    @pytest.mark.parametrize("text", ["没听懂", "没想好", "有没有座位", "是不是要钱", "刘大姐", "2", "", "😀"])
    def test_neither(self, text: str) -> None:
        """Containing 没 or 有 is not an answer: only a whole yes or no is."""
        assert parse_yes_no(text) is None

    @fast
    @given(ANY_TEXT)
    def test_a_question_is_never_a_yes_or_no(self, text: str) -> None:
        if looks_like_question(text):
            assert parse_yes_no(text) is None


class TestNumbers:
    @pytest.mark.parametrize(("text", "count"), [("2", 2), ("两个", 2), ("2个人", 2), ("我们三个", 3), ("订两张", 2),
                                                 ("１", 1), ("十", 10), ("5人", 5)])
    def test_counts(self, text: str, count: int) -> None:
        assert parse_count(text) == count

    @pytest.mark.parametrize("text", ["99999999999999999999", "两三个", "几个", "很多", "", "😀", "2.5"])
    def test_not_counts(self, text: str) -> None:
        assert parse_count(text) is None

    @pytest.mark.parametrize(("text", "number"), [("1", 1), ("第一个", 1), ("2号", 2), ("选3", 3), ("①", 1), ("第二", 2)])
    def test_ordinals(self, text: str, number: int) -> None:
        assert parse_ordinal(text) == number

    @pytest.mark.parametrize(("text", "number"), [("12", 12), (" 7 ", 7), (str(MAX_RECORD_ID), MAX_RECORD_ID)])
    def test_record_ids(self, text: str, number: int) -> None:
        assert parse_record_id(text) == number

    @pytest.mark.parametrize("text", ["²", "99999999999999999999", str(MAX_RECORD_ID + 1), "0", "-1", "1e5", "١٢"])
    def test_not_record_ids(self, text: str) -> None:
        assert parse_record_id(text) is None

    @fast
    @given(ANY_TEXT)
    def test_numbers_are_small_or_none(self, text: str) -> None:
        for value in (parse_count(text), parse_ordinal(text)):
            assert value is None or 0 <= value < 10**9
        record = parse_record_id(text)
        assert record is None or 1 <= record <= MAX_RECORD_ID


class TestChoices:
    TOWNS = ["绥山镇", "高桥镇", "双福镇"]

    @pytest.mark.parametrize(("text", "index"), [("2", 1), ("第三个", 2), ("双福", 2), ("双福镇", 2), ("雙福鎮", 2)])
    def test_number_or_label(self, text: str, index: int) -> None:
        assert match_choice(text, self.TOWNS) == index

    @pytest.mark.parametrize("text", ["4", "0", "镇", "北京", ""])
    def test_none(self, text: str) -> None:
        assert match_choice(text, self.TOWNS) is None

    def test_a_part_of_two_labels_is_not_a_choice(self) -> None:
        assert match_choice("同意", ["同意", "不同意"]) == 0
        assert match_choice("省", ["从省外返乡", "从省内返乡"]) is None
        assert match_choice("省外", ["从省外返乡", "从省内返乡"]) == 0

    @fast
    @given(ANY_TEXT, st.lists(st.text(min_size=1, max_size=6), min_size=1, max_size=8))
    def test_always_an_index_of_the_labels(self, text: str, labels: list[str]) -> None:
        index = match_choice(text, labels)
        assert index is None or 0 <= index < len(labels)


class TestNames:
    @pytest.mark.parametrize(("text", "name"), [("刘大姐", "刘大姐"), ("我叫王芳", "王芳"), ("我是刘大姐。", "刘大姐"),
                                                ("王 芳", "王芳"), ("阿依古丽·买买提", "阿依古丽·买买提"),
                                                ("John Smith", "John Smith"), ("my name is John", "John"),
                                                ("李建國", "李建國")])
    def test_names(self, text: str, name: str) -> None:
        assert parse_person_name(text) == name

    @pytest.mark.parametrize("text", ["😀", "我要登记", "12345", "好的", "王a", "a", "/start", "有没有采茶的工作",
                                      "x" * 21, "不知道", "hello", "取消", "刘大姐😀"])
    def test_not_names(self, text: str) -> None:
        assert parse_person_name(text) is None

    def test_known_words_are_not_names(self) -> None:
        assert parse_person_name("采茶", ["采茶", "采茶工"]) is None

    @fast
    @given(ANY_TEXT)
    def test_a_name_is_letters_of_a_sensible_length(self, text: str) -> None:
        name = parse_person_name(text)
        if name is not None:
            letters = [ch for ch in name if ch not in " ·'-"]
            assert 2 <= len(letters) <= 20
            assert not any(ch.isdigit() for ch in name)

    @pytest.mark.parametrize("text", ["峨眉山云尖茶业有限公司", "Foxconn", "绍兴华联纺织"])
    def test_employers(self, text: str) -> None:
        assert parse_org_name(text) == text

    @pytest.mark.parametrize("text", ["123", "😀", "好的", "x", ""])
    def test_not_employers(self, text: str) -> None:
        assert parse_org_name(text) is None

    @pytest.mark.parametrize(("text", "province"), [("广东", "广东"), ("广东省", "广东"), ("從廣東回來的", "广东"),
                                                    ("新疆维吾尔自治区", "新疆"), ("火星", None)])
    def test_provinces(self, text: str, province: str | None) -> None:
        assert parse_province(text) == province


class TestPayAndDates:
    @pytest.mark.parametrize(("text", "pay"), [("3000", 3000), ("三千五", 3500), ("3k", 3000), ("一天150", 3900),
                                               ("一天一百五", 3900), ("时薪20", 4160), ("5000以上", 5000)])
    def test_pay(self, text: str, pay: int) -> None:
        assert parse_monthly_pay(text) == pay

    def test_a_pay_of_hundreds_of_digits_is_no_pay(self) -> None:
        assert parse_monthly_pay("9" * 400) is None

    @fast
    @given(ANY_TEXT)
    def test_parsers_never_raise(self, text: str) -> None:
        parse_monthly_pay(text)
        found = parse_date(text, TODAY)
        assert found is None or isinstance(found, date)

    def test_the_date_window(self) -> None:
        assert date_in_window(TODAY + timedelta(days=700), TODAY)
        assert not date_in_window(date(9999, 1, 1), TODAY)
        assert not date_in_window(TODAY - timedelta(days=400), TODAY)
        assert parse_date("9999年1月1号", TODAY) == date(9999, 1, 1)  # a date, but out of the window
