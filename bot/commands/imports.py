"""`mishu import …`: loading the bureau's files into the database, all or nothing, with clear errors."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer

from bot.settings import Settings

app = typer.Typer(help="Import the bureau's files (CSV, XLSX; policies and the bureau file as YAML).", no_args_is_help=True)


def _sheet_command(kind: str) -> None:
    @app.command(kind, help=f"Import {kind} from a CSV or XLSX file (Chinese headers accepted; see docs/examples).")
    def command(
        path: Path = typer.Argument(..., help="The .csv or .xlsx file."),
        db: str | None = typer.Option(None, "--db", help="Database URL."),
        dry_run: bool = typer.Option(False, "--dry-run", help="Check the file, change nothing."),
    ) -> None:
        from bot.cli import fail, run_async, settings_for
        from storage.importing.importer import check_file
        from storage.importing.sheets import SheetError

        settings = settings_for(db)
        try:
            rows, report = check_file(kind, path)
        except SheetError as exc:
            fail(str(exc))
            return
        for warning in report.warnings:
            typer.echo(f"note: {warning}", err=True)
        if report.errors:
            listing = "\n".join(f"  {error}" for error in report.errors[:200])
            more = f"\n  … and {len(report.errors) - 200} more" if len(report.errors) > 200 else ""
            fail(f"{path.name}: {len(report.errors)} problems, nothing imported:\n{listing}{more}")
        if dry_run:
            typer.echo(f"{path.name}: {len(rows)} rows are valid; nothing imported (--dry-run)")
            return
        result, queued = run_async(_write_sheet)(settings, kind, rows)
        typer.echo(f"{kind}: {result.added} added, {result.updated} updated, {result.unchanged} unchanged")
        if kind == "postings":
            typer.echo(f"push: {queued} messages queued to matching workers for the {result.added} new postings")


async def _write_sheet(settings: Settings, kind: str, rows: list) -> tuple[Any, int]:  # type: ignore[type-arg]
    from rich.progress import Progress

    from bot.app import open_database
    from flows.push import push_posting_in
    from storage.importing.importer import import_rows

    database = await open_database(settings)
    try:
        with Progress(transient=True) as progress:
            task = progress.add_task(f"importing {kind}", total=len(rows))
            async with database.session() as session:
                now = datetime.now(UTC)
                report = await import_rows(
                    session, kind, rows, now=now,
                    progress=lambda done, total: progress.update(task, completed=done),
                )
                # New postings go to matching workers in the same transaction: all or nothing, pushes included.
                queued = 0
                for posting_id in report.added_posting_ids:
                    queued += (await push_posting_in(session, posting_id, now, settings)).queued
        return report, queued
    finally:
        await database.dispose()


for _kind in ("postings", "enterprises", "workers"):
    _sheet_command(_kind)


@app.command("policies")
def import_policies(
    path: Path = typer.Argument(..., help="A policy file (.yaml/.md) or a folder of them."),
    db: str | None = typer.Option(None, "--db", help="Database URL."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check the files, change nothing."),
) -> None:
    """Add or update policies (by their key) in the knowledge base."""
    from bot.cli import fail, run_async, settings_for
    from storage.policy_files import PolicyFileError, load_policy_files

    settings = settings_for(db)
    try:
        docs = load_policy_files(path)
    except PolicyFileError as exc:
        fail(f"nothing imported; fix these and run again:\n{exc}")
        return
    if not docs:
        fail(f"{path}: no policy files (*.yaml, *.yml, *.md) found")
    if dry_run:
        typer.echo(f"{len(docs)} policies are valid; nothing imported (--dry-run)")
        return
    added, updated = run_async(_import_policies)(settings, docs)
    typer.echo(f"policies: {added} added, {updated} updated")


async def _import_policies(settings: Settings, docs: list) -> tuple[int, int]:  # type: ignore[type-arg]
    from bot.app import open_database
    from storage.queries.policies import upsert_policies

    database = await open_database(settings)
    try:
        async with database.session() as session:
            return await upsert_policies(session, docs, now=datetime.now(UTC))
    finally:
        await database.dispose()




@app.command("bureau")
def import_bureau(
    path: Path = typer.Argument(..., help="The bureau file (YAML): offices, stations, hotline, services, special days."),
    db: str | None = typer.Option(None, "--db", help="Database URL."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check the file, change nothing."),
) -> None:
    """Replace the bureau's own facts (what the assistant says about offices, hours, hotline) with this file."""
    from bot.cli import fail, run_async, settings_for
    from storage.bureau_file import BureauFileError, load_bureau_file

    settings = settings_for(db)
    try:
        facts = load_bureau_file(path)
    except BureauFileError as exc:
        fail(f"nothing imported; fix these and run again:\n{exc}")
        return
    if dry_run:
        typer.echo(f"{path.name} is valid: {len(facts.halls)} offices, {len(facts.stations)} stations, "
                   f"{len(facts.services)} services, {len(facts.special_days)} special days; nothing imported (--dry-run)")
        return
    counts = run_async(_import_bureau)(settings, facts)
    typer.echo("bureau: " + ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in counts.items()))


async def _import_bureau(settings: Settings, facts: Any) -> dict[str, int]:
    from bot.app import open_database
    from storage.queries.bureau import replace_bureau_facts

    database = await open_database(settings)
    try:
        async with database.session() as session:
            return await replace_bureau_facts(session, facts, now=datetime.now(UTC))
    finally:
        await database.dispose()
