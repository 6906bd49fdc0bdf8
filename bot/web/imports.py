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
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from bot.web.context import Ctx
from bot.web.routing import ADMINS, Page
from flows.imports import import_within, push_imported, sheet_error_text
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


@dataclass(frozen=True)
class Upload:
    """One file a staff member chose, as the browser sent it (at most MAX_BYTES read)."""

    name: str
    data: bytes


def uploaded(form: Any, suffixes: tuple[str, ...]) -> tuple[list[Upload], str | None]:
    """The files of the form's `file` field(s), or the catalogue key of what is wrong with them (none chosen, a
    type this import does not read). The 政策 page's policy files are read the same way."""
    files = [field for field in form.getall("file", []) if isinstance(field, web.FileField) and field.filename]
    if not files:
        return [], "web.imports.no_file"
    # aiohttp's own client percent-encodes a name that is not ASCII (browsers send it as UTF-8)
    chosen = [Upload(Path(unquote(field.filename)).name[:120], field.file.read(MAX_BYTES + 1)) for field in files]
    if any(Path(upload.name).suffix.lower() not in suffixes for upload in chosen):
        return chosen, "web.imports.bad_type"
    return chosen, None


def digest_of(uploads: list[Upload]) -> str:
    """The files' checksum: the import button carries the previewed one."""
    summed = hashlib.sha256()
    for upload in uploads:
        summed.update(hashlib.sha256(upload.name.encode()).digest() if len(uploads) > 1 else b"")
        summed.update(upload.data)
    return summed.hexdigest()


def wanted_action(form: Any, digest: str) -> tuple[str, bool]:
    """("preview" | "import", whether an import was asked for files other than those previewed: then preview)."""
    if str(form.get("action", "")) != "import":
        return "preview", False
    if str(form.get("previewed", "")) != digest:
        return "preview", True
    return "import", False


@page.post("/imports")
async def upload(request: web.Request, ctx: Ctx) -> web.StreamResponse:
    form = await request.post()
    kind = _kind(form.get("kind"))
    result: dict[str, Any] = {"kind": kind, "action": "preview"}
    files, problem = uploaded(form, SUFFIXES)
    if files:
        result.update(name=files[0].name, digest=digest_of(files[:1]))
    if problem is not None:
        result["problem"] = ctx.t(problem)
        return _answer(ctx, kind, result, status=400)
    name, data = files[0].name, files[0].data
    wanted, result["changed"] = wanted_action(form, result["digest"])
    result["action"] = wanted
    try:
        checked = await _check(ctx, kind, name, data)
    except SheetError as exc:
        result["problem"] = sheet_error_text(exc, ctx.language, name=name)
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
