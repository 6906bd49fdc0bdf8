"""`mishu import …`: loading the bureau's files into the database, all or nothing, with clear errors."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer

from bot.settings import Settings

app = typer.Typer(help="Import the bureau's files (CSV, XLSX; policies as YAML/Markdown).", no_args_is_help=True)


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


