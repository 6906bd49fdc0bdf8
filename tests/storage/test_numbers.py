"""storage.numbers: every number a person types is read here, bounded, and never raises."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows.answers import parse_monthly_pay
from storage.numbers import COUNT, ID, INT32_MAX, Bounds, chat_id_value, read_decimal, read_id, read_int
from tests.strategies import digits_of_a_script, number_like


class TestReadId:
    @pytest.mark.parametrize(
        ("typed", "expected"),
        [("12", 12), (" 12 ", 12), ("#12", 12), ("＃１２", 12), ("\u3000１２", 12), ("٣", None), ("²", None),
         ("①", None), ("007", 7),
         (str(INT32_MAX), INT32_MAX), (str(INT32_MAX + 1), None), ("0", None), ("-3", None), ("13812345678", None),
         ("9" * 309, None), ("1e3", None), ("3.0", None), ("", None), ("十二", None), (None, None), (True, None)],
    )
    def test_examples(self, typed: str | None, expected: int | None) -> None:
        assert read_id(typed) == expected

    @given(number_like())
    def test_any_word_gives_an_id_in_range_or_none(self, typed: str) -> None:
        found = read_id(typed)
        assert found is None or 1 <= found <= INT32_MAX

    @given(digits_of_a_script())
    def test_half_and_full_width_digits_read_as_themselves_other_scripts_not_at_all(
        self, pair: tuple[str, int]
    ) -> None:
        text, value = pair
        typed_here = all("0" <= ch <= "9" or "０" <= ch <= "９" for ch in text)
        assert read_id(text) == (value if typed_here and 1 <= value <= INT32_MAX else None)
        assert read_id(f"#{text}") == read_id(text)

    @given(st.integers(), st.sampled_from([ID, COUNT, Bounds(-5, 5)]))
    def test_stored_integers_are_bounded_too(self, value: int, bounds: Bounds) -> None:
        assert read_int(value, bounds) == (value if bounds.low <= value <= bounds.high else None)


class TestReadDecimal:
    @given(number_like(), st.integers(0, 10**12))
    def test_never_raises_and_stays_in_bounds(self, typed: str, high: int) -> None:
        found = read_decimal(typed, Bounds(0, high))
        assert found is None or Decimal(0) <= found <= high

    def test_examples(self) -> None:
        assert read_decimal("3,000", COUNT) == Decimal(3000)
        assert read_decimal("２.５", COUNT) == Decimal("2.5")
        assert read_decimal("9" * 309, COUNT) is None
        assert read_decimal("3,00", COUNT) is None


class TestPay:
    @given(st.one_of(number_like(), number_like().map(lambda s: f"{s}千"), number_like().map(lambda s: s + "万以上"),
                     st.text(alphabet="零一二两三四五六七八九十百千万亿点", min_size=1, max_size=40)))
    def test_typed_pay_is_an_integer_column_value_or_none(self, typed: str) -> None:
        found = parse_monthly_pay(typed)
        assert found is None or (isinstance(found, int) and 0 <= found <= INT32_MAX)

    def test_infinity_is_not_a_pay(self) -> None:
        assert parse_monthly_pay("9" * 309) is None
        assert parse_monthly_pay("9" * 400 + "万") is None
        assert parse_monthly_pay("3千5") == 3000 and parse_monthly_pay("三千五") == 3500


class TestChatIds:
    @given(st.integers(-(2**52), 2**52))
    def test_numeric_chat_ids_go_as_numbers(self, chat: int) -> None:
        assert chat_id_value(str(chat)) == chat

    @given(st.one_of(st.text(max_size=30), number_like()))
    def test_anything_else_goes_as_text(self, chat: str) -> None:
        value = chat_id_value(chat)
        assert value == chat or (isinstance(value, int) and -(2**63) <= value < 2**63 and int(chat) == value)
