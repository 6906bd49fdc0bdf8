"""Conversation state and button tokens, both per channel user and kept in the database."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from storage.models import CallbackToken, ChannelIdentity, ConversationState, ServiceRecord


async def load_state(session: AsyncSession, channel: str, user_id: str) -> ConversationState:
    stmt = select(ConversationState).where(ConversationState.channel == channel, ConversationState.user_id == user_id)
    state = (await session.execute(stmt)).scalar_one_or_none()
    if state is None:
        state = ConversationState(channel=channel, user_id=user_id, data={}, history=[])
        session.add(state)
    return state


def issue_token(
    session: AsyncSession,
    *,
    channel: str,
    user_id: str,
    action: str,
    args: dict[str, Any],
    expires_at: datetime,
    single_use: bool = False,
) -> str:
    """Store what a button does and return the random token the button carries instead."""
    token = secrets.token_urlsafe(12)
    session.add(
        CallbackToken(
            token=token, channel=channel, user_id=user_id, action=action, args=args,
            expires_at=expires_at, single_use=single_use,
        )
    )
    return token


async def recent_messages(session: AsyncSession, person_id: int) -> list[dict[str, Any]]:
    """What a person last wrote, on every channel they use ({"at": iso, "text": …}, oldest first): the few
    messages each conversation keeps for hand-off context."""
    history = await session.execute(
        select(ConversationState.history)
        .join(ChannelIdentity, and_(ChannelIdentity.channel == ConversationState.channel,
                                    ChannelIdentity.external_id == ConversationState.user_id))
        .where(ChannelIdentity.person_id == person_id)
    )
    messages = [entry for entries in history.scalars() for entry in (entries or []) if isinstance(entry, dict)]
    return sorted(messages, key=lambda entry: str(entry.get("at", "")))


async def use_token(session: AsyncSession, token: CallbackToken, now: datetime) -> bool:
    """Mark a single-use token used; False when it was used first (a double click, two tabs). One conditional
    UPDATE: on PostgreSQL the second waits for the first's row lock and then finds nothing to update; on SQLite
    it takes the database's write lock and sees the first committed."""
    if token.used_at is not None:
        return False
    result = await session.execute(
        update(CallbackToken).where(CallbackToken.token == token.token, CallbackToken.used_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session=False)
    )
    if not result.rowcount:
        return False
    set_committed_value(token, "used_at", now)  # the row has it already: no second UPDATE at flush
    return True


async def find_token(session: AsyncSession, token: str) -> CallbackToken | None:
    return await session.get(CallbackToken, token)


async def purge_expired_tokens(session: AsyncSession, now: datetime) -> int:
    result = await session.execute(delete(CallbackToken).where(CallbackToken.expires_at < now - timedelta(days=1)))
    return result.rowcount or 0


def record_service(
    session: AsyncSession, *, person_id: int | None, channel: str, kind: str, chat_type: str, at: datetime
) -> None:
    """Count a service contact for the bureau's figures."""
    session.add(ServiceRecord(person_id=person_id, channel=channel, kind=kind, chat_type=chat_type, created_at=at))
