"""Group chats the bot is in: remembered as messages arrive, moved when Telegram migrates them, left."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ChatGroup
from storage.vocabulary import geography


def _township_in(title: str) -> str | None:
    """A group named '双福镇就业服务群' belongs to 双福镇 (broadcasts to a township reach it)."""
    for name in geography().townships:
        short = name.removesuffix("街道").removesuffix("镇").removesuffix("乡")
        if short and short in title:
            return name
    return None


async def remember_group(session: AsyncSession, channel: str, chat_id: str, title: str) -> ChatGroup:
    group = (
        await session.execute(select(ChatGroup).where(ChatGroup.channel == channel, ChatGroup.chat_id == chat_id))
    ).scalar_one_or_none()
    if group is None:
        group = ChatGroup(channel=channel, chat_id=chat_id, title=title, township=_township_in(title))
        session.add(group)
        await session.flush()
    elif not group.active or (title and group.title != title):
        group.active = True
        group.title = title or group.title
        group.township = group.township or _township_in(group.title)
    return group


async def move_group(session: AsyncSession, channel: str, old_chat_id: str, new_chat_id: str) -> bool:
    """A group became a supergroup with a new id: keep its settings under the new id."""
    old = (
        await session.execute(select(ChatGroup).where(ChatGroup.channel == channel, ChatGroup.chat_id == old_chat_id))
    ).scalar_one_or_none()
    if old is None:
        return False
    taken = (
        await session.execute(select(ChatGroup).where(ChatGroup.channel == channel, ChatGroup.chat_id == new_chat_id))
    ).scalar_one_or_none()
    if taken is not None:
        await session.delete(old)
        return True
    old.chat_id = new_chat_id
    return True


async def leave_group(session: AsyncSession, channel: str, chat_id: str) -> None:
    group = (
        await session.execute(select(ChatGroup).where(ChatGroup.channel == channel, ChatGroup.chat_id == chat_id))
    ).scalar_one_or_none()
    if group is not None:
        group.active = False
