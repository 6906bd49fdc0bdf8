"""Questions about what a job offers and who asks: job_attribute, order (near) and age entities, and the words
left for full-text search, as workers type them."""

from __future__ import annotations

from pathlib import Path

import cn2an
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.free_text import MAX_WORD_LENGTH, MAX_WORDS, NOT_A_FILTER, STOP_WORDS, search_words
from flows.ranking import SearchCriteria
from nlu import NLU
from nlu.ages import find_ages
from nlu.normalise import normalise
from nlu.rasa_format import load_data
from storage.attributes import BY_NAME
from tests.nlu.conftest import TODAY

DATA = Path(__file__).resolve().parents[2] / "nlu" / "data"


class TestVocabularyInStep:
    def test_every_value_the_nlu_gives_is_a_canonical_attribute(self) -> None:
        data = load_data(DATA)
        surfaces = {normalise(s).text for s in data.lookups["job_attribute"]}
        values = {v for v, items in data.synonyms.items() if {normalise(i).text for i in items} & surfaces}
        plain = {s for s in data.lookups["job_attribute"] if s in BY_NAME}
        assert values - {"near"} <= set(BY_NAME)
        assert set(BY_NAME) <= values | plain, set(BY_NAME) - values - plain


class TestTrainedNLU:
    @pytest.mark.parametrize(("text", "attributes", "age", "order"), [
        ("日结的零工有没有", ("日结", "临时"), None, "relevance"),
        ("包吃住的普工", ("包吃住",), None, "relevance"),
        ("离家近的", (), None, "near"),
        ("我55了有没有活", (), 55, "relevance"),
        ("有沒有包吃住的工作", ("包吃住",), None, "relevance"),
        ("有没有五险一金的工作", ("五险一金",), None, "relevance"),
        ("不要经验的工作有没有", ("无需经验",), None, "relevance"),
        ("我五十多了，有没有保安的活", (), 50, "relevance"),
        ("近点的采茶工作", (), None, "near"),
        ("有没有两班倒的普工", ("两班倒",), None, "relevance"),
    ])
    def test_criteria(self, nlu: NLU, text: str, attributes: tuple[str, ...], age: int | None, order: str) -> None:
        parse = nlu.parse(text, today=TODAY)
        assert parse.intent == "job_search", parse.intent
        criteria = SearchCriteria.from_parse(parse)
        assert (criteria.attributes, criteria.age, criteria.order, criteria.words) == (attributes, age, order, ())

    @pytest.mark.parametrize(("text", "words"), [
        ("有没有印染厂的活", ("印染",)), ("绍兴的纺织厂有没有", ("纺织",)), ("保安，只要男的", ()),
        ("有没有适合女的做的", ()), ("有没有不要学历的工作", ()), ("物流公司招人吗", ("物流",)),
        ("有没有服装工厂", ("服装",)),
    ])
    def test_free_text(self, nlu: NLU, text: str, words: tuple[str, ...]) -> None:
        assert SearchCriteria.from_parse(nlu.parse(text, today=TODAY)).words == words


def chinese(n: int) -> str:
    return str(cn2an.an2cn(n))


class TestAges:
    @settings(max_examples=150, deadline=None)
    @given(age=st.integers(16, 80), form=st.sampled_from(
        ["我{n}了", "我今年{n}", "我都{n}了还能做啥", "{n}岁了", "{n}岁的人能做啥", "{c}岁了", "我{c}了", "年纪{n}",
         "I'm {n}", "{n} years old", "适合{n}岁以上的"]))
    def test_an_age_said(self, age: int, form: str) -> None:
        text = normalise(form.format(n=age, c=chinese(age))).text
        assert [m.value for m in find_ages(text)] == [age], text

    @pytest.mark.parametrize("text", ["18-45岁", "年龄18至45周岁", "50岁以下的工作", "3000元", "13812345678",
                                      "我要5个人", "第2个", "明天8点", "我住3组"])
    def test_not_an_age_of_the_asker(self, text: str) -> None:
        assert find_ages(normalise(text).text) == []

    @settings(max_examples=200, deadline=None)
    @given(st.text(max_size=200))
    def test_any_text(self, text: str) -> None:
        for m in find_ages(normalise(text).text):
            assert 16 <= m.value <= 80


class TestFreeTextWords:
    @settings(max_examples=200, deadline=None)
    @given(st.text(max_size=2500))
    def test_bounded_and_never_who_a_person_is(self, text: str) -> None:
        words = search_words(text)
        assert len(words) <= MAX_WORDS
        assert all(0 < len(w) <= MAX_WORD_LENGTH for w in words)
        assert not set(words) & (STOP_WORDS | NOT_A_FILTER)

    @settings(max_examples=100, deadline=None)
    @given(st.lists(st.sampled_from(sorted(STOP_WORDS)), max_size=12), st.sampled_from(["，", " ", "、", "？"]))
    def test_only_stop_words_leave_nothing(self, words: list[str], comma: str) -> None:
        assert search_words(comma.join(words)) == ()

    @pytest.mark.parametrize("text", ["有没有活", "有没有啥子工作嘛", "能不能帮我找个活路", "请问现在有什么岗位",
                                      "我想找工作", "有没得事做", "哪里招人", "你好，有活没得",
                                      # what a conversation says around a change of mind is not searched for
                                      "算了，有没得活路", "不对，我说的是那边", "好吧，那就换个"])
    def test_questions_without_a_subject(self, text: str) -> None:
        assert search_words(text) == ()

    @pytest.mark.parametrize(("text", "expected"), [
        ("any tea picking jobs", ()), ("need a factory job with housing", ()),
        ("会CAD的岗位", ("cad",)), ("有没有C1驾照的", ("c1", "驾照")), ("ＰＬＣ编程", ("plc", "编程"))])
    def test_latin_words_only_as_codes(self, text: str, expected: tuple[str, ...]) -> None:
        """The shelf is Chinese: ordinary English words find nothing; codes postings use do."""
        assert search_words(text) == expected

    @given(person=st.sampled_from(sorted(NOT_A_FILTER)))
    def test_who_a_person_is_is_not_searched(self, person: str) -> None:
        assert search_words(f"有没有只要{person}的工作") == ()
