"""Finding and creating people from their channel identities."""

from __future__ import annotations

from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from storage.models import ChannelIdentity, ConversationState, Person
from storage.numbers import CHAT_ID, read_int
from storage.states import Role


async def person_by_identity(session: AsyncSession, channel: str, external_id: str) -> Person | None:
    stmt = (
        select(Person)
        .join(ChannelIdentity)
        .where(ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id)
        .options(selectinload(Person.profile))
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_or_create_person(
    session: AsyncSession, channel: str, external_id: str, *, chat_id: str | None = None, display_name: str = ""
) -> Person:
    """The person behind a channel account; a first-time visitor becomes an unregistered worker."""
    person = await person_by_identity(session, channel, external_id)
    if person is not None:
        if chat_id is not None:
            # Someone first seen in a group can be reached privately once they open a private chat.
            identity = (
                await session.execute(
                    select(ChannelIdentity).where(
                        ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id
                    )
                )
            ).scalar_one()
            if identity.chat_id != chat_id:
                identity.chat_id = chat_id
        return person
    person = Person(role=Role.WORKER, name="")
    person.identities.append(
        ChannelIdentity(channel=channel, external_id=external_id, chat_id=chat_id, display_name=display_name)
    )
    try:
        async with session.begin_nested():
            session.add(person)
    except IntegrityError:  # their other first message (a double press) created them a moment ago
        existing = await person_by_identity(session, channel, external_id)
        if existing is None:
            raise
        return existing
    await session.refresh(person, attribute_names=["profile"])
    return person


async def private_chat_of(session: AsyncSession, person_id: int) -> tuple[ChannelIdentity, str | None] | None:
    """Where to reach a person proactively (their first identity with a private chat), and the language they
    read there: their setting, else the one they last wrote in (None when neither is known)."""
    language = func.coalesce(Person.language, ConversationState.language)
    stmt = (
        select(ChannelIdentity, language)
        .join(Person, Person.id == ChannelIdentity.person_id)
        .outerjoin(ConversationState, and_(
            ConversationState.channel == ChannelIdentity.channel,
            ConversationState.user_id == ChannelIdentity.external_id,
        ))
        .where(ChannelIdentity.person_id == person_id, ChannelIdentity.chat_id.is_not(None))
        .order_by(ChannelIdentity.id)
        .limit(1)
    )
    row = (await session.execute(stmt)).first()
    return (row[0], row[1]) if row is not None else None


async def staff_private_chats(
    session: AsyncSession, channel: str, roles: tuple[str, ...] = (Role.SECRETARY, Role.ADMIN)
) -> list[int]:
    """Private chat ids of people with these roles on a channel (for their command menu)."""
    stmt = (
        select(ChannelIdentity.chat_id)
        .join(Person, Person.id == ChannelIdentity.person_id)
        .where(
            ChannelIdentity.channel == channel,
            ChannelIdentity.chat_id.is_not(None),
            Person.role.in_(roles),
        )
    )
    numbers = (read_int(chat, CHAT_ID) for chat in (await session.execute(stmt)).scalars() if chat)
    return [number for number in numbers if number is not None]


async def person_with_profile(session: AsyncSession, person_id: int) -> Person | None:
    stmt = select(Person).where(Person.id == person_id).options(selectinload(Person.profile))
    return (await session.execute(stmt)).scalar_one_or_none()
