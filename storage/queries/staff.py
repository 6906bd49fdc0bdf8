"""Staff console sign-in rows: accounts, one-time invites, sessions and failed-attempt throttles.

Tokens (invites, sessions) are stored only as SHA-256 hashes: a copy of the database opens no browser session.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ChannelIdentity, Person, SignInThrottle, StaffAccount, StaffInvite, StaffSession


async def staff_by_identity(session: AsyncSession, channel: str, external_id: str) -> Person | None:
    stmt = (
        select(Person)
        .join(ChannelIdentity, ChannelIdentity.person_id == Person.id)
        .where(ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def first_identity(session: AsyncSession, person_id: int) -> ChannelIdentity | None:
    stmt = select(ChannelIdentity).where(ChannelIdentity.person_id == person_id).order_by(ChannelIdentity.id).limit(1)
    return (await session.execute(stmt)).scalar_one_or_none()


async def account_of(session: AsyncSession, person_id: int) -> StaffAccount | None:
    return await session.get(StaffAccount, person_id)


async def account_by_login(session: AsyncSession, login: str) -> tuple[StaffAccount, Person] | None:
    stmt = (
        select(StaffAccount, Person)
        .join(Person, Person.id == StaffAccount.person_id)
        .where(StaffAccount.login == login)
    )
    row = (await session.execute(stmt)).first()
    return (row[0], row[1]) if row is not None else None


async def login_taken(session: AsyncSession, login: str, *, by_other_than: int) -> bool:
    stmt = select(StaffAccount.person_id).where(StaffAccount.login == login, StaffAccount.person_id != by_other_than)
    return (await session.execute(stmt)).first() is not None


def add_account(session: AsyncSession, person_id: int, login: str, *, at: datetime) -> StaffAccount:
    account = StaffAccount(person_id=person_id, login=login, created_at=at)
    session.add(account)
    return account


def add_invite(session: AsyncSession, *, token_hash: str, person_id: int, at: datetime, expires_at: datetime) -> None:
    session.add(StaffInvite(token_hash=token_hash, person_id=person_id, created_at=at, expires_at=expires_at))


async def invite_for_update(session: AsyncSession, token_hash: str) -> StaffInvite | None:
    stmt = select(StaffInvite).where(StaffInvite.token_hash == token_hash)
    if session.bind.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


def add_session(
    session: AsyncSession, *, token_hash: str, person_id: int, csrf_token: str, client: str, at: datetime,
    expires_at: datetime,
) -> StaffSession:
    row = StaffSession(token_hash=token_hash, person_id=person_id, csrf_token=csrf_token, client=client[:64],
                       created_at=at, last_seen_at=at, expires_at=expires_at)
    session.add(row)
    return row


async def session_with_person(session: AsyncSession, token_hash: str) -> tuple[StaffSession, Person] | None:
    stmt = (
        select(StaffSession, Person)
        .join(Person, Person.id == StaffSession.person_id)
        .where(StaffSession.token_hash == token_hash)
    )
    row = (await session.execute(stmt)).first()
    return (row[0], row[1]) if row is not None else None


async def end_session(session: AsyncSession, token_hash: str) -> None:
    await session.execute(delete(StaffSession).where(StaffSession.token_hash == token_hash))


async def end_sessions_of(session: AsyncSession, person_id: int) -> int:
    """Every console session of a person (a new password, a revoked role)."""
    result = await session.execute(delete(StaffSession).where(StaffSession.person_id == person_id))
    return result.rowcount or 0


async def purge_sessions(session: AsyncSession, now: datetime) -> int:
    result = await session.execute(delete(StaffSession).where(StaffSession.expires_at < now))
    return result.rowcount or 0


async def throttles(session: AsyncSession, keys: list[str]) -> dict[str, SignInThrottle]:
    stmt = select(SignInThrottle).where(SignInThrottle.key.in_(keys))
    if session.bind.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return {row.key: row for row in (await session.execute(stmt)).scalars()}


def add_throttle(session: AsyncSession, key: str) -> SignInThrottle:
    row = SignInThrottle(key=key, failures=0)
    session.add(row)
    return row


async def clear_throttle(session: AsyncSession, key: str) -> None:
    await session.execute(delete(SignInThrottle).where(SignInThrottle.key == key))


async def set_console_language(session: AsyncSession, person_id: int, language: str) -> None:
    account = await session.get(StaffAccount, person_id)
    if account is not None:
        account.language = language
