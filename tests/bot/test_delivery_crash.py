"""Exactly once across a killed delivery process: SIGKILL mid-batch, restart, then count what arrived."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from flows.messages import Reply, reply_to_dict
from storage.models import OutboxMessage
from storage.queries.outbox import enqueue
from tests.fake_telegram import TOKEN, FakeTelegram

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = 400


async def start_worker(db_url: str, api_base: str) -> asyncio.subprocess.Process:
    env = {
        **os.environ, "PYTHONPATH": str(ROOT), "MISHU_TELEGRAM_TOKEN": TOKEN,
        "MISHU_OUTBOX__PER_BOT_PER_SECOND": "300", "MISHU_OUTBOX__PER_CHAT_PER_SECOND": "100",
        "MISHU_OUTBOX__CLAIM_LEASE_SECONDS": "1", "MISHU_OUTBOX__POLL_SECONDS": "0.1",
        "MISHU_LOGGING__LEVEL": "WARNING",
    }
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.deliver", "--db", db_url, "--api-base", api_base,
        cwd=ROOT, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )


async def wait_for(predicate, timeout: float) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not await predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not reached")
        await asyncio.sleep(0.05)


async def test_sigkill_mid_batch_then_restart_sends_each_message_at_most_once(any_db) -> None:  # type: ignore[no-untyped-def]
    fake = await FakeTelegram(latency=0.002).start()
    url = any_db.url.render_as_string(hide_password=False)
    try:
        async with any_db.session() as s:
            for i in range(MESSAGES):
                await enqueue(s, purpose=f"push:{i}", channel="telegram", chat_id=str(2000 + i % 50),
                              payload=reply_to_dict(Reply(text=f"msg {i}")))

        worker = await start_worker(url, fake.base)

        async def some_arrived() -> bool:
            return len(fake.journal) >= MESSAGES // 3

        await wait_for(some_arrived, 60)
        worker.send_signal(signal.SIGKILL)
        await worker.wait()
        killed_at = len(fake.journal)
        assert killed_at < MESSAGES, "the worker finished before it was killed; the test proves nothing"

        worker = await start_worker(url, fake.base)

        async def settled() -> bool:
            async with any_db.session() as s:
                states = Counter((await s.execute(select(OutboxMessage.state))).scalars())
            return states["pending"] == 0 and states["sending"] == 0

        await wait_for(settled, 60)
        worker.send_signal(signal.SIGTERM)
        await asyncio.wait_for(worker.wait(), 20)
    finally:
        await fake.stop()

    arrivals = Counter(r.text for r in fake.journal)
    assert max(arrivals.values()) == 1, "a message reached Telegram twice"
    async with any_db.session() as s:
        outbox = list((await s.execute(select(OutboxMessage))).scalars())
    by_text = {m.payload["text"]: m for m in outbox}
    states = Counter(m.state for m in outbox)
    assert set(states) <= {"sent", "uncertain"}, states
    for text, message in by_text.items():
        if message.state == "sent":
            assert arrivals[text] == 1 and message.sent_message_id is not None
    lost = [t for t, m in by_text.items() if m.state != "uncertain" and arrivals[t] == 0]
    assert lost == []
    assert states["uncertain"] <= 32  # at most the chunk in flight (max_in_flight) is uncertain
    assert len(fake.journal) > killed_at  # the restarted worker carried on
