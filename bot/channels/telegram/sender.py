"""Sending an outbox message through aiogram, with Telegram's errors sorted into delivery outcomes."""

from __future__ import annotations

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)

from bot.channels.telegram.render import render_reply
from bot.delivery import Outcome
from flows.messages import Reply

# Bad-request texts that mean the person can no longer be reached (not a fault of this message).
_GONE = ("chat not found", "user is deactivated", "bot was blocked", "bot was kicked", "peer_id_invalid")


class TelegramSender:
    """`Sender` for the Telegram channel."""

    channel = "telegram"

    def __init__(self, bot: Bot, *, request_timeout: float = 30) -> None:
        self.bot = bot
        self.request_timeout = int(request_timeout)

    async def send(self, chat_id: str, reply: Reply) -> Outcome:
        text, markup = render_reply(reply)
        try:
            message = await self.bot.send_message(
                chat_id=int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id,
                text=text, parse_mode="HTML", reply_markup=markup, request_timeout=self.request_timeout,
            )
        except TelegramRetryAfter as exc:
            return Outcome("retry_after", retry_after=float(exc.retry_after), error=exc.message)
        except TelegramForbiddenError as exc:
            return Outcome("unreachable", error=exc.message)
        except TelegramMigrateToChat as exc:
            # The group became a supergroup; the new id is in the error (broadcast code updates ChatGroup).
            return Outcome("failed", error=f"migrated to {exc.migrate_to_chat_id}")
        except TelegramBadRequest as exc:
            gone = any(marker in exc.message.lower() for marker in _GONE)
            return Outcome("unreachable" if gone else "failed", error=exc.message)
        except TelegramServerError as exc:
            return Outcome("retry", error=exc.message)
        except TelegramNetworkError as exc:
            # A timeout may come after Telegram got the request: we cannot know whether it was sent.
            timed_out = "timeout" in exc.message.lower()
            return Outcome("uncertain" if timed_out else "retry", error=exc.message)
        return Outcome("sent", message_id=message.message_id)
