"""`mishu user …`: staff roles and secretaries' townships, checked and changed from the command line."""

from __future__ import annotations

import typer

from bot.settings import Settings
from storage.states import Role

app = typer.Typer(help="Staff roles (grant, revoke, townships a secretary covers) and console sign-in links.",
                  no_args_is_help=True)

TelegramId = typer.Option(..., "--telegram-id", help="The person's Telegram user id.")


@app.command("grant")
def grant(
    role: str = typer.Option(..., "--role", help="worker | observer | secretary | admin | employer"),
    telegram_id: int = TelegramId,
    name: str = typer.Option(None, "--name", help="Their name as staff see it."),
    townships: str = typer.Option(None, "--townships", help="For a secretary: townships covered, comma separated."),
    enterprise: str = typer.Option(None, "--enterprise", help="For an employer: the enterprise's id or name."),
    db: str | None = typer.Option(None, "--db", help="Database URL."),
) -> None:
    """Give a Telegram account a role (an employer is bound to an enterprise: --enterprise)."""
    from bot.cli import run_async, settings_for

    message = run_async(_grant)(settings_for(db), role, str(telegram_id), name, townships, enterprise)
    typer.echo(message)


async def _grant(settings: Settings, role: str, telegram_id: str, name: str | None, townships: str | None,
                 enterprise_name: str | None = None) -> str:
    from bot.app import open_database
    from bot.cli import fail
    from storage.queries.employers import EmployerError, bind, one_enterprise
    from storage.queries.roles import RoleError, grant, set_coverage
    from storage.vocabulary import geography

    database = await open_database(settings)
    try:
        async with database.session() as session:
            try:
                if (role == Role.EMPLOYER) != bool(enterprise_name):
                    raise RoleError("an employer needs --enterprise (its id or name), and only an employer takes it")
                enterprise = await one_enterprise(session, enterprise_name) if enterprise_name else None
                person = await grant(session, "telegram", telegram_id, role, name=name)
                if enterprise is not None:
                    bind(person, enterprise)
                covered: list[str] = []
                if townships:
                    wanted = [part.strip() for part in townships.replace("，", ",").split(",") if part.strip()]
                    found = [geography().township_of(part) for part in wanted]
                    unknown = [w for w, f in zip(wanted, found, strict=True) if f is None]
                    if unknown:
                        raise RoleError(f"unknown townships: {', '.join(unknown)}")
                    covered = await set_coverage(session, person, [f for f in found if f])
            except (RoleError, EmployerError) as exc:
                fail(str(exc))
                raise
        extra = f", covering {', '.join(covered)}" if covered else ""
        if enterprise is not None:
            extra = f" of {enterprise.name} (#{enterprise.id})"
        return f"telegram {telegram_id} is now {role}{extra}"
    finally:
        await database.dispose()


@app.command("revoke")
def revoke(telegram_id: int = TelegramId, db: str | None = typer.Option(None, "--db", help="Database URL.")) -> None:
    """Take a staff role away (the person stays, as a worker)."""
    from bot.cli import run_async, settings_for

    typer.echo(run_async(_revoke)(settings_for(db), str(telegram_id)))


async def _revoke(settings: Settings, telegram_id: str) -> str:
    from bot.app import open_database
    from bot.cli import fail
    from storage.queries.roles import RoleError, revoke

    database = await open_database(settings)
    try:
        async with database.session() as session:
            try:
                await revoke(session, "telegram", telegram_id)
            except RoleError as exc:
                fail(str(exc))
                raise
        return f"telegram {telegram_id} is now a worker"
    finally:
        await database.dispose()


@app.command("invite")
def invite(
    telegram_id: int = typer.Option(None, "--telegram-id", help="The staff member's Telegram user id."),
    terminal_id: str = typer.Option(None, "--terminal-id", help="Or their terminal id (the demo's admin1, sec1 …)."),
    base_url: str = typer.Option(None, "--base-url", help="The console's address (default: web.public_url, else "
                                 "http://<web.listen_host>:<web.listen_port>/console)."),
    db: str | None = typer.Option(None, "--db", help="Database URL."),
) -> None:
    """Print a one-time sign-in link to the staff console (valid web.invite_hours, 24 h by default; one use)."""
    from bot.cli import fail, run_async, settings_for

    if (telegram_id is None) == (terminal_id is None):
        fail("give --telegram-id (or, for the demo, --terminal-id)")
    channel, external = ("telegram", str(telegram_id)) if telegram_id is not None else ("terminal", str(terminal_id))
    settings = settings_for(db)
    typer.echo(run_async(_invite)(settings, channel, external, (base_url or settings.console_url).rstrip("/")))


async def _invite(settings: Settings, channel: str, external_id: str, base_url: str) -> str:
    from bot.app import open_database
    from bot.cli import fail
    from bot.web.app import sign_in_policy
    from flows.signin import issue_invite
    from storage.models import utcnow
    from storage.queries.staff import staff_by_identity

    database = await open_database(settings)
    try:
        async with database.session() as session:
            person = await staff_by_identity(session, channel, external_id)
            if person is None:
                fail(f"nobody with {channel} id {external_id}; grant a role first: mishu user grant --role secretary …")
                raise AssertionError
            token = await issue_invite(session, person, now=utcnow(), policy=sign_in_policy(settings))
            if token is None:
                fail(f"{channel} {external_id} is a {person.role}; only secretaries and admins sign in to the console")
                raise AssertionError
        return f"{base_url}/invite/{token}"
    finally:
        await database.dispose()
