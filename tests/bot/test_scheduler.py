"""The scheduler's wiring: fixed job ids (wiring twice never doubles a tick), coalesced catch-up, the digest at
08:30 bureau time (time-machine moves the clock APScheduler reads), and the ticks' bodies on a real database."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import time_machine
from sqlalchemy import func, select

from bot.scheduler import (
    JOB_DIGEST,
    JOB_DUE_SCAN,
    JOB_PUSH,
    JOB_REMINDERS,
    JOB_SHELF,
    Ticks,
    add_jobs,
    build_scheduler,
)
from flows.followups import schedule_first_checkin
from flows.turn import FlowSettings
from storage.db import Database
from storage.models import OutboxMessage
from tests.factories import add_people

ZONE = ZoneInfo("Asia/Shanghai")


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=ZONE).astimezone(UTC)


class TestWiring:
    async def test_jobs_have_fixed_ids_and_coalesce(self, sqlite_db: Database) -> None:
        calls: list[datetime] = []

        async def push(now: datetime) -> None:
            calls.append(now)

        ticks = Ticks(sqlite_db, FlowSettings(), push=push, reminders=push, clock=lambda: local(2026, 3, 5, 9, 0))
        scheduler = build_scheduler(ticks, push_at=time(9, 0))
        add_jobs(scheduler, ticks, push_at=time(9, 0))  # a second wiring replaces, never doubles
        scheduler.start(paused=True)  # pending jobs reach the job store (replace_existing applies) on start
        try:
            jobs = scheduler.get_jobs()
        finally:
            scheduler.shutdown(wait=False)
        assert sorted(job.id for job in jobs) == sorted([JOB_DUE_SCAN, JOB_DIGEST, JOB_SHELF, JOB_PUSH, JOB_REMINDERS])
        for job in jobs:
            assert job.coalesce is True and job.max_instances == 1
        await scheduler.get_job(JOB_PUSH).func()
        assert calls == [local(2026, 3, 5, 9, 0)]

    async def test_optional_ticks_are_left_out(self, sqlite_db: Database) -> None:
        scheduler = build_scheduler(Ticks(sqlite_db, FlowSettings()))
        assert sorted(job.id for job in scheduler.get_jobs()) == sorted([JOB_DUE_SCAN, JOB_DIGEST, JOB_SHELF])

    async def test_digest_runs_at_half_past_eight_bureau_time(self, sqlite_db: Database) -> None:
        with time_machine.travel(local(2026, 3, 5, 7, 0), tick=False):
            scheduler = build_scheduler(Ticks(sqlite_db, FlowSettings()))
            scheduler.start(paused=True)
            try:
                await asyncio.sleep(0)
                digest = scheduler.get_job(JOB_DIGEST).next_run_time
                scan = scheduler.get_job(JOB_DUE_SCAN).next_run_time
            finally:
                scheduler.shutdown(wait=False)
        assert digest == datetime(2026, 3, 5, 8, 30, tzinfo=ZONE)
        assert scan == datetime(2026, 3, 5, 7, 1, tzinfo=ZONE)

    async def test_the_shelf_check_runs_after_midnight_and_unlists_expired_postings(self, sqlite_db: Database) -> None:
        from storage.models import Posting
        from tests.factories import add_postings

        await add_postings(sqlite_db, date(2026, 3, 2))  # deadlines 10 to 30 days on
        with time_machine.travel(local(2026, 3, 5, 7, 0), tick=False):
            scheduler = build_scheduler(Ticks(sqlite_db, FlowSettings()))
            scheduler.start(paused=True)
            try:
                await asyncio.sleep(0)
                check = scheduler.get_job(JOB_SHELF).next_run_time
            finally:
                scheduler.shutdown(wait=False)
        assert check == datetime(2026, 3, 6, 0, 5, tzinfo=ZONE)
        await Ticks(sqlite_db, FlowSettings(), clock=lambda: local(2026, 3, 13, 0, 5)).shelf_check()
        async with sqlite_db.session() as session:
            listed = (await session.execute(select(Posting.title).where(Posting.listed))).scalars().all()
        assert sorted(listed) == ["印染车间普工", "客房服务员", "春茶采摘工"]  # 茶叶采摘 closed on the 12th


class TestCatchUp:
    async def test_catch_up_after_downtime_acts_once(self, sqlite_db: Database) -> None:
        settings = FlowSettings()
        registered = local(2026, 3, 2, 9, 30)
        ids = await add_people(sqlite_db, registered_at=registered)
        async with sqlite_db.session() as session:
            for worker, secretary in (("worker1", "sec1"), ("worker2", "sec1")):
                await schedule_first_checkin(session, ids[worker], ids[secretary], registered, settings)
        clock = local(2026, 3, 12, 10, 0)  # a week after both fell due; nothing ran meanwhile
        ticks = Ticks(sqlite_db, settings, clock=lambda: clock, claimer="restarted")
        for _ in range(3):  # three restarts in a row, or a burst of coalesced ticks
            await ticks.catch_up()
            await ticks.due_scan()
        async with sqlite_db.session() as session:
            purposes = (await session.execute(select(OutboxMessage.purpose).order_by(OutboxMessage.id))).scalars().all()
            total = (await session.execute(select(func.count()).select_from(OutboxMessage))).scalar()
        assert sorted(p.split(":")[-1] for p in purposes) == ["2026-03-12", "ask", "ask"]  # two asks, one digest
        assert total == 3


class TestStart:
    async def test_start_catches_up_then_runs(self, sqlite_db: Database) -> None:
        from bot.app import App, flow_settings
        from bot.scheduler import start
        from bot.settings import load_settings
        from flows.assistant import Assistant
        from tests.scripted_nlu import ScriptedNLU

        settings = load_settings()
        app = App(settings=settings, db=sqlite_db, assistant=Assistant(sqlite_db, ScriptedNLU(), flow_settings(settings)))
        scheduler = await start(app)
        try:
            assert scheduler.running
            assert {job.id for job in scheduler.get_jobs()} == {JOB_DUE_SCAN, JOB_DIGEST, JOB_SHELF}
        finally:
            scheduler.shutdown(wait=False)
