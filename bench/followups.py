"""Benchmark follow-ups at province-like scale: 100,000 workers with pending check-ins.

Figures: `due_scan_ms` — one due-scan claim (find, lock and mark a batch of due rows among all pending ones;
median over the batches of a full scan); `empty_scan_ms` — a scan when nothing is due (every minute, most of
the day); `prompts_per_s` — due check-ins turned into outbox messages (half asks to workers, half prompts to
secretaries with the worker's card); `duplicates_two_procs` — check-ins handled by both of two OS processes
scanning the same PostgreSQL database at once (PostgreSQL from MISHU_BENCH_POSTGRES_URL, else a throwaway
server like the tests'; SQLite when none can be started, said on stderr).

    python -m bench followups [--workers 100000] [--due 4000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, text

from flows.checkins import run_due_scan
from flows.turn import FlowSettings
from storage.db import Database
from storage.migrate import upgrade
from storage.models import ChannelIdentity, FollowUp, OutboxMessage, Person, WorkerProfile
from storage.queries.followups import claim_due
from storage.states import EmploymentStatus, FollowUpKind, FollowUpState, Role

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 5, 10, 0, tzinfo=ZONE).astimezone(UTC)  # a Thursday morning
SECRETARIES = 50
CHUNK = 5000
SETTINGS = FlowSettings()


async def seed(db: Database, workers: int, due: int) -> None:
    """`workers` workers, each with one pending check-in; `due` of them due now, the rest over the next 30 days.
    Every other due worker has no private chat (registered by an observer), so their check-in prompts the
    secretary with the card instead of asking the worker."""
    async with db.session() as session:
        secretaries = [{"id": i + 1, "role": Role.SECRETARY, "name": f"秘书{i + 1}", "reachable": True,
                        "created_at": NOW} for i in range(SECRETARIES)]
        await session.execute(insert(Person), secretaries)
        await session.execute(insert(ChannelIdentity), [
            {"person_id": s["id"], "channel": "terminal", "external_id": f"sec{s['id']}", "chat_id": f"sec{s['id']}",
             "display_name": "", "created_at": NOW} for s in secretaries])
    first = SECRETARIES + 1
    for start in range(0, workers, CHUNK):
        ids = range(first + start, first + min(workers, start + CHUNK))
        async with db.session() as session:
            await session.execute(insert(Person), [
                {"id": i, "role": Role.WORKER, "name": f"工人{i}", "phone": f"138{i:08d}", "township": "双福镇",
                 "reachable": True, "created_at": NOW} for i in ids])
            await session.execute(insert(ChannelIdentity), [
                {"person_id": i, "channel": "terminal", "external_id": f"w{i}",
                 "chat_id": None if (i - first) < due and (i - first) % 2 else f"w{i}", "display_name": "",
                 "created_at": NOW} for i in ids])
            await session.execute(insert(WorkerProfile), [
                {"person_id": i, "status": EmploymentStatus.SEEKING, "skills": [], "wanted_categories": [], "subscribed": True,
                 "digest_mode": False, "is_returnee": True, "hardest_hit": False,
                 "secretary_id": 1 + (i % SECRETARIES), "registered_at": NOW - timedelta(days=3)} for i in ids])
            await session.execute(insert(FollowUp), [
                {"worker_id": i, "secretary_id": 1 + (i % SECRETARIES), "kind": FollowUpKind.FIRST,
                 "state": FollowUpState.PENDING,
                 "prompts_sent": 0, "note": "", "created_at": NOW,
                 "due_at": NOW - timedelta(minutes=30) if (i - first) < due
                 else NOW + timedelta(minutes=10 + (i * 7919) % (30 * 24 * 60))} for i in ids])
    if not db.is_sqlite:
        async with db.engine.begin() as conn:
            await conn.execute(text("SELECT setval('person_id_seq', (SELECT max(id) FROM person))"))
            await conn.execute(text("ANALYZE"))


async def measure_scan(db: Database, batch: int) -> tuple[float, float]:
    """Median claim time over the batches of one full scan, then the time of a scan finding nothing."""
    timings = []
    claimed = 0
    while True:
        start = time.perf_counter()
        async with db.session() as session:
            ids = await claim_due(session, now=NOW, claimer="measure", lease_until=NOW - timedelta(seconds=1),
                                  limit=batch)
        timings.append((time.perf_counter() - start) * 1000)
        claimed += len(ids)
        if not ids or len(timings) > 1000:
            break
    empty = timings.pop()  # the last claim found nothing
    # The lease above is already over, so the rows are free again for the real scans.
    return statistics.median(timings) if timings else empty, empty


async def process(db: Database, batch: int) -> tuple[int, float]:
    start = time.perf_counter()
    report = await run_due_scan(db, now=NOW, settings=SETTINGS, claimer="bench", batch=batch)
    return report.total, time.perf_counter() - start


async def single(url: str, workers: int, due: int, batch: int) -> dict[str, float]:
    db = Database(url)
    await upgrade(db)
    start = time.perf_counter()
    await seed(db, workers, due)
    print(f"seeded {workers} workers with pending check-ins ({due} due) in {time.perf_counter() - start:.1f} s",
          file=sys.stderr)
    scan_ms, empty_ms = await measure_scan(db, batch)
    handled, seconds = await process(db, batch)
    async with db.session() as session:
        pending = (await session.execute(
            select(func.count()).select_from(FollowUp).where(FollowUp.state != FollowUpState.DONE))).scalar() or 0
        messages = (await session.execute(select(func.count()).select_from(OutboxMessage))).scalar() or 0
    _, empty_after_ms = await measure_scan(db, batch)
    await db.dispose()
    return {"pending": int(pending), "handled": handled, "messages": int(messages),
            "due_scan_ms": round(scan_ms, 2), "empty_scan_ms": round(min(empty_ms, empty_after_ms), 2),
            "prompts_per_s": round(messages / seconds, 1)}


def two_processes(url: str, workers: int, due: int, batch: int) -> dict[str, int]:
    """Seed, then start two OS processes that scan the same rows at the same moment; count overlaps."""

    async def prepare() -> None:
        db = Database(url)
        await upgrade(db)
        await seed(db, workers, due)
        await db.dispose()

    asyncio.run(prepare())
    folder = Path(tempfile.mkdtemp(prefix="mishu-bench-"))
    go = time.time() + 4  # both start scanning at this wall-clock moment, after their imports
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    procs = [
        subprocess.Popen([sys.executable, "-m", "bench", "followups", "--claimer", name, "--url", url,
                          "--out", str(folder / name), "--go", str(go), "--batch", str(batch)], env=env)
        for name in ("one", "two")
    ]
    for proc in procs:
        if proc.wait(timeout=900) != 0:
            raise SystemExit("a scanning process failed")
    handled = [set(json.loads((folder / name).read_text())) for name in ("one", "two")]

    async def count() -> int:
        db = Database(url)
        async with db.session() as session:
            n = (await session.execute(select(func.count()).select_from(OutboxMessage))).scalar() or 0
        await db.dispose()
        return int(n)

    messages = asyncio.run(count())
    print(f"two processes: {len(handled[0])} + {len(handled[1])} check-ins handled, {messages} messages",
          file=sys.stderr)
    return {"duplicates_two_procs": len(handled[0] & handled[1]),
            "two_procs_handled": len(handled[0] | handled[1]), "two_procs_messages": messages,
            "two_procs_split": min(len(h) for h in handled)}


async def claimer_process(url: str, claimer: str, out: str, go: float, batch: int) -> None:
    db = Database(url)
    async with db.session() as session:  # connect before the start line
        await session.execute(select(1))
    time.sleep(max(0.0, go - time.time()))
    report = await run_due_scan(db, now=NOW, settings=SETTINGS, claimer=claimer, batch=batch, keep_log=True)
    Path(out).write_text(json.dumps([fid for fid, _ in report.handled or []]))
    await db.dispose()


def postgres_url() -> tuple[str | None, object | None]:
    given = os.environ.get("MISHU_BENCH_POSTGRES_URL")
    if given:
        return given, None
    try:
        from tests.pg_server import PostgresServer

        server = PostgresServer().start()
    except Exception as exc:  # noqa: BLE001 — any failure means: no PostgreSQL here
        print(f"no PostgreSQL server ({exc}); the two-process figure runs on SQLite", file=sys.stderr)
        return None, None
    return server.url, server


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench followups")
    parser.add_argument("--workers", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=4_000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--claimer")  # internal: one of the two scanning processes
    parser.add_argument("--url")
    parser.add_argument("--out")
    parser.add_argument("--go", type=float, default=0.0)
    args = parser.parse_args(argv)
    if args.claimer:
        asyncio.run(claimer_process(args.url, args.claimer, args.out, args.go, args.batch))
        return 0
    folder = Path(tempfile.mkdtemp(prefix="mishu-bench-"))
    figures: dict[str, object] = {"workers": args.workers, "due": args.due, "batch": args.batch}
    sqlite = asyncio.run(single(f"sqlite:///{folder / 'single.db'}", args.workers, args.due, args.batch))
    figures.update(sqlite)
    url, server = postgres_url()
    try:
        if url is not None:
            base = url.rsplit("/", 1)[0]

            async def create() -> None:
                admin = Database(url)
                async with admin.engine.connect() as conn:
                    await conn.execution_options(isolation_level="AUTOCOMMIT")
                    for name in ("bench_single", "bench_two"):
                        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
                        await conn.execute(text(f'CREATE DATABASE "{name}"'))
                await admin.dispose()

            asyncio.run(create())
            pg = asyncio.run(single(f"{base}/bench_single", args.workers, args.due, args.batch))
            figures.update({f"pg_{key}": value for key, value in pg.items() if key != "pending"})
            figures["two_procs_backend"] = "postgresql"
            figures.update(two_processes(f"{base}/bench_two", args.workers, args.due, args.batch))
        else:
            figures["two_procs_backend"] = "sqlite"
            figures.update(two_processes(f"sqlite:///{folder / 'two.db'}", args.workers, args.due, args.batch))
    finally:
        if server is not None:
            server.stop()  # type: ignore[attr-defined]
    print(json.dumps(figures, ensure_ascii=False))
    return 0
