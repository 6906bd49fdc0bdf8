"""A channel-neutral Reply as Telegram wants it: HTML text (**bold** → <b>) and a keyboard.

aiogram is imported only where a keyboard is made: the console previews broadcasts with `render_text`, and
`mishu web` or `mishu user invite` need not load aiogram's several hundred models (seconds) for that.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

from flows.messages import Reply

if TYPE_CHECKING:
    from aiogram.types import InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove

    Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove

_BOLD = re.compile(r"\*\*(.+?)\*\*", re.S)


def render_text(text: str) -> str:
    """Escape everything for parse_mode=HTML, turning **bold** into <b>bold</b>."""
    parts: list[str] = []
    position = 0
    for match in _BOLD.finditer(text):
        parts.append(html.escape(text[position : match.start()], quote=False))
        parts.append(f"<b>{html.escape(match.group(1), quote=False)}</b>")
        position = match.end()
    parts.append(html.escape(text[position:], quote=False))
    return "".join(parts)


def render_markup(reply: Reply) -> Markup | None:
    """Inline buttons (callback token or link); a contact request is a one-time reply keyboard instead."""
    from aiogram.types import (
        InlineKeyboardButton,
        InlineKeyboardMarkup,
        KeyboardButton,
        ReplyKeyboardMarkup,
        ReplyKeyboardRemove,
    )

    if reply.request_contact:
        return ReplyKeyboardMarkup(
            keyboard=[[KeyboardButton(text=reply.request_contact, request_contact=True)]],
            resize_keyboard=True, one_time_keyboard=True,
        )
    rows = [
        [
            InlineKeyboardButton(text=b.label, url=b.url) if b.url
            else InlineKeyboardButton(text=b.label, callback_data=b.callback or "-")
            for b in row
        ]
        for row in reply.buttons
        if row
    ]
    if rows:
        return InlineKeyboardMarkup(inline_keyboard=rows)
    if reply.remove_keyboard:
        return ReplyKeyboardRemove()
    return None


def render_reply(reply: Reply) -> tuple[str, Markup | None]:
    return render_text(reply.text), render_markup(reply)
