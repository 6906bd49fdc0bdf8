"""The command menus Telegram shows: one for workers in private chats, a longer one for each staff member, and one
for each employer (an enterprise's hiring contact)."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
)

from flows.i18n import t

log = logging.getLogger(__name__)

WORKER_COMMANDS = ("start", "help", "jobs", "policy", "register", "mydata", "forget", "lang")
GROUP_COMMANDS = ("jobs", "policy", "help")
STAFF_COMMANDS = ("today", "overdue", "worker", "reply", "broadcast", "console")
ADMIN_COMMANDS = ("pending",)
EMPLOYER_COMMANDS = ("start", "help", "post", "myjobs")


def commands(names: tuple[str, ...], language: str) -> list[BotCommand]:
    return [BotCommand(command=name, description=t(f"menu_commands.{name}", language)) for name in names]


async def set_menus(
    bot: Bot, staff_chat_ids: list[int], language: str = "zh-hans", *, admin_chat_ids: list[int] | None = None,
    employer_chat_ids: list[int] | None = None,
) -> None:
    """Worker, group, staff and employer menus (each of the others per chat, so workers never see them)."""
    admins = set(admin_chat_ids or ())
    try:
        await bot.set_my_commands(commands(WORKER_COMMANDS, language), scope=BotCommandScopeAllPrivateChats())
        await bot.set_my_commands(commands(GROUP_COMMANDS, language), scope=BotCommandScopeAllGroupChats())
        for chat_id in staff_chat_ids:
            names = WORKER_COMMANDS[:2] + STAFF_COMMANDS + (ADMIN_COMMANDS if chat_id in admins else ())
            await bot.set_my_commands(commands(names, language), scope=BotCommandScopeChat(chat_id=chat_id))
        for chat_id in employer_chat_ids or ():
            await bot.set_my_commands(commands(EMPLOYER_COMMANDS, language), scope=BotCommandScopeChat(chat_id=chat_id))
    except TelegramAPIError as exc:
        # Menus are a convenience: a server that does not support them must not stop the bot.
        log.warning("could not set the command menus: %s", exc)
