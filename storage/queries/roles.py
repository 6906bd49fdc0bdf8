"""Granting and revoking staff roles, township coverage of secretaries, and the config's admins."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ROLES, ChannelIdentity, Person, SecretaryCoverage
from storage.queries.people import get_or_create_person
from storage.states import Role


class RoleError(ValueError):
    """A role change that cannot be made; the message says why."""


async def grant(
    session: AsyncSession, channel: str, external_id: str, role: str, *, name: str | None = None
) -> Person:
    """Give a channel account a role (creating the person if they never wrote to the bot)."""
    if role not in ROLES:
        raise RoleError(f"unknown role '{role}'; use one of {', '.join(ROLES)}")
    person = await get_or_create_person(
        session, channel, external_id, chat_id=external_id if channel == "telegram" else None
    )
    person.role = role
    if role != Role.EMPLOYER:
        person.enterprise_id = None  # an employer is bound to an enterprise (storage.queries.employers.bind)
    if name:
        person.name = name
    return person


async def revoke(session: AsyncSession, channel: str, external_id: str) -> Person:
    """Back to an ordinary worker; a departing secretary's coverage is removed (reassign their workers)."""
    person = (
        await session.execute(
            select(Person).join(ChannelIdentity).where(
                ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id
            )
        )
    ).scalar_one_or_none()
    if person is None:
        raise RoleError(f"nobody with {channel} id {external_id}")
    person.role = Role.WORKER
    person.enterprise_id = None
    await session.execute(delete(SecretaryCoverage).where(SecretaryCoverage.secretary_id == person.id))
    return person


async def set_coverage(session: AsyncSession, secretary: Person, townships: Iterable[str]) -> list[str]:
    if secretary.role != Role.SECRETARY:
        raise RoleError(f"{secretary.name or secretary.id} is a {secretary.role}, not a secretary")
    await session.execute(delete(SecretaryCoverage).where(SecretaryCoverage.secretary_id == secretary.id))
    covered = sorted(set(townships))
    session.add_all(SecretaryCoverage(secretary_id=secretary.id, township=t) for t in covered)
    return covered


async def bootstrap_admins(session: AsyncSession, telegram_ids: Iterable[int]) -> int:
    """Make the config's admins admins (idempotent); returns how many changed."""
    changed = 0
    for telegram_id in telegram_ids:
        person = await get_or_create_person(session, "telegram", str(telegram_id), chat_id=str(telegram_id))
        if person.role != Role.ADMIN:
            person.role = Role.ADMIN
            changed += 1
    return changed


async def townships_of(session: AsyncSession, secretary_id: int) -> list[str]:
    """The townships one secretary covers."""
    stmt = select(SecretaryCoverage.township).where(SecretaryCoverage.secretary_id == secretary_id)
    return sorted((await session.execute(stmt.order_by(SecretaryCoverage.township))).scalars())
