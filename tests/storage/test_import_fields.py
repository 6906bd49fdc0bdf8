"""The cell parsers of the importer, as enterprises and staff type cells: examples, and hypothesis for each."""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storage.importing.fields import (
    MAX_AMOUNT,
    MAX_OPENINGS,
    FieldError,
    id_check_character,
    parse_age,
    parse_date,
    parse_deadline,
    parse_id_number,
    parse_openings,
    parse_pay,
    parse_phone,
    parse_place,
)
from storage.vocabulary import geography

FULL_WIDTH = str.maketrans("0123456789-/.", "０１２３４５６７８９－／．")
ANY_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
CHINESE_TEXT = st.text(alphabet="0123456789０１２３４５６７８９元月天日小时斤件以上下-~至到万千k面议计件若干人名约余"
                                "年号底.,/ 长期二〇一三十", max_size=20)


def full_width(text: str) -> str:
    return text.translate(FULL_WIDTH)


class TestPay:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("3000-4500元/月", (3000, 4500, "month")),
            ("150元/天", (150, 150, "day")),
            ("20元/小时", (20, 20, "hour")),
            ("8000元/月以上", (8000, None, "month")),
            ("计件,月均3500元", (3500, 3500, "month")),
            ("计件，熟手月入6000元以上", (6000, None, "month")),
            ("面议", (None, None, "month")),
            ("4000以上", (4000, None, "month")),
            ("3-5千", (3000, 5000, "month")),
            ("1.2万/月", (12000, 12000, "month")),
            ("120～160元/天", (120, 160, "day")),
            ("2元/斤", (2, 2, "piece")),
            ("鲜叶按斤计，4-10元/斤", (4, 10, "piece")),
            ("１５０元／天", (150, 150, "day")),
            ("月薪五千以上", (5000, None, "month")),
            ("一天一百五", (150, 150, "day")),
            ("4,500元/月", (4500, 4500, "month")),
        ],
    )
    def test_examples(self, text: str, expected: tuple) -> None:  # type: ignore[type-arg]
        pay = parse_pay(text)
        assert (pay.min, pay.max, pay.unit) == expected and pay.text == text

    @pytest.mark.parametrize("text", ["看着给", "", "99999999999999999999元", "1" * 400])
    def test_refused(self, text: str) -> None:
        with pytest.raises(FieldError):
            parse_pay(text)

    @given(st.integers(1, MAX_AMOUNT), st.integers(1, MAX_AMOUNT),
           st.sampled_from([("元/月", "month"), ("元/天", "day"), ("元/小时", "hour"), ("元/斤", "piece")]),
           st.sampled_from(["-", "~", "～", "至", "到"]), st.booleans())
    def test_ranges_as_typed(self, a: int, b: int, unit: tuple[str, str], dash: str, wide: bool) -> None:
        text = f"{a}{dash}{b}{unit[0]}"
        pay = parse_pay(full_width(text) if wide else text)
        assert (pay.min, pay.max, pay.unit) == (min(a, b), max(a, b), unit[1])

    @given(st.one_of(ANY_TEXT, CHINESE_TEXT))
    @settings(max_examples=300)
    def test_any_text_is_a_pay_or_a_field_error(self, text: str) -> None:
        try:
            pay = parse_pay(text)
        except FieldError:
            return
        assert pay.unit in ("month", "day", "hour", "piece")
        for amount in (pay.min, pay.max):
            assert amount is None or 0 <= amount <= MAX_AMOUNT
        if pay.min is not None and pay.max is not None:
            assert pay.min <= pay.max


class TestDates:
    @pytest.mark.parametrize("text", ["2027-03-31", "2027/3/31", "2027.3.31", "2027年3月31日", "2027年3月31号",
                                      "2027年3月底", "二〇二七年三月三十一日", "20270331", "46477", "46477.0",
                                      "２０２７年３月３１日", "2027-03-31 00:00:00", " 2027 年 3 月 31 日 "])
    def test_forms_staff_type(self, text: str) -> None:
        assert parse_date(text) == date(2027, 3, 31)

    @pytest.mark.parametrize("text", ["2027-02-30", "下个月", "3/5", "9999-01-01", "2027年13月1日", "1", "0000-00-00"])
    def test_refused(self, text: str) -> None:
        with pytest.raises(FieldError):
            parse_date(text)

    @pytest.mark.parametrize("text", ["长期", "长期有效", "招满为止", "常年招聘"])
    def test_open_ended_deadlines(self, text: str) -> None:
        assert parse_deadline(text) is None

    @given(st.dates(date(1930, 1, 1), date(2099, 12, 31)),
           st.sampled_from(["{y}-{m:02d}-{d:02d}", "{y}/{m}/{d}", "{y}.{m}.{d}", "{y}年{m}月{d}日", "{y}年{m}月{d}号",
                            "{y}{m:02d}{d:02d}", "serial"]),
           st.booleans())
    def test_every_form_of_every_date(self, day: date, form: str, wide: bool) -> None:
        text = str((day - date(1899, 12, 30)).days) if form == "serial" else form.format(y=day.year, m=day.month,
                                                                                          d=day.day)
        if form == "serial" and len(text) != 5:
            return  # Excel serials of 1927–2173 have five digits; shorter numbers are not read as dates
        assert parse_date(full_width(text) if wide else text) == day

    @given(st.one_of(ANY_TEXT, CHINESE_TEXT))
    @settings(max_examples=300)
    def test_any_text_is_a_plausible_date_or_a_field_error(self, text: str) -> None:
        try:
            found = parse_deadline(text)
        except FieldError:
            return
        assert found is None or 1900 <= found.year <= 2099


class TestOpenings:
    @pytest.mark.parametrize(("text", "expected"), [("30", 30), ("30人", 30), ("约30人", 30), ("30余人", 30),
                                                    ("10-20人", 20), ("三十人", 30), ("30.0", 30), ("若干", None),
                                                    ("若干名", None), ("不限", None), ("３０人", 30)])
    def test_examples(self, text: str, expected: int | None) -> None:
        assert parse_openings(text) == expected

    @pytest.mark.parametrize("text", ["0", "很多", "99999999999999999999", "100001", "-5"])
    def test_refused(self, text: str) -> None:
        with pytest.raises(FieldError):
            parse_openings(text)

    @given(st.integers(1, MAX_OPENINGS), st.sampled_from(["", "人", "名", "个"]), st.booleans())
    def test_numbers_as_typed(self, count: int, suffix: str, wide: bool) -> None:
        text = f"{count}{suffix}"
        assert parse_openings(full_width(text) if wide else text) == count

    @given(st.one_of(ANY_TEXT, CHINESE_TEXT))
    @settings(max_examples=300)
    def test_any_text_is_a_bounded_count_unknown_or_a_field_error(self, text: str) -> None:
        try:
            count = parse_openings(text)
        except FieldError:
            return
        assert count is None or 1 <= count <= MAX_OPENINGS


MOBILES = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)


class TestPhones:
    @pytest.mark.parametrize(("text", "expected"), [
        ("+86 138-0000-1111", "13800001111"), ("138１２３４5678", "13812345678"), ("0833 5521234", "0833-5521234"),
        ("0833-5521234", "0833-5521234"), ("13800001111/0833-5521234", "13800001111"), ("（0833）5521234", "0833-5521234"),
    ])
    def test_examples(self, text: str, expected: str) -> None:
        assert parse_phone(text) == expected

    def test_mobile_only_refuses_landlines(self) -> None:
        with pytest.raises(FieldError):
            parse_phone("0833-5521234", mobile_only=True)
        with pytest.raises(FieldError):
            parse_phone("1380000111")

    @given(MOBILES, st.sampled_from(["", "+86", "+86 ", "0086", "86-"]), st.sampled_from(["", " ", "-"]), st.booleans())
    def test_mobiles_as_typed(self, mobile: str, prefix: str, separator: str, wide: bool) -> None:
        text = prefix + separator.join((mobile[:3], mobile[3:7], mobile[7:]))
        typed = unicodedata.normalize("NFKC", text) if not wide else full_width(text)
        assert parse_phone(typed, mobile_only=True) == mobile

    @given(ANY_TEXT)
    @settings(max_examples=300)
    def test_any_text_is_a_clean_number_or_a_field_error(self, text: str) -> None:
        try:
            phone = parse_phone(text)
        except FieldError:
            return
        assert phone.replace("-", "").isdigit() and phone.isascii() and len(phone) <= 13


def id_number(prefix: str, born: date, sequence: str) -> str:
    first17 = f"{prefix}{born:%Y%m%d}{sequence}"
    return first17 + id_check_character(first17)


ID_NUMBERS = st.builds(id_number, st.from_regex(r"[1-6][0-9]{5}", fullmatch=True),
                       st.dates(date(1930, 1, 1), date(2010, 12, 31)), st.from_regex(r"[0-9]{3}", fullmatch=True))


class TestIdNumbers:
    def test_a_real_form_with_x(self) -> None:
        assert parse_id_number("11010519491231002x") == "11010519491231002X"

    @given(ID_NUMBERS, st.booleans())
    def test_valid_numbers_are_kept_exactly(self, number: str, wide: bool) -> None:
        typed = full_width(number.lower()) if wide else number.lower()
        assert parse_id_number(typed) == number

    @given(ID_NUMBERS, st.integers(0, 16), st.integers(1, 9))
    def test_one_wrong_digit_is_caught(self, number: str, position: int, change: int) -> None:
        digit = str((int(number[position]) + change) % 10)
        wrong = number[:position] + digit + number[position + 1:]
        with pytest.raises(FieldError):
            parse_id_number(wrong)

    @given(ID_NUMBERS)
    def test_a_cell_that_held_a_number_is_refused_with_what_to_do(self, number: str) -> None:
        with pytest.raises(FieldError, match="id_as_number"):
            parse_id_number(number, was_number=True)
        with pytest.raises(FieldError, match="id_as_number"):
            parse_id_number(f"{int(number[:17]) / 10 ** 16:.5f}E+17")

    @pytest.mark.parametrize("text", ["5.11181E+17", "511181900101123", "51118119900101123", "511181199013011234"])
    def test_refused(self, text: str) -> None:
        with pytest.raises(FieldError):
            parse_id_number(text)

    @given(ANY_TEXT)
    def test_any_text_is_an_id_or_a_field_error(self, text: str) -> None:
        try:
            number = parse_id_number(text)
        except FieldError:
            return
        assert len(number) == 18 and id_check_character(number[:17]) == number[17]


class TestPlaces:
    @pytest.mark.parametrize(("text", "township", "village", "city", "province"), [
        ("峨眉山市双福镇青春村茶园", "双福镇", "青春村", "峨眉山市", "四川"),
        ("峨眉山景区", None, None, "峨眉山市", "四川"),
        ("浙江省绍兴市柯桥区", None, None, "绍兴", "浙江"),
        ("浙江绍兴", None, None, "绍兴", "浙江"),
        ("广东东莞市", None, None, "东莞", "广东"),
        ("东莞", None, None, "东莞", "广东"),
        ("双福", "双福镇", None, "峨眉山市", "四川"),
        ("双福镇永兴村3组", "双福镇", "永兴村", "峨眉山市", "四川"),
        ("四川省乐山市峨眉山市符溪镇", "符溪镇", None, "峨眉山市", "四川"),
        ("江苏省苏州市工业园区", None, None, "苏州", "江苏"),
        ("湖北武汉", None, None, "武汉", "湖北"),
        ("本地", None, None, "峨眉山市", "四川"),
        ("上海", None, None, "上海", "上海"),
    ])
    def test_examples(self, text: str, township: str | None, village: str | None, city: str, province: str) -> None:
        place = parse_place(text)
        assert (place.township, place.village, place.city, place.province) == (township, village, city, province)
        assert place.text == text

    @given(st.sampled_from(sorted(geography().townships)), st.sampled_from(["", "峨眉山市", "四川省乐山市峨眉山市",
                                                                            "峨眉山"]), st.booleans(), st.booleans())
    def test_every_township_however_it_is_introduced(self, township: str, before: str, short: bool,
                                                     with_village: bool) -> None:
        name = township.removesuffix("街道").removesuffix("镇").removesuffix("乡") if short else township
        villages = geography().townships[township].villages
        village = villages[0] if with_village and villages else ""
        place = parse_place(f"{before}{name}{village}")
        assert place.township == township and place.city == geography().county
        assert place.village == (village or None)

    @given(st.sampled_from(sorted(geography().destinations.items())), st.booleans())
    def test_every_destination_with_or_without_its_province(self, destination: tuple[str, str], prefix: bool) -> None:
        city, province = destination
        text = f"{province}省{city}市" if prefix and province != city else city
        place = parse_place(text)
        assert (place.township, place.city, place.province) == (None, city, province)

    @given(ANY_TEXT)
    @settings(max_examples=300)
    def test_any_text_is_a_place_or_a_field_error(self, text: str) -> None:
        try:
            place = parse_place(text)
        except FieldError:
            return
        assert place.township is None or place.township in geography().townships
        assert len(place.city) <= 32 and len(place.province) <= 16


class TestAges:
    @pytest.mark.parametrize(("text", "expected"), [("18-55岁", (18, 55)), ("55岁以下", (None, 55)),
                                                    ("45周岁以内", (None, 45)), ("18周岁以上", (18, None)),
                                                    ("不限", (None, None)), ("男50岁以下，女45岁以下", (None, 50))])
    def test_examples(self, text: str, expected: tuple) -> None:  # type: ignore[type-arg]
        assert parse_age(text) == expected

    @given(ANY_TEXT)
    def test_any_text_is_a_bounded_range_or_a_field_error(self, text: str) -> None:
        try:
            low, high = parse_age(text)
        except FieldError:
            return
        assert all(v is None or 14 <= v <= 100 for v in (low, high))


def test_excel_epoch() -> None:
    assert date(1899, 12, 30) + timedelta(days=46477) == date(2027, 3, 31)
