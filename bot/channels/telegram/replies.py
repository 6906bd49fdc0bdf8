"""Showing the assistant's replies in the chat that spoke: new messages, or edits for pagination.

Replies to a person who is waiting go straight out (not through the outbox); a 429 on them is waited
out once, since the person is looking at the chat.
"""

from __future__ import annotations

import asyncio
import logging

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter
from aiogram.types import InlineKeyboardMarkup, Message

from bot.channels.telegram.inbound import CHANNEL
from bot.channels.telegram.render import render_reply
from flows.channels import rules_for, split_reply
from flows.messages import Reply
from storage.numbers import chat_id_value

log = logging.getLogger(__name__)

# The longest wait for a 429 on a direct reply; beyond it the reply is dropped and logged.
MAX_RETRY_AFTER = 30.0


def chat_ref(chat_id: str) -> int | str:
    return chat_id_value(chat_id)


async def _send(bot: Bot, chat_id: str, reply: Reply, reply_to: int | None) -> Message:
    text, markup = render_reply(reply)
    return await bot.send_message(
        chat_id=chat_ref(chat_id), text=text or "…", parse_mode="HTML", reply_markup=markup,
        reply_to_message_id=reply_to, allow_sending_without_reply=True,
    )


async def _edit(bot: Bot, target: Message, reply: Reply) -> None:
    text, markup = render_reply(reply)
    inline = markup if isinstance(markup, InlineKeyboardMarkup) else None
    try:
        await bot.edit_message_text(
            chat_id=target.chat.id, message_id=target.message_id, text=text or "…", parse_mode="HTML",
            reply_markup=inline,
        )
    except TelegramBadRequest as exc:
        if "not modified" not in exc.message:
            raise


async def show(
    bot: Bot, chat_id: str, replies: list[Reply], *, pressed: Message | None = None, reply_to: int | None = None
) -> None:
    """Send `replies` to the chat; a reply marked `edit` replaces the message whose button was pressed. A reply
    longer than Telegram takes goes as several messages (flows/channels.py), its buttons on the last."""
    rules = rules_for(CHANNEL)
    for reply in (part for whole in replies for part in split_reply(whole, rules)):
        for attempt in range(2):
            try:
                if reply.edit and pressed is not None:
                    await _edit(bot, pressed, reply)
                else:
                    await _send(bot, chat_id, reply, reply_to)
                break
            except TelegramRetryAfter as exc:
                if attempt or exc.retry_after > MAX_RETRY_AFTER:
                    log.warning("reply dropped after 429 (retry_after %s)", exc.retry_after)
                    break
                await asyncio.sleep(exc.retry_after)
