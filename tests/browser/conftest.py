"""A real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) against `mishu web` serving the
demo county in its own process, as a person would try it. Screenshots go to var/screenshots/ (CI keeps them).

Launch flags from the notes on this kind of machine: without the background-networking ones Chromium keeps
trying to reach outside hosts. `.ci/services.sh install` installs chromium and a CJK font.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("MISHU_SCREENSHOTS", ROOT / "var" / "screenshots"))
CHROMIUM = os.environ.get("MISHU_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
PASSWORD = "茶园春天2026"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class ConsoleServer:
    base: str  # http://127.0.0.1:PORT/console
    db_url: str
    links: dict[str, str]  # the demo's admin1 and sec1: one-time sign-in links printed by `mishu web`

    def invite(self, terminal_id: str) -> str:
        """A fresh one-time link, as staff get it: `mishu user invite`."""
        done = subprocess.run(
            [sys.executable, "-m", "bot.cli", "user", "invite", "--terminal-id", terminal_id, "--db", self.db_url,
             "--base-url", self.base],
            cwd=ROOT, capture_output=True, text=True, timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()


@pytest.fixture(scope="session")
def console_server(tmp_path_factory: pytest.TempPathFactory, chromium: str) -> Iterator[ConsoleServer]:
    """`mishu web --db <empty SQLite> --port N`: the demo county is seeded on first use, links printed."""
    folder = tmp_path_factory.mktemp("console")
    db_url = f"sqlite:///{folder / 'demo.db'}"
    port = free_port()
    log = (folder / "web.log").open("w+", encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "web", "--db", db_url, "--port", str(port)],
                               cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}/console"
    try:
        deadline = time.monotonic() + 240
        while True:
            assert process.poll() is None, (folder / "web.log").read_text(encoding="utf-8")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "mishu web did not start within 240 s"
            time.sleep(0.5)
        text = (folder / "web.log").read_text(encoding="utf-8")
        links = dict(re.findall(r"^\s+(admin1|sec1): (http\S+)$", text, re.M))
        assert set(links) == {"admin1", "sec1"}, text
        yield ConsoleServer(base, db_url, links)
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _serve(command: list[str], port: int, folder: Path, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """Start a `mishu …` process serving HTTP on `port` and wait for its /healthz (its output in folder/web.log)."""
    log = (folder / "web.log").open("w+", encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", *command], cwd=ROOT, stdout=log,
                               stderr=subprocess.STDOUT, text=True, env=env)
    deadline = time.monotonic() + 240
    while True:
        if process.poll() is not None:
            log.close()
            raise AssertionError((folder / "web.log").read_text(encoding="utf-8"))
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return process
        except OSError:
            pass
        if time.monotonic() > deadline:
            process.terminate()
            raise AssertionError(f"{command[0]} did not serve /healthz within 240 s")
        time.sleep(0.5)


@dataclass
class ServedBot:
    """`mishu run` on the demo county, polling the Bot API emulator, its outbox delivered there, the console
    served beside (`web.with_polling`): what staff use when the bureau runs the bot by polling."""

    console: ConsoleServer
    emulator: Any  # tests.bot.emulator.BotApiEmulator

    def user(self, user_id: int) -> EmulatorUser:
        return EmulatorUser(self.emulator, user_id)


class EmulatorUser:
    """A person in the emulator's private chat with the bot, for a synchronous (Playwright) test: each call runs the
    emulator's async client in a thread of its own (Playwright's sync API keeps this thread's event loop)."""

    def __init__(self, emulator: Any, user_id: int) -> None:
        self.emulator, self.user_id = emulator, user_id

    def _run(self, coroutine: Any) -> Any:
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, coroutine).result()

    def messages(self) -> list[dict[str, Any]]:
        """What the bot has sent to this chat, oldest first."""
        return self._run(self.emulator.bot_messages(self.user_id))

    def snapshot(self) -> dict[int, str]:
        """Each bot message's text and button labels as shown now, by message id."""
        return {m["message_id"]: _shown(m) for m in self.messages()}

    def wait_for(self, expected: str, before: dict[int, str] | None = None, timeout: float = 60) -> str:
        """Wait until a bot message new or changed since `before` shows `expected`; returns those messages' text."""
        before = before or {}
        deadline = time.monotonic() + timeout
        while True:
            changed = "\n".join(text for key, text in self.snapshot().items() if before.get(key) != text)
            if expected in changed:
                return changed
            if time.monotonic() > deadline:
                raise AssertionError(f"no {expected!r} in the emulator chat {self.user_id}; got {changed!r}")
            time.sleep(0.2)

    def say(self, text: str = "", expect: str = "", **options: Any) -> str:
        before = self.snapshot()
        self._run(self.emulator.send_message(self.user_id, text, **options))
        return self.wait_for(expect, before) if expect else ""

    def press(self, label: str, expect: str = "") -> str:
        """Press the newest button with this label in the chat."""
        from tests.bot.emulator import button

        before = self.snapshot()
        for message in reversed(self.messages()):
            try:
                data = button(message, label)
            except LookupError:
                continue
            self._run(self.emulator.press(self.user_id, message["message_id"], data))
            return self.wait_for(expect, before) if expect else ""
        raise LookupError(f"no button {label!r} in chat {self.user_id}")


def _shown(message: dict[str, Any]) -> str:
    labels = [b.get("text", "") for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]
    return "\n".join([message.get("text", ""), *labels])


@pytest.fixture(scope="session")
def served_bot(tmp_path_factory: pytest.TempPathFactory, chromium: str) -> Iterator[ServedBot]:
    """The Bot API emulator (a real Bot API server process, tests/bot/emulator.py) and `mishu run --api-base` on a
    demo county, configured as tests/bot/test_run.py runs it: the token in MISHU_TELEGRAM_TOKEN; the console beside
    polling through MISHU_WEB__WITH_POLLING and its port through MISHU_WEB__LISTEN_PORT."""
    from tests.bot.emulator import BotApiEmulator, EmulatorError

    folder = tmp_path_factory.mktemp("bot")
    db_url = f"sqlite:///{folder / 'demo.db'}"
    try:
        emulator = BotApiEmulator().start()
    except EmulatorError as exc:
        missing(f"the Bot API emulator cannot start: {exc}")
        raise
    try:
        load = subprocess.run([sys.executable, "-m", "bot.cli", "demo", "load", "--db", db_url], cwd=ROOT,
                              capture_output=True, text=True, timeout=240)
        assert load.returncode == 0, load.stderr
        port = free_port()
        env = {**os.environ, "MISHU_TELEGRAM_TOKEN": emulator.token, "MISHU_WEB__WITH_POLLING": "true",
               "MISHU_WEB__LISTEN_HOST": "127.0.0.1", "MISHU_WEB__LISTEN_PORT": str(port)}
        process = _serve(["run", "--api-base", emulator.api_base, "--db", db_url], port, folder, env)
        try:
            yield ServedBot(ConsoleServer(f"http://127.0.0.1:{port}/console", db_url, {}), emulator)
        finally:
            process.terminate()
            process.wait(timeout=30)
    finally:
        emulator.stop()


def missing(reason: str) -> None:
    """No browser here: under CI (`CI` set, as .ci/run does) that is a failure, never a skip into green; on a
    developer's machine the browser tests are skipped with what to install."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: the browser tests must run)", pytrace=False)
    pytest.skip(f"{reason}; browser tests skipped (not under CI)")


@pytest.fixture(scope="session")
def chromium() -> str:
    """The browser's path, checked before anything is started."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing("the playwright package is not installed: `pip install -e '.[dev]'`")
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        missing(f"no Chromium at {CHROMIUM}: run `bash .ci/services.sh install` (Debian package chromium)")
    return CHROMIUM


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[object]:
    """Module-scoped on purpose: Playwright's sync API keeps its event loop marked as running in this thread while
    it is open, and every async test after it would fail to start its own loop ("Runner.run() cannot be called
    from a running event loop"). Closed when the module's tests are done, the loop goes with it."""
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=LAUNCH_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def new_page(browser):  # type: ignore[no-untyped-def]
    """A fresh browser context (its own cookies) per person; closed after the test."""
    contexts = []

    def make(width: int = 1280, height: int = 900):  # type: ignore[no-untyped-def]
        context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def shot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def set_password(page, link: str, login: str) -> None:  # type: ignore[no-untyped-def]
    """Open a one-time link and set the password, as a person does; ends on the overview."""
    page.goto(link)
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=password_again]", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(re.compile(r".*/console/$"))


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    """Say where the screenshots are (CI keeps that folder as artefacts)."""
    taken = sorted(SCREENSHOTS.glob("*.png")) if SCREENSHOTS.is_dir() else []
    if taken:
        terminalreporter.write_line(f"console screenshots ({len(taken)}) in {SCREENSHOTS}")
