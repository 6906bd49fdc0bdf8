"""Asking for the better paid (or the nearer) first, however it is worded, is an `order` the job search sorts by —
and its words are never searched for as text; the job words around it still count."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opencc import OpenCC

from flows.ranking import SearchCriteria
from nlu import NLU
from nlu.normalise import normalise
from nlu.orders import find_orders
from tests.nlu.conftest import TODAY

TRADITIONAL = OpenCC("s2t")
PROPERTIES = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def criteria(nlu: NLU, text: str) -> SearchCriteria:
    return SearchCriteria.from_parse(nlu.parse(text, today=TODAY))


class TestPayOrder:
    @pytest.mark.parametrize(
        ("text", "categories"),
        [
            ("工资最高的采茶工作", ("采茶工",)),
            ("工資最高的採茶工作", ("采茶工",)),
            ("钱最多的", ()),
            ("待遇最好的", ()),
            ("收入高一点的", ()),
            ("工資最高", ()),
            ("哪个工资高", ()),
            ("哪家保安工资最高", ("保安",)),
            ("电焊工哪个钱给得多", ("电焊工",)),
            ("有没有薪水高些的普工", ("普工",)),
            ("最赚钱的活路是哪个", ()),
            ("挣钱最多的采茶活", ("采茶工",)),
            ("高薪的保安有没有", ("保安",)),
            ("找个工钱多点的厨师", ("厨师",)),
            ("按工资排一下", ()),
            ("best paid", ()),
            ("highest pay", ()),
            ("which job pays the most", ()),
            ("best paid tea picking jobs", ("采茶工",)),
            ("security guard jobs with the highest salary", ("保安",)),
            ("I want to earn the most", ()),
        ],
    )
    def test_sets_the_pay_order_and_leaves_no_search_word(self, nlu: NLU, text: str,
                                                          categories: tuple[str, ...]) -> None:
        wanted = criteria(nlu, text)
        assert (wanted.order, wanted.categories, wanted.words) == ("pay", categories, ()), text

    @pytest.mark.parametrize(
        "text",
        ["工资多少", "工资好多", "工资好久发", "那个工资高不高", "工资高于5000的", "工资不高也行", "最低工资标准是多少",
         "还有很多工资没给", "老板欠我很多钱", "价钱好商量", "多少钱一天", "how much does it pay", "pay me back"],
    )
    def test_asking_about_pay_or_low_pay_is_no_order(self, nlu: NLU, text: str) -> None:
        assert "pay" not in nlu.parse(text, today=TODAY).values("order"), text

    @pytest.mark.parametrize("text", ["工资高不高", "那个钱多不多", "待遇好不好", "工資高嗎", "收入咋样", "工钱好多"])
    def test_asking_how_well_it_pays_is_a_question_about_pay(self, nlu: NLU, text: str) -> None:
        parse = nlu.parse(text, today=TODAY)
        assert parse.values("attribute") == ["pay"] and "pay" not in parse.values("order"), text

    @pytest.mark.parametrize(("text", "value"), [("离家最近的", "near"), ("离我近一点的采茶活", "near"),
                                                  ("closest to home", "near"), ("钱多事少离家近", "pay")])
    def test_nearness_as_a_comparison_is_an_order_too(self, nlu: NLU, text: str, value: str) -> None:
        assert nlu.parse(text, today=TODAY).values("order")[0] == value


# The classes of words a worker combines (written here apart from nlu/orders.py).
PAY = ["工资", "工钱", "收入", "待遇", "薪水", "薪资", "报酬", "钱"]
DEGREE = ["", "最", "更", "比较", "稍微"]
MORE = ["高", "多", "好"]
TAIL = ["", "点", "一点", "一些", "些"]
JOB = [("", ()), ("采茶", ("采茶工",)), ("保安", ("保安",)), ("电焊工", ("电焊工",)), ("服务员", ("服务员",))]
FRAMES = ["{job}{cue}的", "{cue}的{job}工作", "有没有{cue}的{job}", "{job}哪个{cue}", "想找{cue}的{job}活路",
          "{job}的活，{cue}的有没得"]


@st.composite
def pay_questions(draw: st.DrawFn) -> tuple[str, tuple[str, ...]]:
    cue = draw(st.sampled_from(PAY)) + draw(st.sampled_from(DEGREE)) + draw(st.sampled_from(MORE)) + draw(
        st.sampled_from(TAIL))
    job, categories = draw(st.sampled_from(JOB))
    text = draw(st.sampled_from(FRAMES)).format(job=job, cue=cue)
    return (TRADITIONAL.convert(text) if draw(st.booleans()) else text), categories


class TestPayOrderByClass:
    @PROPERTIES
    @given(question=pay_questions())
    def test_any_combination_orders_by_pay_and_keeps_the_job(self, nlu: NLU,
                                                             question: tuple[str, tuple[str, ...]]) -> None:
        text, categories = question
        wanted = criteria(nlu, text)
        assert wanted.order == "pay", text
        assert wanted.words == (), text
        assert set(categories) <= set(wanted.categories), text

    @PROPERTIES
    @given(text=st.text(max_size=80))
    def test_orders_lie_in_the_text_and_never_overlap(self, text: str) -> None:
        norm = normalise(text).text
        found = find_orders(norm)
        assert all(0 <= m.start < m.end <= len(norm) and m.value in ("pay", "near") for m in found)
        assert all(a.end <= b.start for a, b in zip(found, found[1:], strict=False))

    @PROPERTIES
    @given(amount=st.integers(1000, 20000), noun=st.sampled_from(PAY))
    def test_pay_above_an_amount_is_a_salary_not_an_order(self, nlu: NLU, amount: int, noun: str) -> None:
        parse = nlu.parse(f"{noun}高于{amount}的工作", today=TODAY)
        assert "pay" not in parse.values("order")


class TestComparisonsAreNotSearched:
    """Free text is what names the work (印染, 纺织); words that compare, rank, choose or speak of pay are not,
    whether or not the NLU read them as an order."""

    @pytest.mark.parametrize(
        ("text", "words"),
        [("最轻松的纺织厂", ("纺织",)), ("比较稳定一点的印染厂", ("印染",)), ("哪家印染厂收入最高", ("印染",)),
         ("薪酬高一点的纺织厂", ("纺织",)), ("月薪更高的印染厂", ("印染",)), ("赚钱多的纺织厂，按工资排序", ("纺织",)),
         ("报酬好些的景点工作", ("景点",)), ("有没有其他好点的印染厂", ("印染",)), ("排名靠前的纺织厂", ("纺织",)),
         ("赚钱快的印染厂", ("印染",)), ("最新发布的纺织厂", ("纺织",)), ("哪个老板的纺织厂工资高", ("纺织",))],
    )
    def test_only_the_words_naming_the_work_are_searched(self, text: str, words: tuple[str, ...]) -> None:
        from flows.free_text import search_words

        assert search_words(text) == words

    @PROPERTIES
    @given(degree=st.sampled_from(["最", "更", "比较", "稍微", "很"]), word=st.sampled_from(
        ["高", "多", "好", "轻松", "稳定", "近", "便宜", "新"]), tail=st.sampled_from(["", "点", "一点", "一些"]),
        place=st.sampled_from(["纺织厂", "印染厂", "景点"]))
    def test_a_compared_word_is_never_searched(self, degree: str, word: str, tail: str, place: str) -> None:
        from flows.free_text import search_words

        assert search_words(f"有没有{degree}{word}{tail}的{place}") == (place.removesuffix("厂"),)
