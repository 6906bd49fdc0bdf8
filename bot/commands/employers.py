"""`mishu employer …`: one-time codes the bureau gives an enterprise's contact to bind their chat to it."""

from __future__ import annotations

import typer

from bot.settings import Settings

app = typer.Typer(help="Employers: binding codes for enterprises' contacts.", no_args_is_help=True)


@app.command("code")
def code(
    enterprise: str = typer.Option(..., "--enterprise", help="The enterprise's id or name."),
    days: int = typer.Option(None, "--days", min=1, max=365, help="Days the code stays valid (config: "
                             "employers.code_days)."),
    db: str | None = typer.Option(None, "--db", help="Database URL."),
) -> None:
    """Print a one-time code; the contact sends "/employer CODE" to the bot in a private chat to bind."""
    from bot.cli import run_async, settings_for

    settings = settings_for(db)
    typer.echo(run_async(_code)(settings, enterprise, days or settings.employers.code_days))


async def _code(settings: Settings, enterprise_name: str, days: int) -> str:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from bot.app import open_database
    from bot.cli import fail
    from storage.queries.employers import EmployerError, create_code, one_enterprise, shown_code

    database = await open_database(settings)
    try:
        async with database.session() as session:
            try:
                enterprise = await one_enterprise(session, enterprise_name)
            except EmployerError as exc:
                fail(str(exc))
                raise
            code, row = await create_code(session, enterprise, now=datetime.now(UTC), days=days)
        until = row.expires_at.astimezone(ZoneInfo(settings.timezone)).strftime("%Y-%m-%d %H:%M")
        return (f"{shown_code(code)}\n"
                f"one-time code for {enterprise.name} (#{enterprise.id}), valid until {until}; the contact sends "
                f"\"/employer {shown_code(code)}\" to the bot in a private chat")
    finally:
        await database.dispose()
