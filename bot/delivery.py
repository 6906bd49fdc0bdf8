"""Outbox delivery: claim due messages, pace them to Telegram's limits, send, record — crash-safe.

One pass (`Delivery.run_once`): recover messages of dead processes → claim a batch (row locks with SKIP LOCKED on
PostgreSQL, one atomic UPDATE on SQLite) → for each message reserve a slot in the rate limiter (global, per chat,
per group) → mark the chunk 'sending' and COMMIT → send → record 'sent' with Telegram's message id, or schedule
a retry (exponential backoff with jitter), honour `retry_after` for that chat only, mark failed or unreachable.

The crash rule. Telegram has no idempotent send, so a message a crash catches between 'sending' and its recorded
answer may or may not have gone out. When its lease runs out another pass decides: purposes listed in
`outbox.at_most_once` (pushes, digests, broadcasts) become 'uncertain' — never re-sent, counted in the report —
and the others (secretary prompts, reminders) are sent again (at least once). Nothing is ever 'lost': every
message ends sent, failed, unreachable, uncertain or cancelled, and `state_counts` reports each.

Several processes. Each records a heartbeat (`delivery_worker`); the live ones split the bot's rate equally, a
joining one waits a heartbeat so the others slow down first, and while more than one runs a chat is claimed by
one process at a time, so the per-chat and per-group limits hold across processes too.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from bot.settings import OutboxSettings
from flows.messages import Reply, reply_from_dict
from flows.outbox_events import recipient_unreachable
from storage.db import Database
from storage.models import OutboxMessage, utcnow
from storage.numbers import read_int
from storage.queries import outbox as q
from storage.queries.groups import move_group
from storage.states import OutboxState

log = logging.getLogger(__name__)


class SendStatus(StrEnum):
    """What one send came to, as the channel tells it; `Delivery._record` turns it into the message's OutboxState."""

    SENT = "sent"
    RETRY = "retry"  # a passing failure: again after a backoff
    RETRY_AFTER = "retry_after"  # the channel asks this chat to wait `retry_after` seconds
    UNREACHABLE = "unreachable"  # the person blocked the bot, or the chat is gone
    MOVED = "moved"  # the chat lives on under a new id (`moved_to`)
    FAILED = "failed"  # will not go
    UNCERTAIN = "uncertain"  # may or may not have gone out


# A chat that cannot take a message within this many seconds is given back for a later pass.
HOLD_SECONDS = 0.25
# A chunk (one 'sending' commit, one result commit) covers the slots due within this many seconds.
TICK_SECONDS = 0.1


@dataclass(frozen=True)
class Outcome:
    """What one send attempt came to, as a `Sender` reports it."""

    status: SendStatus
    message_id: int | None = None
    retry_after: float = 0.0
    error: str = ""
    moved_to: str = ""  # "moved": the chat's new id (Telegram: a group upgraded to a supergroup)


class Sender(Protocol):
    """A channel's way of sending one message (Telegram, or a test double)."""

    channel: str

    async def send(self, chat_id: str, reply: Reply) -> Outcome: ...


def backoff_seconds(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Exponential backoff with 'equal jitter': half the delay fixed, half random, so retries spread out."""
    delay = min(cap, base * 2 ** max(attempt - 1, 0))
    return delay / 2 + (rng or random).uniform(0, delay / 2)


class RateLimiter:
    """Evenly spaced send slots (GCRA without burst): global, per chat, per group, at `fraction` of the limits.

    `reserve` hands out the next slot at or after now, so a stall never lets a burst through afterwards.
    """

    def __init__(
        self, per_bot_per_second: float, per_chat_per_second: float, per_group_per_minute: float,
        *, fraction: float = 1.0, clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_bot = per_bot_per_second * fraction
        self.global_interval = 1 / self.per_bot
        self.chat_interval = 1 / (per_chat_per_second * fraction)
        self.group_interval = max(60 / (per_group_per_minute * fraction), self.chat_interval)
        self.clock = clock
        self._global_next = 0.0
        self._chat_next: dict[str, float] = {}

    def share(self, processes: int) -> None:
        """This process sends its 1/`processes` share of the bot's rate (the others take the rest)."""
        self.global_interval = max(processes, 1) / self.per_bot

    def chat_ready(self, chat: str) -> float:
        """The clock time from which this chat can take a message."""
        return self._chat_next.get(chat, 0.0)

    def reserve(self, chat: str, *, group: bool = False) -> float:
        """Take the next slot for a message to `chat`; returns the clock time to send it at."""
        now = self.clock()
        slot = max(now, self._global_next, self._chat_next.get(chat, 0.0))
        self._global_next = slot + self.global_interval
        self._chat_next[chat] = slot + (self.group_interval if group else self.chat_interval)
        if len(self._chat_next) > 50_000:
            self._chat_next = {k: v for k, v in self._chat_next.items() if v > now}
        return slot

    def block(self, chat: str, seconds: float) -> None:
        """Telegram asked this chat to wait (`retry_after`); other chats carry on."""
        self._chat_next[chat] = max(self._chat_next.get(chat, 0.0), self.clock() + seconds)


@dataclass
class PassReport:
    """What one delivery pass did."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    unreachable: int = 0
    uncertain: int = 0
    released: int = 0
    recovered: dict[str, int] = field(default_factory=dict)


def worker_name() -> str:
    return f"{_host()}:{os.getpid()}:{secrets.token_hex(3)}"


def _host() -> str:
    return socket.gethostname()[:32]


def _process_alive(pid: int) -> bool:
    if os.name != "posix":  # signal 0 is a probe only on POSIX (on Windows os.kill would end the process)
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


async def _forget_dead_neighbours(session: Any, me: str) -> None:
    """Processes of this host that are gone (a restart after a crash) stop counting at once, instead of for
    three more heartbeats during which the new process would take too small a share."""
    for name in await q.workers_named(session, f"{_host()}:"):
        parts = name.split(":")
        pid = read_int(parts[1]) if len(parts) == 3 else None
        if name != me and pid is not None and not _process_alive(pid):
            await q.sign_off(session, name)


class Delivery:
    """The outbox worker for one channel: `await Delivery(db, sender, settings).run_forever()`."""

    def __init__(
        self,
        db: Database,
        sender: Sender,
        settings: Any,
        *,
        worker: str | None = None,
        default_language: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        # `settings` is the whole Settings or just its OutboxSettings section.
        self.config: OutboxSettings = getattr(settings, "outbox", settings)
        language = getattr(getattr(settings, "language", None), "default", None)
        self.default_language = default_language or language or "zh-hans"
        self.db = db
        self.sender = sender
        self.worker = worker or worker_name()
        self.clock = clock
        self.rng = rng or random.Random()
        c = self.config
        self.limiter = RateLimiter(
            c.per_bot_per_second, c.per_chat_per_second, c.per_group_per_minute, fraction=c.pace_fraction, clock=clock
        )
        self._last_recovery = float("-inf")
        self._last_heartbeat = float("-inf")
        self._sending_from = float("-inf")
        self.processes = 1

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.config.claim_lease_seconds)

    def at_most_once(self, message: OutboxMessage) -> bool:
        return message.purpose.split(":", 1)[0] in self.config.at_most_once

    async def recover(self) -> dict[str, int]:
        """Settle messages of processes whose lease ran out (see the crash rule above)."""
        async with self.db.session() as session:
            counts = await q.recover(session, now=utcnow(), at_most_once=self.config.at_most_once)
        if counts.get("uncertain") or counts.get("resent"):
            log.warning("outbox recovery after a crash: %s", counts)
        return counts

    async def heartbeat(self) -> int:
        """Say this process is alive and take an equal share of the bot's rate with the other live ones."""
        now = utcnow()
        alive_after = now - timedelta(seconds=3 * self.config.heartbeat_seconds)
        async with self.db.session() as session:
            if self._last_heartbeat == float("-inf"):
                await _forget_dead_neighbours(session, self.worker)
            processes = await q.heartbeat(
                session, worker=self.worker, channel=self.sender.channel, now=now, alive_after=alive_after
            )
        if processes != self.processes:
            log.info("outbox delivery: %d live processes share the rate limit", processes)
        if self._last_heartbeat == float("-inf") and processes > 1:
            # Joining running processes: send nothing until each has had a heartbeat to see us and slow down,
            # or together we would run over the bot's limit meanwhile.
            self._sending_from = self.clock() + self.config.heartbeat_seconds
        self.processes = processes
        self.limiter.share(processes)
        self._last_heartbeat = self.clock()
        return processes

    async def _heartbeat_if_due(self) -> None:
        if self.clock() - self._last_heartbeat >= self.config.heartbeat_seconds:
            await self.heartbeat()

    def _chat_gaps(self) -> tuple[timedelta, timedelta] | None:
        """Alone, this process paces every chat itself; with others, chats are not shared between processes."""
        if self.processes <= 1:
            return None
        return timedelta(seconds=self.limiter.chat_interval), timedelta(seconds=self.limiter.group_interval)

    async def sign_off(self) -> None:
        """Leave the shared rate to the other processes (called when the loop stops)."""
        async with self.db.session() as session:
            await q.sign_off(session, self.worker)

    async def run_once(self) -> PassReport:
        """One pass: recover if due, claim a batch, send it at the allowed pace, record every result."""
        report = PassReport()
        await self._heartbeat_if_due()
        if self.clock() < self._sending_from:
            return report
        if self.clock() - self._last_recovery >= min(self.config.claim_lease_seconds / 3, 30):
            report.recovered = await self.recover()
            self._last_recovery = self.clock()
        now = utcnow()
        async with self.db.session() as session:
            batch = await q.claim(
                session, channel=self.sender.channel, worker=self.worker, now=now, until=now + self.lease,
                limit=self.config.batch_size, chat_gaps=self._chat_gaps(),
            )
        report.claimed = len(batch)
        queue = list(batch)
        released: dict[int, datetime] = {}
        while queue:
            await self._heartbeat_if_due()  # a pass at a small share can outlast a heartbeat period
            chunk: list[tuple[OutboxMessage, float]] = []
            horizon = self.clock() + TICK_SECONDS
            while queue and len(chunk) < self.config.max_in_flight:
                message = queue[0]
                wait = self.limiter.chat_ready(message.chat_id) - self.clock()
                if wait > HOLD_SECONDS:
                    queue.pop(0)
                    released[message.id] = utcnow() + timedelta(seconds=wait)
                    continue
                slot = self.limiter.reserve(message.chat_id, group=message.chat_type != "private")
                chunk.append((queue.pop(0), slot))
                if slot > horizon:
                    break
            if chunk:
                await self._send_chunk(chunk, report)
        if released:
            async with self.db.session() as session:
                await q.release(session, list(released), worker=self.worker, at=released)
            report.released = len(released)
        return report

    async def _send_chunk(self, chunk: list[tuple[OutboxMessage, float]], report: PassReport) -> None:
        async with self.db.session() as session:
            ours = await q.mark_sending(
                session, [m.id for m, _ in chunk], worker=self.worker, until=utcnow() + self.lease
            )
        # Committed: from here a crash leaves these rows in 'sending' for recovery to settle.
        chunk = [(m, slot) for m, slot in chunk if m.id in ours]
        outcomes = await asyncio.gather(*(self._send_at(m, slot) for m, slot in chunk))
        async with self.db.session() as session:
            sent = [(m.id, o.message_id) for (m, _), o in zip(chunk, outcomes, strict=True)
                    if o.status == SendStatus.SENT]
            await q.record_sent(session, sent, worker=self.worker, at=utcnow())
            report.sent += len(sent)
            for (message, _), outcome in zip(chunk, outcomes, strict=True):
                if outcome.status != SendStatus.SENT:
                    await self._record(session, message, outcome, report)

    async def _send_at(self, message: OutboxMessage, slot: float) -> Outcome:
        delay = slot - self.clock()
        if delay > 0:
            await asyncio.sleep(delay)
        try:
            return await self.sender.send(message.chat_id, reply_from_dict(message.payload))
        except Exception as exc:  # a sender bug or an unforeseen error: we cannot tell whether it went out
            log.exception("sender raised for outbox message %s", message.id)
            return Outcome(SendStatus.UNCERTAIN, error=f"{type(exc).__name__}: {exc}")

    async def _record(self, session: Any, message: OutboxMessage, outcome: Outcome, report: PassReport) -> None:
        """Settle one send that did not succeed."""
        now = utcnow()
        status = outcome.status
        if status == SendStatus.UNCERTAIN and not self.at_most_once(message):
            status = SendStatus.RETRY  # at least once: sending again is the lesser harm
        if status == SendStatus.RETRY_AFTER:
            until = now + timedelta(seconds=outcome.retry_after)
            self.limiter.block(message.chat_id, outcome.retry_after)
            await q.record_outcome(
                session, message.id, worker=self.worker, state=OutboxState.PENDING, error=outcome.error,
                next_attempt_at=until, count_attempt=False,
            )
            await q.defer_chat(session, message.channel, message.chat_id, until)
            report.retried += 1
        elif status == SendStatus.RETRY:
            attempt = message.attempts + 1
            if attempt >= self.config.max_attempts:
                await q.record_outcome(session, message.id, worker=self.worker, state=OutboxState.FAILED,
                                       error=outcome.error)
                report.failed += 1
            else:
                delay = backoff_seconds(attempt, self.config.retry_base_seconds, self.config.retry_max_seconds, self.rng)
                await q.record_outcome(
                    session, message.id, worker=self.worker, state=OutboxState.PENDING, error=outcome.error,
                    next_attempt_at=now + timedelta(seconds=delay),
                )
                report.retried += 1
        elif status == SendStatus.MOVED and outcome.moved_to and outcome.moved_to != message.chat_id:
            # The group lives on under a new id: it, this message and the rest of its queue follow, and the
            # message goes again at once (counted as an attempt, so a chat that keeps moving cannot loop).
            await q.record_outcome(
                session, message.id, worker=self.worker, state=OutboxState.PENDING, error=outcome.error,
                next_attempt_at=now,
            )
            await q.move_chat(session, message.channel, message.chat_id, outcome.moved_to)
            await move_group(session, message.channel, message.chat_id, outcome.moved_to)
            log.info("chat %s moved to %s; its pending messages follow", message.chat_id, outcome.moved_to)
            report.retried += 1
        elif status == SendStatus.UNREACHABLE:
            await q.record_outcome(session, message.id, worker=self.worker, state=OutboxState.UNREACHABLE,
                                   error=outcome.error)
            await q.close_chat(session, message.channel, message.chat_id, outcome.error)
            await recipient_unreachable(
                session, person_id=message.person_id, channel=message.channel, chat_id=message.chat_id,
                chat_type=message.chat_type, now=now, default_language=self.default_language,
            )
            report.unreachable += 1
        else:  # failed (a move without a usable new id too), or uncertain for an at-most-once purpose
            state = OutboxState.UNCERTAIN if status == SendStatus.UNCERTAIN else OutboxState.FAILED
            await q.record_outcome(session, message.id, worker=self.worker, state=state, error=outcome.error)
            if state == OutboxState.UNCERTAIN:
                report.uncertain += 1
            else:
                report.failed += 1

    async def run_forever(self, stop: asyncio.Event | None = None) -> None:
        """Deliver until `stop` is set; sleeps `poll_seconds` when there is nothing to do."""
        stop = stop or asyncio.Event()
        while not stop.is_set():
            try:
                report = await self.run_once()
            except Exception:  # the database may be restarting: keep the loop alive
                log.exception("outbox delivery pass failed")
                report = PassReport()
            if report.claimed < self.config.batch_size:
                try:
                    await asyncio.wait_for(stop.wait(), timeout=self.config.poll_seconds)
                except TimeoutError:
                    pass
        try:
            await self.sign_off()
        except Exception:  # stopping anyway; the row ages out and the others notice within 3 heartbeats
            log.warning("outbox delivery: could not sign off", exc_info=True)
