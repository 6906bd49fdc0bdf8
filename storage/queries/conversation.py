"""Conversation state and button tokens, both per channel user and kept in the database.

Using a single-use button is one conditional UPDATE (`… WHERE used_at IS NULL`, its row count checked), never
a read then a write: of two presses at the same moment, on SQLite or PostgreSQL, exactly one wins. The UPDATE
runs in the turn's transaction, so a press whose handler fails leaves the button usable.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from storage.models import CallbackToken, ChannelIdentity, ConversationState, ServiceRecord


async def load_state(session: AsyncSession, channel: str, user_id: str) -> ConversationState:
    stmt = select(ConversationState).where(ConversationState.channel == channel, ConversationState.user_id == user_id)
    state = (await session.execute(stmt)).scalar_one_or_none()
    if state is None:
        state = ConversationState(channel=channel, user_id=user_id, data={}, history=[])
        try:
            async with session.begin_nested():
                session.add(state)
        except IntegrityError:  # the same person's other message (a second device, a double press) made it first
            state = (await session.execute(stmt)).scalar_one()
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
    dialog: str | None = None,
) -> str:
    """Store what a button does and return the random token the button carries instead."""
    token = secrets.token_urlsafe(12)
    session.add(
        CallbackToken(
            token=token, channel=channel, user_id=user_id, action=action, args=args,
            expires_at=expires_at, single_use=single_use or dialog is not None, dialog=dialog,
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


def new_dialog() -> str:
    """An id shared by the buttons of one decision (see `use_token`)."""
    return secrets.token_urlsafe(12)


async def use_token(session: AsyncSession, token: CallbackToken, now: datetime) -> bool:
    """Mark a pressed single-use button used; False when it (or another button of its dialog) was used first.

    A button of a dialog uses up the whole dialog in the same statement, so "取消" then "确认" (or both at once)
    does one of the two. PostgreSQL: the second UPDATE waits for the first's row locks and then finds nothing
    left to update. SQLite: the UPDATE takes the database's write lock (waiting for it), so it sees every press
    committed before it.
    """
    if token.used_at is not None:
        return False
    stmt = update(CallbackToken).where(CallbackToken.used_at.is_(None))
    if token.dialog is not None:
        stmt = stmt.where(CallbackToken.dialog == token.dialog)
    else:
        stmt = stmt.where(CallbackToken.token == token.token)
    result = await session.execute(stmt.values(used_at=now).execution_options(synchronize_session=False))
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


async def count_service_since(session: AsyncSession, person_id: int, kind: str, since: datetime) -> int:
    """How many contacts of one kind a person had since a moment (wrong binding codes typed today …)."""
    stmt = select(func.count()).select_from(ServiceRecord).where(
        ServiceRecord.person_id == person_id, ServiceRecord.kind == kind, ServiceRecord.created_at >= since
    )
    return int(await session.scalar(stmt) or 0)
