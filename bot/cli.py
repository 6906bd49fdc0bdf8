"""The `mishu` command line (SPEC §3): chat, run, nlu, db, demo, import, stats.

Every command turns configuration and database problems into one clear line and exit code 2.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import wraps
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table

from bot.settings import ConfigError, Settings, load_settings
from storage.db import Database, DatabaseError
from storage.states import Role

app = typer.Typer(
    help="Mishu (秘书): the employment-secretary assistant.", no_args_is_help=True, pretty_exceptions_show_locals=False
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
demo_app = typer.Typer(help="The demo county.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")


def _mount_commands() -> None:
    """Sub-apps living in bot/commands/, one module per topic."""
    from bot.commands import broadcast, employers, exports, imports, nlu, postings, users

    app.add_typer(imports.app, name="import")
    app.add_typer(exports.app, name="export")
    app.add_typer(broadcast.app, name="broadcast")
    app.add_typer(users.app, name="user")
    app.add_typer(employers.app, name="employer")
    app.add_typer(postings.app, name="postings")
    app.add_typer(nlu.app, name="nlu")


err = Console(stderr=True, soft_wrap=True)
T = TypeVar("T")

DbOption = typer.Option(None, "--db", help="Database URL, e.g. sqlite:///mishu.db or postgresql://user@host/db")


DEFAULT_TERMINAL_USER = {Role.WORKER: "worker1", Role.SECRETARY: "sec1", Role.ADMIN: "admin1", Role.OBSERVER: "obs1",
                         Role.EMPLOYER: "emp1"}


def fail(message: str) -> None:
    err.print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(2)


def settings_for(db_url: str | None) -> Settings:
    """The configuration for a command; logging set up from it (level, SQL echo), personal numbers masked."""
    from bot.privacy import setup_logging

    try:
        settings = load_settings(**({"database__url": db_url} if db_url else {}))
    except ConfigError as exc:
        fail(str(exc))
        raise  # unreachable
    setup_logging(settings.logging.level, sql=settings.database.echo)
    return settings


def run_async(coroutine_fn: Callable[..., Awaitable[T]]) -> Callable[..., T]:
    """Run an async command body, turning our known errors into one line."""

    @wraps(coroutine_fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            return asyncio.run(coroutine_fn(*args, **kwargs))
        except (ConfigError, DatabaseError) as exc:
            fail(str(exc))
            raise  # unreachable

    return wrapper


@app.command()
def chat(
    as_: Role = typer.Option(Role.WORKER, "--as", help="Who is talking."),
    user: str | None = typer.Option(None, "--user", help="The terminal user id (default per role)."),
    db: str | None = DbOption,
    plain: bool = typer.Option(
        False, "--plain", help="Talk as a channel without buttons (SMS, WeChat): lists come as one numbered message."
    ),
    now: str | None = typer.Option(
        None, "--now", help="Pretend it is this moment (bureau time, e.g. 2026-12-03T10:00): follow-ups due by then "
        "are handled before each turn; type `/clock 2026-12-10T10:00` to move the clock on."
    ),
) -> None:
    """Chat with the assistant in the terminal (reads one message a line from stdin when piped)."""
    settings = settings_for(db)
    clock = None
    if now is not None:
        try:
            clock = parse_moment(now, settings.timezone)
        except ValueError as exc:
            fail(str(exc))
    run_async(_chat)(settings, as_, user or DEFAULT_TERMINAL_USER[as_], clock, plain)


def parse_moment(text: str, timezone: str) -> datetime:
    """An ISO date-time; without a zone it is the bureau's local time. Returned in UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"'{text}' is not a date-time like 2026-12-03T10:00") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(timezone))
    return moment.astimezone(UTC)


async def _chat(
    settings: Settings, role: Role, user: str, clock: datetime | None = None, plain: bool = False
) -> None:
    from bot.app import build_app
    from bot.channels.terminal import run_terminal
    from bot.harness import Conversation
    from storage.queries.people import person_by_identity

    app_ = await build_app(settings, create_if_empty=True)
    try:
        await _ensure_demo(app_.db, settings)
        async with app_.db.session() as session:
            person = await person_by_identity(session, "terminal", user)
        if person is not None and person.role != role.value:
            fail(f"terminal user '{user}' is a {person.role}, not a {role.value}; choose another --user")
        if person is None and role != Role.WORKER:
            fail(f"no {role.value} has the terminal id '{user}'; the demo has sec1…sec10, admin1, obs1 and emp1")
        if sys.stdin.isatty():
            err.print(f"[dim]Mishu chat on {app_.db.describe()} as {role.value} '{user}'. Ctrl-D to leave; "
                      "press a button by typing its number in brackets, e.g. [1].[/dim]")
        conversation = Conversation(app_.assistant, user_id=user, now=clock, buttons_shown=not plain)
        if clock is None:
            await run_terminal(conversation, sys.stdin)
            return
        from bot.scheduler import claimer_name
        from flows.checkins import run_due_scan

        async def due_scan() -> None:
            assert conversation.now is not None
            await run_due_scan(app_.db, now=conversation.now, settings=app_.assistant.settings, claimer=claimer_name())

        await run_terminal(
            conversation, sys.stdin, before_turn=due_scan,
            parse_clock=lambda text: parse_moment(text, settings.timezone),
        )
    finally:
        await app_.close()


async def _ensure_demo(db: Any, settings: Settings) -> bool:
    """Seed the demo county on first use of an empty database; True when it did."""
    from storage.queries.stats import has_no_data

    async with db.session() as session:
        empty = await has_no_data(session)
    if empty:
        from storage.demo import load_demo  # only when needed: a database with people in it works without

        today = datetime.now(ZoneInfo(settings.timezone)).date()
        summary = await load_demo(db, today=today)
        err.print(f"[dim]demo county loaded: {summary}[/dim]")
    return bool(empty)


@app.command()
def run(
    api_base: str | None = typer.Option(None, "--api-base", help="A local Bot API server, e.g. http://127.0.0.1:8081"),
    db: str | None = DbOption,
) -> None:
    """Run the service: Telegram channel (polling, or webhook by config), outbox delivery, scheduler."""
    settings = settings_for(db)
    run_async(_run)(settings, api_base)


async def _run(settings: Settings, api_base: str | None) -> None:
    from bot.channels.telegram.service import serve

    await serve(settings, api_base=api_base)


@app.command("web")
def web_(
    db: str | None = DbOption,
    port: int | None = typer.Option(None, "--port", help="Port to listen on (default web.listen_port)."),
    host: str | None = typer.Option(None, "--host", help="Address to listen on (default web.listen_host)."),
) -> None:
    """Serve the staff console alone at http://HOST:PORT/console (with /healthz): for polling deployments and
    for trying it on the demo county (an empty SQLite file gets the demo, like `mishu chat`)."""
    from bot.privacy import setup_logging

    overrides: dict[str, Any] = {"database__url": db} if db else {}
    if port is not None:
        overrides["web__listen_port"] = port
    if host is not None:
        overrides["web__listen_host"] = host
    try:
        settings = load_settings(**overrides)
    except ConfigError as exc:
        fail(str(exc))
        raise
    setup_logging(settings.logging.level)
    run_async(_web)(settings)


async def _web(settings: Settings) -> None:
    from bot.app import flow_settings, open_database
    from bot.http import http_application, serve_http
    from bot.web.app import sign_in_policy
    from flows.signin import issue_invite
    from storage.models import utcnow
    from storage.queries.roles import bootstrap_admins
    from storage.queries.staff import staff_by_identity

    database = await open_database(settings, create_if_empty=True)
    try:
        seeded = await _ensure_demo(database, settings)
        async with database.session() as session:
            await bootstrap_admins(session, settings.roles.admins)
            links = []
            if seeded:  # the demo's staff can sign in at once: one link each for an admin and a secretary
                for terminal_id in ("admin1", "sec1"):
                    person = await staff_by_identity(session, "terminal", terminal_id)
                    token = await issue_invite(session, person, now=utcnow(), policy=sign_in_policy(settings)) \
                        if person is not None else None
                    if token:
                        links.append(f"  {terminal_id}: {settings.console_url}/invite/{token}")
        host, port = settings.http_address
        err.print(f"Mishu console on {database.describe()}: {settings.console_url}  (Ctrl-C to stop)", highlight=False)
        if links:
            err.print("one-time sign-in links for the demo's staff (more: mishu user invite --terminal-id sec2):",
                      highlight=False)
            for line in links:
                err.print(line, highlight=False)
        else:
            err.print(f"sign-in links: mishu user invite --telegram-id ID (demo: --terminal-id admin1) --db "
                      f"{database.describe()} --base-url {settings.console_url}", highlight=False)
        application = http_application(database, settings, flow_settings(settings))
        await serve_http(application, host, port, asyncio.Event())
    finally:
        await database.dispose()


@db_app.command("upgrade")
def db_upgrade(db: str | None = DbOption) -> None:
    """Migrate the database schema to the newest revision."""
    settings = settings_for(db)
    run_async(_db_upgrade)(settings)


async def _db_upgrade(settings: Settings) -> None:
    from storage.db import Database
    from storage.migrate import upgrade

    database = Database(settings.database.url)
    try:
        revision = await upgrade(database)
        print(f"{database.describe()} is at schema revision {revision}")
    finally:
        await database.dispose()


@demo_app.command("load")
def demo_load(db: str | None = DbOption) -> None:
    """Load the demo county (峨眉山市) into the database, dated from today."""
    settings = settings_for(db)
    run_async(_demo_load)(settings)


async def _demo_load(settings: Settings) -> None:
    from bot.app import open_database
    from storage.demo import load_demo

    database = await open_database(settings, create_if_empty=True)
    try:
        summary = await load_demo(database, today=datetime.now(ZoneInfo(settings.timezone)).date())
        print(summary)
    finally:
        await database.dispose()


@app.command()
def stats(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of a table."),
    db: str | None = DbOption,
) -> None:
    """The bureau's figures: enterprises, openings, workers, placements, service contacts, follow-ups …"""
    settings = settings_for(db)
    figures = run_async(_stats)(settings)
    if as_json:
        print(json.dumps(figures, ensure_ascii=False))
        return
    from flows.i18n import t

    table = Table(title=settings.bureau.name)
    table.add_column("指标 / figure")
    table.add_column("数量", justify="right")
    for key, value in figures.items():
        table.add_row(f"{t('stats.' + key)} / {t('stats.' + key, 'en')}", f"{value:,}")
    Console().print(table)


@app.command()
def health(db: str | None = DbOption) -> None:
    """Can Mishu work? One JSON line (database reachable, outbox backlog); exit 0 healthy, 1 not.

    The same report as webhook mode's GET /healthz, for polling deployments (systemd, cron, monitoring)."""
    healthy, report = run_async(_health)(settings_for(db))
    print(json.dumps(report, ensure_ascii=False))
    raise typer.Exit(0 if healthy else 1)


async def _health(settings: Settings) -> tuple[bool, dict[str, Any]]:
    from bot.health import health_report

    database = Database(settings.database.url, must_exist=True)  # a health check never creates a database
    try:
        return await health_report(database)
    finally:
        await database.dispose()


async def _stats(settings: Settings) -> dict[str, int]:
    from bot.app import open_database
    from storage.queries.stats import bureau_figures

    database = await open_database(settings)
    try:
        now = datetime.now(UTC)
        async with database.session() as session:
            return await bureau_figures(session, now=now, today=now.astimezone(ZoneInfo(settings.timezone)).date())
    finally:
        await database.dispose()


_mount_commands()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
