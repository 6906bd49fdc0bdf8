"""Fixtures for the Telegram tests: one Bot API emulator process for the session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.bot.emulator import BotApiEmulator


@pytest.fixture(scope="session")
def bot_api() -> Iterator[BotApiEmulator]:
    emulator = BotApiEmulator().start()
    try:
        yield emulator
    finally:
        emulator.stop()
