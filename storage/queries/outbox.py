"""The outbox table: enqueue once per (purpose, recipient); claiming, state changes and recovery for bot/delivery."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, case, delete, exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import DeliveryWorker, OutboxMessage, OutboxSubject, utcnow
from storage.states import OutboxState


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
    about: Iterable[int] = (),
) -> bool:
    """Queue a message; returns False when this purpose already went (or is going) to this recipient.

    `about`: the people the message speaks of besides its recipient (a worker's card to their secretary), so
    /forget can withdraw it (storage/personal_data.py)."""
    values = {
        "idempotency_key": idempotency_key(purpose, channel, chat_id),
        "purpose": purpose,
        "channel": channel,
        "chat_id": chat_id,
        "chat_type": chat_type,
        "person_id": person_id,
        "payload": payload,
        "state": OutboxState.PENDING,
        "attempts": 0,
        "next_attempt_at": not_before or utcnow(),
        "broadcast_id": broadcast_id,
        "last_error": "",
        "created_at": utcnow(),
    }
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    stmt = insert(OutboxMessage).values(**values).on_conflict_do_nothing(index_elements=["idempotency_key"])
    subjects = sorted({pid for pid in about if pid is not None and pid != person_id})
    if not subjects:
        return bool((await session.execute(stmt)).rowcount)
    message_id = (await session.execute(stmt.returning(OutboxMessage.id))).scalar_one_or_none()
    if message_id is None:
        return False
    await session.execute(insert(OutboxSubject).values([{"outbox_id": message_id, "person_id": pid} for pid in subjects]))
    return True


async def refresh_pending(
    session: AsyncSession, *, purpose: str, channel: str, chat_id: str, payload: dict[str, Any], now: datetime
) -> bool:
    """Bring a queued message that is still waiting (pending, not claimed by a delivery process) up to date;
    False when it has gone, is going, or was withdrawn."""
    stmt = (
        update(OutboxMessage)
        .where(
            OutboxMessage.idempotency_key == idempotency_key(purpose, channel, chat_id),
            OutboxMessage.state == OutboxState.PENDING,
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
        .values(payload=payload)
        .execution_options(synchronize_session=False)
    )
    return bool((await session.execute(stmt)).rowcount)


async def pending_for_chat(
    session: AsyncSession, channel: str, chat_id: str, *, due_by: datetime | None = None
) -> list[OutboxMessage]:
    """Messages waiting for one chat, oldest first (the terminal channel shows them after each turn);
    with `due_by`, only those whose send time has come (a prompt held for office hours waits)."""
    stmt = (
        select(OutboxMessage)
        .where(OutboxMessage.channel == channel, OutboxMessage.chat_id == chat_id, OutboxMessage.state == OutboxState.PENDING)
        .order_by(OutboxMessage.id)
    )
    if due_by is not None:
        stmt = stmt.where(OutboxMessage.next_attempt_at <= due_by)
    return list((await session.execute(stmt)).scalars())


def mark_sent(message: OutboxMessage, *, at: datetime, message_id: int | None = None) -> None:
    message.state = OutboxState.SENT
    message.sent_at = at
    message.sent_message_id = message_id
    message.attempts += 1


# --- delivery: claiming, state changes, crash recovery, report ------------------------------------------


# The advisory lock that serialises claims when several delivery processes share chats' limits ("mish").
CLAIM_LOCK = 0x6D697368


async def claim(
    session: AsyncSession,
    *,
    channel: str,
    worker: str,
    now: datetime,
    until: datetime,
    limit: int,
    chat_gaps: tuple[timedelta, timedelta] | None = None,
) -> list[OutboxMessage]:
    """Take up to `limit` due messages for this worker: row locks skipped by others on PostgreSQL,
    one atomic UPDATE on SQLite (its single writer makes the same statement safe).

    With `chat_gaps` (private, group) — when several delivery processes run — a chat another process holds
    claims for, or that was sent to within its gap, is left alone, so each chat's pace is kept by one process."""
    due = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.state == OutboxState.PENDING,
            OutboxMessage.channel == channel,
            OutboxMessage.next_attempt_at <= now,
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)  # rendered on PostgreSQL only
    )
    if chat_gaps is not None:
        if session.bind.dialect.name == "postgresql":
            # Two claims at the same moment could each see a chat as free and take different messages of it;
            # claims are a few milliseconds, so taking them one at a time costs nothing (SQLite's single
            # writer already does this).
            await session.execute(select(func.pg_advisory_xact_lock(CLAIM_LOCK)))
        private_gap, group_gap = chat_gaps
        other = aliased(OutboxMessage)
        busy = exists().where(
            other.channel == OutboxMessage.channel,
            other.chat_id == OutboxMessage.chat_id,
            or_(
                and_(other.claimed_by.is_not(None), other.claimed_by != worker, other.claimed_until >= now),
                and_(OutboxMessage.chat_type == "private", other.sent_at > now - private_gap),
                and_(OutboxMessage.chat_type != "private", other.sent_at > now - group_gap),
            ),
        )
        due = due.where(~busy)
    stmt = (
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(due.scalar_subquery()))
        .values(claimed_by=worker, claimed_until=until)
        .returning(OutboxMessage)
        .execution_options(synchronize_session=False)
    )
    rows = list((await session.execute(stmt)).scalars())
    return sorted(rows, key=lambda m: (m.next_attempt_at, m.id))


async def mark_sending(
    session: AsyncSession, ids: Sequence[int], *, worker: str, until: datetime
) -> set[int]:
    """Record that these messages are about to be sent (committed before the request); returns the ids
    still ours (a message whose claim lapsed and went to another process is left alone)."""
    if not ids:
        return set()
    stmt = (
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(list(ids)), OutboxMessage.claimed_by == worker, OutboxMessage.state == OutboxState.PENDING)
        .values(state=OutboxState.SENDING, claimed_until=until)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    return set((await session.execute(stmt)).scalars())


async def record_sent(
    session: AsyncSession, sent: Sequence[tuple[int, int | None]], *, worker: str, at: datetime
) -> None:
    """These sends succeeded: (outbox id, Telegram message id) pairs, in one executemany. Also overrides
    'uncertain' if our lease lapsed meanwhile, since now we know."""
    if not sent:
        return
    table = OutboxMessage.__table__
    stmt = (
        update(table)
        .where(table.c.id == bindparam("row_id"), table.c.claimed_by == worker,
               or_(table.c.state == OutboxState.SENDING, table.c.state == OutboxState.UNCERTAIN))
        .values(state=OutboxState.SENT, sent_at=at, sent_message_id=bindparam("telegram_id"), attempts=table.c.attempts + 1,
                claimed_by=None, claimed_until=None, last_error="")
    )
    await session.execute(stmt, [{"row_id": row_id, "telegram_id": telegram_id} for row_id, telegram_id in sent])


async def record_outcome(
    session: AsyncSession,
    message_id: int,
    *,
    worker: str,
    state: OutboxState,
    error: str,
    next_attempt_at: datetime | None = None,
    count_attempt: bool = True,
) -> None:
    """A send that did not succeed: back to pending at `next_attempt_at`, or failed/unreachable/uncertain."""
    values: dict[str, Any] = {"state": state, "last_error": error[:256], "claimed_by": None, "claimed_until": None}
    if count_attempt:
        values["attempts"] = OutboxMessage.attempts + 1
    if next_attempt_at is not None:
        values["next_attempt_at"] = next_attempt_at
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.claimed_by == worker)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


async def release(session: AsyncSession, ids: Sequence[int], *, worker: str, at: dict[int, datetime]) -> None:
    """Give back claimed messages not sent in this pass (their chat is busy), each due again at its time."""
    for message_id in ids:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.claimed_by == worker, OutboxMessage.state == OutboxState.PENDING)
            # never earlier than a retry_after recorded for the chat meanwhile
            .values(claimed_by=None, claimed_until=None, next_attempt_at=case(
                (OutboxMessage.next_attempt_at < at[message_id], at[message_id]), else_=OutboxMessage.next_attempt_at))
            .execution_options(synchronize_session=False)
        )


async def defer_chat(session: AsyncSession, channel: str, chat_id: str, until: datetime) -> int:
    """Telegram said retry_after for this chat: every pending message to it waits (other chats do not)."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.channel == channel, OutboxMessage.chat_id == chat_id,
               OutboxMessage.state == OutboxState.PENDING, OutboxMessage.next_attempt_at < until)
        .values(next_attempt_at=until)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


async def move_chat(session: AsyncSession, channel: str, old_chat_id: str, new_chat_id: str) -> int:
    """A group got a new id (Telegram: upgraded to a supergroup): its pending messages go to the new id."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.channel == channel, OutboxMessage.chat_id == old_chat_id,
               OutboxMessage.state == OutboxState.PENDING)
        .values(chat_id=new_chat_id)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


async def close_chat(session: AsyncSession, channel: str, chat_id: str, error: str) -> int:
    """The recipient blocked the bot (or the chat is gone): the rest of their queue is unreachable too."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.channel == channel, OutboxMessage.chat_id == chat_id, OutboxMessage.state == OutboxState.PENDING,
               OutboxMessage.claimed_by.is_(None))
        .values(state=OutboxState.UNREACHABLE, last_error=error[:256])
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


async def recover(session: AsyncSession, *, now: datetime, at_most_once: Sequence[str]) -> dict[str, int]:
    """Messages of a dead process (lease run out): claimed but unsent ones are simply due again; ones caught
    mid-send become 'uncertain' when their purpose is at-most-once, else pending again (sent at least once)."""
    lapsed = (OutboxMessage.claimed_until.is_not(None), OutboxMessage.claimed_until < now)
    once = or_(*[OutboxMessage.purpose.startswith(f"{prefix}:", autoescape=True) for prefix in at_most_once]) \
        if at_most_once else None
    counts: dict[str, int] = {}
    result = await session.execute(
        update(OutboxMessage).where(OutboxMessage.state == OutboxState.PENDING, *lapsed)
        .values(claimed_by=None, claimed_until=None).execution_options(synchronize_session=False)
    )
    counts["reclaimed"] = result.rowcount or 0
    sending = [OutboxMessage.state == OutboxState.SENDING, *lapsed]
    if once is not None:
        result = await session.execute(
            update(OutboxMessage).where(*sending, once)
            .values(state=OutboxState.UNCERTAIN, claimed_by=None, claimed_until=None,
                    last_error="caught mid-send by a crash; not re-sent (at most once)")
            .execution_options(synchronize_session=False)
        )
        counts["uncertain"] = result.rowcount or 0
    result = await session.execute(
        update(OutboxMessage).where(*sending)
        .values(state=OutboxState.PENDING, claimed_by=None, claimed_until=None, next_attempt_at=now,
                last_error="caught mid-send by a crash; re-sent (at least once)")
        .execution_options(synchronize_session=False)
    )
    counts["resent"] = result.rowcount or 0
    return counts


async def heartbeat(session: AsyncSession, *, worker: str, channel: str, now: datetime, alive_after: datetime) -> int:
    """Record that this delivery process is alive; returns how many of the channel's are (itself included).

    Rows not seen for a day are removed (processes killed without signing off)."""
    row = await session.get(DeliveryWorker, worker)
    if row is None:
        session.add(DeliveryWorker(name=worker, channel=channel, seen_at=now))
    else:
        row.seen_at = now
    await session.flush()
    await session.execute(delete(DeliveryWorker).where(DeliveryWorker.seen_at < now - timedelta(days=1)))
    alive = await session.scalar(
        select(func.count()).where(DeliveryWorker.channel == channel, DeliveryWorker.seen_at >= alive_after)
    )
    return max(int(alive or 0), 1)


async def workers_named(session: AsyncSession, prefix: str) -> list[str]:
    """Delivery processes whose names start with `prefix` (those of one host)."""
    stmt = select(DeliveryWorker.name).where(DeliveryWorker.name.startswith(prefix, autoescape=True))
    return list((await session.execute(stmt)).scalars())


async def sign_off(session: AsyncSession, worker: str) -> None:
    """A delivery process stops: the others take its share at their next heartbeat."""
    await session.execute(delete(DeliveryWorker).where(DeliveryWorker.name == worker))


async def backlog(session: AsyncSession, *, now: datetime) -> tuple[int, float | None]:
    """Pending messages, and how many seconds the longest-due one has waited (None when none is due)."""
    count = int(await session.scalar(select(func.count()).where(OutboxMessage.state == OutboxState.PENDING)) or 0)
    oldest = await session.scalar(
        select(func.min(OutboxMessage.next_attempt_at)).where(
            OutboxMessage.state == OutboxState.PENDING, OutboxMessage.next_attempt_at <= now
        )
    )
    return count, (now - oldest).total_seconds() if oldest is not None else None


async def state_counts(
    session: AsyncSession, *, purpose_prefix: str | None = None, broadcast_id: int | None = None
) -> dict[str, int]:
    """How many messages are in each state (a broadcast's or a purpose's delivery report)."""
    stmt = select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
    if purpose_prefix is not None:
        stmt = stmt.where(OutboxMessage.purpose.startswith(purpose_prefix, autoescape=True))
    if broadcast_id is not None:
        stmt = stmt.where(OutboxMessage.broadcast_id == broadcast_id)
    return {state: count for state, count in (await session.execute(stmt)).all()}
