"""What a job question asked for (`SearchCriteria`), without a database: a follow-up refines it, and it survives
the dialogue context and button arguments as a dict. The search itself is storage's (tests/storage/test_search.py)."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from flows.ranking import ORDERS, SearchCriteria
from storage.attributes import ATTRIBUTES


@dataclass
class E:
    entity: str
    value: object


def test_refined_replaces_named_kinds_adds_attributes_and_keeps_the_rest() -> None:
    base = SearchCriteria(categories=("采茶工",), places=("双福镇",), attributes=("五险",), age=52, words=("茶园",))
    refined = base.refined([E("location", "符溪镇"), E("order", "pay"), E("job_attribute", "包吃住")])
    assert refined == SearchCriteria(categories=("采茶工",), places=("符溪镇",), attributes=("五险", "包吃住"), age=52,
                                     words=("茶园",), order="pay")
    assert base.refined([E("order", "sideways")]) == base  # an order the search does not know changes nothing
    assert base.refined([E("job_attribute", "五险")]) == base  # an attribute already asked for is not repeated
    assert base.refined([], ["夜班"]).words == ("夜班",)  # free words said again replace the old ones


def test_a_pay_level_and_an_age_replace_the_old_ones() -> None:
    base = SearchCriteria(min_pay=3000, age=40, any_age=True)
    refined = base.refined([E("salary", {"min": 200, "unit": "day"}), E("age", 55)])
    assert (refined.min_pay, refined.pay_unit, refined.age, refined.any_age) == (200, "day", 55, False)


def test_an_attribute_the_vocabulary_does_not_know_is_not_a_criterion() -> None:
    assert SearchCriteria().refined([E("job_attribute", "年终奖")]) == SearchCriteria()


@given(
    st.lists(st.sampled_from(["采茶工", "普工"]), max_size=2, unique=True),
    st.lists(st.sampled_from(["双福镇", "浙江"]), max_size=2, unique=True),
    st.one_of(st.none(), st.floats(min_value=0, max_value=20000)), st.sampled_from(["month", "day", "hour", "piece"]),
    st.lists(st.sampled_from([a.name for a in ATTRIBUTES]), max_size=3, unique=True),
    st.one_of(st.none(), st.integers(min_value=16, max_value=80)), st.booleans(),
    st.lists(st.text(min_size=1, max_size=6), max_size=3), st.sampled_from(ORDERS),
)
def test_criteria_survive_the_context(categories: list[str], places: list[str], min_pay: float | None, unit: str,
                                      attributes: list[str], age: int | None, any_age: bool, words: list[str],
                                      order: str) -> None:
    criteria = SearchCriteria(tuple(categories), tuple(places), min_pay, unit, tuple(attributes), age, any_age,
                              tuple(words), order)
    assert SearchCriteria.from_dict(criteria.to_dict()) == criteria


def test_damaged_criteria_fall_back_to_defaults() -> None:
    damaged = {"order": "sideways", "min_pay": "lots", "attributes": ["free lunch"], "age": "old", "benefits": ["包吃住"]}
    assert SearchCriteria.from_dict(damaged) == SearchCriteria()
