"""References to listed items as a person types them (第一个, 二号, 最后那个, "the first one"), and as anyone might."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlu.normalise import normalise
from nlu.ordinals import MAX_ORDINAL, find_ordinals

CHINESE = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"]


def ordinals(text: str) -> list[int | str]:
    return [m.value for m in find_ordinals(normalise(text).text)]


class TestWhatPeopleType:
    @pytest.mark.parametrize(
        ("text", "value"),
        [
            ("第一个", 1), ("第2个", 2), ("第三条", 3), ("第二家", 2), ("第十二个", 12), ("要第3个", 3),
            ("我要报第一个", 1), ("第二个详细说说", 2), ("第一個", 1), ("第二", 2),
            ("二号", 2), ("2号", 2), ("二號", 2), ("1", 1), ("2.", 2), ("选3", 3), ("报1", 1),
            ("头一个", 1), ("最后那个", "last"), ("最後那個", "last"), ("最后一个", "last"), ("倒数第一个", "last"),
            ("这个", "this"), ("那个岗位", "this"), ("这趟车", "this"),
            ("the first one", 1), ("the 2nd", 2), ("no. 2", 2), ("No.2", 2), ("number 3", 3), ("#3", 3),
            ("apply 1", 1), ("book no. 2", 2), ("last one", "last"), ("the last bus", "last"), ("this one", "this"),
            ("first", 1), ("second!", 2),
        ],
    )
    def test_a_reference_names_the_item(self, text: str, value: int | str) -> None:
        assert ordinals(text) == [value]

    @pytest.mark.parametrize(
        "text",
        [
            "第2天", "第三年", "第一次来", "第一时间告诉我", "3月2号", "二号的车", "7号走", "要两个人的", "帮我订2个座位吧",
            "这个月", "那个时候", "最后一天", "最后", "12345", "第0个", "第100个", "first aid training",
            "有没有采茶的工作", "工资五千以上",
        ],
    )
    def test_days_counts_and_words_are_not_references(self, text: str) -> None:
        assert ordinals(text) == []

    @pytest.mark.parametrize(("text", "value"), [("2个", 2), ("两个", 2), ("我要一个", 1), ("订2个座位", 2), ("3 seats", 3)])
    def test_a_count_alone_is_a_number(self, text: str, value: int) -> None:
        """A message that is only a count answers "how many seats?" (the dialogue rules decide what it counts)."""
        assert ordinals(text) == [value]

    def test_the_span_after_a_verb_is_the_number_alone(self) -> None:
        """"报1": the verb stays outside the reference, so the dialogue rules see that something is asked."""
        text = normalise("我要报2").text
        (match,) = find_ordinals(text)
        assert text[match.start : match.end] == "2"

    @pytest.mark.parametrize("n", range(1, 13))
    def test_every_way_of_writing_a_small_number(self, n: int) -> None:
        for text in (f"第{n}个", f"第{CHINESE[n - 1]}个", f"第{CHINESE[n - 1]}条", str(n), f"{n}号"):
            assert ordinals(text) == [n], text


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_any_text_gives_well_formed_references(text: str) -> None:
    norm = normalise(text).text
    found = find_ordinals(norm)
    for match in found:
        assert 0 <= match.start < match.end <= len(norm)
        assert match.value in ("last", "this") or isinstance(match.value, int) and 1 <= match.value <= MAX_ORDINAL
    for first, second in zip(found, found[1:], strict=False):
        assert first.end <= second.start


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["", "我要", "报", "看看", "要", "那", "就"]),
    st.integers(min_value=1, max_value=MAX_ORDINAL),
    st.sampled_from(["个", "条", "家", "个岗位", "个培训", "趟车"]),
    st.sampled_from(["", "吧", "嘛", "。", "！", "详细说说"]),
)
def test_a_numbered_pick_inside_a_sentence_is_found(before: str, n: int, counter: str, after: str) -> None:
    assert ordinals(f"{before}第{n}{counter}{after}") == [n]
