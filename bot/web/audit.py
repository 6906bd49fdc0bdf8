"""审计 Audit log (admins): every staff action and refusal in the console, newest first, filtered by action."""

from __future__ import annotations

from aiohttp import web

from bot.web.context import Ctx
from bot.web.paging import Paging
from bot.web.routing import ADMINS, Page
from storage.queries.audit import audit_actions, audit_entries

page = Page("audit", nav="web.nav.audit", path="/audit", roles=ADMINS)


@page.get("/audit")
async def index(request: web.Request, ctx: Ctx) -> web.StreamResponse:
    action = request.query.get("action") or None
    paging = Paging.of(request, ctx.console.page_size)
    found = await audit_entries(ctx.session, action=action, limit=paging.size, offset=paging.offset)
    data = {
        "total": found.total,
        "entries": [
            {"id": e.id, "at": e.at.isoformat(), "actor_id": e.actor_id, "actor": p.name if p else "",
             "action": e.action, "target_type": e.target_type, "target_id": e.target_id, "detail": e.detail,
             "client": e.client}
            for e, p in found.rows
        ],
    }
    return ctx.respond("audit.html", data, rows=found.rows, action=action or "",
                       actions=await audit_actions(ctx.session), paging=paging.with_total(found.total))
