"""Pages and their routes, each declaring who may open it: the declarations `bot/web/access.py` enforces.

A page module makes one `Page` and registers handlers on it:

    page = Page("workers", nav="web.nav.workers", path="/workers")

    @page.get("/workers/{worker_id}", target="worker")           # any staff who may *see* this worker
    async def card(request: web.Request, ctx: Ctx) -> web.StreamResponse: ...

    @page.post("/workers/{worker_id}/reassign", roles=ADMINS, target="worker")
    async def reassign(request: web.Request, ctx: Ctx) -> web.StreamResponse: ...

Nothing is checked in a handler: signed in, role, CSRF token (every POST) and the target's scope (a worker, a
follow-up: who may see or act on it) are checked before it runs, on every request, by the one middleware.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiohttp import web

from storage.numbers import read_id
from storage.states import Role

if TYPE_CHECKING:
    from bot.web.context import Ctx

STAFF: frozenset[str] = Role.STAFF
ADMINS: frozenset[str] = frozenset({Role.ADMIN})
PUBLIC: frozenset[str] = frozenset()

PageHandler = Callable[[web.Request, "Ctx"], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Rule:
    """Who may call a route. `roles` empty = anyone (sign-in pages); `target` names what the URL's
    `{<target>_id}` is ("worker", "followup" …, resolvers in bot/web/access.py); `act` = acting on it needs
    more than seeing it (a secretary acts on their own workers, sees their townships' too)."""

    roles: frozenset[str] = STAFF
    target: str | None = None
    act: bool = False
    csrf: bool = True  # POSTs only; GETs never change anything

    @property
    def public(self) -> bool:
        return not self.roles


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: PageHandler
    rule: Rule
    name: str


@dataclass
class Page:
    """One page of the console: its routes and, when `nav` is given, its place in the menu."""

    name: str
    nav: str | None = None  # catalogue key of the menu label
    path: str = ""  # where the menu item points
    roles: frozenset[str] = STAFF  # the default for its routes, and who sees the menu item
    routes: list[Route] = field(default_factory=list)

    def _register(
        self, method: str, path: str, roles: frozenset[str] | None, target: str | None, act: bool, csrf: bool
    ) -> Callable[[PageHandler], PageHandler]:
        def decorator(handler: PageHandler) -> PageHandler:
            rule = Rule(roles=self.roles if roles is None else roles, target=target, act=act, csrf=csrf)
            self.routes.append(Route(method, path, handler, rule, f"{self.name}.{handler.__name__}"))
            return handler

        return decorator

    def get(
        self, path: str, *, roles: frozenset[str] | None = None, target: str | None = None
    ) -> Callable[[PageHandler], PageHandler]:
        return self._register("GET", path, roles, target, False, False)

    def post(
        self, path: str, *, roles: frozenset[str] | None = None, target: str | None = None, act: bool = False
    ) -> Callable[[PageHandler], PageHandler]:
        return self._register("POST", path, roles, target, act, True)


def path_id(request: web.Request, name: str) -> int:
    """The row id in the URL (`/workers/{worker_id}`), read like every typed id (storage/numbers.py: bounded, so
    `²` or a 40-digit number is "not found", never a crash or an out-of-range query)."""
    found = read_id(request.match_info.get(name))
    if found is None:
        raise web.HTTPNotFound()
    return found
