"""导入 Imports (admins): upload a postings, enterprises or workers sheet; a dry run shows in the page what the
import would do — row errors with their row numbers, the job categories read from titles (and which are unsure),
notes, the counts — then the same file is imported, all or nothing.

The importer is `mishu import`'s: storage.importing.check_file, then flows.imports.import_within in this request's
transaction (a SAVEPOINT rolled back for the dry run), and new postings pushed after the commit. The import button
carries the previewed file's checksum: a different file is previewed first, never imported unseen.
"""

from __future__ import annotations

import asyncio
import hashlib
import tempfile
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.web.context import Ctx
from bot.web.routing import ADMINS, Page
from flows.imports import import_within, push_imported
from storage.importing.importer import KINDS, check_file
from storage.importing.rows import Checked
from storage.importing.sheets import MAX_BYTES, SheetError

page = Page("imports", path="/imports", roles=ADMINS)

SUFFIXES = (".csv", ".xlsx", ".xlsm", ".txt", ".tsv")
SHOWN_ROWS = 200  # rows (and errors) listed in the page; the rest are counted


def _kind(value: Any) -> str:
    return str(value) if str(value) in KINDS else "postings"


@page.get("/imports")
async def index(request: web.Request, ctx: Ctx) -> web.StreamResponse:
    return ctx.render("imports.html", kind=_kind(request.query.get("kind", "postings")), kinds=KINDS, result=None)


async def _check(ctx: Ctx, kind: str, name: str, data: bytes) -> Checked:
    """Read and validate the uploaded bytes as `mishu import` reads a file (in a thread: no database, all CPU)."""
    guesser = await ctx.console.category_guesser() if kind == "postings" else None
    with tempfile.TemporaryDirectory(prefix="mishu-upload-") as folder:
        path = Path(folder) / ("upload" + Path(name).suffix.lower())
        path.write_bytes(data)
        return await asyncio.to_thread(check_file, kind, path, guesser)


@page.post("/imports")
async def upload(request: web.Request, ctx: Ctx) -> web.StreamResponse:
    form = await request.post()
    kind = _kind(form.get("kind"))
    wanted = "import" if str(form.get("action", "")) == "import" else "preview"
    upload_field = form.get("file")
    result: dict[str, Any] = {"kind": kind, "action": wanted}
    if not isinstance(upload_field, web.FileField) or not upload_field.filename:
        result["problem"] = ctx.t("web.imports.no_file")
        return _answer(ctx, kind, result, status=400)
    name = Path(upload_field.filename).name[:120]
    data = upload_field.file.read(MAX_BYTES + 1)
    result.update(name=name, digest=hashlib.sha256(data).hexdigest())
    if Path(name).suffix.lower() not in SUFFIXES:
        result["problem"] = ctx.t("web.imports.bad_type")
        return _answer(ctx, kind, result, status=400)
    if wanted == "import" and str(form.get("previewed", "")) != result["digest"]:
        wanted = result["action"] = "preview"  # not the file that was previewed: show it first
        result["changed"] = True
    try:
        checked = await _check(ctx, kind, name, data)
    except SheetError as exc:
        result["problem"] = str(exc).replace("upload" + Path(name).suffix.lower(), name)
        return _answer(ctx, kind, result, status=400)
    outcome = await import_within(ctx.session, checked, now=ctx.now, settings=ctx.settings, dry_run=wanted == "preview")
    report = outcome.report
    result.update(checked=checked, outcome=outcome, report=report, shown=SHOWN_ROWS,
                  unsure=sum(1 for row in checked.rows if row.inferred is not None and not row.inferred.sure),
                  inferred=sum(1 for row in checked.rows if row.inferred is not None))
    counts = {"rows": report.rows, "added": report.added, "updated": report.updated, "unchanged": report.unchanged,
              "errors": len(report.errors)}
    if wanted == "preview" or not outcome.ok:
        ctx.audit("import.preview", "import", kind, file=name, **counts)
        return _answer(ctx, kind, result, status=200 if outcome.ok else 422)
    ctx.audit("import.done", "import", kind, file=name, enterprises_added=report.enterprises_added,
              assigned=len(outcome.assigned), first_checkins=outcome.first_checkins, **counts)
    if kind == "postings" and report.added_posting_ids:
        console, ids, now = ctx.console, list(report.added_posting_ids), ctx.now
        ctx.after_commit(lambda: push_imported(console.db, ids, now, console.push_policy),
                         f"push {len(ids)} imported postings")
        result["pushing"] = len(ids)
    return _answer(ctx, kind, result)


def _answer(ctx: Ctx, kind: str, result: dict[str, Any], status: int = 200) -> web.Response:
    """htmx: the result under the form (the file stays chosen for the import button; 200, as htmx swaps only
    successful answers); else the whole page with a status saying what happened."""
    if ctx.htmx:
        return ctx.render("_import_result.html", result=result)
    return ctx.render("imports.html", status=status, kind=kind, kinds=KINDS, result=result)
