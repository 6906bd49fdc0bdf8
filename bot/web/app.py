"""The console as an aiohttp application mounted at /console: its pages, templates, assets and the middleware.

PAGES lists the page modules in menu order; adding a page is adding its module here (bot/web/README.md).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo

from aiohttp import web
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from bot.privacy import masked_phone
from bot.settings import Settings
from bot.web import (
    audit,
    broadcasts,
    exports,
    followups,
    imports,
    overview,
    policies,
    postings,
    requests,
    signin,
    workers,
)
from bot.web.access import aiohttp_handler, console_middleware
from bot.web.context import BASE, CONSOLE_KEY, Console, TtlCache, system_clock
from bot.web.routing import Page
from flows.assistant import Understanding
from flows.push import PushPolicy
from flows.signin import SignInPolicy
from flows.turn import FlowSettings
from storage import states
from storage.db import Database

PAGES: tuple[Page, ...] = (
    overview.page, workers.page, followups.page, requests.page, postings.page, broadcasts.page, policies.page, audit.page,
    imports.page, exports.page, signin.page,
)
STATIC = Path(__file__).resolve().parent / "static"
ASSET_VERSION = "3"  # bump when a vendored file changes, so browsers fetch it again


def sign_in_policy(settings: Settings) -> SignInPolicy:
    web_ = settings.web
    return SignInPolicy(
        session_hours=web_.session_hours, idle_minutes=web_.idle_minutes, invite_hours=web_.invite_hours,
        account_failures=web_.lockout.account_failures, client_failures=web_.lockout.client_failures,
        backoff_seconds=web_.lockout.backoff_seconds, backoff_max_seconds=web_.lockout.backoff_max_seconds,
    )


VOCABULARIES = {name: value for name, value in vars(states).items()
                if isinstance(value, type) and issubclass(value, StrEnum) and value.__module__ == states.__name__}


def templates(zone: ZoneInfo) -> Environment:
    env = Environment(
        loader=PackageLoader("bot.web", "templates"), autoescape=select_autoescape(["html"]),
        trim_blocks=True, lstrip_blocks=True, undefined=StrictUndefined,
    )

    def local(moment: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
        return moment.astimezone(zone).strftime(pattern) if moment is not None else "-"

    env.filters["local"] = local
    env.filters["day"] = lambda moment: local(moment, "%Y-%m-%d")
    env.filters["masked"] = masked_phone
    env.globals["asset_version"] = ASSET_VERSION
    env.globals["base"] = BASE
    # The vocabularies (PostingState, FollowUpOutcome …): a template names a state or kind by its member, as code does.
    env.globals.update(VOCABULARIES)
    return env


def make_console(
    db: Database, settings: Settings, flow_settings: FlowSettings, *, clock: Callable[[], datetime] | None = None,
    understanding: Understanding | None = None,
) -> Console:
    from bot.app import load_understanding

    return Console(
        db=db, flow_settings=flow_settings, policy=sign_in_policy(settings),
        templates=templates(ZoneInfo(settings.timezone)),
        nav=[(page.nav, page.path, page.roles) for page in PAGES if page.nav],
        page_size=settings.web.page_size, secure_cookies=settings.web.secure_cookies,
        trusted_proxies=tuple(settings.web.trusted_proxies), clock=clock or system_clock,
        bureau_name=settings.bureau.name, figures=TtlCache(seconds=settings.web.figures_cache_seconds),
        canned_replies=tuple((reply.label, reply.text) for reply in settings.cases.canned_replies),
        understanding=understanding, load_understanding=lambda: load_understanding(settings),
        model_dir=settings.nlu.model_dir, push_policy=PushPolicy.coerce(settings),
    )


def console_application(console: Console) -> web.Application:
    """The sub-application: every page's routes, each with its declared rule, and the vendored assets."""
    application = web.Application(middlewares=[console_middleware])
    application[CONSOLE_KEY] = console
    for page in PAGES:
        for route in page.routes:
            application.router.add_route(route.method, route.path, aiohttp_handler(route), name=route.name)
    application.router.add_static("/static", STATIC, name="static")
    return application


def mount_console(root: web.Application, console: Console) -> None:
    """Serve the console under /console on an application that may also hold the webhook and /healthz."""

    async def to_console(_: web.Request) -> web.Response:
        raise web.HTTPFound(BASE + "/")

    async def settle(_: web.Application) -> None:
        await console.settle()  # background work a request left (pushes) ends before the server does

    root.router.add_get(BASE, to_console)
    root.add_subapp(BASE, console_application(console))
    root[CONSOLE_KEY] = console
    root.on_cleanup.append(settle)
