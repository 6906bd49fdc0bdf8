"""Pure ranking of postings against what a worker asked for: testable without a database or a clock."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

# A working month, to compare day and hourly pay with a monthly minimum.
WORKING_DAYS_PER_MONTH = 26
HOURS_PER_DAY = 8


class PostingLike(Protocol):
    job_category: str
    township: str | None
    city: str
    province: str
    salary_min: int | None
    salary_max: int | None
    salary_unit: str
    benefits: str
    created_at: datetime


ORDERS = ("relevance", "pay", "near", "newest")

# What a worker asking for a benefit wants to find in a posting's benefits text: every group must have a match.
# Keys are the NLU's canonical `benefit` values (nlu/data/dialogue.yml).
BENEFIT_TERMS: dict[str, tuple[tuple[str, ...], ...]] = {
    "包吃住": (("包吃住", "包住", "免费住宿", "住宿免费", "宿舍", "夫妻房"), ("包吃住", "包吃", "包午饭", "工作餐", "管饭")),
    "包住": (("包吃住", "包住", "免费住宿", "住宿免费", "宿舍", "夫妻房"),),
    "包吃": (("包吃住", "包吃", "包午饭", "工作餐", "管饭"),),
    "五险": (("五险", "社会保险", "社保"),),
    "日结": (("日结",),),
    "接送": (("接送", "交通补贴", "报销车费", "交通车"),),
    "夫妻房": (("夫妻房",),),
}


@dataclass(frozen=True)
class SearchCriteria:
    """What a job question asked for, from the NLU's entities (and, for a follow-up, the question before it)."""

    categories: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    min_pay: float | None = None  # in `pay_unit`
    pay_unit: str = "month"
    benefits: tuple[str, ...] = ()  # canonical benefit names, all wanted (BENEFIT_TERMS)
    order: str = "relevance"  # one of ORDERS: "pay" higher pay first, "near" in the county, nearest township first

    @classmethod
    def from_entities(cls, entities: Iterable[Any]) -> SearchCriteria:
        return cls().refined(entities)

    def refined(self, entities: Iterable[Any]) -> SearchCriteria:
        """These criteria with what the entities name put in: a named kind replaces the old values (benefits
        add up), kinds not named stay as they were."""
        categories: list[str] = []
        places: list[str] = []
        benefits: list[str] = list(self.benefits)
        changes: dict[str, Any] = {}
        for entity in entities:
            value = entity.value
            if entity.entity == "job_category" and value not in categories:
                categories.append(str(value))
            elif entity.entity == "location" and value not in places:
                places.append(str(value))
            elif entity.entity == "salary" and isinstance(value, dict) and (value.get("min") or value.get("max")):
                changes["min_pay"] = value.get("min") or value.get("max")
                changes["pay_unit"] = value.get("unit") or "month"
            elif entity.entity == "benefit" and value in BENEFIT_TERMS and value not in benefits:
                benefits.append(str(value))
            elif entity.entity == "order" and value in ORDERS:
                changes["order"] = str(value)
        if categories:
            changes["categories"] = tuple(categories)
        if places:
            changes["places"] = tuple(places)
        if benefits != list(self.benefits):
            changes["benefits"] = tuple(benefits)
        return replace(self, **changes) if changes else self

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe, for the dialogue context."""
        return {
            "categories": list(self.categories), "places": list(self.places), "min_pay": self.min_pay,
            "pay_unit": self.pay_unit, "benefits": list(self.benefits), "order": self.order,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SearchCriteria:
        """Criteria saved by `to_dict`; unknown or malformed parts fall back to the defaults."""
        min_pay = data.get("min_pay")
        order = data.get("order")
        return cls(
            categories=tuple(str(v) for v in data.get("categories") or ()),
            places=tuple(str(v) for v in data.get("places") or ()),
            min_pay=float(min_pay) if isinstance(min_pay, int | float) else None,
            pay_unit=str(data.get("pay_unit") or "month"),
            benefits=tuple(str(v) for v in data.get("benefits") or () if v in BENEFIT_TERMS),
            order=order if order in ORDERS else "relevance",
        )


def monthly(amount: float, unit: str) -> float:
    """Pay per month for comparison; piece rates cannot be compared and pass unchanged."""
    if unit == "day":
        return amount * WORKING_DAYS_PER_MONTH
    if unit == "hour":
        return amount * HOURS_PER_DAY * WORKING_DAYS_PER_MONTH
    return amount


def pays_enough(posting: PostingLike, criteria: SearchCriteria) -> bool:
    """Whether the posting can pay the asked minimum; '面议' (no figure) is kept, as it may."""
    if criteria.min_pay is None:
        return True
    best = posting.salary_max or posting.salary_min
    if best is None or posting.salary_unit == "piece" or criteria.pay_unit == "piece":
        return True
    return monthly(best, posting.salary_unit) >= monthly(criteria.min_pay, criteria.pay_unit)


def score(posting: PostingLike, criteria: SearchCriteria) -> float:
    """Higher is better: exact category and place first, then pay above the minimum."""
    value = 0.0
    if criteria.categories and posting.job_category in criteria.categories:
        value += 2.0
    if criteria.places and criteria.places[0] in (posting.township, posting.city, posting.province):
        value += 1.0
    if posting.salary_min or posting.salary_max:
        value += min(monthly(posting.salary_max or posting.salary_min or 0, posting.salary_unit) / 20000, 0.5)
    return value


def offers(posting: PostingLike, benefits: Iterable[str]) -> bool:
    """Whether the posting's benefits text offers every benefit asked for."""
    text = posting.benefits or ""
    return all(
        any(term in text for term in group) for name in benefits for group in BENEFIT_TERMS.get(name, ())
    )


def best_monthly_pay(posting: PostingLike) -> float:
    """The most the posting pays per month (0 when it names no figure or pays by the piece)."""
    best = posting.salary_max or posting.salary_min
    if best is None or posting.salary_unit == "piece":
        return 0.0
    return monthly(best, posting.salary_unit)


Distance = Callable[[str, str], float | None]


def rank(
    postings: Sequence[PostingLike], criteria: SearchCriteria, *, township: str | None = None,
    distance: Distance | None = None,
) -> list[PostingLike]:
    """The postings that fit, in the order asked for: best match first (newest among equals), higher pay first,
    newest first, or near: postings in the county before those elsewhere, and — with the worker's `township`
    — that township first, then the others by `distance` (km between two townships, None when unknown)."""
    fitting = [p for p in postings if pays_enough(p, criteria) and offers(p, criteria.benefits)]
    newest = sorted(fitting, key=lambda p: -p.created_at.timestamp())
    if criteria.order == "newest":
        return newest
    if criteria.order == "pay":
        return sorted(newest, key=lambda p: (-best_monthly_pay(p), -score(p, criteria)))
    relevant = sorted(newest, key=lambda p: -score(p, criteria))
    if criteria.order == "near":
        return sorted(relevant, key=lambda p: _remoteness(p, township, distance))
    return relevant


def _remoteness(posting: PostingLike, township: str | None, distance: Distance | None) -> tuple[int, float]:
    """Sort key for "near": the worker's township first, then the county's others by km (unknown last among
    them), then postings elsewhere."""
    if not posting.township:
        return 1, 0.0
    if township is None:
        return 0, 0.0
    if posting.township == township:
        return 0, -1.0
    km = distance(township, posting.township) if distance is not None else None
    return 0, km if km is not None else float("inf")
