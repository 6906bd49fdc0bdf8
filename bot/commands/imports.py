"""`mishu import …`: loading the bureau's files into the database, all or nothing, with clear errors."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer

from bot.settings import Settings

CLI_LANGUAGE = "en"  # the command line speaks English, as all of `mishu`'s output does
app = typer.Typer(help="Import the bureau's files (CSV, XLSX; policies and the bureau file as YAML).", no_args_is_help=True)


def _sheet_command(kind: str) -> None:
    @app.command(kind, help=f"Import {kind} from a CSV or XLSX file (Chinese headers accepted; see docs/examples).")
    def command(
        path: Path = typer.Argument(..., help="The .csv or .xlsx file."),
        db: str | None = typer.Option(None, "--db", help="Database URL."),
        dry_run: bool = typer.Option(False, "--dry-run", help="Run the whole import, then undo it: change nothing."),
        push: bool = typer.Option(True, "--push/--no-push",
                                  help="Push new postings to matching workers now (else the daily push sends them)."),
    ) -> None:
        from bot.cli import fail, run_async, settings_for
        from flows.imports import notice_text, sheet_error_text
        from storage.importing.importer import check_file
        from storage.importing.sheets import SheetError

        settings = settings_for(db)
        try:
            checked = check_file(kind, path, _category_guesser(settings) if kind == "postings" else None)
        except SheetError as exc:
            fail(sheet_error_text(exc, CLI_LANGUAGE))
            return
        for warning in checked.warnings:
            typer.echo(f"note: {notice_text(warning, CLI_LANGUAGE)}", err=True)
        if not checked.ok:
            _fail_with(path, checked.errors)
        outcome = run_async(_import)(settings, checked, dry_run)
        if not outcome.ok:
            _fail_with(path, outcome.report.errors)
        _print_rows(checked, show_all=dry_run)
        report = outcome.report
        counts = f"{report.added} added, {report.updated} updated, {report.unchanged} unchanged"
        if report.enterprises_added:
            counts += f"; {report.enterprises_added} new enterprises"
        if outcome.assigned or outcome.first_checkins:
            counts += f"; {len(outcome.assigned)} given a secretary, {outcome.first_checkins} first check-ins"
        if dry_run:
            typer.echo(f"{path.name}: {len(checked.rows)} rows are valid; the import would give: {counts}; "
                       "nothing imported (--dry-run)")
            return
        typer.echo(f"{kind}: {counts}")
        if kind == "postings" and push:
            queued = run_async(_push)(settings, report.added_posting_ids)
            typer.echo(f"push: {queued} messages queued to matching workers for the {report.added} new postings")


def _fail_with(path: Path, errors: list[Any]) -> None:
    from bot.cli import fail
    from flows.imports import error_line

    listing = "\n".join(f"  {error_line(error, CLI_LANGUAGE)}" for error in errors[:200])
    more = f"\n  … and {len(errors) - 200} more" if len(errors) > 200 else ""
    fail(f"{path.name}: {len(errors)} problems, nothing imported:\n{listing}{more}")


def _category_guesser(settings: Settings) -> Any:
    from bot.app import load_understanding
    from flows.categories import JobCategoryGuesser

    folder = Path(settings.nlu.model_dir).expanduser() if settings.nlu.model_dir else None
    return JobCategoryGuesser.cached(load_understanding(settings), folder / "categories.pkl" if folder else None)


def _print_rows(checked: Any, *, show_all: bool) -> None:
    """Each row's inferred category (a dry run lists them all; an import only the unsure ones) and notes."""
    from flows.imports import notice_text

    unsure = 0
    for row in checked.rows:
        guess = row.inferred
        if guess is not None and not guess.sure:
            unsure += 1
        if guess is not None and (show_all or not guess.sure):
            why = notice_text(guess.note, CLI_LANGUAGE) if guess.note else ""
            flag = f"  ? unsure: {why}" if not guess.sure else ""
            typer.echo(f"row {row.row}: {row.values.get('title', '')} → {guess.category}{flag}")
        for note in row.notes:
            typer.echo(f"row {row.row}: note: {notice_text(note, CLI_LANGUAGE)}")
    inferred = sum(1 for row in checked.rows if row.inferred is not None)
    if inferred:
        typer.echo(f"工种 inferred for {inferred} rows, {unsure} unsure (add a 工种 column or cell to decide)")


async def _import(settings: Settings, checked: Any, dry_run: bool) -> Any:
    from bot.app import open_database
    from flows.imports import run_import

    database = await open_database(settings)
    try:
        return await run_import(database, checked, now=datetime.now(UTC), settings=settings, dry_run=dry_run)
    finally:
        await database.dispose()


async def _push(settings: Settings, posting_ids: list[int]) -> int:
    from rich.progress import Progress

    from bot.app import open_database
    from flows.imports import push_imported

    if not posting_ids:
        return 0
    database = await open_database(settings)
    try:
        with Progress(transient=True) as progress:
            task = progress.add_task("pushing new postings", total=len(posting_ids))
            return await push_imported(database, posting_ids, datetime.now(UTC), settings,
                                       progress=lambda done, total: progress.update(task, completed=done))
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
    from flows.imports import policy_problem_text
    from storage.policy_files import PolicyFileError, load_policy_files

    settings = settings_for(db)
    try:
        docs = load_policy_files(path)
    except PolicyFileError as exc:
        listing = "\n".join(policy_problem_text(problem, CLI_LANGUAGE) for problem in exc.problems)
        fail(f"nothing imported; fix these and run again:\n{listing}")
        return
    if not docs:
        fail(f"{path}: no policy files (*.yaml, *.yml, *.md) found")
    if dry_run:
        typer.echo(f"{len(docs)} policies are valid; nothing imported (--dry-run)")
        return
    done = run_async(_import_policies)(settings, docs)
    typer.echo(f"policies: {len(done.added)} added, {len(done.updated)} updated")


async def _import_policies(settings: Settings, docs: list) -> Any:  # type: ignore[type-arg]
    from bot.app import open_database
    from flows.imports import import_policies_within

    database = await open_database(settings)
    try:
        async with database.session() as session:
            return await import_policies_within(session, docs, now=datetime.now(UTC))
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
