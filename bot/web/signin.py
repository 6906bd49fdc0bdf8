"""Sign-in pages: the password form, a one-time link that sets the password, signing out, the language switch."""

from __future__ import annotations

from aiohttp import web

from bot.web.access import PRE_COOKIE, SESSION_COOKIE
from bot.web.context import Ctx
from bot.web.routing import PUBLIC, Page
from flows.i18n import LANGUAGES
from flows.signin import (
    InviteStatus,
    SignInStatus,
    check_invite,
    open_session,
    redeem_invite,
    sign_in,
    sign_out,
)
from storage.queries.staff import set_console_language

page = Page("signin")


def _safe_next(value: str) -> str:
    """Where to go after signing in: only a path inside the console (never another site)."""
    if value.startswith("/console/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/console/"


def minutes(seconds: float) -> int:
    return max(1, -(-int(seconds) // 60))


async def _start_session(ctx: Ctx, next_path: str) -> web.Response:
    assert ctx.staff is not None
    opened = await open_session(ctx.session, ctx.staff, client=ctx.client, now=ctx.now, policy=ctx.console.policy)
    ctx.set_cookie(SESSION_COOKIE, opened.token, max_age=int(ctx.console.policy.session_hours * 3600))
    ctx.set_cookie(PRE_COOKIE, "", max_age=0)
    return web.Response(status=303, headers={"Location": _safe_next(next_path)})


@page.get("/signin", roles=PUBLIC)
async def signin_form(request: web.Request, ctx: Ctx) -> web.StreamResponse:
    if ctx.staff is not None:
        return web.Response(status=303, headers={"Location": _safe_next(request.query.get("next", ""))})
    return ctx.render("signin.html", next=request.query.get("next", ""), login="", message=None)


@page.post("/signin", roles=PUBLIC)
async def signin_submit(request: web.Request, ctx: Ctx) -> web.StreamResponse:
    form = await request.post()
    login, password = str(form.get("login", "")), str(form.get("password", ""))
    next_path = str(form.get("next", ""))
    result = await sign_in(ctx.session, login, password, client=ctx.client, now=ctx.now, policy=ctx.console.policy)
    if result.status == SignInStatus.OK and result.person is not None:
        ctx.staff = result.person
        ctx.audit("signin", "person", result.person.id)
        return await _start_session(ctx, next_path)
    ctx.staff = None
    known = result.person.id if result.person is not None else None
    ctx.audit(f"signin.{result.status.value}", "person" if known else "login", known or login[:64],
              failures=result.failures)
    if result.status == SignInStatus.LOCKED and result.retry_after is not None:
        message = ctx.t("web.signin.locked", minutes=minutes(result.retry_after.total_seconds()))
        status = 429
    else:
        message, status = ctx.t("web.signin.wrong"), 401
    return ctx.render("signin.html", status=status, next=next_path, login=login, message=message)


INVITE_PROBLEMS = {
    InviteStatus.UNKNOWN: "web.invite.unknown",
    InviteStatus.USED: "web.invite.used",
    InviteStatus.EXPIRED: "web.invite.expired",
    InviteStatus.NOT_STAFF: "web.invite.not_staff",
}


@page.get("/invite/{token}", roles=PUBLIC)
async def invite_form(request: web.Request, ctx: Ctx) -> web.StreamResponse:
    check = await check_invite(ctx.session, request.match_info["token"], now=ctx.now)
    if check.status != InviteStatus.OK or check.person is None or check.account is None:
        return ctx.render("invite.html", status=410, problem=ctx.t(INVITE_PROBLEMS[check.status]))
    return ctx.render("invite.html", problem=None, person=check.person, login=check.account.login, message=None)


@page.post("/invite/{token}", roles=PUBLIC)
async def invite_submit(request: web.Request, ctx: Ctx) -> web.StreamResponse:
    form = await request.post()
    password, again = str(form.get("password", "")), str(form.get("password_again", ""))
    login = str(form.get("login", ""))
    token = request.match_info["token"]
    if password != again:
        check = await check_invite(ctx.session, token, now=ctx.now)
        if check.status != InviteStatus.OK:
            return ctx.render("invite.html", status=410, problem=ctx.t(INVITE_PROBLEMS[check.status]))
        return ctx.render("invite.html", status=400, problem=None, person=check.person, login=login,
                          message=ctx.t("web.invite.mismatch"))
    result = await redeem_invite(ctx.session, token, login=login, password=password, now=ctx.now)
    if result.status in INVITE_PROBLEMS:
        return ctx.render("invite.html", status=410, problem=ctx.t(INVITE_PROBLEMS[result.status]))
    if result.status != InviteStatus.OK or result.person is None:
        key = f"web.password.{result.problem}" if result.problem else f"web.invite.{result.status.value}"
        return ctx.render("invite.html", status=400, problem=None, person=result.person, login=login,
                          message=ctx.t(key))
    ctx.staff = result.person
    ctx.audit("password.set", "person", result.person.id)
    return await _start_session(ctx, "/console/")


@page.post("/signout")
async def signout(request: web.Request, ctx: Ctx) -> web.StreamResponse:
    ctx.audit("signout", "person", ctx.staff.id if ctx.staff else "")
    await sign_out(ctx.session, ctx.session_token)
    ctx.set_cookie(SESSION_COOKIE, "", max_age=0)
    return web.Response(status=303, headers={"Location": ctx.url("/signin")})


@page.post("/language")
async def language(request: web.Request, ctx: Ctx) -> web.StreamResponse:
    form = await request.post()
    chosen = str(form.get("language", ""))
    if chosen in LANGUAGES and ctx.staff is not None:
        await set_console_language(ctx.session, ctx.staff.id, chosen)
        ctx.audit("language", "person", ctx.staff.id, language=chosen)
    return web.Response(status=303, headers={"Location": _safe_next(str(form.get("next", "")))})
