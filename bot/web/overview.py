"""概览 Overview: the bureau's figures (as `mishu stats` counts them) and six charts, for a period and township."""

from __future__ import annotations

import json

from aiohttp import web

from bot.web.charts import overview_charts
from bot.web.context import Ctx
from bot.web.routing import Page
from flows.overview import overview, parse_period
from storage.queries.stats import FIGURES
from storage.vocabulary import townships

page = Page("overview", nav="web.nav.overview", path="/")


@page.get("/")
async def index(request: web.Request, ctx: Ctx) -> web.StreamResponse:
    period = parse_period(request.query.get("start"), request.query.get("end"), ctx.today)
    township = request.query.get("township") or None
    if township not in townships():
        township = None
    key = (period, township)
    cached = None if request.query.get("fresh") == "1" else ctx.console.figures.get(key, ctx.now)
    if cached is None:
        data = await overview(ctx.session, period, township, now=ctx.now, timezone=ctx.settings.timezone)
        ctx.console.figures.put(key, ctx.now, data)
        counted_at = ctx.now
    else:
        counted_at, data = cached
    charts = [(name, title, json.dumps(option, ensure_ascii=False)) for name, title, option in
              overview_charts(data, ctx.t)]
    return ctx.respond("overview.html", {**data, "counted_at": counted_at.isoformat()}, charts=charts,
                       figure_names=FIGURES, townships=townships(), counted=counted_at)
