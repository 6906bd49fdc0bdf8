"""`mishu export …`: the bureau's reports as XLSX files."""

from __future__ import annotations

from pathlib import Path

import typer

from bot.settings import Settings

app = typer.Typer(help="Export reports to XLSX (workers, follow-up outcomes, placements, open postings).",
                  no_args_is_help=True)


def _report_command(report: str) -> None:
    @app.command(report, help=f"Write the {report} report to an .xlsx file.")
    def command(
        path: Path = typer.Argument(..., help="Where to write the .xlsx file."),
        db: str | None = typer.Option(None, "--db", help="Database URL."),
    ) -> None:
        from bot.cli import fail, run_async, settings_for

        if path.suffix.lower() != ".xlsx":
            fail(f"{path}: the report is written as .xlsx; give a file name ending in .xlsx")
        settings = settings_for(db)
        count = run_async(_export)(settings, report, path)
        typer.echo(f"{report}: {count} rows written to {path}")


async def _export(settings: Settings, report: str, path: Path) -> int:
    from bot.app import open_database
    from storage.importing.export import export_report

    database = await open_database(settings)
    try:
        async with database.session() as session:
            return await export_report(session, report, path)
    finally:
        await database.dispose()


for _report in ("workers", "followups", "placements", "postings"):
    _report_command(_report)
