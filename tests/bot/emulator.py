"""The Bot API emulator process for end-to-end tests: start it, play the user's side, read what the bot did.

`telegram_emulator/server.js` wraps the npm package telegram-test-api (see its header for what it fixes).
This class installs it with `npm ci` when needed, starts `node server.js` on a free 127.0.0.1 port, and
gives tests a small async client for the user side (send a message, press a button) and for the test-only
routes (journal of bot calls, fault injection).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import aiohttp

HERE = Path(__file__).resolve().parent / "telegram_emulator"
TOKEN = "123456:TEST-mishu-token"


class EmulatorError(RuntimeError):
    """The emulator cannot be installed, started or asked."""


def _install() -> None:
    if (HERE / "node_modules" / "telegram-test-api").is_dir():
        return
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        raise EmulatorError("Node.js and npm are needed for the Telegram tests: apt-get install nodejs npm")
    result = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=HERE,
                            capture_output=True, text=True, timeout=300)
    if result.returncode:
        raise EmulatorError(f"npm ci failed in {HERE}: {result.stderr.strip()[-500:]}")


class BotApiEmulator:
    """A running emulator: `api_base` for aiogram, user-side helpers for tests."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.process: subprocess.Popen[str] | None = None
        self.api_base = ""

    def start(self, timeout: float = 30) -> BotApiEmulator:
        _install()
        node = shutil.which("node")
        assert node is not None
        self.process = subprocess.Popen(
            [node, "server.js", "--port", "0", "--exit-on-stdin-close"], cwd=HERE, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        assert self.process.stdout is not None
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                raise EmulatorError(f"the emulator exited with code {self.process.poll()}")
            if line.startswith("ready "):
                self.api_base = line.split()[1]
                return self
        raise EmulatorError("the emulator did not say 'ready' in time")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self.process = None

    # ---- HTTP -----------------------------------------------------------------------------------

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        async with aiohttp.ClientSession() as session, session.request(
            method, f"{self.api_base}{path}", **kwargs
        ) as response:
            body = await response.json(content_type=None)
        if not body.get("ok"):
            raise EmulatorError(f"{path}: {body.get('description')}")
        return body.get("result")

    # ---- the user's side ---------------------------------------------------------------------------

    async def send_message(
        self, user_id: int, text: str = "", *, chat_id: int | None = None, chat_type: str = "private",
        chat_title: str = "", entities: list[dict[str, Any]] | None = None, contact: dict[str, Any] | None = None,
        reply_to: int | None = None, first_name: str = "测试用户", language_code: str = "zh-hans",
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """What a person types (or shares) in a chat; `extra` adds Message fields as Telegram sends them
        (a voice note: {"voice": {...}}). Returns the update and message ids."""
        body: dict[str, Any] = {
            "token": self.token, "user_id": user_id, "chat_id": chat_id or user_id, "chat_type": chat_type,
            "first_name": first_name, "language_code": language_code,
        }
        if text:
            body["text"] = text
        if chat_title:
            body["chat_title"] = chat_title
        if entities:
            body["entities"] = entities
        if contact:
            body["contact"] = contact
        if reply_to:
            body["reply_to"] = reply_to
        return await self._call("POST", "/sendMessage", json={**(extra or {}), **body})

    async def press(self, user_id: int, message_id: int, data: str, *, chat_id: int | None = None) -> dict[str, Any]:
        """Press an inline button of one of the bot's messages."""
        body = {"token": self.token, "user_id": user_id, "chat_id": chat_id or user_id, "message_id": message_id,
                "data": data}
        return await self._call("POST", "/sendCallback", json=body)

    async def bot_messages(self, chat_id: int) -> list[dict[str, Any]]:
        """Everything the bot has sent to a chat (as it looks now, edits applied), oldest first."""
        return await self._call("GET", "/_test/botMessages", params={"token": self.token, "chat_id": str(chat_id)})

    async def wait_for_bot_messages(self, chat_id: int, count: int, timeout: float = 10) -> list[dict[str, Any]]:
        """Wait until the bot has sent at least `count` messages to the chat."""
        deadline = time.monotonic() + timeout
        while True:
            messages = await self.bot_messages(chat_id)
            if len(messages) >= count or time.monotonic() > deadline:
                if len(messages) < count:
                    texts = [m.get("text", "")[:40] for m in messages]
                    raise EmulatorError(f"chat {chat_id}: {len(messages)} bot messages, wanted {count}: {texts}")
                return messages
            await asyncio.sleep(0.05)

    # ---- test-only routes ----------------------------------------------------------------------------

    async def journal(self, method: str | None = None) -> list[dict[str, Any]]:
        return await self._call("GET", "/_test/journal", params={"method": method} if method else {})

    async def inject_fault(self, method: str, kind: str, count: int = 1, **options: Any) -> None:
        """Make the next `count` calls of `method` fail: kind 429 (retry_after=…), 403, migrate, 400, 500."""
        await self._call("POST", "/_test/faults", json={"method": method, "kind": kind, "count": count, **options})

    async def reset(self) -> None:
        await self._call("POST", "/_test/reset")


def button(message: dict[str, Any], label: str) -> str:
    """The callback data of the inline button whose label contains `label`."""
    for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
        for item in row:
            if label in item.get("text", "") and "callback_data" in item:
                return str(item["callback_data"])
    raise LookupError(f"no button {label!r} on message {message.get('message_id')}")
