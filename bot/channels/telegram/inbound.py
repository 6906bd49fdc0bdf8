"""Translating aiogram's messages and button presses into channel-neutral `Inbound` values.

A group message counts as addressed to the bot when it mentions the bot, replies to one of the bot's
messages, or is a command; the mention itself is cut out of the text the NLU sees.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiogram.types import CallbackQuery, Message, User

from flows.messages import ChatType, Contact, Inbound

CHANNEL = "telegram"


@dataclass(frozen=True)
class BotIdentity:
    id: int
    username: str


def _chat_type(kind: str) -> ChatType:
    return ChatType.PRIVATE if kind == "private" else ChatType.GROUP


def _language_hint(user: User | None) -> str | None:
    code = (user.language_code or "") if user else ""
    if code.startswith("zh"):
        return "zh-hant" if code.lower() in ("zh-hant", "zh-tw", "zh-hk") else "zh-hans"
    return "en" if code.startswith("en") else None


def _strip_mentions(text: str, message: Message, me: BotIdentity) -> tuple[str, bool]:
    """The text without '@our_bot' mentions, and whether there was one."""
    mentioned = False
    cuts: list[tuple[int, int]] = []
    for entity in message.entities or ():
        piece = entity.extract_from(text)
        if entity.type == "mention" and piece.lower() == f"@{me.username}".lower():
            mentioned = True
            cuts.append((entity.offset, entity.offset + entity.length))
        elif entity.type == "text_mention" and entity.user and entity.user.id == me.id:
            mentioned = True
    if not cuts:
        return text, mentioned
    # Entity offsets count UTF-16 code units; rebuild the string through UTF-16 to cut at the right place.
    units = text.encode("utf-16-le")
    kept = b""
    position = 0
    for start, end in sorted(cuts):
        kept += units[position * 2 : start * 2]
        position = end
    kept += units[position * 2 :]
    return " ".join(kept.decode("utf-16-le").split()), mentioned


def _attachment(message: Message) -> str | None:
    """What the message carries besides text, in the channel-neutral words of flows.messages.ATTACHMENTS."""
    if message.voice or message.audio or message.video_note:
        return "voice"
    if message.photo:
        return "photo"
    if message.video or message.animation:
        return "video"
    if message.sticker:
        return "sticker"
    if message.document:
        return "document"
    if message.location or message.venue:
        return "location"
    return None


def message_to_inbound(message: Message, me: BotIdentity) -> Inbound:
    user = message.from_user
    text = message.text or message.caption or ""
    text, mentioned = _strip_mentions(text, message, me)
    replied_to_bot = bool(
        message.reply_to_message and message.reply_to_message.from_user
        and message.reply_to_message.from_user.id == me.id
    )
    contact = None
    if message.contact is not None:
        contact = Contact(
            phone=message.contact.phone_number,
            user_id=str(message.contact.user_id) if message.contact.user_id else None,
        )
    return Inbound(
        channel=CHANNEL,
        user_id=str(user.id) if user else str(message.chat.id),
        chat_id=str(message.chat.id),
        text=text,
        chat_type=_chat_type(message.chat.type),
        contact=contact,
        addressed=mentioned or replied_to_bot or text.startswith("/"),
        display_name=(user.full_name if user else "") or "",
        language_hint=_language_hint(user),
        chat_title=message.chat.title or "",
        attachment=_attachment(message),
    )


def callback_to_inbound(query: CallbackQuery) -> Inbound:
    message = query.message
    chat = message.chat if message is not None else None
    return Inbound(
        channel=CHANNEL,
        user_id=str(query.from_user.id),
        chat_id=str(chat.id) if chat else str(query.from_user.id),
        callback=query.data or "",
        chat_type=_chat_type(chat.type) if chat else ChatType.PRIVATE,
        addressed=True,
        display_name=query.from_user.full_name or "",
        language_hint=_language_hint(query.from_user),
        chat_title=(chat.title or "") if chat else "",
    )
