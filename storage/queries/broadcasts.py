"""Broadcast audiences, creation, cancellation and delivery reports (messages go through the outbox)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Broadcast, ChannelIdentity, ChatGroup, OutboxMessage, Person, WorkerProfile
from storage.queries.outbox import enqueue
from storage.states import BroadcastState, OutboxState, Role

AUDIENCE_KEYS = ("township", "status", "job_category", "returnee_origin", "groups", "all")
REPORT_STATES = (OutboxState.PENDING, OutboxState.SENDING, OutboxState.SENT, OutboxState.FAILED,
                 OutboxState.UNREACHABLE, OutboxState.UNCERTAIN, OutboxState.CANCELLED)


@dataclass(frozen=True)
class Recipient:
    person_id: int | None
    channel: str
    chat_id: str
    chat_type: str


def _worker_filter(audience: dict[str, Any]) -> list[Any]:
    conditions: list[Any] = [Person.role == Role.WORKER, Person.forgotten_at.is_(None), Person.reachable.is_(True)]
    if audience.get("township"):
        conditions.append(Person.township.in_(list(audience["township"])))
    if audience.get("status"):
        conditions.append(WorkerProfile.status.in_(list(audience["status"])))
    if audience.get("returnee_origin"):
        conditions.append(or_(*[WorkerProfile.returnee_origin.like(f"%{o}%") for o in audience["returnee_origin"]]))
    return conditions


async def audience_recipients(session: AsyncSession, audience: dict[str, Any]) -> list[Recipient]:
    """Everyone the audience selects who can be reached: workers' private chats, and groups if asked."""
    recipients: list[Recipient] = []
    only_groups = audience.get("groups") and not any(audience.get(k) for k in AUDIENCE_KEYS[:4]) and not audience.get("all")
    if not only_groups:
        stmt = (
            select(Person.id, ChannelIdentity.channel, ChannelIdentity.chat_id, WorkerProfile.wanted_categories)
            .join(WorkerProfile, WorkerProfile.person_id == Person.id)
            .join(ChannelIdentity, and_(ChannelIdentity.person_id == Person.id, ChannelIdentity.chat_id.is_not(None)))
            .where(*_worker_filter(audience))
            .order_by(Person.id)
        )
        wanted = set(audience.get("job_category") or [])
        seen: set[int] = set()
        for person_id, channel, chat_id, categories in (await session.execute(stmt)).all():
            if person_id in seen or (wanted and not wanted & set(categories or [])):
                continue  # JSON lists are filtered here: portable across SQLite and PostgreSQL
            seen.add(person_id)
            recipients.append(Recipient(person_id, channel, chat_id, "private"))
    if audience.get("groups"):
        stmt = select(ChatGroup).where(ChatGroup.active.is_(True))
        if audience.get("township"):
            stmt = stmt.where(ChatGroup.township.in_(list(audience["township"])))
        for group in (await session.execute(stmt.order_by(ChatGroup.id))).scalars():
            recipients.append(Recipient(None, group.channel, group.chat_id, "group"))
    return recipients


async def create_broadcast(
    session: AsyncSession, *, author_id: int | None, text: str, audience: dict[str, Any], send_at: datetime,
    payload: dict[str, Any], now: datetime,
) -> tuple[Broadcast, int]:
    """Store the broadcast and queue one outbox message per recipient, held until `send_at`."""
    broadcast = Broadcast(author_id=author_id, text=text, audience=audience, send_at=send_at,
                          status=BroadcastState.SCHEDULED if send_at > now else BroadcastState.SENDING,
                          created_at=now)
    session.add(broadcast)
    await session.flush()
    queued = 0
    for recipient in await audience_recipients(session, audience):
        queued += await enqueue(
            session, purpose=f"broadcast:{broadcast.id}", channel=recipient.channel, chat_id=recipient.chat_id,
            chat_type=recipient.chat_type, person_id=recipient.person_id, payload=payload, not_before=send_at,
            broadcast_id=broadcast.id,
        )
    return broadcast, queued


async def cancel_broadcast(session: AsyncSession, broadcast_id: int) -> int:
    """Stop what has not gone yet; returns how many messages were withdrawn."""
    broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is None:
        return 0
    broadcast.status = BroadcastState.CANCELLED
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.broadcast_id == broadcast_id, OutboxMessage.state.in_(sorted(OutboxState.WITHDRAWABLE)))
        .values(state=OutboxState.CANCELLED)
    )
    return result.rowcount or 0


async def broadcast_report(session: AsyncSession, broadcast_id: int) -> dict[str, int]:
    """Messages of a broadcast by delivery state (pending, sending, sent, failed, unreachable, uncertain, cancelled)."""
    rows = await session.execute(
        select(OutboxMessage.state, func.count()).where(OutboxMessage.broadcast_id == broadcast_id)
        .group_by(OutboxMessage.state)
    )
    report = {state: 0 for state in REPORT_STATES}
    report.update({state: int(count) for state, count in rows.all()})
    report["total"] = sum(v for k, v in report.items())
    return report


async def finish_broadcasts(session: AsyncSession) -> int:
    """Mark broadcasts done once none of their messages is waiting or in flight."""
    waiting = select(OutboxMessage.id).where(
        OutboxMessage.broadcast_id == Broadcast.id, OutboxMessage.state.in_(sorted(OutboxState.UNSENT))
    ).exists()
    result = await session.execute(
        update(Broadcast).where(Broadcast.status.in_(sorted(BroadcastState.UNFINISHED)), ~waiting)
        .values(status=BroadcastState.DONE)
    )
    return result.rowcount or 0


@dataclass(frozen=True)
class BroadcastRow:
    broadcast: Broadcast
    author: str
    report: dict[str, int]


async def list_broadcasts(session: AsyncSession, *, limit: int, offset: int) -> tuple[list[BroadcastRow], int]:
    """One page of broadcasts, newest first, each with its delivery report (one grouped query for the page)."""
    total = int(await session.scalar(select(func.count()).select_from(Broadcast)) or 0)
    stmt = (
        select(Broadcast, Person.name)
        .outerjoin(Person, Person.id == Broadcast.author_id)
        .order_by(Broadcast.id.desc())
        .limit(limit)
        .offset(offset)
    )
    found = (await session.execute(stmt)).all()
    reports = await broadcast_reports(session, [broadcast.id for broadcast, _ in found])
    return [BroadcastRow(b, name or "", reports[b.id]) for b, name in found], total


async def broadcast_reports(session: AsyncSession, broadcast_ids: list[int]) -> dict[int, dict[str, int]]:
    """`broadcast_report` for several broadcasts at once."""
    reports = {bid: {state: 0 for state in REPORT_STATES} for bid in broadcast_ids}
    if broadcast_ids:
        rows = await session.execute(
            select(OutboxMessage.broadcast_id, OutboxMessage.state, func.count())
            .where(OutboxMessage.broadcast_id.in_(broadcast_ids))
            .group_by(OutboxMessage.broadcast_id, OutboxMessage.state)
        )
        for bid, state, count in rows.all():
            reports[bid][state] = int(count)
    for report in reports.values():
        report["total"] = sum(report.values())
    return reports
