"""Assigning and reassigning workers to secretaries: at registration, one worker, or all of a departing
secretary's workers.

`spread` is the pure decision (township coverage first, then the lightest load); the shells move the rows
and tell each worker who their new secretary is, through the outbox.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from flows.i18n import LANGUAGES, t
from flows.messages import Reply
from flows.notify import notify, recipient
from storage.models import Person
from storage.queries.cases import move_cases, profileless_cases_of
from storage.queries.followups import coverage, move_worker, people_by_id, secretary_loads, workers_of
from storage.queries.workers import SecretaryLoad
from storage.states import Role


def spread(
    workers: Sequence[tuple[int, str | None]], loads: Mapping[int, int], covers: Mapping[int, set[str]]
) -> dict[int, int]:
    """Worker id → secretary id: a secretary covering the worker's township if any, the lightest-loaded
    among those (ties: lowest id); the loads grow as workers are handed out, so the spread stays even."""
    if not loads:
        return {}
    load = dict(loads)
    result: dict[int, int] = {}
    for worker_id, township in workers:
        covering = [sid for sid in load if township and township in covers.get(sid, set())]
        pool = covering or list(load)
        chosen = min(pool, key=lambda sid: (load[sid], sid))
        result[worker_id] = chosen
        load[chosen] += 1
    return result


def choose_secretary(secretaries: Iterable[SecretaryLoad], township: str | None) -> int | None:
    """The secretary for one new worker (the same rule as `spread`); None when there is no secretary."""
    pool = list(secretaries)
    loads = {s.secretary_id: s.load for s in pool}
    covers = {s.secretary_id: set(s.townships) for s in pool}
    return spread([(0, township)], loads, covers).get(0)


async def tell_worker(session: AsyncSession, worker: Person, secretary: Person, *, now: datetime, settings: Any) -> bool:
    to = await recipient(session, worker.id)
    if to is None:
        return False
    language = worker.language if worker.language in LANGUAGES else getattr(settings, "default_language", "zh-hans")
    text = t("checkin.new_secretary", language, secretary=secretary.name or f"#{secretary.id}")
    # The purpose names the moment too: being moved back to an earlier secretary must be told again.
    return await notify(session, to, Reply(text=text), purpose=f"secretary:{secretary.id}:{now.isoformat()}",
                        about=(), not_before=now)


async def reassign_worker(
    session: AsyncSession, worker_id: int, secretary_id: int, *, now: datetime, settings: Any
) -> bool:
    """Give one worker (with open follow-ups and cases) to a secretary and tell the worker; False if not possible."""
    people = await people_by_id(session, (worker_id, secretary_id))
    worker, secretary = people.get(worker_id), people.get(secretary_id)
    if worker is None or secretary is None or secretary.role not in Role.STAFF:
        return False
    await move_worker(session, worker_id, secretary_id)
    await tell_worker(session, worker, secretary, now=now, settings=settings)
    return True


async def hand_over(session: AsyncSession, departing_id: int, *, now: datetime, settings: Any) -> dict[int, int]:
    """Spread all of a departing secretary's workers over the others; returns worker id → new secretary id."""
    workers = await workers_of(session, departing_id)
    plan = spread(workers, await secretary_loads(session, excluding=departing_id), await coverage(session))
    people = await people_by_id(session, [*plan, *plan.values()])
    for worker_id, secretary_id in plan.items():
        await move_worker(session, worker_id, secretary_id)
        await tell_worker(session, people[worker_id], people[secretary_id], now=now, settings=settings)
    # Requests from people who never registered go along too: the departing secretary's buttons on them stop.
    askers = await profileless_cases_of(session, departing_id)
    for person_id, secretary_id in spread(askers, await secretary_loads(session, excluding=departing_id),
                                          await coverage(session)).items():
        await move_cases(session, person_id, departing_id, secretary_id)
    return plan
