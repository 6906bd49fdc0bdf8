"""Ranking postings against a search, without a database: fit, pay order, nearness, newest, benefits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from flows.ranking import BENEFIT_TERMS, ORDERS, SearchCriteria, offers, rank

DAY = datetime(2026, 3, 1, tzinfo=UTC)


@dataclass
class Job:
    title: str
    job_category: str = "普工"
    township: str | None = None
    city: str = "峨眉山市"
    province: str = "四川"
    salary_min: int | None = None
    salary_max: int | None = None
    salary_unit: str = "month"
    benefits: str = ""
    created_at: datetime = DAY


JOBS = [
    Job("newest", township="双福镇", salary_min=3000, salary_max=3500, created_at=DAY + timedelta(days=3)),
    Job("best paid", township="符溪镇", salary_min=6000, salary_max=8000, benefits="包吃住，五险"),
    Job("daily", township="双福镇", salary_min=200, salary_max=260, salary_unit="day", benefits="包午饭，免费住宿",
        created_at=DAY + timedelta(days=1)),
    Job("piece", township="龙池镇", salary_min=25, salary_max=60, salary_unit="piece", created_at=DAY + timedelta(days=2)),
]


def titles(criteria: SearchCriteria, township: str | None = None) -> list[str]:
    return [job.title for job in rank(JOBS, criteria, township=township)]  # type: ignore[misc]


def test_higher_pay_first_compares_day_and_month_pay() -> None:
    assert titles(SearchCriteria(order="pay")) == ["best paid", "daily", "newest", "piece"]


def test_newest_first() -> None:
    assert titles(SearchCriteria(order="newest")) == ["newest", "piece", "daily", "best paid"]


def test_near_puts_the_workers_township_first_then_the_nearest_then_elsewhere() -> None:
    away = Job("in Ningbo", city="宁波", province="浙江", salary_min=9000, salary_max=9000)
    km = {frozenset(("龙池镇", "双福镇")): 25.0, frozenset(("龙池镇", "符溪镇")): 30.0}
    near = [job.title for job in rank([away, *JOBS], SearchCriteria(order="near"), township="龙池镇",  # type: ignore[misc]
                                      distance=lambda a, b: km.get(frozenset((a, b))))]
    assert near == ["piece", "daily", "newest", "best paid", "in Ningbo"]  # 双福镇 25 km: better paid first
    # Without the worker's township: the county's postings first, in their usual order.
    unknown = [job.title for job in rank([away, *JOBS], SearchCriteria(order="near"))]  # type: ignore[misc]
    assert unknown[-1] == "in Ningbo" and unknown[:-1] == titles(SearchCriteria())


def test_benefits_filter_by_what_the_posting_offers() -> None:
    assert titles(SearchCriteria(benefits=("包吃住",))) == ["best paid", "daily"]  # lodging and a meal
    assert titles(SearchCriteria(benefits=("包吃住", "五险"))) == ["best paid"]
    assert not offers(JOBS[0], ["日结"])  # type: ignore[arg-type]


def test_refined_replaces_named_kinds_and_keeps_the_rest() -> None:
    @dataclass
    class E:
        entity: str
        value: object

    base = SearchCriteria(categories=("采茶工",), places=("双福镇",), benefits=("五险",))
    refined = base.refined([E("location", "符溪镇"), E("order", "pay"), E("benefit", "包吃住")])
    assert refined == SearchCriteria(categories=("采茶工",), places=("符溪镇",), benefits=("五险", "包吃住"), order="pay")
    assert base.refined([E("order", "sideways")]) == base  # an order the ranking does not know changes nothing


@given(
    st.lists(st.sampled_from(["采茶工", "普工"]), max_size=2), st.lists(st.sampled_from(["双福镇", "浙江"]), max_size=2),
    st.one_of(st.none(), st.floats(min_value=0, max_value=20000)), st.sampled_from(["month", "day", "hour", "piece"]),
    st.lists(st.sampled_from(sorted(BENEFIT_TERMS)), max_size=3, unique=True), st.sampled_from(ORDERS),
)
def test_criteria_survive_the_context(categories: list[str], places: list[str], min_pay: float | None, unit: str,
                                      benefits: list[str], order: str) -> None:
    criteria = SearchCriteria(tuple(categories), tuple(places), min_pay, unit, tuple(benefits), order)
    assert SearchCriteria.from_dict(criteria.to_dict()) == criteria


def test_damaged_criteria_fall_back_to_defaults() -> None:
    assert SearchCriteria.from_dict({"order": "sideways", "min_pay": "lots", "benefits": ["free lunch"]}) \
        == SearchCriteria()
