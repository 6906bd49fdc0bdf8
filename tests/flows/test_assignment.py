"""The secretary assignment rule and the typed-answer readers, as pure functions."""

from __future__ import annotations

from datetime import date

import pytest

from flows.answers import normalise_phone, parse_date, parse_monthly_pay
from flows.assignment import choose_secretary
from storage.queries.workers import SecretaryLoad

S = SecretaryLoad


class TestChooseSecretary:
    @pytest.mark.parametrize(
        "pool, township, expected",
        [
            ([S(1, frozenset({"双福镇"}), 5), S(2, frozenset({"双福镇"}), 2)], "双福镇", 2),
            ([S(1, frozenset({"双福镇"}), 9), S(2, frozenset(), 0)], "双福镇", 1),  # covering beats lighter
            ([S(1, frozenset({"绥山镇"}), 4), S(2, frozenset(), 1)], "双福镇", 2),  # nobody covers: lightest
            ([S(3, frozenset({"双福镇"}), 1), S(2, frozenset({"双福镇"}), 1)], "双福镇", 2),  # tie: lower id
            ([S(1, frozenset({"双福镇"}), 0), S(2, frozenset(), 0)], None, 1),
        ],
    )
    def test_rule(self, pool: list[SecretaryLoad], township: str | None, expected: int) -> None:
        assert choose_secretary(pool, township) == expected

    def test_no_secretaries(self) -> None:
        assert choose_secretary([], "双福镇") is None


class TestAnswers:
    @pytest.mark.parametrize(
        "text, phone",
        [("13812345678", "13812345678"), ("+86 138-1234-5678", "13812345678"), ("0086 13812345678", "13812345678"),
         ("１３８１２３４５６７８", "13812345678"), ("12812345678", None), ("1381234567", None), ("电话", None)],
    )
    def test_phone(self, text: str, phone: str | None) -> None:
        assert normalise_phone(text) == phone

    @pytest.mark.parametrize(
        "text, amount",
        [("三千", 3000), ("3千", 3000), ("3000以上", 3000), ("3k", 3000), ("五千五", 5500), ("一万", 10000),
         ("3,500元", 3500), ("随便", None)],
    )
    def test_pay(self, text: str, amount: int | None) -> None:
        assert parse_monthly_pay(text) == amount

    @pytest.mark.parametrize(
        "text, expected",
        [("今天", date(2026, 3, 2)), ("明天", date(2026, 3, 3)), ("下周", date(2026, 3, 9)),
         ("下个月", date(2026, 4, 1)), ("3月10号", date(2026, 3, 10)), ("三月十号", date(2026, 3, 10)),
         ("2026-04-01", date(2026, 4, 1)), ("1月5日", date(2027, 1, 5)), ("13月1日", None), ("hello", None),
         ("周五", date(2026, 3, 6)), ("正月十五", date(2026, 3, 3)), ("元宵节以后", date(2026, 3, 3))],
    )
    def test_date(self, text: str, expected: date | None) -> None:
        assert parse_date(text, date(2026, 3, 2)) == expected
