"""劳动者 Workers: the filtered, paged table and the worker's card with the secretary's actions (note, reassign;
outcomes and reschedule post to the follow-ups page's routes). Phone numbers stay masked until a logged click."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.privacy import masked_phone
from bot.web.context import Ctx
from bot.web.paging import Paging
from bot.web.routing import ADMINS, Page, path_id
from flows.assignment import reassign_worker
from flows.casework import Refusal, note_on_worker
from flows.followups import OUTCOMES, RESCHEDULE_DAYS
from storage.models import WORKER_STATUSES
from storage.numbers import read_id
from storage.queries.worker_file import (
    COUNT_LIMIT,
    Visibility,
    WorkerFilter,
    list_workers,
    returnee_origins,
    secretaries,
    worker_file,
)
from storage.states import FollowUpState
from storage.vocabulary import job_categories, townships, villages

page = Page("workers", nav="web.nav.workers", path="/workers")

NAME_LIMIT = 32


def worker_filter(query: Mapping[str, str], zone: ZoneInfo) -> WorkerFilter:
    """The table's filters from the query string, as typed: unknown places, statuses and categories, bad
    dates and ids are ignored rather than refused (a filter never errors)."""

    def pick(key: str, allowed: list[str] | tuple[str, ...]) -> str | None:
        value = (query.get(key) or "").strip()
        return value if value in allowed else None

    township = pick("township", townships())
    secretary = (query.get("secretary") or "").strip()
    since = None
    try:
        since_day = date.fromisoformat((query.get("since") or "").strip())
        since = datetime.combine(since_day, time(), zone)
    except ValueError:
        pass
    origin = (query.get("origin") or "").strip()[:32] or None
    name = " ".join((query.get("q") or "").split())[:NAME_LIMIT] or None
    return WorkerFilter(
        township=township,
        village=pick("village", villages(township)) if township else None,
        status=pick("status", WORKER_STATUSES),
        category=pick("category", tuple(job_categories())),
        origin=origin,
        secretary_id=read_id(secretary),
        registered_since=since,
        name=name,
    )


def visibility(ctx: Ctx) -> Visibility:
    scope = ctx.scope
    if scope is None or scope.everyone:
        return Visibility()
    return Visibility(scope.person_id, scope.townships)


@page.get("/workers")
async def index(request: web.Request, ctx: Ctx) -> web.StreamResponse:
    flt = worker_filter(request.query, ctx.settings.zone)
    paging = Paging.of(request, ctx.console.page_size)
    found = await list_workers(ctx.session, flt, visibility(ctx), limit=paging.size, offset=paging.offset)
    data = {
        "total": found.total,
        "more": found.more,  # True: `total` is a floor (the count stops after storage's COUNT_LIMIT)
        "page": paging.number,
        "workers": [{**asdict(row), "phone": masked_phone(row.phone)} for row in found.rows],
    }
    query = {k: v for k, v in request.query.items() if k != "page" and v}
    return ctx.respond(
        "workers.html", data, rows=found.rows, query=query, paging=paging.with_total(found.total), limit=COUNT_LIMIT,
        townships=townships(), villages=villages(flt.township) if flt.township else [], statuses=WORKER_STATUSES,
        categories=list(job_categories()), origins=await returnee_origins(ctx.session),
        secretaries=await secretaries(ctx.session),
    )


@page.get("/workers/{worker_id}", target="worker")
async def card(request: web.Request, ctx: Ctx) -> web.StreamResponse:
    worker_id = path_id(request, "worker_id")
    file = await worker_file(ctx.session, worker_id)
    if file is None:
        raise web.HTTPNotFound()
    ctx.audit("worker.view", "worker", worker_id)
    open_followups = [f for f in file.followups if f.state in FollowUpState.OPEN]
    may_act = ctx.scope is not None and ctx.scope.may_act(file.profile.secretary_id)
    return ctx.render(
        "worker.html", file=file, open_followup=open_followups[-1] if open_followups else None, may_act=may_act,
        outcomes=OUTCOMES, reschedule_days=RESCHEDULE_DAYS, message=request.query.get("done", ""),
        secretaries=await secretaries(ctx.session) if ctx.is_admin else [],
    )


@page.post("/workers/{worker_id}/phone", target="worker")
async def phone(request: web.Request, ctx: Ctx) -> web.StreamResponse:
    """The full number, once asked for: who saw whose number, and when, goes into the audit log."""
    worker_id = path_id(request, "worker_id")
    file = await worker_file(ctx.session, worker_id)
    if file is None:
        raise web.HTTPNotFound()
    ctx.audit("worker.phone", "worker", worker_id)
    return ctx.render("_phone.html", phone=file.person.phone)


@page.post("/workers/{worker_id}/note", target="worker", act=True)
async def note(request: web.Request, ctx: Ctx) -> web.StreamResponse:
    assert ctx.staff is not None
    worker_id = path_id(request, "worker_id")
    text = str((await request.post()).get("text", ""))
    handled = await note_on_worker(ctx.session, ctx.staff, worker_id, text, now=ctx.now)
    if handled.refusal == Refusal.EMPTY:
        return ctx.redirect(f"/workers/{worker_id}", done="note_empty")
    ctx.audit("worker.note", "worker", worker_id, length=len(text.strip()))
    return ctx.redirect(f"/workers/{worker_id}", done="note")


@page.post("/workers/{worker_id}/reassign", roles=ADMINS, target="worker")
async def reassign(request: web.Request, ctx: Ctx) -> web.StreamResponse:
    worker_id = path_id(request, "worker_id")
    chosen = read_id(str((await request.post()).get("secretary", "")))
    moved = chosen is not None and await reassign_worker(ctx.session, worker_id, chosen, now=ctx.now,
                                                         settings=ctx.settings)
    if not moved:
        return ctx.redirect(f"/workers/{worker_id}", done="reassign_failed")
    ctx.audit("worker.reassign", "worker", worker_id, secretary=chosen)
    return ctx.redirect(f"/workers/{worker_id}", done="reassigned")
