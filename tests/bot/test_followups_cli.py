"""`mishu chat --now`: a worker answers an automated check-in, and their secretary gets the prompt, records an
outcome and sees the next check-in — in two separate processes on one database, like two people."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flows.followups import schedule_first_checkin
from flows.turn import FlowSettings
from storage.db import Database
from storage.migrate import upgrade
from tests.bot.test_cli import mishu
from tests.factories import add_people


def seed(path: Path) -> str:
    """A county with two secretaries, an admin and workers; worker1 registered Monday 2026-11-30 10:00."""
    url = f"sqlite:///{path}"

    async def run() -> None:
        db = Database(url)
        await upgrade(db)
        registered = datetime(2026, 11, 30, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)
        ids = await add_people(db, registered_at=registered)
        async with db.session() as session:
            await schedule_first_checkin(session, ids["worker1"], ids["sec1"], registered, FlowSettings())
        await db.dispose()

    asyncio.run(run())
    return url


class TestCheckInInTheTerminal:
    def test_worker_answers_and_secretary_records_the_outcome(self, tmp_path: Path) -> None:
        url = seed(tmp_path / "county.db")
        # Wednesday: nothing is due yet; the clock moves to Thursday 10:00, when the first check-in is.
        worker = mishu("chat", "--db", url, "--now", "2026-12-02T10:00", stdin="/clock 2026-12-03T10:00\n[4]\n")
        assert worker.returncode == 0, worker.stderr
        before, _, after = worker.stdout.partition("(clock: 2026-12-03T10:00)")
        assert "王秘书" not in before
        assert "我是您的就业秘书王秘书" in after and "[4] 请秘书联系我" in after
        assert "已请王秘书尽快给您打电话" in after

        secretary = mishu("chat", "--as", "secretary", "--user", "sec1", "--db", url,
                          "--now", "2026-12-03T10:05", stdin="[2]\n/today\n")
        assert secretary.returncode == 0, secretary.stderr
        out = secretary.stdout
        assert "📨 📞 刘大姐请您给TA打电话" in out
        assert "tel: 13812345678" in out and "求职者的回复：请秘书联系我" in out
        assert "[1] 已就业" in out and "[2] 还在找" in out
        assert "已记录：刘大姐 — 还在找。下次回访：2026-12-10 10:05（定期回访）" in out
        assert "今天没有要回访的" in out

    def test_bad_now_is_one_line(self, tmp_path: Path) -> None:
        result = mishu("chat", "--db", f"sqlite:///{tmp_path / 'x.db'}", "--now", "next tuesday")
        assert result.returncode == 2 and "2026-12-03T10:00" in result.stderr and "Traceback" not in result.stderr
