"""One entity per stretch of text: overlapping entities from different extractors resolved by one rule.

The rule: the longest span wins; between spans of the same length, the kind earlier in `PRIORITY` wins (a kind
not listed, such as one a newly added extractor brings, comes after the listed ones); then the leftmost. So 五一村
is a village, not the date 五一; 13812345678 is a phone, never a salary; 电工培训 is one training, not a job too.
The engine applies it to every parse, whatever extractors the pipeline lists.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from typing import Protocol, TypeVar

PRIORITY: tuple[str, ...] = ("phone", "salary", "date", "policy", "training", "job_category", "location")


class _Span(Protocol):
    entity: str
    start: int
    end: int


S = TypeVar("S", bound=_Span)


def resolve_overlaps(entities: Sequence[S], priority: Sequence[str] = PRIORITY) -> list[S]:
    """The entities that survive the rule, in text order; empty spans are dropped."""
    rank = {kind: i for i, kind in enumerate(priority)}
    order = sorted((e for e in entities if e.end > e.start),
                   key=lambda e: (-(e.end - e.start), rank.get(e.entity, len(rank)), e.start))
    starts: list[int] = []  # the kept spans, sorted and disjoint, as parallel lists of starts and ends
    ends: list[int] = []
    kept: list[S] = []
    for entity in order:
        i = bisect_right(starts, entity.start)
        if i and ends[i - 1] > entity.start or i < len(starts) and starts[i] < entity.end:
            continue
        starts.insert(i, entity.start)
        ends.insert(i, entity.end)
        kept.insert(i, entity)
    return kept
