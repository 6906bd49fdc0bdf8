"""`mishu run` as staff start it: a real process serving a user of the Bot API emulator, stopped by SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bot.emulator import BotApiEmulator

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


async def test_mishu_run_serves_a_user_and_stops_cleanly(bot_api: BotApiEmulator, tmp_path: Path) -> None:
    await bot_api.reset()
    db = f"sqlite:///{tmp_path / 'run.db'}"
    load = subprocess.run([sys.executable, "-m", "bot.cli", "demo", "load", "--db", db], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert load.returncode == 0, load.stderr
    env = {**os.environ, "MISHU_TELEGRAM_TOKEN": bot_api.token}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run", "--api-base", bot_api.api_base, "--db", db],
        cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True,
    )
    try:
        # Start-up (imports, the NLU model) takes long on a busy machine: wait until the bot polls, then time it.
        await _wait_until_polling(bot_api, process)
        await bot_api.send_message(4242, "你好")
        replies = await bot_api.wait_for_bot_messages(4242, 1, timeout=30)
        assert "就业秘书" in replies[0]["text"]
        await bot_api.send_message(4242, "有没有采茶的工作")
        replies = await bot_api.wait_for_bot_messages(4242, 3, timeout=15)
        assert any("采茶" in m["text"] for m in replies[1:])
        assert await bot_api.journal("setMyCommands"), "the command menus were not set"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            code = -9
        log = process.stderr.read() if process.stderr else ""
    assert code == 0, log[-2000:]
    assert "13800" not in log  # phone numbers never reach the log
    # The last handled update was acknowledged: a restart would not see it again.
    updates = await bot_api.journal("getUpdates")
    assert int(updates[-1]["params"].get("offset", 0)) >= 2


async def _wait_until_polling(bot_api: BotApiEmulator, process: subprocess.Popen[str], timeout: float = 180) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await bot_api.journal("getUpdates"):
        assert process.poll() is None, "mishu run exited before polling"
        assert loop.time() < deadline, "mishu run did not start polling"
        await asyncio.sleep(0.5)


def test_run_without_a_token_says_what_to_set(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "MISHU_TELEGRAM_TOKEN"}
    result = subprocess.run([sys.executable, "-m", "bot.cli", "run", "--db", f"sqlite:///{tmp_path / 'x.db'}"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "MISHU_TELEGRAM_TOKEN" in result.stderr
