"""A real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) against `mishu web` serving the
demo county in its own process, as a person would try it. Screenshots go to var/screenshots/ (CI keeps them).

Launch flags from the notes on this kind of machine: without the background-networking ones Chromium keeps
trying to reach outside hosts. `.ci/services.sh install` installs chromium and a CJK font.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

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
