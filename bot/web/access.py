"""The one place the console decides who may do what, on every request, before any handler runs.

For a route declared with a `Rule` (bot/web/routing.py) the middleware opens the request's database transaction,
finds the signed-in staff member from the session cookie, and refuses — with a 403 page and an audit entry —
a wrong role, a POST without the right CSRF token, or a target (worker, follow-up …) outside the person's
scope. Not signed in: to the sign-in page. Handlers then only do their job; menus hide what a role cannot
open, but hiding is never the protection.

To protect a new kind of target (a case, a posting …), add a resolver to TARGETS: given the id in the URL,
the (secretary id, township) that decide who sees it, or None when there is no such thing (404).
"""

from __future__ import annotations

import ipaddress
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.web.context import BASE, CONSOLE_KEY, Console, Ctx, language_for
from bot.web.routing import Route, Rule
from flows.i18n import LANGUAGES
from flows.scope import scope_of
from flows.signin import current_session, new_token
from storage.numbers import read_id
from storage.queries.cases import case_owner
from storage.queries.staff import account_of
from storage.queries.worker_file import Owner, followup_owner, worker_owner

log = logging.getLogger(__name__)

SESSION_COOKIE = "mishu_console"
PRE_COOKIE = "mishu_console_pre"  # before sign-in: the CSRF token of the sign-in forms (double submit)
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
# aiohttp ≥ 3.13 wants typed request keys; older versions take the plain string.
CTX_KEY: Any = web.RequestKey("console.ctx", Ctx) if hasattr(web, "RequestKey") else "console.ctx"
RULE_ATTRIBUTE = "console_rule"

Resolver = Callable[[AsyncSession, int], Awaitable[Owner | None]]
TARGETS: dict[str, Resolver] = {
    "worker": worker_owner,
    "followup": followup_owner,
    "case": case_owner,
}

SECURITY_HEADERS = {
    # Every script and style comes from the package; htmx and ECharts set inline styles on elements.
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                               "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",  # a sign-in link's token never leaves in a Referer header
}


def aiohttp_handler(route: Route) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """The function aiohttp calls for a page route: the handler with its Ctx, the Rule attached for the middleware."""

    async def handle(request: web.Request) -> web.StreamResponse:
        return await route.handler(request, request[CTX_KEY])

    handle.__name__ = route.name
    setattr(handle, RULE_ATTRIBUTE, route.rule)
    return handle


def rule_of(request: web.Request) -> Rule | None:
    try:
        handler = request.match_info.handler
    except (AttributeError, web.HTTPException):
        return None
    return getattr(handler, RULE_ATTRIBUTE, None)


def client_address(request: web.Request, trusted: tuple[str, ...]) -> str:
    """The browser's address: the peer, or — when the peer is a trusted reverse proxy — the last address the proxy
    appended to X-Forwarded-For."""
    peer = request.remote or ""
    forwarded = request.headers.get("X-Forwarded-For", "")
    if forwarded and _is_trusted(peer, trusted):
        last = forwarded.split(",")[-1].strip()
        if last:
            return last[:64]
    return peer[:64]


def _is_trusted(peer: str, trusted: tuple[str, ...]) -> bool:
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    for entry in trusted:
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def over_https(request: web.Request, trusted: tuple[str, ...]) -> bool:
    if request.secure:
        return True
    proto = request.headers.get("X-Forwarded-Proto", "")
    return proto.lower() == "https" and _is_trusted(request.remote or "", trusted)


@web.middleware
async def console_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    rule = rule_of(request)
    if rule is None:  # static files, unknown paths
        response = await handler(request)
        _secure(response)
        return response
    console = request.app[CONSOLE_KEY]
    trusted = console.trusted_proxies
    async with console.db.session() as session:
        ctx = Ctx(request, console, session, console.clock(), client_address(request, trusted))
        await _identify(ctx)
        request[CTX_KEY] = ctx
        refusal = await _refusal(rule, request, ctx)
        response = refusal if refusal is not None else await handler(request)
    for work, what in ctx.after:  # the transaction has committed
        console.spawn(work(), what)
    _finish(response, ctx, secure=_secure_cookies(console, request, trusted))
    return response


async def _identify(ctx: Ctx) -> None:
    """Who is signed in (a live session cookie), their scope, language and CSRF token."""
    console = ctx.console
    token = ctx.request.cookies.get(SESSION_COOKIE, "")
    found = await current_session(ctx.session, token, now=ctx.now, policy=console.policy) if token else None
    if found is not None:
        row, person = found
        ctx.staff, ctx.csrf, ctx.session_token = person, row.csrf_token, token
        ctx.account = await account_of(ctx.session, person.id)
        ctx.scope = await scope_of(ctx.session, person)
    else:
        if token:
            ctx.set_cookie(SESSION_COOKIE, "", max_age=0)  # expired: forget it
        ctx.csrf = ctx.request.cookies.get(PRE_COOKIE, "")
        if not ctx.csrf:
            ctx.csrf = new_token()
            ctx.set_cookie(PRE_COOKIE, ctx.csrf, samesite="Strict")
    asked = ctx.request.query.get("lang")
    default = asked if ctx.staff is None and asked in LANGUAGES else console.flow_settings.default_language
    ctx.language = language_for(ctx.account, ctx.staff, default)


async def _refusal(rule: Rule, request: web.Request, ctx: Ctx) -> web.StreamResponse | None:
    """None when the request may go on; otherwise the response that refuses it (audited when someone is known)."""
    if not rule.public and ctx.staff is None:
        target = ctx.url("/signin", next=request.path_qs if request.method == "GET" else None)
        if ctx.htmx:
            return web.Response(status=401, headers={"HX-Redirect": target})
        if request.method != "GET":
            return ctx.render("refused.html", status=401, reason="signed_out")
        return web.Response(status=303, headers={"Location": target})
    if not rule.public and ctx.staff is not None and ctx.staff.role not in rule.roles:
        return _refuse(ctx, "role", route=_route_name(request))
    if request.method == "POST" and rule.csrf and not await _csrf_ok(request, ctx):
        return _refuse(ctx, "csrf", route=_route_name(request))
    if rule.target is not None:
        return await _target_refusal(rule, request, ctx)
    return None


async def _csrf_ok(request: web.Request, ctx: Ctx) -> bool:
    supplied = request.headers.get(CSRF_HEADER, "")
    if not supplied and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        supplied = str((await request.post()).get(CSRF_FIELD, ""))  # cached: the handler reads it again for free
    return bool(ctx.csrf) and bool(supplied) and secrets.compare_digest(supplied.encode(), ctx.csrf.encode())


async def _target_refusal(rule: Rule, request: web.Request, ctx: Ctx) -> web.StreamResponse | None:
    assert rule.target is not None
    raw = request.match_info.get(f"{rule.target}_id", "")
    target_id = read_id(raw)
    owner = await TARGETS[rule.target](ctx.session, target_id) if target_id is not None else None
    if owner is None:
        return ctx.render("refused.html", status=404, reason="not_found")
    if ctx.scope is None:
        return _refuse(ctx, "scope", target_type=rule.target, target_id=raw)
    allowed = ctx.scope.may_act(owner.secretary_id) if rule.act else ctx.scope.may_see(owner.secretary_id,
                                                                                       owner.township)
    if not allowed:
        return _refuse(ctx, "scope", target_type=rule.target, target_id=raw)
    return None


def _refuse(ctx: Ctx, why: str, *, target_type: str = "", target_id: str = "", **detail: Any) -> web.Response:
    ctx.audit(f"refused.{why}", target_type, target_id, method=ctx.request.method, path=ctx.request.path, **detail)
    log.warning("console refused %s %s (%s) to person %s", ctx.request.method, ctx.request.path, why,
                ctx.staff.id if ctx.staff else "-")
    return ctx.render("refused.html", status=403, reason=why)


def _route_name(request: web.Request) -> str:
    handler = request.match_info.handler
    return getattr(handler, "__name__", "")


def _secure_cookies(console: Console, request: web.Request, trusted: tuple[str, ...]) -> bool:
    if console.secure_cookies == "always":
        return True
    if console.secure_cookies == "never":
        return False
    return over_https(request, trusted)


def _finish(response: web.StreamResponse, ctx: Ctx, *, secure: bool) -> None:
    for name, (value, options) in ctx.cookies.items():
        settings: dict[str, Any] = {"path": BASE, "httponly": True, "samesite": "Lax", "secure": secure}
        settings.update(options)
        if settings.get("max_age") == 0:
            response.del_cookie(name, path=BASE)
        else:
            response.set_cookie(name, value, **settings)
    _secure(response)
    if ctx.staff is not None:
        response.headers.setdefault("Cache-Control", "no-store")  # pages with personal data stay out of caches


def _secure(response: web.StreamResponse) -> None:
    for header, value in SECURITY_HEADERS.items():
        response.headers.setdefault(header, value)
