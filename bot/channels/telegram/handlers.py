"""The Telegram routers: they translate and delegate, nothing more (no business rule lives here).

`assistant` and `me` (the bot's id and username) reach the handlers through the dispatcher's data.
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import IS_MEMBER, IS_NOT_MEMBER, ChatMemberUpdatedFilter
from aiogram.types import CallbackQuery, ChatMemberUpdated, Message

from bot.channels.telegram.inbound import CHANNEL, BotIdentity, callback_to_inbound, message_to_inbound
from bot.channels.telegram.replies import show
from flows.assistant import Assistant
from flows.messages import ChatType

# Content the assistant cannot read yet: passed on so the person is told, not silently ignored.
UNREADABLE = (F.voice | F.audio | F.video_note | F.photo | F.video | F.animation | F.sticker | F.document
              | F.location | F.venue)


async def on_migrated(message: Message, assistant: Assistant) -> None:
    """A group became a supergroup: its stored settings follow it to the new id."""
    await assistant.group_moved(CHANNEL, str(message.chat.id), str(message.migrate_to_chat_id))


async def on_message(message: Message, bot: Bot, assistant: Assistant, me: BotIdentity) -> None:
    inbound = message_to_inbound(message, me)
    replies = await assistant.handle(inbound)
    if replies:
        reply_to = message.message_id if inbound.chat_type == ChatType.GROUP else None
        await show(bot, inbound.chat_id, replies, reply_to=reply_to)


async def on_button(query: CallbackQuery, bot: Bot, assistant: Assistant) -> None:
    inbound = callback_to_inbound(query)
    replies = await assistant.handle(inbound)
    await query.answer()
    pressed = query.message if isinstance(query.message, Message) else None
    await show(bot, inbound.chat_id, replies, pressed=pressed)


async def on_removed(event: ChatMemberUpdated, assistant: Assistant) -> None:
    if event.chat.type != "private":
        await assistant.group_left(CHANNEL, str(event.chat.id))


def telegram_router() -> Router:
    """A fresh router (aiogram attaches a router to one dispatcher only; tests build several)."""
    router = Router(name="telegram")
    router.message.register(on_migrated, F.migrate_to_chat_id)
    router.message.register(on_message, F.text | F.contact | F.caption | UNREADABLE)
    router.callback_query.register(on_button)
    router.my_chat_member.register(on_removed, ChatMemberUpdatedFilter(IS_MEMBER >> IS_NOT_MEMBER))
    return router
