"""The console under aiohttp's test client, on SQLite and PostgreSQL: a small county (tests/factories.py), a clock
the test moves, and a `Browser` that keeps cookies and the page's CSRF token like a person's browser does."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import flow_settings
from bot.http import http_application
from bot.settings import Settings, load_settings
from bot.web.app import sign_in_policy
from flows.signin import issue_invite
from storage.db import Database
from storage.models import FollowUp
from tests.conftest import NOW
from tests.factories import add_people

PASSWORD = "茶园春天2026"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Clock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Browser:
    """One person's browser: cookies kept by the client, the last page's CSRF token remembered."""

    client: TestClient
    csrf: str = ""
    last: str = ""
    status: int = 0

    async def get(self, path: str, **options: Any) -> str:
        response = await self.client.get(path, allow_redirects=True, **options)
        self.status, self.last = response.status, await response.text()
        found = _CSRF.search(self.last)
        if found:
            self.csrf = found.group(1)
        return self.last

    async def post(self, path: str, data: dict[str, Any] | None = None, *, csrf: bool = True,
                   headers: dict[str, str] | None = None, follow: bool = False) -> Any:
        form = dict(data or {})
        if csrf:
            form["csrf_token"] = self.csrf
        response = await self.client.post(path, data=form, headers=headers or {}, allow_redirects=follow)
        self.status, self.last = response.status, await response.text()
        return response


@dataclass
class County:
    db: Database
    settings: Settings
    clock: Clock
    ids: dict[str, int]
    clients: list[TestClient] = field(default_factory=list)
    server: TestServer | None = None

    async def browser(self) -> Browser:
        assert self.server is not None
        client = TestClient(self.server)
        await client.start_server()
        self.clients.append(client)
        return Browser(client)

    async def invite(self, key: str) -> str:
        """A sign-in link's path for a staff member (as `mishu user invite` prints it)."""
        async with self.db.session() as session:
            from storage.models import Person

            person = await session.get(Person, self.ids[key])
            assert person is not None
            token = await issue_invite(session, person, now=self.clock(), policy=sign_in_policy(self.settings))
        assert token is not None
        return f"/console/invite/{token}"

    async def signed_in(self, key: str) -> Browser:
        """A browser in which `key` (sec1, admin1 …) set a password through a link and is signed in."""
        browser = await self.browser()
        link = await self.invite(key)
        await browser.get(link)
        await browser.post(link, {"login": key, "password": PASSWORD, "password_again": PASSWORD})
        assert browser.status == 303, browser.last
        await browser.get("/console/")
        return browser


@pytest.fixture
async def county(any_db: Database) -> AsyncIterator[County]:
    settings = load_settings(database__url=any_db.describe())
    clock = Clock()
    ids = await add_people(any_db, registered_at=NOW - timedelta(days=10))
    async with any_db.session() as session:
        for key, worker in (("fu1", "worker1"), ("fu3", "worker3")):
            followup = FollowUp(worker_id=ids[worker], secretary_id=ids["sec1" if worker == "worker1" else "sec2"],
                                kind="seeking", due_at=NOW - timedelta(hours=2), state="pending", prompts_sent=0,
                                note="", created_at=NOW - timedelta(days=7))
            session.add(followup)
            await session.flush()
            ids[key] = followup.id
    world = County(any_db, settings, clock, ids)
    application = http_application(any_db, settings, flow_settings(settings), clock=clock)
    world.server = TestServer(application)
    yield world
    for client in world.clients:
        await client.close()
