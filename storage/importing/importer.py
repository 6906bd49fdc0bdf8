"""An import in two steps: `check_file` reads and validates without the database; `write_rows` writes in bulk.

`write_rows` runs in the caller's transaction and first takes the import lock (one import at a time; on SQLite the
database's write lock, taken at once so reads and writes see one state). It matches rows to what is stored, reports
conflicts as row errors, and otherwise inserts and updates with a handful of bulk statements — the write lock is
held for those only, never while a file is parsed. The caller commits, or rolls back on errors and for a dry
run, so the dry run runs exactly the writes the import would (flows/imports.py).

Re-importing the same file changes nothing: rows are matched by their id column, else by a natural key (posting =
enterprise + title + place, enterprise = name, worker = mobile number), and only differing values are written.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from storage.importing.enterprises import write_enterprises
from storage.importing.postings import write_postings
from storage.importing.rows import Categorise, Checked, ImportReport
from storage.importing.schemas import SCHEMAS
from storage.importing.sheets import read_sheet
from storage.importing.validation import validate
from storage.importing.workers import write_workers
from storage.queries.locking import take_import_lock

KINDS = tuple(SCHEMAS)


def check_file(kind: str, path: Path, categorise: Categorise | None = None) -> Checked:
    """Read and validate a file without touching the database (SheetError if it cannot be read at all)."""
    return validate(read_sheet(path), SCHEMAS[kind], categorise)


async def write_rows(session: AsyncSession, checked: Checked, *, now: datetime) -> ImportReport:
    """Write a checked sheet in the caller's transaction; a report with errors means: roll back."""
    if not checked.ok:
        return ImportReport(checked.kind, rows=checked.total_rows, errors=list(checked.errors),
                            warnings=list(checked.warnings))
    await take_import_lock(session)
    writer = {"postings": write_postings, "enterprises": write_enterprises, "workers": write_workers}[checked.kind]
    report = await writer(session, checked.rows, now=now)
    report.rows = checked.total_rows
    report.warnings = list(checked.warnings)
    return report
