"""The scheduler's ticks (APScheduler 3.11 AsyncIOScheduler): the follow-up due scan every minute, the
secretaries' morning digest, the shelf's daily check just after midnight (and, on PostgreSQL, the fold of its
per-token counts every minute or so), the daily push and the training and bus reminders when those are wired in.

APScheduler only wakes the code up. What is due lives in the database (follow_up rows, claimed with row
locks), so its in-memory job store is all we need: several processes may each run this scheduler, and a
restart loses nothing. Jobs have fixed ids with replace_existing, so wiring twice never doubles a tick;
coalesce + max_instances=1 turn a backlog of missed ticks into one run; `catch_up()` runs the due scan and
today's digest once at start (the digest is idempotent per secretary and day through the outbox).
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from flows.checkins import run_due_scan, send_digests
from flows.followups import rules_of
from flows.shelf_search import daily_check, fold_tokens
from flows.turn import FlowSettings
from storage.db import Database

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

JOB_DUE_SCAN = "followups.due_scan"
JOB_DIGEST = "followups.digest"
JOB_PUSH = "push.daily"
JOB_REMINDERS = "reminders"  # training courses and buses
JOB_SHELF = "shelf.daily_check"  # postings past their deadline leave the shelf
JOB_TOKENS = "shelf.fold_tokens"  # PostgreSQL: the per-token counts take in their changes
REMINDER_MINUTES = 15

Tick = Callable[[datetime], Awaitable[Any]]
Clock = Callable[[], datetime]


def claimer_name() -> str:
    """Who claims follow-ups: host and process, so a lease left by a crash is recognisable."""
    return f"{socket.gethostname()}:{os.getpid()}"


def utc_now() -> datetime:
    return datetime.now(UTC)


class Ticks:
    """The jobs' bodies, with an injectable clock (tests pass one; production reads the system clock)."""

    def __init__(
        self, db: Database, settings: FlowSettings, *, push: Tick | None = None,
        reminders: Tick | None = None, clock: Clock = utc_now, claimer: str | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.push = push
        self.reminders = reminders
        self.clock = clock
        self.claimer = claimer or claimer_name()

    async def due_scan(self) -> None:
        report = await run_due_scan(self.db, now=self.clock(), settings=self.settings, claimer=self.claimer)
        if report.total:
            log.info("follow-ups: %s asked, %s prompted, %s reminded, %s escalated",
                     report.asked, report.prompted, report.reminded, report.escalated)

    async def digest(self) -> None:
        sent = await send_digests(self.db, now=self.clock(), settings=self.settings)
        if sent:
            log.info("follow-ups: %s morning digests queued", sent)

    async def daily_push(self) -> None:
        if self.push is not None:
            await self.push(self.clock())

    async def shelf_check(self) -> None:
        unlisted = await daily_check(self.db, self.clock(), self.settings)
        if unlisted:
            log.info("shelf: %s postings past their deadline unlisted", unlisted)

    async def fold_tokens(self) -> None:
        folded = await fold_tokens(self.db)
        log.debug("shelf: %s token changes folded", folded)

    async def send_reminders(self) -> None:
        if self.reminders is not None:
            await self.reminders(self.clock())

    async def catch_up(self) -> None:
        """After downtime: today's digest if its time has passed (queued once per secretary and day, however
        often this runs; before the scan, so it lists what was overdue), then one due scan (each overdue
        check-in gets one step)."""
        rules = rules_of(self.settings)
        local = self.clock().astimezone(rules.working_hours.zone)
        await self.shelf_check()
        if local.time() >= rules.digest_at:
            await self.digest()
        await self.due_scan()


def build_scheduler(ticks: Ticks, *, push_at: Any = None) -> AsyncIOScheduler:
    """An AsyncIOScheduler with the ticks as fixed-id jobs; `push_at` (a time) schedules the daily push."""
    rules = rules_of(ticks.settings)
    zone = rules.working_hours.zone
    scheduler = AsyncIOScheduler(
        timezone=zone, job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}
    )
    add_jobs(scheduler, ticks, push_at=push_at)
    return scheduler


def add_jobs(scheduler: AsyncIOScheduler, ticks: Ticks, *, push_at: Any = None) -> None:
    rules = rules_of(ticks.settings)
    zone = rules.working_hours.zone
    scheduler.add_job(ticks.due_scan, IntervalTrigger(minutes=1, timezone=zone), id=JOB_DUE_SCAN,
                      name="due follow-ups", replace_existing=True)
    scheduler.add_job(ticks.digest, CronTrigger(hour=rules.digest_at.hour, minute=rules.digest_at.minute, timezone=zone),
                      id=JOB_DIGEST, name="secretaries' morning digest", replace_existing=True)
    scheduler.add_job(ticks.shelf_check, CronTrigger(hour=0, minute=5, timezone=zone), id=JOB_SHELF,
                      name="postings past their deadline leave the shelf", replace_existing=True)
    if not ticks.db.is_sqlite:  # SQLite's full-text index counts a token's postings itself
        scheduler.add_job(ticks.fold_tokens, IntervalTrigger(seconds=ticks.settings.token_fold_seconds, timezone=zone),
                          id=JOB_TOKENS, name="the shelf's per-token counts take in their changes",
                          replace_existing=True)
    if ticks.push is not None and push_at is not None:
        scheduler.add_job(ticks.daily_push, CronTrigger(hour=push_at.hour, minute=push_at.minute, timezone=zone),
                          id=JOB_PUSH, name="daily push", replace_existing=True)
    if ticks.reminders is not None:
        scheduler.add_job(ticks.send_reminders, IntervalTrigger(minutes=REMINDER_MINUTES, timezone=zone),
                          id=JOB_REMINDERS, name="training and bus reminders", replace_existing=True)


async def start(app: App, *, push: Tick | None = None, reminders: Tick | None = None) -> AsyncIOScheduler:
    """For `mishu run`: the scheduler of a running app, started, after one catch-up (digest, due scan)."""
    ticks = Ticks(app.db, app.assistant.settings, push=push, reminders=reminders)
    scheduler = build_scheduler(ticks, push_at=app.settings.push.daily_run_at)
    await ticks.catch_up()
    scheduler.start()
    return scheduler
