"""An employer's typed posting answers (flows/posting_answers.py): examples as enterprises write them, and
properties over arbitrary text (never an exception, only values the posting columns can hold)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.commands import command_of
from flows.posting_answers import (
    DEADLINE_AHEAD,
    TEXT_LIMIT,
    TITLE_LIMIT,
    UNKNOWN_OPENINGS,
    openings_value,
    read_age_limits,
    read_contact,
    read_deadline,
    read_free_text,
    read_openings,
    read_pay,
    read_place,
    read_title,
)
from storage.importing.fields import MAX_AMOUNT, MAX_OPENINGS

TODAY = date(2026, 3, 2)
ANY_TEXT = st.one_of(
    st.text(max_size=80),
    st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=20),
    st.builds(lambda a, b: a + b, st.sampled_from(["3000", "150元/天", "若干", "18-55岁", "138", "4月", "双福"]),
              st.text(max_size=10)),
)
fast = settings(max_examples=300, deadline=None)


class TestTitle:
    @pytest.mark.parametrize(("text", "title"), [
        ("春茶采摘工", "春茶采摘工"), ("  电子厂普工。", "电子厂普工"), ("普工（包吃住）", "普工(包吃住)"),
        ("“保洁员”", "保洁员"), ("hotel waiter", "hotel waiter"),
    ])
    def test_titles(self, text: str, title: str) -> None:
        assert read_title(text) == title

    @pytest.mark.parametrize("text", ["好的", "1", "😀😀", "取消", "跳过", "", "a" * 41, "是"])
    def test_not_titles(self, text: str) -> None:
        assert read_title(text) is None

    @fast
    @given(ANY_TEXT)
    def test_any_text(self, text: str) -> None:
        title = read_title(text)
        assert title is None or 2 <= len(title) <= TITLE_LIMIT


class TestOpenings:
    @pytest.mark.parametrize(("text", "stored"), [
        ("30", "30"), ("30人", "30"), ("三十个", "30"), ("10-20人", "20"), ("约50人", "50"), ("若干", UNKNOWN_OPENINGS),
        ("不限", UNKNOWN_OPENINGS), ("若干名", UNKNOWN_OPENINGS), ("３０", "30"),
    ])
    def test_counts(self, text: str, stored: str) -> None:
        assert read_openings(text) == stored

    @pytest.mark.parametrize("text", ["0", "-3", "abc", "很多很多", "999999999", "1.5"])
    def test_not_counts(self, text: str) -> None:
        assert read_openings(text) is None

    @fast
    @given(ANY_TEXT)
    def test_any_text(self, text: str) -> None:
        stored = read_openings(text)
        if stored is not None:
            value = openings_value(stored)
            assert value is None or 1 <= value <= MAX_OPENINGS


class TestPay:
    @pytest.mark.parametrize(("text", "low", "high", "unit"), [
        ("计件,月均3500元", 3500, 3500, "month"), ("计件，月均3500元", 3500, 3500, "month"),
        ("8000元/月以上", 8000, None, "month"), ("3000-4500元/月", 3000, 4500, "month"), ("150元/天", 150, 150, "day"),
        ("一天150", 150, 150, "day"), ("3-5千", 3000, 5000, "month"), ("面议", None, None, "month"),
        ("20元/小时", 20, 20, "hour"),
    ])
    def test_as_enterprises_write_it(self, text: str, low: int | None, high: int | None, unit: str) -> None:
        pay = read_pay(text)
        assert pay is not None and (pay.min, pay.max, pay.unit) == (low, high, unit) and pay.text == text

    @pytest.mark.parametrize("text", ["5", "好的", "跳过", "", "高", "3元/月", "99999999999999元"])
    def test_not_pay(self, text: str) -> None:
        assert read_pay(text) is None

    @fast
    @given(ANY_TEXT)
    def test_any_text(self, text: str) -> None:
        pay = read_pay(text)
        if pay is not None:
            assert all(v is None or 0 <= v <= MAX_AMOUNT for v in (pay.min, pay.max)) and len(pay.text) <= 64


class TestPlace:
    @pytest.mark.parametrize(("text", "township", "city", "province"), [
        ("双福镇", "双福镇", "峨眉山市", "四川"), ("双福", "双福镇", "峨眉山市", "四川"),
        ("峨眉山市双福镇青春村茶园", "双福镇", "峨眉山市", "四川"), ("浙江绍兴", None, "绍兴", "浙江"),
        ("浙江省绍兴市柯桥区", None, "绍兴", "浙江"), ("东莞", None, "东莞", "广东"), ("本地", None, "峨眉山市", "四川"),
    ])
    def test_places(self, text: str, township: str | None, city: str, province: str) -> None:
        place = read_place(text)
        assert place is not None and (place.township, place.city, place.province) == (township, city, province)

    @pytest.mark.parametrize("text", ["好的", "abc", "", "啥子地方", "x" * 200])
    def test_not_places(self, text: str) -> None:
        assert read_place(text) is None

    @fast
    @given(ANY_TEXT)
    def test_any_text(self, text: str) -> None:
        place = read_place(text)
        assert place is None or (len(place.city) <= 32 and len(place.province) <= 16 and len(place.text) <= 128)


class TestRequirements:
    @pytest.mark.parametrize(("text", "ages"), [
        ("18-55岁，身体健康", (18, 55)), ("50岁以下", (None, 50)), ("年龄18~45", (18, 45)), ("五十岁以下", (None, 50)),
        ("16周岁以上，能吃苦", (16, None)), ("身体健康，能吃苦", (None, None)), ("熟练工优先", (None, None)),
        ("要求：男女不限，45周岁以内", (None, 45)),
    ])
    def test_age_limits(self, text: str, ages: tuple[int | None, int | None]) -> None:
        assert read_age_limits(text) == ages

    @pytest.mark.parametrize(("text", "kept"), [
        ("无", ""), ("不限", ""), ("跳过", ""), ("18-55岁，身体健康", "18-55岁，身体健康"), ("  包吃  住 ", "包吃 住"),
    ])
    def test_free_text(self, text: str, kept: str) -> None:
        assert read_free_text(text) == kept

    @fast
    @given(ANY_TEXT)
    def test_any_text(self, text: str) -> None:
        low, high = read_age_limits(text)
        assert all(age is None or 14 <= age <= 100 for age in (low, high))
        assert len(read_free_text(text)) <= TEXT_LIMIT


class TestContact:
    @pytest.mark.parametrize(("text", "name", "phone"), [
        ("王经理 13912345678", "王经理", "13912345678"), ("13912345678 王经理", "王经理", "13912345678"),
        ("联系人：王经理，电话0833-5521234", "王经理", "0833-5521234"), ("139 1234 5678", "张三", "13912345678"),
        ("+86 139-1234-5678", "张三", "13912345678"), ("１３９１２３４５６７８", "张三", "13912345678"),
    ])
    def test_contacts(self, text: str, name: str, phone: str) -> None:
        found = read_contact(text, "张三")
        assert found is not None and (found.name, found.phone) == (name, phone)

    @pytest.mark.parametrize("text", ["王经理", "12345", "我要发布 13912345678 好的吧谢谢", "", "23912345678"])
    def test_not_contacts(self, text: str) -> None:
        assert read_contact(text, "张三") is None

    @fast
    @given(ANY_TEXT)
    def test_any_text(self, text: str) -> None:
        found = read_contact(text)
        assert found is None or (found.phone and len(found.phone) <= 32 and len(found.name) <= 26)


class TestDeadline:
    @pytest.mark.parametrize(("text", "day"), [
        ("长期", None), ("招满为止", None), ("长期招聘", None), ("4月30号", date(2026, 4, 30)), ("2026-12-31", date(2026, 12, 31)),
        ("2026年12月底", date(2026, 12, 31)), ("明天", date(2026, 3, 3)), ("下个月", date(2026, 4, 1)),
    ])
    def test_deadlines(self, text: str, day: date | None) -> None:
        found = read_deadline(text, TODAY)
        assert found is not None and found.day == day

    @pytest.mark.parametrize("text", ["昨天", "2025-01-01", "2030-01-01", "xx", "", "取消", "2026-13-45"])
    def test_not_deadlines(self, text: str) -> None:
        assert read_deadline(text, TODAY) is None

    @fast
    @given(ANY_TEXT)
    def test_any_text(self, text: str) -> None:
        found = read_deadline(text, TODAY)
        assert found is None or found.day is None or TODAY <= found.day <= TODAY + DEADLINE_AHEAD

    def test_a_date_from_a_year_ago_is_never_taken(self) -> None:
        assert read_deadline((TODAY - timedelta(days=1)).isoformat(), TODAY) is None


@pytest.mark.parametrize("text", ["发布招聘信息", "我要发布招聘！", "我要招工", "我想招人。", " 我要招人 ", "Post a job"])
def test_ways_an_employer_asks_to_post_name_the_posting_form(text: str) -> None:
    assert command_of(text) == ("employer_post", "")


@pytest.mark.parametrize("text", ["我要找工", "我想找工作", "有没有招人的", "招人吗", "我要招工的信息"])
def test_a_worker_looking_for_work_is_not_sent_to_the_posting_form(text: str) -> None:
    assert command_of(text) is None or command_of(text)[0] != "employer_post"
