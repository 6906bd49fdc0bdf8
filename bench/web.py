"""Benchmark the staff console's pages: time to answer each page (server-side render, over loopback HTTP) on the
demo county and with 100,000 workers. The budget (issue #14): ≤ 200 ms on the demo, ≤ 1 s with 100,000 workers.

Each page is requested `--repeat` times after one warm-up request, as an admin or a secretary signed in through a
session row (no password hashing in the loop); p50 and p95 of the wall time in milliseconds, and the p50 of the
CPU time this process spent per request (server and client; on SQLite that includes every query, so it does not
grow when other processes crowd the machine — the load average is printed beside each line). The 100,000-worker county is the demo
plus synthetic workers spread over its townships and secretaries, each with a follow-up, categories, service
contacts and (some) status changes. SQLite by default; `--postgres` also runs it on PostgreSQL
(MISHU_BENCH_POSTGRES_URL, else a throwaway server like the tests').

    python -m bench web [--workers 100000] [--repeat 20] [--postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, insert, select, text

from bot.app import flow_settings
from bot.http import http_application
from bot.settings import load_settings
from bot.web.access import SESSION_COOKIE
from bot.web.app import sign_in_policy
from flows.signin import open_session
from storage.db import Database
from storage.demo import load_demo
from storage.migrate import upgrade
from storage.models import (
    FollowUp,
    Person,
    SecretaryCoverage,
    ServiceRecord,
    StaffAccount,
    StatusChange,
    WorkerCategory,
    WorkerProfile,
)
from storage.queries.staff import staff_by_identity
from storage.states import EmploymentStatus, FollowUpKind, FollowUpOutcome, FollowUpState, Role
from storage.vocabulary import job_categories, townships, villages

ZONE = ZoneInfo("Asia/Shanghai")
CHUNK = 5000
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "秀英桂英秀兰玉兰桂兰明华建国建华志强志明德明红梅海燕春梅金凤小红文华永红国强丽华"
STATUSES = ([EmploymentStatus.SEEKING] * 70 + [EmploymentStatus.PLACED] * 15 + [EmploymentStatus.TRAINING] * 10
            + [EmploymentStatus.NOT_SEEKING] * 3 + [EmploymentStatus.UNREACHABLE] * 2)
ORIGINS = ["浙江", "广东", "福建", "江苏", "上海", "新疆", None, None]


def pages(ids: dict[str, int]) -> list[tuple[str, str, str]]:
    """(name, who, path): the pages a day in the console opens."""
    return [
        ("overview", "admin", "/console/"),  # counted once, then served from the figures cache
        ("overview_fresh", "admin", "/console/?fresh=1"),  # counted on every request: the cold cost
        ("overview_township", "admin", "/console/?township=符溪镇&fresh=1"),
        ("workers", "admin", "/console/workers"),
        ("workers_filtered", "admin", "/console/workers?township=符溪镇&status=seeking&category=采茶工"),
        ("workers_search", "admin", "/console/workers?q=%E5%88%98"),  # 刘
        ("workers_last_page", "admin", "/console/workers?page=40"),
        ("workers_secretary", "secretary", "/console/workers"),
        ("worker_card", "secretary", f"/console/workers/{ids['worker']}"),
        ("followups_secretary", "secretary", "/console/followups"),
        ("followups_admin", "admin", "/console/followups"),
        ("audit", "admin", "/console/audit"),
        ("policies", "secretary", "/console/policies"),
    ]


async def grow(db: Database, workers: int, now: datetime) -> int:
    """Add synthetic workers (with follow-ups, categories, contacts, status changes) to the demo county."""
    rng = random.Random(14)
    async with db.session() as session:
        first = int((await session.execute(select(func.max(Person.id)))).scalar() or 0) + 1
        have = int((await session.execute(select(func.count()).select_from(WorkerProfile))).scalar() or 0)
        covers: dict[str, list[int]] = {}
        for sid, township in (await session.execute(select(SecretaryCoverage.secretary_id,
                                                           SecretaryCoverage.township))).all():
            covers.setdefault(township, []).append(sid)
    places = [(t, villages(t) or [t]) for t in townships()]
    categories = list(job_categories())
    to_add = max(0, workers - have)
    for start in range(0, to_add, CHUNK):
        ids = range(first + start, first + min(to_add, start + CHUNK))
        people, profiles, kinds, followups, changes, contacts = [], [], [], [], [], []
        for i in ids:
            township, its_villages = places[i % len(places)]
            secretary = covers[township][i % len(covers[township])] if township in covers else None
            registered = now - timedelta(days=rng.randint(0, 180), minutes=rng.randint(0, 1440))
            status = rng.choice(STATUSES)
            wanted = rng.sample(categories, 2)
            people.append({"id": i, "role": Role.WORKER, "name": rng.choice(SURNAMES) + rng.choice(GIVEN[::2]) +
                           rng.choice(GIVEN[1::2]), "phone": f"139{i:08d}"[-11:], "township": township,
                           "village": rng.choice(its_villages), "reachable": True, "created_at": registered})
            origin = rng.choice(ORIGINS)
            profiles.append({"person_id": i, "status": status, "skills": wanted[:1], "wanted_categories": wanted,
                             "subscribed": True, "digest_mode": False, "is_returnee": origin is not None,
                             "returnee_origin": origin, "hardest_hit": False, "secretary_id": secretary,
                             "registered_at": registered})
            kinds += [{"person_id": i, "category": c, "wanted": True} for c in wanted]
            done = rng.random() < 0.3
            due = now + timedelta(days=rng.uniform(-20, 30))
            followups.append({"worker_id": i, "secretary_id": secretary, "kind": FollowUpKind.SEEKING,
                              "due_at": due,
                              "state": FollowUpState.DONE if done else FollowUpState.PENDING,
                              "outcome": FollowUpOutcome.SEEKING if done else None,
                              "completed_at": due if done else None, "prompts_sent": 0, "note": "",
                              "created_at": registered})
            if status != EmploymentStatus.SEEKING:
                changes.append({"worker_id": i, "old_status": EmploymentStatus.SEEKING, "new_status": status, "reason": "bench",
                                "created_at": registered + timedelta(days=rng.randint(1, 30))})
            contacts += [{"person_id": i, "channel": rng.choice(["telegram", "telegram", "phone", "in_person"]),
                          "kind": "job_search", "chat_type": "private",
                          "created_at": now - timedelta(days=rng.uniform(0, 90))} for _ in range(2)]
        async with db.session() as session:
            await session.execute(insert(Person), people)
            await session.execute(insert(WorkerProfile), profiles)
            await session.execute(insert(WorkerCategory), kinds)
            await session.execute(insert(FollowUp), followups)
            await session.execute(insert(StatusChange), changes)
            await session.execute(insert(ServiceRecord), contacts)
    if not db.is_sqlite:
        async with db.engine.begin() as conn:
            for table in ("person", "follow_up", "status_change", "service_record", "worker_category"):
                await conn.execute(text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))"))
            await conn.execute(text("ANALYZE"))
    return to_add


async def measure(db: Database, repeat: int, now: datetime) -> dict[str, tuple[float, float, float]]:
    settings = load_settings(database__url=db.describe())
    policy = sign_in_policy(settings)
    cookies: dict[str, str] = {}
    ids: dict[str, int] = {}
    async with db.session() as session:
        for who, terminal_id in (("admin", "admin1"), ("secretary", "sec1")):
            person = await staff_by_identity(session, "terminal", terminal_id)
            assert person is not None, "the demo county is missing"
            if await session.get(StaffAccount, person.id) is None:
                session.add(StaffAccount(person_id=person.id, login=terminal_id, created_at=now))
            opened = await open_session(session, person, client="bench", now=now, policy=policy)
            cookies[who] = opened.token
            if who == "secretary":
                worker = (await session.execute(
                    select(WorkerProfile.person_id).where(WorkerProfile.secretary_id == person.id).limit(1))).scalar()
                ids["worker"] = int(worker or 0)
    application = http_application(db, settings, flow_settings(settings), clock=lambda: now)
    results: dict[str, tuple[float, float, float]] = {}
    async with TestClient(TestServer(application)) as client:
        for name, who, path in pages(ids):
            headers = {"Cookie": f"{SESSION_COOKIE}={cookies[who]}"}
            timings, cpu = [], []
            for n in range(repeat + 1):
                started, started_cpu = time.perf_counter(), time.process_time()
                response = await client.get(path, headers=headers, allow_redirects=False)
                await response.read()
                elapsed = (time.perf_counter() - started) * 1000
                assert response.status == 200, f"{path}: {response.status}"
                if n:  # the first request warms caches (templates, catalogues)
                    timings.append(elapsed)
                    cpu.append((time.process_time() - started_cpu) * 1000)
            timings.sort()
            p50 = statistics.median(timings)
            p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
            results[name] = (round(p50, 1), round(p95, 1), round(statistics.median(cpu), 1))
            print(f"  {name:22s} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   cpu p50 {statistics.median(cpu):7.1f} ms"
                  f"   (load {os.getloadavg()[0]:.1f})", file=sys.stderr)
    return results


async def run(url: str, workers: int, repeat: int, label: str) -> dict[str, float]:
    db = Database(url)
    await upgrade(db)
    now = datetime.now(UTC).replace(microsecond=0)
    figures: dict[str, float] = {}
    try:
        started = time.perf_counter()
        await load_demo(db, today=now.astimezone(ZONE).date())
        print(f"{label}: demo county loaded in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        for name, (p50, p95, cpu) in (await measure(db, repeat, now)).items():
            figures[f"{label}demo_{name}_p50_ms"], figures[f"{label}demo_{name}_p95_ms"] = p50, p95
            figures[f"{label}demo_{name}_cpu_ms"] = cpu
        started = time.perf_counter()
        added = await grow(db, workers, now)
        print(f"{label}: {added:,} workers added in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        for name, (p50, p95, cpu) in (await measure(db, max(5, repeat // 2), now)).items():
            figures[f"{label}big_{name}_p50_ms"], figures[f"{label}big_{name}_p95_ms"] = p50, p95
            figures[f"{label}big_{name}_cpu_ms"] = cpu
    finally:
        await db.dispose()
    return figures


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench web")
    parser.add_argument("--workers", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="mishu-bench-web-"))
    figures: dict[str, object] = {"workers": args.workers, "repeat": args.repeat,
                                  "load_1min_at_start": round(os.getloadavg()[0], 1)}
    figures.update(asyncio.run(run(f"sqlite:///{folder / 'web.db'}", args.workers, args.repeat, "")))
    if args.postgres:
        from bench.followups import postgres_url

        url, server = postgres_url()
        try:
            if url is not None:
                base = url.rsplit("/", 1)[0]

                async def create() -> None:
                    admin = Database(url)
                    async with admin.engine.connect() as conn:
                        await conn.execution_options(isolation_level="AUTOCOMMIT")
                        await conn.execute(text('DROP DATABASE IF EXISTS "bench_web"'))
                        await conn.execute(text('CREATE DATABASE "bench_web"'))
                    await admin.dispose()

                asyncio.run(create())
                figures.update(asyncio.run(run(f"{base}/bench_web", args.workers, args.repeat, "pg_")))
        finally:
            if server is not None:
                server.stop()  # type: ignore[attr-defined]
    budget_demo = max(v for k, v in figures.items() if k.startswith("demo_") and k.endswith("_p95_ms"))
    budget_big = max(v for k, v in figures.items() if k.startswith("big_") and k.endswith("_p95_ms"))
    figures["worst_demo_p95_ms"], figures["worst_big_p95_ms"] = budget_demo, budget_big
    figures["load_1min_at_end"] = round(os.getloadavg()[0], 1)
    print(json.dumps(figures, ensure_ascii=False))
    return 0
