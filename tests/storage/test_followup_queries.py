"""Claiming due follow-ups on SQLite and PostgreSQL: only due rows, a live lease is respected, a crashed
process's lease runs out and the row is handled once; secretaries' lists by secretary and date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from flows.checkins import run_due_scan
from flows.turn import FlowSettings
from storage.db import Database
from storage.models import FollowUp, OutboxMessage
from storage.queries.followups import claim_due, secretary_list
from tests.factories import add_people

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 5, 10, 0, tzinfo=ZONE).astimezone(UTC)


@pytest.fixture
async def rows(any_db: Database) -> dict[str, int]:
    """worker1: due an hour ago; worker2: due tomorrow; worker3: done long ago, escalated one due earlier."""
    ids = await add_people(any_db, registered_at=NOW - timedelta(days=3))
    async with any_db.session() as session:
        made = {
            "due": FollowUp(worker_id=ids["worker1"], secretary_id=ids["sec1"], kind="first",
                            due_at=NOW - timedelta(hours=1)),
            "later": FollowUp(worker_id=ids["worker2"], secretary_id=ids["sec1"], kind="first",
                              due_at=NOW + timedelta(days=1)),
            "done": FollowUp(worker_id=ids["worker3"], secretary_id=ids["sec2"], kind="first", state="done",
                             due_at=NOW - timedelta(days=9)),
            "escalated": FollowUp(worker_id=ids["worker3"], secretary_id=ids["sec2"], kind="seeking",
                                  state="escalated", due_at=NOW - timedelta(days=2)),
        }
        session.add_all(made.values())
        await session.flush()
        return {**{key: row.id for key, row in made.items()}, **ids}


class TestClaims:
    async def test_only_due_scanned_rows_are_claimed(self, any_db: Database, rows: dict[str, int]) -> None:
        async with any_db.session() as session:
            claimed = await claim_due(session, now=NOW, claimer="a", lease_until=NOW + timedelta(minutes=5), limit=10)
        assert claimed == [rows["due"]]

    async def test_a_live_lease_is_respected_and_an_expired_one_is_not(self, any_db: Database, rows: dict[str, int]) -> None:
        lease = NOW + timedelta(minutes=5)
        async with any_db.session() as session:
            assert await claim_due(session, now=NOW, claimer="a", lease_until=lease, limit=10) == [rows["due"]]
        async with any_db.session() as session:
            assert await claim_due(session, now=NOW + timedelta(minutes=1), claimer="b",
                                   lease_until=lease, limit=10) == []
        async with any_db.session() as session:
            later = NOW + timedelta(minutes=6)
            assert await claim_due(session, now=later, claimer="b", lease_until=later + timedelta(minutes=5),
                                   limit=10) == [rows["due"]]
            row = await session.get(FollowUp, rows["due"])
            assert row is not None and row.claimed_by == "b"

    async def test_a_crashed_claimers_row_is_handled_once_after_its_lease(
        self, any_db: Database, rows: dict[str, int]
    ) -> None:
        async with any_db.session() as session:  # process A claims, then dies before handling
            await claim_due(session, now=NOW, claimer="crashed", lease_until=NOW + timedelta(minutes=5), limit=10)
        settings = FlowSettings()
        early = await run_due_scan(any_db, now=NOW + timedelta(minutes=2), settings=settings, claimer="b")
        assert early.total == 0
        after = await run_due_scan(any_db, now=NOW + timedelta(minutes=6), settings=settings, claimer="b")
        again = await run_due_scan(any_db, now=NOW + timedelta(minutes=7), settings=settings, claimer="c")
        assert (after.asked, again.total) == (1, 0)
        async with any_db.session() as session:
            purposes = (await session.execute(select(OutboxMessage.purpose))).scalars().all()
            row = await session.get(FollowUp, rows["due"])
        assert purposes == [f"checkin:{rows['due']}:ask"]
        assert row is not None and row.state == "asked_worker" and row.claimed_by is None


class TestLists:
    async def test_by_secretary_and_by_date(self, any_db: Database, rows: dict[str, int]) -> None:
        async with any_db.session() as session:
            mine = await secretary_list(session, rows["sec1"], due_before=NOW + timedelta(days=2))
            today = await secretary_list(session, rows["sec1"], due_before=NOW + timedelta(hours=6),
                                         due_from=NOW - timedelta(hours=6))
            everyone_overdue = await secretary_list(session, None, due_before=NOW)
        assert [f.id for f, _ in mine] == [rows["due"], rows["later"]]
        assert [w.name for _, w in today] == ["刘大姐"]
        # done rows are not listed; the escalated one (still open) is
        assert [f.id for f, _ in everyone_overdue] == [rows["escalated"], rows["due"]]
