"""回访 Follow-ups: a secretary's day — overdue, due today, asked and waiting for the worker — with one-click
outcomes and reschedule (the chat prompt's rules: flows/casework.py → flows/checkins.py)."""

from __future__ import annotations

from aiohttp import web

from bot.web.context import Ctx
from bot.web.routing import Page, path_id
from flows.casework import Handled, record_outcome, reschedule_followup
from flows.followups import OUTCOMES, RESCHEDULE_DAYS, rules_of
from flows.workcal import working_day_bounds
from storage.numbers import read_id, read_int
from storage.queries.followups import secretary_list
from storage.queries.worker_file import secretaries
from storage.states import FollowUpState

page = Page("followups", nav="web.nav.followups", path="/followups")

LIST_LIMIT = 100  # rows per section; the rest is counted as "more"
WAITING = (FollowUpState.ASKED_WORKER,)
NOT_WAITING = tuple(sorted(state for state in FollowUpState.OPEN if state not in WAITING))


@page.get("/followups")
async def index(request: web.Request, ctx: Ctx) -> web.StreamResponse:
    assert ctx.staff is not None
    start, end = working_day_bounds(ctx.today, rules_of(ctx.settings).working_hours)
    chosen = request.query.get("secretary", "")
    if ctx.is_admin:
        mine = read_id(chosen)  # an admin sees everyone's day, or one secretary's
    else:
        mine = ctx.staff.id
    sections = {
        "overdue": await secretary_list(ctx.session, mine, due_before=start, states=NOT_WAITING,
                                        limit=LIST_LIMIT + 1),
        "today": await secretary_list(ctx.session, mine, due_before=end, due_from=start, states=NOT_WAITING,
                                      limit=LIST_LIMIT + 1),
        "waiting": await secretary_list(ctx.session, mine, due_before=None, states=WAITING, limit=LIST_LIMIT + 1),
    }
    data = {
        name: [{"followup_id": f.id, "worker_id": w.id, "worker": w.name, "kind": f.kind, "state": f.state,
                "due_at": f.due_at.isoformat(), "worker_answer": f.worker_answer} for f, w in rows[:LIST_LIMIT]]
        for name, rows in sections.items()
    }
    return ctx.respond(
        "followups.html", data, sections=sections, limit=LIST_LIMIT, outcomes=OUTCOMES,
        reschedule_days=RESCHEDULE_DAYS, secretaries=await secretaries(ctx.session) if ctx.is_admin else [],
        chosen=mine,
    )


async def _answer(ctx: Ctx, request: web.Request, handled: Handled, what: str) -> web.StreamResponse:
    """htmx: the row becomes what happened; a plain form: back to where it came from with a message."""
    form = await request.post()
    back = str(form.get("next", ""))
    done = what if handled.ok else f"refused_{handled.refusal}"
    if ctx.htmx:
        return ctx.render("_followup_done.html", handled=handled, what=what)
    if back.startswith("/workers/") and read_id(back[len("/workers/"):]) is not None:
        return ctx.redirect(back, done=done)
    return ctx.redirect("/followups", done=done)


@page.post("/followups/{followup_id}/outcome", target="followup", act=True)
async def outcome(request: web.Request, ctx: Ctx) -> web.StreamResponse:
    assert ctx.staff is not None
    form = await request.post()
    followup_id = path_id(request, "followup_id")
    chosen = str(form.get("outcome", ""))
    handled = await record_outcome(ctx.session, ctx.staff, followup_id, chosen, now=ctx.now, settings=ctx.settings,
                                   employer=str(form.get("employer", "")))
    if handled.ok:
        ctx.audit("followup.outcome", "followup", followup_id, outcome=chosen,
                  worker=handled.followup.worker_id if handled.followup else None)
    return await _answer(ctx, request, handled, f"outcome.{chosen}")


@page.post("/followups/{followup_id}/reschedule", target="followup", act=True)
async def reschedule(request: web.Request, ctx: Ctx) -> web.StreamResponse:
    assert ctx.staff is not None
    form = await request.post()
    followup_id = path_id(request, "followup_id")
    days = read_int(str(form.get("days", ""))) or 0
    handled = await reschedule_followup(ctx.session, ctx.staff, followup_id, days,
                                        now=ctx.now, settings=ctx.settings)
    if handled.ok:
        ctx.audit("followup.reschedule", "followup", followup_id, days=days,
                  worker=handled.followup.worker_id if handled.followup else None)
    return await _answer(ctx, request, handled, "rescheduled")
