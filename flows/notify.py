"""Telling someone who is not in the conversation (a secretary, a worker): through the outbox, once.

`notify` is the one place such a message is put in the recipient's script (see `flows.i18n.in_script`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from flows.channels import rules_for, split_reply
from flows.i18n import in_script
from flows.messages import Button, Reply, reply_to_dict
from storage.models import Person
from storage.queries.conversation import issue_token
from storage.queries.outbox import enqueue, refresh_pending
from storage.queries.people import private_chat_of

BUTTON_TTL = timedelta(days=14)


class Recipient:
    """A person's private chat, resolved once so buttons are issued for them and the message reaches them."""

    def __init__(self, person_id: int, channel: str, chat_id: str, user_id: str, language: str | None = None) -> None:
        self.person_id = person_id
        self.channel = channel
        self.chat_id = chat_id
        self.user_id = user_id
        self.language = language  # what they read: their setting, else what they last wrote in; None if unknown

    def button(
        self, session: AsyncSession, label: str, action: str, *, now: datetime, dialog: str | None = None,
        **args: Any,
    ) -> Button:
        """A button only this recipient can press (`dialog`: see `Turn.dialog`)."""
        token = issue_token(
            session, channel=self.channel, user_id=self.user_id, action=action, args=args,
            expires_at=now + BUTTON_TTL, dialog=dialog,
        )
        return Button(label=label, callback=token)


async def recipient(session: AsyncSession, person_id: int) -> Recipient | None:
    """Where a person can be reached, or None if they never opened a private chat with the bot."""
    found = await private_chat_of(session, person_id)
    if found is None or found[0].chat_id is None:
        return None
    identity, language = found
    return Recipient(person_id, identity.channel, identity.chat_id, identity.external_id, language)


async def notify(
    session: AsyncSession, to: Recipient, reply: Reply, *, purpose: str, about: Iterable[int | None],
    not_before: datetime | None = None,
) -> bool:
    """Queue `reply` for `to`, in their script; the same purpose never reaches the same person twice. A reply
    longer than the recipient's channel takes goes as several messages (`purpose`, `purpose#2`, …; buttons on the
    last).

    `about` names every other person the message speaks of (a worker on a secretary's card; `()` for none): it
    has no default, so no message about someone can be queued without /forget being able to withdraw it."""
    if to.language:
        reply = in_script(reply, to.language)
    queued = False
    for number, part in enumerate(split_reply(reply, rules_for(to.channel)), 1):
        added = await enqueue(
            session, purpose=purpose if number == 1 else f"{purpose}#{number}", channel=to.channel,
            chat_id=to.chat_id, payload=reply_to_dict(part), person_id=to.person_id, not_before=not_before,
            about=[pid for pid in about if pid is not None],
        )
        queued = queued or added
    return queued


async def refresh(session: AsyncSession, to: Recipient, reply: Reply, *, purpose: str, now: datetime) -> bool:
    """Replace what a message queued with `notify` says, if it is still waiting; False when it has gone (or the
    new text no longer fits in one message)."""
    if to.language:
        reply = in_script(reply, to.language)
    if not rules_for(to.channel).fits(reply.text):
        return False
    return await refresh_pending(
        session, purpose=purpose, channel=to.channel, chat_id=to.chat_id, payload=reply_to_dict(reply), now=now
    )


async def notify_person(
    session: AsyncSession, person_id: int, reply_for: Callable[[Person | None], Reply], *, purpose: str
) -> bool:
    """Queue a message written for the person (their language, their name) to their private chat; False when
    they never opened one or already got this purpose."""
    to = await recipient(session, person_id)
    if to is None:
        return False
    return await notify(session, to, reply_for(await session.get(Person, person_id)), purpose=purpose, about=())
