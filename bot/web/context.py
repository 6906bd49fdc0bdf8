"""What a console handler gets: the app-wide `Console` (database, settings, templates, clock) and the
per-request `Ctx` (the database session of this request's one transaction, who is signed in, their scope and
language, the CSRF token, and helpers to render, redirect and write the audit log)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from jinja2 import Environment
from sqlalchemy.ext.asyncio import AsyncSession

from flows.assistant import Assistant, Understanding
from flows.i18n import LANGUAGES, t, to_traditional
from flows.push import PushPolicy
from flows.scope import StaffScope
from flows.signin import SignInPolicy
from flows.turn import FlowSettings
from storage.db import Database
from storage.models import Person, StaffAccount
from storage.queries.audit import record
from storage.states import Role

log = logging.getLogger(__name__)

BASE = "/console"
CONSOLE_KEY: web.AppKey[Console] = web.AppKey("console")


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class TtlCache:
    """Recent results by key, each kept `seconds` (the overview's aggregates: counting a province's rows on every
    view would cost seconds, and a dashboard a few minutes old is what bureaus expect). Bounded in size."""

    seconds: float = 300
    size: int = 64
    entries: dict[Any, tuple[datetime, Any]] = field(default_factory=dict)

    def get(self, key: Any, now: datetime) -> tuple[datetime, Any] | None:
        found = self.entries.get(key)
        if found is None or (now - found[0]).total_seconds() >= self.seconds or now < found[0]:
            return None
        return found

    def put(self, key: Any, now: datetime, value: Any) -> None:
        if len(self.entries) >= self.size:
            self.entries.pop(next(iter(self.entries)))
        self.entries[key] = (now, value)


@dataclass
class Console:
    """Everything the console's handlers share, made once in bot/web/app.py."""

    db: Database
    flow_settings: FlowSettings
    policy: SignInPolicy
    templates: Environment
    nav: list[tuple[str, str, frozenset[str]]]  # (label key, path, roles) for the menu
    page_size: int = 50
    secure_cookies: str = "auto"
    trusted_proxies: tuple[str, ...] = ("127.0.0.1", "::1")
    clock: Callable[[], datetime] = system_clock
    bureau_name: str = ""
    figures: TtlCache = field(default_factory=TtlCache)
    canned_replies: tuple[tuple[str, str], ...] = ()  # (label, text) offered when answering a request
    # Work a request left to do after its transaction committed (pushing imported postings), still running.
    background: set[asyncio.Task[None]] = field(default_factory=set)
    # The NLU ("ask as a worker", the category guesser of imports): `mishu run` hands over the assistant's;
    # otherwise `load_understanding` loads (or trains) it once, on first use, in a thread.
    understanding: Understanding | None = None
    load_understanding: Callable[[], Understanding] | None = None
    model_dir: str = ""
    push_policy: PushPolicy = field(default_factory=PushPolicy)  # imported postings are pushed with it
    _loading: asyncio.Lock = field(default_factory=asyncio.Lock)
    _guesser: Any = None
    _assistant: Assistant | None = None

    async def nlu(self) -> Understanding:
        """The NLU the chat uses (loaded on first use when this process has none)."""
        async with self._loading:
            if self.understanding is None:
                if self.load_understanding is None:
                    raise RuntimeError("the console was made without an NLU or a way to load one")
                self.understanding = await asyncio.to_thread(self.load_understanding)
        return self.understanding

    async def assistant(self) -> Assistant:
        """The chat's assistant over this database (the 政策 page's "ask as a worker" puts questions to it)."""
        understanding = await self.nlu()
        if self._assistant is None:
            self._assistant = Assistant(self.db, understanding, self.flow_settings)
        return self._assistant

    async def category_guesser(self) -> Any:
        """The importer's job-category guesser (flows/categories.py), as `mishu import postings` builds it."""
        from flows.categories import JobCategoryGuesser

        understanding = await self.nlu()
        async with self._loading:
            if self._guesser is None:
                folder = Path(self.model_dir).expanduser() if self.model_dir else None
                self._guesser = await asyncio.to_thread(JobCategoryGuesser.cached, understanding,  # type: ignore[arg-type]
                                                        folder / "categories.pkl" if folder else None)
        return self._guesser

    def spawn(self, work: Awaitable[None], what: str) -> None:
        """Run `work` in the background; its failure is logged (a missed push is sent by the next daily push)."""

        async def run() -> None:
            try:
                await work
            except Exception:
                log.exception("console background work failed: %s", what)

        task = asyncio.get_running_loop().create_task(run(), name=f"console:{what}")
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    async def settle(self) -> None:
        """Wait for the background work (tests; shutdown)."""
        while self.background:
            await asyncio.gather(*list(self.background))


@dataclass
class Ctx:
    """One request: handlers read it and call its helpers; nothing here decides who may do what."""

    request: web.Request
    console: Console
    session: AsyncSession
    now: datetime
    client: str
    staff: Person | None = None
    account: StaffAccount | None = None
    scope: StaffScope | None = None
    csrf: str = ""
    language: str = "zh-hans"
    session_token: str = ""
    cookies: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)  # set on the response
    # Run once this request's transaction has committed (work that opens transactions of its own, which on SQLite
    # would wait for this one's write lock): `ctx.after_commit(lambda: push_imported(…), "push")`.
    after: list[tuple[Callable[[], Awaitable[None]], str]] = field(default_factory=list)

    # --- reading ----------------------------------------------------------------------------------------

    @property
    def settings(self) -> FlowSettings:
        return self.console.flow_settings

    @property
    def today(self) -> date:
        return self.now.astimezone(self.settings.zone).date()

    @property
    def is_admin(self) -> bool:
        return self.staff is not None and self.staff.role == Role.ADMIN

    @property
    def wants_json(self) -> bool:
        """JSON instead of HTML from the same view (Datasette style): `?format=json` or an Accept header."""
        if self.request.query.get("format") == "json":
            return True
        accept = self.request.headers.get("Accept", "")
        return accept.startswith("application/json")

    @property
    def htmx(self) -> bool:
        return self.request.headers.get("HX-Request") == "true"

    def t(self, key: str, **values: Any) -> str:
        return t(key, self.language, **values)

    def url(self, path: str = "/", **query: Any) -> str:
        """A console URL: `ctx.url("/workers", page=2)` → /console/workers?page=2 (empty values left out)."""
        wanted = {k: v for k, v in query.items() if v not in (None, "", [])}
        return BASE + path + (("?" + urlencode(wanted, doseq=True)) if wanted else "")

    # --- writing ----------------------------------------------------------------------------------------

    def audit(self, action: str, target_type: str = "", target_id: object = "", **detail: Any) -> None:
        """One line of the audit log, in this request's transaction (so it is kept exactly when the action is)."""
        record(self.session, actor_id=self.staff.id if self.staff else None, action=action,
               target_type=target_type, target_id=target_id, detail=detail, client=self.client, at=self.now)

    def render(self, template: str, status: int = 200, **data: Any) -> web.Response:
        """A page from a template; for a zh-hant reader the whole page in traditional characters, data included
        (the same rule as the chat's replies, flows.i18n.in_script)."""
        html = self.console.templates.get_template(template).render(ctx=self, t=self.t, url=self.url, **data)
        if self.language == "zh-hant":
            html = to_traditional(html)
        return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")

    def respond(self, template: str, data: Mapping[str, Any], **extra: Any) -> web.Response:
        """The same view as JSON (`?format=json`) or HTML: `data` must be JSON-able, `extra` is for the page only."""
        if self.wants_json:
            return web.json_response(dict(data), dumps=lambda value: json.dumps(value, ensure_ascii=False,
                                                                                default=str))
        return self.render(template, **data, **extra)

    def redirect(self, path: str, **query: Any) -> web.Response:
        """After a form: back to a page (htmx gets HX-Redirect, a plain form a 303)."""
        target = self.url(path, **query)
        if self.htmx:
            return web.Response(status=204, headers={"HX-Redirect": target})
        return web.Response(status=303, headers={"Location": target})

    def after_commit(self, work: Callable[[], Awaitable[Any]], what: str) -> None:
        """Do `work` in the background after this request's transaction committed (not at all if it failed)."""

        async def run() -> None:
            await work()

        self.after.append((run, what))

    def set_cookie(self, name: str, value: str, **options: Any) -> None:
        self.cookies[name] = (value, options)


def language_for(account: StaffAccount | None, staff: Person | None, default: str) -> str:
    """The console language: the staff member's console choice, else their chat setting, else the bureau's."""
    for choice in (account.language if account else None, staff.language if staff else None):
        if choice in LANGUAGES:
            return choice
    return default if default in LANGUAGES else "zh-hans"
