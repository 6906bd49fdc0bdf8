"""Push queries: candidate workers for a posting (the SQL prefilter of matching), push records, answers."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ChatGroup


async def deactivate_group(session: AsyncSession, channel: str, chat_id: str) -> None:
    """The bot was removed from a group: broadcasts stop going there."""
    await session.execute(
        update(ChatGroup).where(ChatGroup.channel == channel, ChatGroup.chat_id == chat_id).values(active=False)
    )
