"""Importing the bureau's sheets: one transaction that writes everything or nothing, then what follows.

`run_import` takes a sheet already read and checked (storage.importing.check_file, no database involved) and, in
one transaction: writes it in bulk (storage.importing.write_rows), and for workers does what registration in chat
does — a secretary for each newly registered worker (`assignment.spread`, the rule `choose_secretary` applies to
one) and the first check-in (`followups.schedule_first_checkins`), or the stability check-in for a worker imported
as placed (`followups.on_placed`). A row error, a conflict the database shows, or `dry_run` rolls the transaction
back; so a dry run runs exactly the statements the import would, and says what the import would do.
`import_within` does it inside a caller's transaction (the console's request), `run_import` in one of its own.
A postings sheet written ends with the shelf's per-token counts folded (PostgreSQL: storage/queries/token_counts.py),
so that the changes the import made do not wait for the scheduler's next fold.

New postings are pushed after the commit, each in a transaction of its own (`push_imported`), so the write lock
is never held for the pushes; a push that an interruption missed is sent by the next daily push (it re-matches
the last days' postings, and the push record keeps a worker from getting one twice).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from flows.assignment import spread
from flows.followups import on_placed, schedule_first_checkins
from flows.i18n import t
from flows.push import push_posting
from storage.db import Database
from storage.importing.importer import write_rows
from storage.importing.postings import read_ahead
from storage.importing.rows import Checked, ImportReport, Notice, RowError
from storage.importing.sheets import SheetError
from storage.policy_files import PolicyDoc, PolicyProblem
from storage.queries.followups import (
    coverage,
    move_worker,
    secretary_loads,
    set_secretaries,
    workers_with_open,
)
from storage.queries.policies import policy_keys, upsert_policies
from storage.queries.token_counts import fold


def error_text(error: RowError, language: str) -> str:
    """What is wrong with the row, in the reader's language (the console's table has the row and column apart)."""
    return t(f"importing.{error.key}", language, **error.values)


def error_line(error: RowError, language: str) -> str:
    """The row, column and what is wrong in one line (`mishu import` lists them so)."""
    where = "line" if error.row else "header_line"
    return t(f"importing.{where}" + ("" if error.column else "_no_column"), language, row=error.row,
             column=error.column, message=error_text(error, language))


def notice_text(notice: Notice, language: str) -> str:
    """What staff should know about the sheet or a row (not an error), in the reader's language."""
    return t(f"importing.notice.{notice.key}", language, **notice.values)


def sheet_error_text(error: SheetError, language: str, **shown: Any) -> str:
    """Why the file cannot be read, in the reader's language (`shown`: values to show instead, e.g. the name the
    file had on the staff member's computer)."""
    return t(f"importing.sheet.{error.key}", language, **{**error.values, **shown})


def policy_problem_text(problem: PolicyProblem, language: str) -> str:
    """`file: what is wrong` with a policy file, in the reader's language."""
    message = t(f"policy_file.{problem.key}", language, **problem.values)
    return t("policy_file.line", language, file=problem.file, message=message)


@dataclass
class ImportOutcome:
    """What an import did (or, for a dry run, would do)."""

    report: ImportReport
    dry_run: bool
    assigned: dict[int, int] = field(default_factory=dict)  # worker id → secretary id
    first_checkins: int = 0
    write_seconds: float = 0.0  # how long the writing transaction lasted

    @property
    def ok(self) -> bool:
        return self.report.ok


async def register_imported(session: AsyncSession, report: ImportReport, now: datetime, settings: Any) -> tuple[
        dict[int, int], int]:
    """Secretaries and first check-ins for the workers an import registered, and for those it found without a
    secretary; returns (worker → secretary, check-ins scheduled)."""
    needing = [*report.registered, *report.without_secretary]
    plan = spread(needing, await secretary_loads(session), await coverage(session)) if needing else {}
    registered = {worker_id for worker_id, _ in report.registered}
    await set_secretaries(session, {w: s for w, s in plan.items() if w in registered})
    for worker_id, secretary_id in plan.items():
        if worker_id not in registered:
            await move_worker(session, worker_id, secretary_id)  # their open follow-ups and cases go along
    placed = set(report.placed)
    first = [(w, plan.get(w)) for w, _ in report.registered if w not in placed]
    # Workers an older import left without a secretary were never followed up: they start now, like new ones.
    unfollowed = [w for w, _ in report.without_secretary if w not in placed]
    followed = await workers_with_open(session, unfollowed)
    first += [(w, plan.get(w)) for w in unfollowed if w not in followed]
    scheduled = await schedule_first_checkins(session, first, now, settings)
    for worker_id in report.placed:
        await on_placed(session, worker_id, now, settings)
    return plan, scheduled


async def import_within(session: AsyncSession, checked: Checked, *, now: datetime, settings: Any,
                        dry_run: bool = False) -> ImportOutcome:
    """Write a checked sheet inside the caller's transaction, in a SAVEPOINT that is rolled back for a dry run, a row
    error or a conflict the database shows — so nothing is half-imported, and the caller's other work (the
    console's audit entry) stays. The caller commits (`run_import` does, for the command line)."""
    started = time.perf_counter()
    if checked.kind == "postings" and checked.ok:
        read_ahead(checked.rows)  # CPU work done before the writes (on SQLite, before chat turns wait for them)
    savepoint = await session.begin_nested()
    try:
        report = await write_rows(session, checked, now=now)
        outcome = ImportOutcome(report, dry_run)
        if report.ok and checked.kind == "workers":
            outcome.assigned, outcome.first_checkins = await register_imported(session, report, now, settings)
        if dry_run or not report.ok:
            await savepoint.rollback()
        else:
            await savepoint.commit()
            if checked.kind == "postings":  # the import's token changes folded now, so that few wait for search
                await fold(session)
    except (IntegrityError, DataError) as exc:
        # What the checks cannot see coming: another process writing the same records at the same moment, or
        # a value the database refuses. One line, nothing written, as for any row error.
        await savepoint.rollback()
        reason = str(exc.orig).splitlines()[0][:200] if exc.orig else type(exc).__name__
        report = ImportReport(checked.kind, rows=checked.total_rows, errors=[RowError(
            0, "", "refused_conflict" if isinstance(exc, IntegrityError) else "refused_value", {"reason": reason})])
        outcome = ImportOutcome(report, dry_run)
    except BaseException:
        if savepoint.is_active:
            await savepoint.rollback()
        raise
    outcome.write_seconds = time.perf_counter() - started
    return outcome


@dataclass(frozen=True)
class PoliciesImported:
    """What importing policy files did (or, for a dry run, would do): keys added and keys replaced."""

    added: list[str]
    updated: list[str]
    dry_run: bool


async def import_policies_within(session: AsyncSession, docs: Sequence[PolicyDoc], *, now: datetime,
                                 dry_run: bool = False) -> PoliciesImported:
    """`mishu import policies` and the console's 政策 page: the checked policies (storage.policy_files) upserted by
    key in a SAVEPOINT of the caller's transaction, rolled back for a dry run, which so says exactly which
    policies would be new and which replaced. The chat's search index is rebuilt when the policies change."""
    known = set(await policy_keys(session))
    savepoint = await session.begin_nested()
    try:
        await upsert_policies(session, docs, now=now)
    except BaseException:
        await savepoint.rollback()
        raise
    if dry_run:
        await savepoint.rollback()
    else:
        await savepoint.commit()
    return PoliciesImported([d.key for d in docs if d.key not in known], [d.key for d in docs if d.key in known],
                            dry_run)


async def run_import(db: Database, checked: Checked, *, now: datetime, settings: Any,
                     dry_run: bool = False) -> ImportOutcome:
    """Write a checked sheet all or nothing in a transaction of its own (nothing at all for a dry run or when a row
    cannot be written)."""
    started = time.perf_counter()
    async with db.session() as session:
        outcome = await import_within(session, checked, now=now, settings=settings, dry_run=dry_run)
    outcome.write_seconds = time.perf_counter() - started
    return outcome


async def push_imported(db: Database, posting_ids: Sequence[int], now: datetime, settings: Any,
                        progress: Callable[[int, int], None] | None = None) -> int:
    """Push each new posting to the workers it fits (a transaction per posting); returns messages queued."""
    queued = 0
    for done, posting_id in enumerate(posting_ids, start=1):
        queued += (await push_posting(db, posting_id, now, settings)).queued
        if progress:
            progress(done, len(posting_ids))
    return queued
