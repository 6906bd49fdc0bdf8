"""Benchmark the dialogue context: the multi-turn set's success rates, and what reading a message in context costs.

The set is tests/data/context_dialogues.yaml (34 conversations of 2–4 turns on the demo county), scored turn by
turn through the assistant as `mishu chat` runs it. The cost is `flows.dialogue.resolve` alone (the rules over a
parse; the context rides in the state row, so it adds no database statement), timed over every turn of the set.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from datetime import UTC, datetime

from flows.dialogue import Context, Shown, resolve
from flows.ranking import SearchCriteria
from tests.flows.context_set import load_dialogues, rates, score

ROUNDS = 200


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _resolve_cost(nlu: object) -> dict[str, float]:
    """Microseconds per `resolve` call on the set's follow-up turns, against a job list of three shown."""
    texts = [turn["say"] for d in load_dialogues() for turn in d["turns"][1:] if "say" in turn]
    parses = [nlu.parse(text) for text in texts]  # type: ignore[attr-defined]
    context = Context("jobs", SearchCriteria(categories=("采茶工",)).to_dict(), datetime.now(UTC),
                      Shown("jobs", tuple(range(1, 61)), 3))
    timings = []
    for _ in range(ROUNDS):
        for parse in parses:
            started = time.perf_counter()
            resolve(parse, context, parse.intent)
            timings.append((time.perf_counter() - started) * 1e6)
    return {"resolve_p50_us": round(statistics.median(timings), 1), "resolve_p99_us": round(_percentile(timings, 0.99), 1),
            "resolve_calls": len(timings)}


def main(argv: list[str]) -> int:
    from nlu import load_nlu

    nlu = load_nlu()
    started = time.perf_counter()
    outcomes = asyncio.run(score(nlu))
    elapsed = time.perf_counter() - started
    for outcome in outcomes:
        for failure in outcome.failures:
            print(f"✗ {outcome.name}: {failure}")
    figures = {**rates(outcomes), "set_seconds": round(elapsed, 1), **_resolve_cost(nlu)}
    print(json.dumps(figures, ensure_ascii=False))
    return 0
