"""Benchmark matching: one posting against 100,000 and 1,000,000 worker profiles, on SQLite or PostgreSQL.

What is timed is what `push_posting` does before it writes: the SQL prefilter (`candidate_rows`: seeking,
subscribed, not paused, reachable, wanting or knowing the category, not pushed it before, under the daily cap)
over the worker_category index, plus the vectorised score and the top-quota selection (`Candidates.from_rows`, `best_matches`).
Synthetic county-shaped workers: 70 % seeking, 90 % subscribed, 1–2 wanted categories of 26 (tea picking
three times as common), 18 townships. `--backend postgresql` starts a throwaway server (tests/pg_server.py)
unless `--db` gives one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import yaml
from sqlalchemy import text

from flows.matching import Candidates, PostingFacts, best_matches, county_geography
from flows.push import PushPolicy, quota
from storage.db import Database
from storage.migrate import upgrade
from storage.models import ChannelIdentity, Enterprise, Person, Posting, WorkerProfile
from storage.queries.push import candidate_rows
from storage.states import EmploymentStatus, Role
from storage.worker_index import index_unindexed

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
TODAY = date(2026, 3, 2)
CHUNK = 20_000
ROUNDS = 3
# (title, category, township or None for outside the county, city, openings, salary min, max, unit)
POSTINGS = [
    ("春茶采摘工", "采茶工", "双福镇", "峨眉山市", 80, 120, 160, "day"),
    ("印染车间普工", "普工", None, "绍兴", 30, 5000, 6500, "month"),
    ("客房服务员", "服务员", "峨山街道", "峨眉山市", 5, 2800, 3200, "month"),
    ("电焊工", "电焊工", "九里镇", "峨眉山市", 10, 6000, 8000, "month"),
    ("保洁员", "保洁", "绥山镇", "峨眉山市", 8, 1800, 2200, "month"),
]


def categories() -> list[str]:
    data = yaml.safe_load((ROOT / "storage" / "demo" / "job_categories.yaml").read_text(encoding="utf-8"))
    return list(data)


def worker_rows(start: int, count: int, rng: random.Random) -> tuple[list[dict], list[dict], list[dict]]:
    cats = categories()
    weights = [3 if c == "采茶工" else 1 for c in cats]
    towns = list(county_geography().names)
    people, profiles, identities = [], [], []
    for pid in range(start, start + count):
        people.append({"id": pid, "role": Role.WORKER, "name": "", "township": rng.choice(towns) if rng.random() > .05
                       else None, "reachable": rng.random() > .03, "created_at": NOW,
                       "forgotten_at": NOW if rng.random() < .005 else None})
        wanted = list(dict.fromkeys(rng.choices(cats, weights, k=rng.choice((1, 1, 2)))))
        profiles.append({
            "person_id": pid,
            "status": rng.choices((EmploymentStatus.SEEKING, EmploymentStatus.PLACED, EmploymentStatus.TRAINING,
                                EmploymentStatus.NOT_SEEKING), (70, 20, 5, 5))[0],
            "skills": rng.sample(cats, rng.choice((0, 1, 1, 2))),
            "wanted_categories": wanted,
            "min_monthly_pay": None if rng.random() < .3 else rng.randrange(2000, 6001, 500),
            "available_from": None if rng.random() < .5 else TODAY + timedelta(days=rng.randint(-30, 60)),
            "birth_year": None if rng.random() < .1 else rng.randint(1960, 2004),
            "is_returnee": rng.random() < .6, "hardest_hit": rng.random() < .13,
            "subscribed": rng.random() < .9,
            "paused_until": NOW + timedelta(days=3) if rng.random() < .03 else None,
            "digest_mode": rng.random() < .1, "registered_at": NOW,
        })
        identities.append({"id": pid, "person_id": pid, "channel": "telegram", "external_id": str(pid),
                           "chat_id": str(pid) if rng.random() > .05 else None, "display_name": "",
                           "created_at": NOW})
    return people, profiles, identities


async def add_workers(db: Database, start: int, count: int, rng: random.Random) -> None:
    for offset in range(0, count, CHUNK):
        people, profiles, identities = worker_rows(start + offset, min(CHUNK, count - offset), rng)
        async with db.session() as session:
            await session.execute(Person.__table__.insert(), people)
            await session.execute(WorkerProfile.__table__.insert(), profiles)
            await session.execute(ChannelIdentity.__table__.insert(), identities)
    async with db.session() as session:
        await index_unindexed(session)  # bulk SQL bypasses the ORM hook, as a bulk import would
    async with db.engine.begin() as conn:
        await conn.execute(text("ANALYZE"))


async def add_postings(db: Database) -> list[int]:
    ids = []
    async with db.session() as session:
        enterprise = Enterprise(name="基准测试企业", township="双福镇")
        session.add(enterprise)
        await session.flush()
        for title, cat, town, city, openings, low, high, unit in POSTINGS:
            posting = Posting(enterprise_id=enterprise.id, title=title, job_category=cat, township=town, city=city,
                              openings=openings, salary_min=low, salary_max=high, salary_unit=unit, created_at=NOW)
            session.add(posting)
            await session.flush()
            ids.append(posting.id)
    return ids


async def match_once(db: Database, posting_id: int, policy: PushPolicy) -> tuple[float, int, int]:
    """Milliseconds for prefilter + score + selection of one posting; candidates; matches."""
    geo = county_geography()
    start = time.perf_counter()
    async with db.session() as session:
        posting = await session.get(Posting, posting_id)
        assert posting is not None
        rows = await candidate_rows(session, posting, now=NOW, digest=False, daily_cap=policy.daily_cap_per_worker,
                                    duplicate_window=timedelta(days=policy.duplicate_window_days))
    candidates = Candidates.from_rows(rows, geo)
    limit = quota(posting.openings, policy.max_per_opening, 0)
    matches = best_matches(PostingFacts.of(posting), candidates, TODAY, policy.rules, geo, limit=limit)
    return (time.perf_counter() - start) * 1000, len(rows), len(matches)


async def measure(db: Database, postings: list[int], label: str) -> float:
    policy = PushPolicy()
    times: list[float] = []
    for _ in range(ROUNDS):
        for posting_id, spec in zip(postings, POSTINGS, strict=True):
            ms, found, matched = await match_once(db, posting_id, policy)
            times.append(ms)
            if _ == 0:
                print(f"  {label}: {spec[1]:>4} posting — {found} candidates after the SQL prefilter, "
                      f"{matched} pushed (quota), {ms:.0f} ms")
    p50 = statistics.median(times)
    print(f"{label}: p50 {p50:.1f} ms, max {max(times):.1f} ms over {len(times)} runs")
    return p50


async def run(url: str, backend: str) -> dict[str, object]:
    db = Database(url)
    await upgrade(db)
    rng = random.Random(2020)
    postings = await add_postings(db)
    started = time.perf_counter()
    await add_workers(db, 1, 100_000, rng)
    print(f"{backend}: 100,000 workers loaded in {time.perf_counter() - started:.0f} s")
    p50_100k = await measure(db, postings, "100k")
    started = time.perf_counter()
    await add_workers(db, 100_001, 900_000, rng)
    print(f"{backend}: 1,000,000 workers loaded in {time.perf_counter() - started:.0f} s more")
    p50_1m = await measure(db, postings, "1m")
    await db.dispose()
    return {"match_p50_ms_100k": round(p50_100k, 1), "match_p50_ms_1m": round(p50_1m, 1), "backend": backend}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench push", description=__doc__)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--db", help="an empty database URL (default: a temporary SQLite file or PostgreSQL server)")
    args = parser.parse_args(argv)
    backend = "postgresql" if (args.db or "").startswith("postgres") else args.backend
    if args.db:
        figures = asyncio.run(run(args.db, backend))
    elif backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            figures = asyncio.run(run(f"sqlite:///{Path(folder) / 'bench.db'}", backend))
    else:
        from tests.pg_server import PostgresServer

        server = PostgresServer().start()
        try:
            figures = asyncio.run(run(server.url, backend))
        finally:
            server.stop()
    print(json.dumps(figures, ensure_ascii=False))
    return 0
