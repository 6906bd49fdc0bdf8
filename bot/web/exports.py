"""导出 Exports: the bureau's Excel reports (`mishu export workers|followups|placements`) downloaded from the pages
that list them — workers, follow-ups, postings — holding only the workers the reader may see, each download in
the audit log."""

from __future__ import annotations

import asyncio
import io
from urllib.parse import quote

from aiohttp import web

from bot.web.context import Ctx
from bot.web.routing import Page
from bot.web.workers import visibility
from storage.importing.export import REPORTS, report_rows, write_xlsx

page = Page("exports")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@page.get(r"/exports/{report:[a-z]+}.xlsx")
async def download(request: web.Request, ctx: Ctx) -> web.StreamResponse:
    report = request.match_info["report"]
    if report not in REPORTS:
        raise web.HTTPNotFound()
    headers, rows = await report_rows(ctx.session, report, visibility(ctx), today=ctx.today)
    ctx.audit(f"export.{report}", "report", report, rows=len(rows))
    buffer = io.BytesIO()
    await asyncio.to_thread(write_xlsx, buffer, report, headers, rows)  # 100,000 rows take seconds of CPU
    name = f"{ctx.t('web.exports.file.' + report)}-{ctx.today.isoformat()}.xlsx"
    return web.Response(body=buffer.getvalue(), content_type=XLSX, headers={
        "Content-Disposition": f"attachment; filename=\"{report}.xlsx\"; filename*=UTF-8''{quote(name)}"})
