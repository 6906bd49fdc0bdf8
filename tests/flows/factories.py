"""Test data for trainings, buses and cases: people with roles and chats, courses and departures."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from storage.db import Database
from storage.models import (
    BusDeparture,
    ChannelIdentity,
    OutboxMessage,
    Person,
    SecretaryCoverage,
    Training,
    WorkerProfile,
)

CHANNEL = "terminal"


async def add_person(
    db: Database,
    user_id: str,
    *,
    role: str = "worker",
    name: str = "",
    phone: str | None = None,
    township: str | None = None,
    secretary_id: int | None = None,
    registered: bool = False,
    covers: tuple[str, ...] = (),
) -> int:
    """A person with a private chat on the terminal channel (user id = chat id); a profile if registered."""
    async with db.session() as session:
        person = Person(role=role, name=name, phone=phone, township=township)
        person.identities.append(ChannelIdentity(channel=CHANNEL, external_id=user_id, chat_id=user_id))
        if registered:
            person.profile = WorkerProfile(secretary_id=secretary_id, skills=[], wanted_categories=[])
        session.add(person)
        await session.flush()
        for township_name in covers:
            session.add(SecretaryCoverage(secretary_id=person.id, township=township_name))
        return person.id


async def add_training(
    db: Database,
    title: str,
    topic: str,
    starts_at: datetime,
    *,
    capacity: int = 30,
    mode: str = "offline",
    location: str = "峨眉山市职业技术学校",
    subsidy: str = "免费，结业补贴500元",
    ends_at: datetime | None = None,
    description: str = "",
) -> int:
    async with db.session() as session:
        training = Training(
            title=title,
            topic=topic,
            starts_at=starts_at,
            ends_at=ends_at,
            capacity=capacity,
            mode=mode,
            location=location,
            subsidy=subsidy,
            description=description,
            organiser="峨眉山市就业服务中心",
        )
        session.add(training)
        await session.flush()
        return training.id


async def add_departure(
    db: Database,
    destination: str,
    province: str,
    departs_at: datetime,
    *,
    seats: int = 40,
    pickup_points: tuple[str, ...] = ("峨眉山市客运中心", "符溪镇政府门口"),
    price: str = "免费",
    requirements: str = "持48小时内核酸阴性证明和健康码绿码",
) -> int:
    async with db.session() as session:
        bus = BusDeparture(
            origin="峨眉山市",
            destination=destination,
            destination_province=province,
            departs_at=departs_at,
            seats=seats,
            pickup_points=list(pickup_points),
            price=price,
            requirements=requirements,
        )
        session.add(bus)
        await session.flush()
        return bus.id


async def outbox_for(db: Database, chat_id: str) -> list[OutboxMessage]:
    async with db.session() as session:
        stmt = select(OutboxMessage).where(OutboxMessage.chat_id == chat_id).order_by(OutboxMessage.id)
        return list((await session.execute(stmt)).scalars())
