"""岗位 Postings: the shelf filtered (status, category, township, enterprise, words) and paged, each posting with how
many workers it was pushed to and who applied; admins close or edit a posting (flows/shelf.py: the importer's field
rules) and import sheets (bot/web/imports.py).

Employers' pending postings are listed under their own tab (storage/queries/shelf.py counts them). Approving and
rejecting them is flows/posting_review.py's `approve`/`reject` on the employers' branch: when it is merged, two
admin routes here (`/postings/{id}/approve`, `/postings/{id}/reject` with a reason) call them and the detail page
shows their buttons for a pending posting; until then a pending posting can be read, not reviewed, here.
"""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from bot.web.context import Ctx
from bot.web.paging import Paging
from bot.web.routing import ADMINS, Page, path_id
from bot.web.workers import visibility
from flows.shelf import EDITABLE, ShelfAction, close_posting, edit_posting, typed_values
from storage.queries.shelf import (
    SHELF_STATUSES,
    PostingFilter,
    enterprise_names,
    list_postings,
    posting_file,
    shelf_counts,
)
from storage.states import PostingState
from storage.vocabulary import job_categories, townships

page = Page("postings", nav="web.nav.postings", path="/postings")

WORDS_LIMIT = 32


def posting_filter(query: Mapping[str, str]) -> PostingFilter:
    """The table's filters as typed: unknown statuses, places and categories are ignored (a filter never errors);
    the status defaults to open postings, `all` shows every status."""
    def pick(key: str, allowed: tuple[str, ...] | list[str]) -> str | None:
        value = (query.get(key) or "").strip()
        return value if value in allowed else None

    status = (query.get("status") or PostingState.OPEN).strip()
    words = {key: " ".join((query.get(key) or "").split())[:WORDS_LIMIT] or None for key in ("enterprise", "q")}
    return PostingFilter(
        status=status if status in SHELF_STATUSES else None,
        category=pick("category", tuple(job_categories())),
        township=pick("township", townships()),
        enterprise=words["enterprise"],
        text=words["q"],
    )


@page.get("/postings")
async def index(request: web.Request, ctx: Ctx) -> web.StreamResponse:
    flt = posting_filter(request.query)
    paging = Paging.of(request, ctx.console.page_size)
    rows, total = await list_postings(ctx.session, flt, limit=paging.size, offset=paging.offset)
    data = {
        "total": total,
        "showing": flt.status or "all",
        "postings": [
            {"id": row.posting.id, "title": row.posting.title, "enterprise": row.posting.enterprise.name,
             "category": row.posting.job_category, "township": row.posting.township, "city": row.posting.city,
             "openings": row.posting.openings, "status": row.posting.status, "pushed": row.pushed,
             "applied": row.applied, "deadline": row.posting.deadline.isoformat() if row.posting.deadline else None}
            for row in rows
        ],
    }
    query = {k: v for k, v in request.query.items() if k != "page" and v}
    return ctx.respond("postings.html", data, rows=rows, query=query, paging=paging.with_total(total),
                       counts=await shelf_counts(ctx.session), statuses=SHELF_STATUSES, townships=townships(),
                       categories=list(job_categories()), enterprises=await enterprise_names(ctx.session))


async def _detail(request: web.Request, ctx: Ctx, *, status: int = 200, action: ShelfAction | None = None,
                  typed: Mapping[str, str] | None = None) -> web.StreamResponse:
    file = await posting_file(ctx.session, path_id(request, "posting_id"), visibility(ctx))
    if file is None:
        raise web.HTTPNotFound()
    if ctx.wants_json:
        return web.json_response({
            "id": file.posting.id, "title": file.posting.title, "status": file.posting.status, "pushed": file.pushed,
            "applicants": [{"worker_id": a.worker.id, "name": a.worker.name, "status": a.application.status,
                            "at": a.application.created_at.isoformat()} for a in file.applicants],
            "hidden_applicants": file.hidden_applicants})
    return ctx.render("posting.html", status=status, file=file, posting=file.posting, editable=EDITABLE,
                      typed=typed if typed is not None else typed_values(file.posting),
                      errors=action.errors if action else [], categories=list(job_categories()),
                      message=request.query.get("done", ""))


@page.get(r"/postings/{posting_id:\d+}")
async def detail(request: web.Request, ctx: Ctx) -> web.StreamResponse:
    return await _detail(request, ctx)


@page.post(r"/postings/{posting_id:\d+}/close", roles=ADMINS)
async def close(request: web.Request, ctx: Ctx) -> web.StreamResponse:
    assert ctx.staff is not None
    posting_id = path_id(request, "posting_id")
    done = await close_posting(ctx.session, ctx.staff, posting_id)
    if done.ok:
        ctx.audit("posting.close", "posting", posting_id)
    return ctx.redirect(f"/postings/{posting_id}", done="closed" if done.ok else f"refused_{done.refusal}")


@page.post(r"/postings/{posting_id:\d+}/edit", roles=ADMINS)
async def edit(request: web.Request, ctx: Ctx) -> web.StreamResponse:
    assert ctx.staff is not None
    posting_id = path_id(request, "posting_id")
    form = await request.post()
    typed = {key: str(form.get(key, "")) for key in EDITABLE}
    done = await edit_posting(ctx.session, ctx.staff, posting_id, typed)
    if done.errors:
        return await _detail(request, ctx, status=400, action=done, typed=typed)
    if done.ok:
        ctx.audit("posting.edit", "posting", posting_id)
    return ctx.redirect(f"/postings/{posting_id}", done="edited" if done.ok else f"refused_{done.refusal}")
