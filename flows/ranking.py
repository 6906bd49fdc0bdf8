"""Pure ranking of postings against what a worker asked for: testable without a database or a clock."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from storage.pay import HOURS_PER_DAY, WORKING_DAYS_PER_MONTH, monthly

__all__ = ["HOURS_PER_DAY", "WORKING_DAYS_PER_MONTH", "SearchCriteria", "monthly", "pays_enough", "rank", "score"]


class PostingLike(Protocol):
    job_category: str
    township: str | None
    city: str
    province: str
    salary_min: int | None
    salary_max: int | None
    salary_unit: str
    created_at: datetime


@dataclass(frozen=True)
class SearchCriteria:
    """What a job question asked for, from the NLU's entities."""

    categories: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    min_pay: float | None = None  # in `pay_unit`
    pay_unit: str = "month"

    @classmethod
    def from_entities(cls, entities: Iterable[Any]) -> SearchCriteria:
        categories: list[str] = []
        places: list[str] = []
        min_pay: float | None = None
        unit = "month"
        for entity in entities:
            if entity.entity == "job_category" and entity.value not in categories:
                categories.append(str(entity.value))
            elif entity.entity == "location" and entity.value not in places:
                places.append(str(entity.value))
            elif entity.entity == "salary" and isinstance(entity.value, dict):
                min_pay = entity.value.get("min") or entity.value.get("max")
                unit = entity.value.get("unit") or "month"
        return cls(tuple(categories), tuple(places), min_pay, unit)


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


def rank(postings: Sequence[PostingLike], criteria: SearchCriteria) -> list[PostingLike]:
    """The postings that fit, best first, newest first among equals."""
    fitting = [p for p in postings if pays_enough(p, criteria)]
    return sorted(fitting, key=lambda p: (-score(p, criteria), -p.created_at.timestamp()))
