"""The outbox table's writes: enqueue once per (purpose, recipient); delivery claims live in bot/delivery."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OutboxMessage, utcnow


def idempotency_key(purpose: str, channel: str, chat_id: str) -> str:
    return f"{purpose}|{channel}|{chat_id}"


async def enqueue(
    session: AsyncSession,
    *,
    purpose: str,
    channel: str,
    chat_id: str,
    payload: dict[str, Any],
    chat_type: str = "private",
    person_id: int | None = None,
    not_before: datetime | None = None,
    broadcast_id: int | None = None,
) -> bool:
    """Queue a message; returns False when this purpose already went (or is going) to this recipient."""
    values = {
        "idempotency_key": idempotency_key(purpose, channel, chat_id),
        "purpose": purpose,
        "channel": channel,
        "chat_id": chat_id,
        "chat_type": chat_type,
        "person_id": person_id,
        "payload": payload,
        "state": "pending",
        "attempts": 0,
        "next_attempt_at": not_before or utcnow(),
        "broadcast_id": broadcast_id,
        "last_error": "",
        "created_at": utcnow(),
    }
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    stmt = insert(OutboxMessage).values(**values).on_conflict_do_nothing(index_elements=["idempotency_key"])
    result = await session.execute(stmt)
    return bool(result.rowcount)


async def pending_for_chat(
    session: AsyncSession, channel: str, chat_id: str, *, due_by: datetime | None = None
) -> list[OutboxMessage]:
    """Messages waiting for one chat, oldest first (the terminal channel shows them after each turn);
    with `due_by`, only those whose send time has come (a prompt held for office hours waits)."""
    stmt = (
        select(OutboxMessage)
        .where(OutboxMessage.channel == channel, OutboxMessage.chat_id == chat_id, OutboxMessage.state == "pending")
        .order_by(OutboxMessage.id)
    )
    if due_by is not None:
        stmt = stmt.where(OutboxMessage.next_attempt_at <= due_by)
    return list((await session.execute(stmt)).scalars())


def mark_sent(message: OutboxMessage, *, at: datetime, message_id: int | None = None) -> None:
    message.state = "sent"
    message.sent_at = at
    message.sent_message_id = message_id
    message.attempts += 1
