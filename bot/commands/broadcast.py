"""`mishu broadcast`: send a notice to an audience now or at a time; follow, report on or cancel it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import typer

from bot.settings import Settings

app = typer.Typer(help="Policy notices to workers and groups, through the outbox.")

FOLLOW_SECONDS = 1.0


def _parse_at(text: str, zone: ZoneInfo) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip().replace("T", " "))
    except ValueError as exc:
        raise typer.BadParameter(f"'{text}' is not a time; write e.g. 2026-12-01 09:00 (bureau time)") from exc
    return (moment if moment.tzinfo else moment.replace(tzinfo=zone)).astimezone(UTC)


@app.callback(invoke_without_command=True)
def broadcast(
    ctx: typer.Context,
    audience: str = typer.Option(None, "--audience", help="all | groups | township=双福镇 | status=seeking | "
                                 "category=采茶工 | origin=湖北; several joined with ';'"),
    file: Path = typer.Option(None, "--file", help="The notice (plain text or Markdown)."),
    at: str = typer.Option(None, "--at", help="Send at this bureau-local time, e.g. '2026-12-01 09:00'."),
    follow: bool = typer.Option(False, "--follow", help="Show a progress bar until delivery finishes."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Count the audience, send nothing."),
    db: str | None = typer.Option(None, "--db", help="Database URL."),
) -> None:
    """Send a notice: `mishu broadcast --audience township=双福镇 --file notice.md [--at TIME]`."""
    if ctx.invoked_subcommand is not None:
        return
    from bot.cli import fail, run_async, settings_for
    from flows.audience import AudienceError, parse_audience

    if not audience or not file:
        fail("give both --audience and --file (see `mishu broadcast --help`)")
    try:
        parsed = parse_audience(audience)
    except AudienceError as exc:
        fail(str(exc))
        return
    try:
        text = file.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read {file}: {exc}")
        return
    if not text:
        fail(f"{file} is empty")
    settings = settings_for(db)
    send_at = _parse_at(at, ZoneInfo(settings.timezone)) if at else datetime.now(UTC)
    run_async(_send)(settings, parsed, text, send_at, follow, dry_run)


async def _send(settings: Settings, audience: dict, text: str, send_at: datetime, follow: bool,  # type: ignore[type-arg]
                dry_run: bool) -> None:
    from bot.app import open_database
    from bot.cli import fail
    from flows.audience import describe_audience
    from flows.broadcasting import queue_broadcast
    from flows.channels import too_long_for
    from storage.queries.broadcasts import audience_recipients

    database = await open_database(settings)
    try:
        async with database.session() as session:
            recipients = await audience_recipients(session, audience)
            narrow = too_long_for(text, (r.channel for r in recipients))
            if narrow is not None:
                fail(f"the notice is too long for one {narrow.name} message (at most about {narrow.characters} "
                     f"Chinese characters, {narrow.max_text} {narrow.unit} units); shorten it")
            if dry_run:
                count = len(recipients)
                typer.echo(f"audience {describe_audience(audience)}: {count} recipients; nothing sent (--dry-run)")
                return
            broadcast, queued = await queue_broadcast(session, author_id=None, text=text, audience=audience,
                                                      send_at=send_at, now=datetime.now(UTC))
        local = send_at.astimezone(ZoneInfo(settings.timezone)).strftime("%Y-%m-%d %H:%M")
        typer.echo(f"broadcast {broadcast.id}: {queued} messages queued for {describe_audience(audience)}, "
                   f"sending from {local}")
        if follow:
            await _follow(database, broadcast.id)
    finally:
        await database.dispose()


async def _follow(database, broadcast_id: int) -> None:  # type: ignore[no-untyped-def]
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from storage.queries.broadcasts import broadcast_report
    from storage.states import OutboxState

    columns = (TextColumn("broadcast {task.fields[id]}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[detail]}"))
    with Progress(*columns) as progress:
        task = progress.add_task("", id=broadcast_id, detail="", total=None)
        while True:
            async with database.session() as session:
                report = await broadcast_report(session, broadcast_id)
            done = report["total"] - sum(report[state] for state in OutboxState.UNSENT)
            detail = " · ".join(f"{state} {report[state]}" for state in
                                (OutboxState.SENT, OutboxState.FAILED, OutboxState.UNREACHABLE))
            progress.update(task, total=report["total"], completed=done, detail=detail)
            if done >= report["total"]:
                break
            await asyncio.sleep(FOLLOW_SECONDS)


@app.command("report")
def report(broadcast_id: int, db: str | None = typer.Option(None, "--db", help="Database URL.")) -> None:
    """Delivery report of a broadcast: sent, failed, unreachable, still pending."""
    from bot.cli import run_async, settings_for

    figures = run_async(_report)(settings_for(db), broadcast_id)
    typer.echo(" · ".join(f"{k} {v}" for k, v in figures.items()))


async def _report(settings: Settings, broadcast_id: int) -> dict[str, int]:
    from bot.app import open_database
    from storage.queries.broadcasts import broadcast_report

    database = await open_database(settings)
    try:
        async with database.session() as session:
            return await broadcast_report(session, broadcast_id)
    finally:
        await database.dispose()


@app.command("cancel")
def cancel(broadcast_id: int, db: str | None = typer.Option(None, "--db", help="Database URL.")) -> None:
    """Stop a broadcast: messages not yet sent are withdrawn."""
    from bot.cli import run_async, settings_for

    withdrawn = run_async(_cancel)(settings_for(db), broadcast_id)
    typer.echo(f"broadcast {broadcast_id}: {withdrawn} messages withdrawn")


async def _cancel(settings: Settings, broadcast_id: int) -> int:
    from bot.app import open_database
    from storage.queries.broadcasts import cancel_broadcast

    database = await open_database(settings)
    try:
        async with database.session() as session:
            return await cancel_broadcast(session, broadcast_id)
    finally:
        await database.dispose()
