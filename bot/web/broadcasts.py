"""广播 Broadcasts (admins): compose, choose the audience with a live count, preview as a worker sees it, send now,
tomorrow morning or at a time, then a live progress bar, the delivery report and withdrawing what has not gone.

The audience is the same words `mishu broadcast` and /broadcast take (flows/audience.py), the notice is made by
flows/broadcasting.py's `queue_broadcast` and leaves through the outbox. Sending is single-use: the preview
holds a one-time token carrying exactly what was shown, so a double click (or a second tab) sends once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from markupsafe import Markup

from bot.channels.telegram.render import render_text
from bot.web.context import Ctx
from bot.web.paging import Paging
from bot.web.routing import ADMINS, Page, path_id
from flows.audience import STATUS_WORDS, AudienceError, describe_audience, parse_audience
from flows.broadcasting import next_morning, queue_broadcast
from flows.channels import too_long_for
from flows.i18n import in_script
from flows.messages import Reply
from storage.models import Broadcast
from storage.queries.broadcasts import (
    REPORT_STATES,
    audience_recipients,
    broadcast_report,
    cancel_broadcast,
    list_broadcasts,
)
from storage.queries.conversation import find_token, issue_token, use_token
from storage.states import OutboxState
from storage.vocabulary import job_categories, townships

page = Page("broadcasts", nav="web.nav.broadcasts", path="/broadcasts", roles=ADMINS)

TEXT_LIMIT = 4096  # Telegram's sendMessage limit, the channel broadcasts are delivered on
PREVIEW_MINUTES = 60  # a preview's send button works this long
POLL_SECONDS = 2
STATUSES = tuple(dict.fromkeys(STATUS_WORDS.values()))  # seeking, placed, training
SEND_ACTION = "broadcast.send"
TOKEN_CHANNEL = "console"


def audience_words(form: Mapping[str, Any]) -> str:
    """The compose form's choices in the audience words of flows/audience.py ('township=双福镇;status=seeking')."""

    def chosen(key: str, allowed: tuple[str, ...] | list[str]) -> list[str]:
        values = form.getall(key, []) if hasattr(form, "getall") else [form.get(key, "")]
        return [v for v in (str(value).strip() for value in values) if v in allowed]

    parts = []
    if str(form.get("everyone", "")) == "1":
        parts.append("all")
    for key, word, allowed in (("township", "township", townships()), ("status", "status", STATUSES),
                               ("category", "category", list(job_categories()))):
        values = chosen(key, allowed)
        if values:
            parts.append(f"{word}={','.join(values)}")
    origin = " ".join(str(form.get("origin", "")).replace(";", " ").replace("=", " ").split())[:32]
    if origin:
        parts.append(f"origin={origin}")
    if str(form.get("groups", "")) == "1":
        parts.append("groups")
    return ";".join(parts)


def send_time(form: Mapping[str, Any], ctx: Ctx) -> datetime | None:
    """When to send: now, tomorrow 09:00, or the bureau-local time typed (None: not a time, or already past)."""
    when = str(form.get("when", "now"))
    if when == "morning":
        return next_morning(ctx.now, ctx.settings.zone)
    if when != "at":
        return ctx.now
    try:
        moment = datetime.fromisoformat(str(form.get("at", "")).strip())
    except ValueError:
        return None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=ctx.settings.zone)
    return moment if moment > ctx.now else None


async def _count(ctx: Ctx, audience: dict[str, Any]) -> tuple[int, int]:
    recipients = await audience_recipients(ctx.session, audience)
    groups = sum(1 for r in recipients if r.chat_type == "group")
    return len(recipients) - groups, groups


@page.get("/broadcasts")
async def index(request: web.Request, ctx: Ctx) -> web.StreamResponse:
    paging = Paging.of(request, ctx.console.page_size)
    rows, total = await list_broadcasts(ctx.session, limit=paging.size, offset=paging.offset)
    data = {"total": total, "broadcasts": [
        {"id": row.broadcast.id, "text": row.broadcast.text, "audience": row.broadcast.audience,
         "status": row.broadcast.status, "send_at": row.broadcast.send_at.isoformat(), "author": row.author,
         "report": row.report} for row in rows]}
    if ctx.wants_json:
        return ctx.respond("broadcasts.html", data)
    return ctx.render("broadcasts.html", rows=rows, paging=paging.with_total(total), query={}, form=request.query,
                      townships=townships(), statuses=STATUSES, categories=list(job_categories()), limit=TEXT_LIMIT,
                      error="", message=request.query.get("done", ""))


@page.get("/broadcasts/audience")
async def audience_count(request: web.Request, ctx: Ctx) -> web.StreamResponse:
    """The live count under the audience choices (htmx, on every change)."""
    words = audience_words(request.query)
    try:
        audience = parse_audience(words)
    except AudienceError:
        if ctx.wants_json:
            return web.json_response({"audience": None, "workers": None, "groups": None})
        return ctx.render("_audience_count.html", workers=None, groups=None)
    workers, groups = await _count(ctx, audience)
    if ctx.wants_json:
        return web.json_response({"audience": audience, "workers": workers, "groups": groups})
    return ctx.render("_audience_count.html", workers=workers, groups=groups)


@page.post("/broadcasts/preview")
async def preview(request: web.Request, ctx: Ctx) -> web.StreamResponse:
    """What the workers will see, to whom and when; the send button carries a one-time token."""
    assert ctx.staff is not None
    form = await request.post()
    text = str(form.get("text", "")).strip()
    words = audience_words(form)
    problem = ""
    audience: dict[str, Any] = {}
    if not text:
        problem = ctx.t("web.broadcasts.no_text")
    elif len(text) > TEXT_LIMIT:
        problem = ctx.t("web.broadcasts.too_long", limit=TEXT_LIMIT)
    else:
        try:
            audience = parse_audience(words)
        except AudienceError:
            problem = ctx.t("web.broadcasts.no_audience")
    send_at = send_time(form, ctx)
    if not problem and send_at is None:
        problem = ctx.t("web.broadcasts.bad_time")
    if not problem:  # a broadcast is one message for everyone: refused when some recipient's channel cannot hold it
        narrow = too_long_for(text, (r.channel for r in await audience_recipients(ctx.session, audience)))
        if narrow is not None:
            problem = ctx.t("web.broadcasts.too_long_for_channel", most=narrow.characters)
    if problem:
        rows, total = await list_broadcasts(ctx.session, limit=ctx.console.page_size, offset=0)
        return ctx.render("broadcasts.html", status=400, rows=rows, paging=Paging(1, ctx.console.page_size, total),
                          query={}, form=form, townships=townships(), statuses=STATUSES,
                          categories=list(job_categories()), limit=TEXT_LIMIT, error=problem, message="")
    assert send_at is not None
    workers, groups = await _count(ctx, audience)
    token = issue_token(ctx.session, channel=TOKEN_CHANNEL, user_id=str(ctx.staff.id), action=SEND_ACTION,
                        args={"text": text, "audience": audience, "send_at": send_at.isoformat()},
                        expires_at=ctx.now + timedelta(minutes=PREVIEW_MINUTES), single_use=True)
    reply = Reply(text=text)
    return ctx.render(
        "broadcast_preview.html", text=text, token=token, form=form, audience=audience, workers=workers,
        groups=groups, send_at=send_at, described=describe_audience(audience),
        as_seen=Markup(render_text(text)), as_seen_traditional=Markup(render_text(in_script(reply, "zh-hant").text)),
    )


@page.post("/broadcasts/send")
async def send(request: web.Request, ctx: Ctx) -> web.StreamResponse:
    """Send what the preview showed, once: the second click of a double click finds its token used."""
    assert ctx.staff is not None
    form = await request.post()
    token = await find_token(ctx.session, str(form.get("token", "")))
    if (token is None or token.channel != TOKEN_CHANNEL or token.action != SEND_ACTION
            or token.user_id != str(ctx.staff.id) or token.expires_at < ctx.now):
        return ctx.redirect("/broadcasts", done="expired")
    if not await use_token(ctx.session, token, ctx.now):
        await ctx.session.refresh(token)  # the first click's transaction has committed: it says which broadcast
        sent = token.args.get("broadcast")
        ctx.audit("broadcast.send_again", "broadcast", sent or "")
        return ctx.redirect(f"/broadcasts/{sent}", done="already") if sent else ctx.redirect("/broadcasts",
                                                                                             done="already")
    args = dict(token.args)
    broadcast, queued = await queue_broadcast(
        ctx.session, author_id=ctx.staff.id, text=str(args["text"]), audience=dict(args["audience"]),
        send_at=datetime.fromisoformat(str(args["send_at"])), now=ctx.now,
    )
    token.args = {**args, "broadcast": broadcast.id}
    ctx.audit("broadcast.send", "broadcast", broadcast.id, queued=queued, audience=describe_audience(broadcast.audience))
    return ctx.redirect(f"/broadcasts/{broadcast.id}", done="queued")


async def _broadcast(request: web.Request, ctx: Ctx) -> Broadcast:
    broadcast = await ctx.session.get(Broadcast, path_id(request, "broadcast_id"))
    if broadcast is None:
        raise web.HTTPNotFound()
    return broadcast


def _progress(report: dict[str, int]) -> dict[str, Any]:
    total = report["total"] or 1
    waiting = sum(report[state] for state in OutboxState.UNSENT)
    return {"report": report, "waiting": waiting, "done": report["total"] - waiting,
            "shares": {state: round(100 * report[state] / total, 1)
                       for state in REPORT_STATES if state not in OutboxState.UNSENT}}


@page.get(r"/broadcasts/{broadcast_id:\d+}")
async def detail(request: web.Request, ctx: Ctx) -> web.StreamResponse:
    broadcast = await _broadcast(request, ctx)
    progress = _progress(await broadcast_report(ctx.session, broadcast.id))
    if ctx.wants_json:
        return web.json_response({"id": broadcast.id, "status": broadcast.status, "audience": broadcast.audience,
                                  "send_at": broadcast.send_at.isoformat(), "report": progress["report"]})
    return ctx.render("broadcast.html", broadcast=broadcast, **progress, poll=POLL_SECONDS,
                      described=describe_audience(broadcast.audience), message=request.query.get("done", ""),
                      withdrawn=request.query.get("count", ""))


@page.get(r"/broadcasts/{broadcast_id:\d+}/progress")
async def progress(request: web.Request, ctx: Ctx) -> web.StreamResponse:
    """The progress bar alone (htmx polls it until nothing is waiting)."""
    broadcast = await _broadcast(request, ctx)
    return ctx.render("_broadcast_progress.html", broadcast=broadcast, poll=POLL_SECONDS,
                      **_progress(await broadcast_report(ctx.session, broadcast.id)))


@page.post(r"/broadcasts/{broadcast_id:\d+}/withdraw")
async def withdraw(request: web.Request, ctx: Ctx) -> web.StreamResponse:
    broadcast = await _broadcast(request, ctx)
    withdrawn = await cancel_broadcast(ctx.session, broadcast.id)
    ctx.audit("broadcast.withdraw", "broadcast", broadcast.id, withdrawn=withdrawn)
    return ctx.redirect(f"/broadcasts/{broadcast.id}", done="withdrawn", count=withdrawn)
