"""One entity per stretch of text: overlapping entities from different extractors resolved by one rule.

The rule: the longest span wins; between spans of the same length, the kind earlier in `PRIORITY` wins (a kind
not listed, such as one a newly added extractor brings, comes after the listed ones); then the leftmost. So 五一村
is a village, not the date 五一; 13812345678 is a phone, never a salary; 电工培训 is one training, not a job too.
The engine applies it to every parse, whatever extractors the pipeline lists.
"""

from __future__ import annotations

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
    kept: list[S] = []
    for entity in order:
        if all(entity.end <= k.start or k.end <= entity.start for k in kept):
            kept.append(entity)
    return sorted(kept, key=lambda e: (e.start, e.end))
