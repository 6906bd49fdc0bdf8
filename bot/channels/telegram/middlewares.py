"""Middlewares of the Telegram channel: one chat's updates in order, and no crash loop on errors.

Updates are handled concurrently (aiogram runs each as a task), but two messages of the same chat must
be answered in the order they were written, so each chat has a lock. An exception in a handler is logged
(personal numbers masked by the log filter) and the person gets a short apology.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.types import TelegramObject, Update

from bot.channels.telegram.replies import chat_ref
from flows.i18n import t

log = logging.getLogger(__name__)
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


def _chat_of(update: Update) -> int | None:
    if update.message:
        return update.message.chat.id
    if update.callback_query:
        message = update.callback_query.message
        return message.chat.id if message else update.callback_query.from_user.id
    if update.my_chat_member:
        return update.my_chat_member.chat.id
    return None


class ChatOrderMiddleware(BaseMiddleware):
    """Serialises the updates of each chat while different chats run in parallel."""

    def __init__(self) -> None:
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}
        self.last_update_id = 0

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        self.last_update_id = max(self.last_update_id, event.update_id)
        chat = _chat_of(event)
        if chat is None:
            return await handler(event, data)
        lock = self._locks.setdefault(chat, asyncio.Lock())
        self._waiting[chat] = self._waiting.get(chat, 0) + 1
        try:
            async with lock:
                return await handler(event, data)
        finally:
            self._waiting[chat] -= 1
            if not self._waiting[chat]:  # forget idle chats so the table does not grow forever
                del self._waiting[chat]
                self._locks.pop(chat, None)


class ErrorMiddleware(BaseMiddleware):
    """Logs a failed update without personal data and apologises to the person, instead of crashing."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        try:
            return await handler(event, data)
        except Exception:
            assert isinstance(event, Update)
            log.exception("update %s failed (%s)", event.update_id, event.event_type)
            chat = _chat_of(event)
            bot: Bot | None = data.get("bot")
            if chat is not None and bot is not None:
                try:
                    await bot.send_message(chat_id=chat_ref(str(chat)), text=t("common.apology"))
                except Exception:
                    log.warning("could not send the apology for update %s", event.update_id)
            return None
