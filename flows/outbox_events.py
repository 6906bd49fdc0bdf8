"""What delivery results mean for people: a recipient who blocked the bot is unreachable, and their secretary hears."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from flows.i18n import t
from flows.messages import Reply
from flows.notify import notify, recipient
from storage.queries.people import person_with_profile
from storage.queries.push import deactivate_group


async def recipient_unreachable(
    session: AsyncSession,
    *,
    person_id: int | None,
    channel: str,
    chat_id: str,
    chat_type: str,
    now: datetime,
    default_language: str = "zh-hans",
) -> bool:
    """Mark the person (or group) unreachable; tell a worker's secretary once a day. True if a secretary was told."""
    if chat_type != "private":
        await deactivate_group(session, channel, chat_id)
        return False
    if person_id is None:
        return False
    person = await person_with_profile(session, person_id)
    if person is None:
        return False
    person.reachable = False
    secretary_id = person.profile.secretary_id if person.profile else None
    if secretary_id is None or secretary_id == person_id:
        return False
    to = await recipient(session, secretary_id)
    if to is None:
        return False
    secretary = await person_with_profile(session, secretary_id)
    language = (secretary.language if secretary else None) or default_language
    name = person.name or t("outbox.unnamed_worker", language)
    text = t("outbox.unreachable_secretary", language, name=name, township=person.township or "—")
    return await notify(session, to, Reply(text=text), purpose=f"unreachable:{person_id}:{now.date().isoformat()}",
                        about=(person_id,))
