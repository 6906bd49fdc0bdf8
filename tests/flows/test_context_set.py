"""The 34 multi-turn conversations of tests/data/context_dialogues.yaml, scored turn by turn on the demo county.

Before dialogue context existed, 7 of them passed (0.206; turn success 0.592); docs/BENCHMARKS.md has the figures.
"""

from __future__ import annotations

from tests.flows.context_set import rates, score


async def test_every_conversation_passes(trained_nlu) -> None:  # type: ignore[no-untyped-def]
    outcomes = await score(trained_nlu)
    print(rates(outcomes))
    assert [f"{o.name}: {f}" for o in outcomes for f in o.failures] == []
