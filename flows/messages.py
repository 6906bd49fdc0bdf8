"""Channel-neutral messages: what a channel hands to the flows, and what the flows answer.

Every channel (terminal chat, Telegram, tests) translates its own updates into an `Inbound` and renders
each `Reply` its own way. Nothing here knows about aiogram or terminals.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class ChatType(StrEnum):
    """Where a message was written; groups get short answers and never personal data."""

    PRIVATE = "private"
    GROUP = "group"


@dataclass(frozen=True, slots=True)
class Contact:
    """A phone number shared through the channel's contact button (not typed)."""

    phone: str
    user_id: str | None = None


# What people send besides text that the assistant cannot read yet (a voice note is the common one).
ATTACHMENTS = ("voice", "photo", "video", "sticker", "document", "location")


@dataclass(frozen=True, slots=True)
class Inbound:
    """One thing a person did: typed text, pressed a button, shared a contact, or sent something else."""

    channel: str  # "telegram", "terminal", "test"
    user_id: str  # the person's id on that channel
    chat_id: str  # where to answer (equals user_id in a private chat)
    text: str = ""
    chat_type: ChatType = ChatType.PRIVATE
    callback: str | None = None  # opaque token of a pressed button
    contact: Contact | None = None
    addressed: bool = False  # mention, reply to the bot, or a command: the bot was spoken to
    display_name: str = ""
    language_hint: str | None = None  # the channel's idea of the user's language ("zh-hans", "en" ...)
    chat_title: str = ""
    attachment: str | None = None  # sent instead of (or with) text: one of ATTACHMENTS


@dataclass(frozen=True, slots=True)
class Button:
    """An inline button: `callback` is an opaque server-side token, `url` a link (one of the two).

    `keep_script`: the label is shown exactly as written, never converted to the reader's script (the
    language picker names each language in its own script: 简体中文 stays simplified for everyone)."""

    label: str
    callback: str | None = None
    url: str | None = None
    keep_script: bool = False


@dataclass(slots=True)
class Reply:
    """One message to show: text with light formatting (**bold**), rows of buttons, optional extras."""

    text: str
    buttons: list[list[Button]] = field(default_factory=list)
    request_contact: str | None = None  # label of a "share my phone" keyboard button
    remove_keyboard: bool = False  # take away a reply keyboard shown before
    edit: bool = False  # replace the message the pressed button belongs to (pagination)


@dataclass(slots=True)
class Outgoing:
    """A reply addressed to a chat other than the one that spoke (e.g. a secretary's notification)."""

    channel: str
    chat_id: str
    reply: Reply
    purpose: str  # idempotency purpose for the outbox, e.g. "apply:123"


def reply_to_dict(reply: Reply) -> dict[str, Any]:
    """A reply as JSON-safe data, for the outbox."""
    return asdict(reply)


def reply_from_dict(data: dict[str, Any]) -> Reply:
    buttons = [[Button(**button) for button in row] for row in data.get("buttons", [])]
    return Reply(**{**data, "buttons": buttons})
