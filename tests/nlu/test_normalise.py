"""Normalisation: t2s, half-width, pinyin and emoji out, numerals to digits, and the map back to the original."""

from __future__ import annotations

import pytest

from nlu.normalise import chinese_to_int, normalise


class TestText:
    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("穩崗補貼", "稳岗补贴"),
            ("ＡＢＣ　１２３", "abc 123"),
            ("就業(yè)補貼", "就业补贴"),
            ("就业（jiù yè）问题", "就业问题"),
            ("就业(jiu4 ye4)", "就业"),
            ("你好！！！？？", "你好!?"),
            ("😀😀有活路没得🙏", "有活路没得"),
            ("五千以上", "5000以上"),
            ("四五千", "4000-5000"),
            ("一天150块", "1天150块"),
            ("三月五号", "3月5号"),
            ("下周一", "下周1"),
            ("1.2万", "12000"),
            ("4k", "4000"),
            ("统一", "统一"),
            ("万一不行", "万一不行"),
            ("一起去", "一起去"),
            ("I'm OK (fine)", "i'm ok (fine)"),
        ],
    )
    def test_normalised(self, raw: str, expected: str) -> None:
        assert normalise(raw).text == expected

    @pytest.mark.parametrize("raw", ["", "😀", "\x00\x01", "   "])
    def test_nothing_left(self, raw: str) -> None:
        norm = normalise(raw)
        assert norm.text == "" and norm.spans == ()
        assert norm.original_span(0, 1) == (0, 0)


class TestOffsetMap:
    @pytest.mark.parametrize(
        ("raw", "word"),
        [
            ("😀我想去紹興打工", "绍兴"),
            ("就業(yè)補貼在哪裡領", "补贴"),
            ("工资四千左右", "4000"),
            ("ＡＢＣ　绍兴", "绍兴"),
        ],
    )
    def test_span_maps_back(self, raw: str, word: str) -> None:
        norm = normalise(raw)
        at = norm.text.index(word)
        start, end = norm.original_span(at, at + len(word))
        original = raw[start:end]
        assert normalise(original).text == word

    def test_every_character_has_a_span_inside_the_original(self) -> None:
        raw = "就業(yè)：四五千，😀１３８　"
        norm = normalise(raw)
        assert len(norm.spans) == len(norm.text)
        assert all(0 <= s < e <= len(raw) for s, e in norm.spans)


class TestNumerals:
    @pytest.mark.parametrize(
        ("numeral", "value"),
        [("一千五", 1500), ("十二", 12), ("三万", 30000), ("二〇二六", 2026), ("两百", 200), ("十", 10), ("abc", None)],
    )
    def test_chinese_to_int(self, numeral: str, value: int | None) -> None:
        assert chinese_to_int(numeral) == value
