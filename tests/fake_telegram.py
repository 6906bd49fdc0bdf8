"""A local HTTP endpoint that answers /bot<token>/sendMessage like Telegram, with faults on demand.

Used by the delivery tests and the outbox benchmark: it journals every accepted message with its arrival time,
and can answer 429 (retry_after), 403 (blocked) or 500 for chosen chats or for the next N calls.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN = "123456:TEST-token"


@dataclass
class Received:
    chat_id: str
    text: str
    message_id: int
    at: float  # time.monotonic() on arrival
    reply_markup: Any = None


@dataclass
class FakeTelegram:
    """Start with `await fake.start()`; `fake.base` is the api base for aiogram; `await fake.stop()`."""

    latency: float = 0.0
    journal: list[Received] = field(default_factory=list)
    calls: int = 0
    # chat id → faults to answer to its next calls, e.g. [("429", 3)], [("403",)], [("500",)]
    chat_faults: dict[str, deque[tuple[Any, ...]]] = field(default_factory=lambda: defaultdict(deque))
    blocked: set[str] = field(default_factory=set)
    migrated: dict[str, int] = field(default_factory=dict)  # group → its supergroup id (400 migrate_to_chat_id)

    def __post_init__(self) -> None:
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.base = ""

    async def start(self) -> FakeTelegram:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def fault(self, chat_id: str, *fault: Any) -> None:
        self.chat_faults[str(chat_id)].append(fault)

    def texts_for(self, chat_id: str) -> list[str]:
        return [r.text for r in self.journal if r.chat_id == str(chat_id)]

    @staticmethod
    def _error(code: int, description: str, **parameters: Any) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
        if parameters:
            body["parameters"] = parameters
        return web.json_response(body, status=code)

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.content_type == "application/json":
            data = await request.json()
        else:
            data = dict(await request.post())
        self.calls += 1
        if self.latency:
            await asyncio.sleep(self.latency)
        if method == "getMe":
            return web.json_response({"ok": True, "result": {"id": 123456, "is_bot": True, "first_name": "Mishu",
                                                             "username": "mishu_test_bot"}})
        if method != "sendMessage":
            return self._error(404, "Not Found: method not found")
        chat_id = str(data["chat_id"])
        faults = self.chat_faults.get(chat_id)
        if faults:
            kind, *args = faults.popleft()
            if kind == "429":
                return self._error(429, f"Too Many Requests: retry after {args[0]}", retry_after=args[0])
            if kind == "500":
                return self._error(500, "Internal Server Error")
            if kind == "403":
                return self._error(403, "Forbidden: bot was blocked by the user")
        if chat_id in self.migrated:
            return self._error(400, "Bad Request: group chat was upgraded to a supergroup chat",
                               migrate_to_chat_id=self.migrated[chat_id])
        if chat_id in self.blocked:
            return self._error(403, "Forbidden: bot was blocked by the user")
        message_id = next(self._ids)
        markup = data.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        self.journal.append(Received(chat_id, str(data.get("text", "")), message_id, time.monotonic(), markup))
        chat_type = "private" if not chat_id.startswith("-") else "group"
        return web.json_response({"ok": True, "result": {
            "message_id": message_id, "date": int(time.time()),
            "chat": {"id": int(chat_id), "type": chat_type},
            "from": {"id": 123456, "is_bot": True, "first_name": "Mishu"},
            "text": data.get("text", ""),
        }})


async def serve_forever(port: int = 0) -> None:  # pragma: no cover - manual use
    fake = await FakeTelegram().start()
    print(fake.base, flush=True)
    await asyncio.Event().wait()
