"""Conversation state and button tokens, both per channel user and kept in the database."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import CallbackToken, ConversationState, ServiceRecord


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


async def count_service_since(session: AsyncSession, person_id: int, kind: str, since: datetime) -> int:
    """How many contacts of one kind a person had since a moment (wrong binding codes typed today …)."""
    stmt = select(func.count()).select_from(ServiceRecord).where(
        ServiceRecord.person_id == person_id, ServiceRecord.kind == kind, ServiceRecord.created_at >= since
    )
    return int(await session.scalar(stmt) or 0)
