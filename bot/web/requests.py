"""求助 Requests: hand-offs and wage-arrears cases as an inbox (open, mine, resolved), one case with the conversation
so far (polled, so the worker's answer shows without a reload), a reply box with canned replies, and resolving.

Replying and resolving are flows/cases.py's `reply_to_case` and `resolve_case`, the same the chat's reply form and
/reply use: the reply reaches the worker through the outbox, in their script, with the staff member's name.
"""

from __future__ import annotations

from aiohttp import web

from bot.web.context import Ctx
from bot.web.paging import Paging
from bot.web.routing import Page, path_id
from bot.web.workers import visibility
from flows.cases import CaseAction, case_thread, may_act_on_case, reply_to_case, resolve_case
from storage.models import Case, Person
from storage.queries.cases import CASE_BOXES, case_counts, case_replies, list_cases
from storage.queries.conversation import recent_messages
from storage.queries.worker_file import worker_owner
from storage.states import CaseKind, CaseState

page = Page("requests", nav="web.nav.requests", path="/requests")

KINDS = tuple(CaseKind)  # the filter's choices, in this order
POLL_SECONDS = 5  # how often an open case's page asks for new messages
REPLY_LIMIT = 2000


@page.get("/requests")
async def index(request: web.Request, ctx: Ctx) -> web.StreamResponse:
    assert ctx.staff is not None
    box = request.query.get("box", "open")
    box = box if box in CASE_BOXES else "open"
    asked_kind = request.query.get("kind")
    kind = CaseKind(asked_kind) if asked_kind in KINDS else None
    paging = Paging.of(request, ctx.console.page_size)
    rows, total = await list_cases(ctx.session, box, visibility(ctx), me=ctx.staff.id, kind=kind,
                                   limit=paging.size, offset=paging.offset)
    data = {
        "box": box,
        "total": total,
        "counts": await case_counts(ctx.session, visibility(ctx), me=ctx.staff.id),
        "cases": [
            {"id": row.case.id, "kind": row.case.kind, "status": row.case.status, "worker": row.worker.name,
             "township": row.worker.township, "secretary": row.secretary_name, "text": row.case.text,
             "created_at": row.case.created_at.isoformat()}
            for row in rows
        ],
    }
    query = {k: v for k, v in (("box", box), ("kind", kind)) if v}
    return ctx.respond("requests.html", data, rows=rows, kinds=KINDS, kind=kind or "", query=query,
                       paging=paging.with_total(total))


async def _case_page_data(ctx: Ctx, case: Case) -> dict[str, object]:
    worker = await ctx.session.get(Person, case.worker_id)
    replies = await case_replies(ctx.session, case.id)
    thread = case_thread(case, replies, await recent_messages(ctx.session, case.worker_id))
    owner = await worker_owner(ctx.session, case.worker_id)  # None: the person never registered
    card = owner is not None and ctx.scope is not None and ctx.scope.may_see(owner.secretary_id, owner.township)
    assert ctx.staff is not None
    return {"case": case, "worker": worker, "thread": thread, "worker_card": card,
            "may_act": case.status in CaseState.UNRESOLVED and await may_act_on_case(ctx.session, ctx.staff, case),
            "handler": await ctx.session.get(Person, case.secretary_id) if case.secretary_id else None,
            "resolver": await ctx.session.get(Person, case.resolved_by_id) if case.resolved_by_id else None}


@page.get("/requests/{case_id}", target="case")
async def case_page(request: web.Request, ctx: Ctx) -> web.StreamResponse:
    case = await ctx.session.get(Case, path_id(request, "case_id"))
    assert case is not None  # the middleware answered 404 otherwise
    ctx.audit("case.view", "case", case.id)
    return ctx.render("request.html", **await _case_page_data(ctx, case), canned=ctx.console.canned_replies,
                      poll=POLL_SECONDS, limit=REPLY_LIMIT, message=request.query.get("done", ""))


@page.get("/requests/{case_id}/thread", target="case")
async def thread(request: web.Request, ctx: Ctx) -> web.StreamResponse:
    """The conversation alone (htmx polls it): the worker's answer appears without reloading the page."""
    case = await ctx.session.get(Case, path_id(request, "case_id"))
    assert case is not None
    data = await _case_page_data(ctx, case)
    if ctx.wants_json:
        return web.json_response({"case": case.id, "status": case.status, "thread": [
            {"at": e.at.isoformat(), "text": e.text, "from_staff": e.from_staff, "state": e.state}
            for e in data["thread"]]})  # type: ignore[attr-defined]
    return ctx.render("_thread.html", **data, poll=POLL_SECONDS)


def _answer(ctx: Ctx, case_id: int, done: CaseAction, what: str) -> web.StreamResponse:
    return ctx.redirect(f"/requests/{case_id}", done=what if done.ok else f"refused_{done.refusal}")


@page.post("/requests/{case_id}/reply", target="case", act=True)
async def reply(request: web.Request, ctx: Ctx) -> web.StreamResponse:
    assert ctx.staff is not None
    case_id = path_id(request, "case_id")
    text = str((await request.post()).get("text", ""))[:REPLY_LIMIT]
    done = await reply_to_case(ctx.session, ctx.staff, case_id, text, now=ctx.now, settings=ctx.settings)
    if done.ok:
        ctx.audit("case.reply", "case", case_id, length=len(text.strip()))
    if ctx.htmx and done.ok and done.case is not None:
        await ctx.session.flush()
        return ctx.render("_thread.html", **await _case_page_data(ctx, done.case), poll=POLL_SECONDS,
                          thread_message="reply_sent")
    return _answer(ctx, case_id, done, "reply_sent")


@page.post("/requests/{case_id}/resolve", target="case", act=True)
async def resolve(request: web.Request, ctx: Ctx) -> web.StreamResponse:
    assert ctx.staff is not None
    case_id = path_id(request, "case_id")
    done = await resolve_case(ctx.session, ctx.staff, case_id, now=ctx.now)
    if done.ok:
        ctx.audit("case.resolve", "case", case_id)
    return _answer(ctx, case_id, done, "resolved")
