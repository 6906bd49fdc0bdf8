"""政策 Policies: the knowledge base the chat answers from, each policy flagged by where it stands (expired, ending
soon, not in force yet, no end date); "ask as a worker" — a question put to the assistant itself, its answer shown
as a worker sees it and why (the NLU's reading, the knowledge base's top matches and their scores); and, for
admins, policy files imported: a dry run listing each file's problems or which policies would be added or replaced,
then the import.

The answer is flows/probe.py's `ask_as_worker` (the chat's assistant in a rolled-back SAVEPOINT); the list is
flows/policy.py's `knowledge_base`; files are read by `mishu import policies`'s reader (storage.policy_files) from
the upload read as the 导入 page reads a sheet (bot/web/imports.py), and written by flows/imports.py's
`import_policies_within`.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.web.context import Ctx
from bot.web.imports import Upload, digest_of, uploaded, wanted_action
from bot.web.routing import ADMINS, Page
from flows.imports import import_policies_within, policy_problem_text
from flows.policy import Validity, knowledge_base
from flows.probe import MAX_CHARS, ask_as_worker
from storage.policy_files import SUFFIXES, PolicyDoc, PolicyFileError, load_policy_files

page = Page("policies", nav="web.nav.policies", path="/policies")  # staff: the list and "ask"; import: admins

MAX_FILES = 50


async def _page(ctx: Ctx, *, status: int = 200, question: str = "", probe: Any = None,
                result: dict[str, Any] | None = None) -> web.Response:
    rows = await knowledge_base(ctx.session, ctx.today)
    counts = Counter(validity for _, validity in rows)
    return ctx.render("policies.html", status=status, rows=rows, counts=counts, flags=list(Validity),
                      question=question, probe=probe, result=result, max_chars=MAX_CHARS)


@page.get("/policies")
async def index(request: web.Request, ctx: Ctx) -> web.StreamResponse:
    return await _page(ctx)


@page.post("/policies/ask")
async def ask(request: web.Request, ctx: Ctx) -> web.StreamResponse:
    """What the assistant would answer a worker, and why (nothing is kept: no person, no conversation)."""
    form = await request.post()
    question = " ".join(str(form.get("question", "")).split())[:MAX_CHARS]
    if not question:
        probe = None
    else:
        assistant = await ctx.console.assistant()
        assert ctx.staff is not None
        probe = await ask_as_worker(ctx.session, assistant, question, asker=str(ctx.staff.id), language=ctx.language,
                                    now=ctx.now)
    if ctx.htmx:
        return ctx.render("_policy_ask.html", question=question, probe=probe)
    return await _page(ctx, question=question, probe=probe)


def _read(uploads: list[Upload]) -> list[PolicyDoc]:
    """The files as `mishu import policies FOLDER` reads a folder (names kept: problems say which file)."""
    with tempfile.TemporaryDirectory(prefix="mishu-policies-") as folder:
        for upload in uploads:
            (Path(folder) / upload.name).write_bytes(upload.data)
        return load_policy_files(Path(folder))


@page.post("/policies/import", roles=ADMINS)
async def import_files(request: web.Request, ctx: Ctx) -> web.StreamResponse:
    form = await request.post()
    result: dict[str, Any] = {"action": "preview"}
    files, problem = uploaded(form, SUFFIXES)
    if problem is None and len({upload.name for upload in files}) != len(files):
        problem = "web.policies.same_name"
    if problem is None and len(files) > MAX_FILES:
        problem = "web.policies.too_many"
    if problem is not None:
        result["problem"] = ctx.t(problem, count=MAX_FILES)
        return await _import_answer(ctx, result, status=400)
    result.update(names=[upload.name for upload in files], digest=digest_of(files))
    wanted, result["changed"] = wanted_action(form, result["digest"])
    result["action"] = wanted
    try:
        docs = await asyncio.to_thread(_read, files)
    except PolicyFileError as exc:
        result["problems"] = [policy_problem_text(problem, ctx.language) for problem in exc.problems]
        ctx.audit("policy.import_preview", "policies", "", files=result["names"], problems=len(exc.problems))
        return await _import_answer(ctx, result, status=422)
    if not docs:
        result["problem"] = ctx.t("web.policies.no_policies")
        return await _import_answer(ctx, result, status=400)
    done = await import_policies_within(ctx.session, docs, now=ctx.now, dry_run=wanted == "preview")
    result.update(docs=docs, added=set(done.added), updated=set(done.updated))
    ctx.audit("policy.import" if wanted == "import" else "policy.import_preview", "policies", "",
              files=result["names"], added=done.added, updated=done.updated)
    return await _import_answer(ctx, result)


async def _import_answer(ctx: Ctx, result: dict[str, Any], status: int = 200) -> web.Response:
    """htmx: the result under the form (200: htmx swaps only successful answers); else the whole page."""
    if ctx.htmx:
        if result["action"] == "import" and result.get("docs"):  # the list below the form changed too
            rows = await knowledge_base(ctx.session, ctx.today)
            return ctx.render("_policy_import.html", result=result, refresh_list=True, rows=rows,
                              counts=Counter(validity for _, validity in rows), flags=list(Validity))
        return ctx.render("_policy_import.html", result=result)
    return await _page(ctx, status=status, result=result)
