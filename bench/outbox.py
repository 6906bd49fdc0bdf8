"""Benchmark the outbox: paced rate at Telegram's limits, unlimited rate, and duplicates/lost across a SIGKILL.

A local endpoint (tests/fake_telegram.py) answers like Telegram and journals each message's arrival; delivery
runs as its own process (`python -m bot.deliver`), as in production. Phases, each on a fresh SQLite database
(or the `--db` URL, which is not reset between phases: give an empty database):

1. limited: N_LIMITED messages (default 2,000) spread over 100 private chats at config limits (30/s per bot,
   1/s per chat); rate = messages / (last arrival − first arrival); violations = 1-second windows holding more
   than 30 arrivals + same-chat arrivals less than 1 s apart. Then the same with 3 delivery processes at once
   (`shared_*`): they split the bot's rate by heartbeats and do not share chats, so the limits must still hold.
2. unlimited: 10,000 messages with the limits lifted, with the plain-JSON `BotApiSender` (the headline figure)
   and again with aiogram's `Bot.send_message` (`unlimited_aiogram_msgs_per_s`).
3. crash: 10,000 messages (limits lifted), the delivery process SIGKILLed after 3,000 arrivals and restarted;
   duplicates = extra arrivals of a message; lost = messages neither arrived nor reported (uncertain/failed).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import tempfile
import time
from bisect import bisect_left
from collections import Counter, defaultdict
from pathlib import Path

from sqlalchemy import func, select, text

from flows.messages import Reply, reply_to_dict
from storage.db import Database
from storage.migrate import upgrade
from storage.models import OutboxMessage
from storage.states import OutboxState
from tests.fake_telegram import TOKEN, FakeTelegram

ROOT = Path(__file__).resolve().parents[1]
LIFTED = {"MISHU_OUTBOX__PER_BOT_PER_SECOND": "1000000", "MISHU_OUTBOX__PER_CHAT_PER_SECOND": "1000000",
          "MISHU_OUTBOX__PER_GROUP_PER_MINUTE": "1000000"}


async def fill(db: Database, count: int, chats: int, tag: str) -> None:
    rows = [
        {"idempotency_key": f"push:{i}|telegram|{100000 + i % chats}", "purpose": f"push:{i}", "channel": "telegram",
         "chat_id": str(100000 + i % chats), "chat_type": "private", "payload": reply_to_dict(Reply(f"{tag} {i}")),
         "state": OutboxState.PENDING, "attempts": 0, "last_error": ""}
        for i in range(count)
    ]
    async with db.session() as session:
        for start in range(0, count, 2000):
            await session.execute(OutboxMessage.__table__.insert(), rows[start : start + 2000])


async def start_worker(url: str, base: str, env: dict[str, str], sender: str = "aiogram") -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.deliver", "--db", url, "--api-base", base, "--sender", sender, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "MISHU_TELEGRAM_TOKEN": TOKEN, "MISHU_LOGGING__LEVEL": "WARNING",
             "MISHU_OUTBOX__POLL_SECONDS": "0.05", **env},
    )


async def unsettled(db: Database) -> int:
    async with db.session() as session:
        return int(await session.scalar(
            select(func.count()).where(OutboxMessage.state.in_(sorted(OutboxState.UNSENT)))) or 0)


async def run_until_settled(db: Database, url: str, base: str, env: dict[str, str], processes: int = 1,
                            sender: str = "aiogram") -> None:
    workers = [await start_worker(url, base, env, sender) for _ in range(processes)]
    while await unsettled(db):
        await asyncio.sleep(0.2)
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
        await worker.wait()


def violations(arrivals: list[tuple[float, str]], per_second: float, per_chat_gap: float) -> int:
    times = sorted(t for t, _ in arrivals)
    over = sum(1 for i, t in enumerate(times) if bisect_left(times, t + 1.0) - i > per_second)
    by_chat: dict[str, list[float]] = defaultdict(list)
    for t, chat in arrivals:
        by_chat[chat].append(t)
    close = sum(1 for ts in by_chat.values() for a, b in zip(sorted(ts), sorted(ts)[1:], strict=False)
                if b - a < per_chat_gap)
    return over + close


async def limited(db: Database, url: str, fake: FakeTelegram, count: int, processes: int = 1) -> dict[str, float]:
    tag = "limited" if processes == 1 else "shared"
    await fill(db, count, 100, tag)
    start = len(fake.journal)
    await run_until_settled(db, url, fake.base, {}, processes=processes)
    got = fake.journal[start:]
    arrivals = [(r.at, r.chat_id) for r in got]
    rate = (len(got) - 1) / (got[-1].at - got[0].at)
    bad = violations(arrivals, 30, 1.0)
    print(f"{tag}: {len(got)} messages to 100 chats at {rate:.1f}/s from {processes} delivery process(es), "
          f"{bad} limit violations")
    if processes == 1:
        return {"limited_msgs_per_s": round(rate, 2), "limit_violations": bad, "limited_messages": len(got)}
    return {"shared_msgs_per_s": round(rate, 2), "shared_limit_violations": bad, "shared_processes": processes}


async def unlimited(db: Database, url: str, fake: FakeTelegram, count: int, processes: int,
                    sender: str) -> dict[str, float]:
    await fill(db, count, 1000, f"unlimited-{sender}")
    start = len(fake.journal)
    began = time.monotonic()
    await run_until_settled(db, url, fake.base, {**LIFTED, "MISHU_OUTBOX__BATCH_SIZE": "500",
                                                   "MISHU_OUTBOX__MAX_IN_FLIGHT": "64"}, processes=processes,
                            sender=sender)
    got = fake.journal[start:]
    rate = (len(got) - 1) / (got[-1].at - got[0].at)
    print(f"unlimited ({sender} sender): {len(got)} messages at {rate:.0f}/s, {processes} delivery process(es) "
          f"(start to settled: "
          f"{time.monotonic() - began:.1f} s)")
    key = "unlimited_msgs_per_s" if sender == "api" else f"unlimited_{sender}_msgs_per_s"
    return {key: round(rate, 1)}


async def crash(db: Database, url: str, fake: FakeTelegram, count: int) -> dict[str, float]:
    await fill(db, count, 1000, "crash")
    start = len(fake.journal)
    env = {**LIFTED, "MISHU_OUTBOX__PER_BOT_PER_SECOND": "2000", "MISHU_OUTBOX__CLAIM_LEASE_SECONDS": "2"}
    worker = await start_worker(url, fake.base, env)
    while len(fake.journal) - start < 3000:
        await asyncio.sleep(0.01)
    worker.send_signal(signal.SIGKILL)
    await worker.wait()
    killed_at = len(fake.journal) - start
    await run_until_settled(db, url, fake.base, env)
    arrived = Counter(r.text for r in fake.journal[start:])
    async with db.session() as session:
        rows = (await session.execute(
            select(OutboxMessage.payload, OutboxMessage.state).where(OutboxMessage.purpose.like("push:%")))).all()
    mine = [(p["text"], s) for p, s in rows if p["text"].startswith("crash ")]
    duplicates = sum(n - 1 for n in arrived.values() if n > 1)
    reported = {OutboxState.UNCERTAIN, OutboxState.FAILED, OutboxState.UNREACHABLE}
    lost = sum(1 for text, state in mine if state not in reported and (state != OutboxState.SENT or arrived[text] == 0))
    uncertain = sum(1 for _, state in mine if state == OutboxState.UNCERTAIN)
    print(f"crash: killed after {killed_at} arrivals, restarted; {sum(arrived.values())} arrivals, "
          f"{duplicates} duplicates, {lost} lost, {uncertain} uncertain (caught mid-send, reported, not re-sent)")
    return {"duplicates": duplicates, "lost": lost, "uncertain": uncertain}


async def fresh_postgres(server_url: str, name: str) -> str:
    admin = Database(server_url)
    async with admin.engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f'CREATE DATABASE "bench_{name}"'))
    await admin.dispose()
    return server_url.rsplit("/", 1)[0] + f"/bench_{name}"


async def run(args: argparse.Namespace, server_url: str | None = None) -> dict[str, float]:
    fake = await FakeTelegram().start()
    figures: dict[str, float] = {}
    try:
        with tempfile.TemporaryDirectory() as folder:
            for name in ("limited", "limited-shared", "unlimited", "unlimited-aiogram", "crash"):
                if server_url:
                    url = await fresh_postgres(server_url, name.replace("-", "_"))
                else:
                    url = args.db or f"sqlite:///{Path(folder) / f'{name}.db'}"
                db = Database(url)
                await upgrade(db)
                if name == "limited":
                    figures |= await limited(db, url, fake, args.limited)
                elif name == "limited-shared":
                    figures |= await limited(db, url, fake, args.limited, processes=3)
                elif name.startswith("unlimited"):
                    sender = "aiogram" if name.endswith("aiogram") else "api"
                    figures |= await unlimited(db, url, fake, args.messages, args.processes, sender)
                else:
                    figures |= await crash(db, url, fake, args.messages)
                await db.dispose()
    finally:
        await fake.stop()
    figures["backend"] = "postgresql" if server_url or (args.db or "").startswith("postgres") else "sqlite"
    return figures


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench outbox", description=__doc__)
    parser.add_argument("--db", help="an empty database URL for all phases (default: fresh SQLite files)")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite",
                        help="postgresql: a throwaway server (tests/pg_server.py), a fresh database per phase")
    parser.add_argument("--limited", type=int, default=2000, help="messages in the paced run (10,000 takes ~6 min)")
    parser.add_argument("--messages", type=int, default=10000)
    parser.add_argument("--processes", type=int, default=1, help="delivery processes in the unlimited runs")
    args = parser.parse_args(argv)
    if args.backend == "postgresql" and not args.db:
        from tests.pg_server import PostgresServer

        server = PostgresServer().start()
        try:
            figures = asyncio.run(run(args, server.url))
        finally:
            server.stop()
    else:
        figures = asyncio.run(run(args))
    keys = ("limited_msgs_per_s", "limit_violations", "unlimited_msgs_per_s", "duplicates", "lost")
    print(json.dumps({k: figures[k] for k in keys} | figures, ensure_ascii=False))
    return 0
