"""Benchmark the reader's script on the hot path: `in_script` on a whole job-search turn for a zh-hant reader.

A turn is built as the job flow says it: the heading with its filter and three posting cards made of the demo
county's job titles, enterprises and benefits (with their buttons), about 200 characters. Measured cold (the
piece cache emptied before each turn: every text converted from scratch) and warm (every piece seen before, as
when many people are shown the same postings); the other languages pass through untouched.
"""

from __future__ import annotations

import json
import random
import statistics
import time

from flows.i18n import _traditional_piece, in_script, t
from flows.messages import Button, Reply
from storage.demo.reference import data

TURNS = 300


def _cards() -> list[dict[str, str]]:
    """Posting texts in the demo county's words: titles, benefits and descriptions of every job category."""
    enterprises = [e["name"] for e in data("enterprises")]
    cards = []
    for category, spec in data("jobs").items():
        for title in spec["titles"]:
            if isinstance(title, str):
                cards.append({"category": category, "title": title.format(village="龙池村", township="龙池镇",
                                                                            city="绍兴"),
                              "benefits": "，".join(spec.get("benefits", [])[:2]), "enterprises": enterprises})
    return cards


def _turns(count: int) -> list[list[Reply]]:
    rng = random.Random(7)
    cards = _cards()
    turns = []
    for _ in range(count):
        first = rng.choice(cards)
        replies = [Reply(t("jobs.found", "zh-hant", total=rng.randint(3, 60),
                           filters=f"（{first['category']}、双福镇）"))]
        for card in rng.sample(cards, 3):
            text = t("jobs.card", "zh-hant", title=card["title"], enterprise=rng.choice(card["enterprises"]),
                     salary="140-170元/天", place=rng.choice(["黄湾镇", "绍兴", "桂花桥镇"]), openings=56,
                     benefits=card["benefits"])
            replies.append(Reply(text, [[Button(t("jobs.details", "zh-hant"), callback="a"),
                                         Button(t("jobs.apply", "zh-hant"), callback="b")]]))
        turns.append(replies)
    return turns


def _per_turn_ms(turns: list[list[Reply]], *, cold: bool) -> list[float]:
    times = []
    for replies in turns:
        if cold:
            _traditional_piece.cache_clear()
        start = time.perf_counter()
        for reply in replies:
            in_script(reply, "zh-hant")
        times.append((time.perf_counter() - start) * 1000)
    return times


def main(argv: list[str]) -> int:
    turns = _turns(TURNS)
    in_script(Reply("预热"), "zh-hant")  # OpenCC reads its dictionaries on first use (once per process)
    chars = statistics.mean(sum(len(r.text) for r in replies) for replies in turns)
    cold = _per_turn_ms(turns, cold=True)
    _per_turn_ms(turns, cold=False)  # fill the cache with every piece
    warm = _per_turn_ms(turns, cold=False)
    start = time.perf_counter()
    for replies in turns:
        for reply in replies:
            in_script(reply, "en")
    other_us = (time.perf_counter() - start) / len(turns) * 1e6
    print(f"{len(turns)} job-search turns of ~{chars:.0f} characters (4 replies, 6 buttons) for a zh-hant reader")
    figures = {
        "chars_per_turn": round(chars),
        "cold_ms_mean": round(statistics.mean(cold), 3),
        "cold_ms_p50": round(statistics.median(cold), 3),
        "cold_ms_p99": round(sorted(cold)[int(0.99 * (len(cold) - 1))], 3),
        "warm_ms_mean": round(statistics.mean(warm), 4),
        "warm_ms_p50": round(statistics.median(warm), 4),
        "warm_ms_p99": round(sorted(warm)[int(0.99 * (len(warm) - 1))], 4),
        "other_language_us": round(other_us, 2),
    }
    print(json.dumps(figures))
    return 0
