"""Choosing a worker's secretary: a pure rule, tested without a database."""

from __future__ import annotations

from collections.abc import Iterable

from storage.queries.workers import SecretaryLoad


def choose_secretary(secretaries: Iterable[SecretaryLoad], township: str | None) -> int | None:
    """The secretary covering the worker's township with the fewest workers; else the least loaded overall.

    Ties go to the lower id, so the choice is stable and repeatable. None when there is no secretary.
    """
    pool = list(secretaries)
    if not pool:
        return None
    covering = [s for s in pool if township and township in s.townships]
    best = min(covering or pool, key=lambda s: (s.load, s.secretary_id))
    return best.secretary_id
