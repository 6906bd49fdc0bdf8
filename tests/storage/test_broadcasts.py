"""Broadcast audiences, queueing through the outbox, cancellation half-way and the delivery report."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from flows.audience import AudienceError, describe_audience, parse_audience
from storage.db import Database
from storage.models import ChannelIdentity, ChatGroup, OutboxMessage, Person, WorkerProfile
from storage.queries.broadcasts import (
    audience_recipients,
    broadcast_report,
    cancel_broadcast,
    create_broadcast,
    finish_broadcasts,
)
from tests.conftest import NOW


async def add_workers(db: Database) -> None:
    """Five workers with private chats in two townships, one unreachable, one forgotten; two groups."""
    people = [
        ("a", "双福镇", "seeking", ["采茶工"], True, None),
        ("b", "双福镇", "placed", ["普工"], True, None),
        ("c", "桂花桥镇", "seeking", ["采茶工", "制茶工"], True, None),
        ("d", "双福镇", "seeking", ["采茶工"], False, None),
        ("e", "双福镇", "seeking", ["采茶工"], True, NOW),
    ]
    async with db.session() as session:
        for uid, township, status, categories, reachable, forgotten in people:
            person = Person(role="worker", name=uid, township=township, reachable=reachable, forgotten_at=forgotten)
            person.profile = WorkerProfile(status=status, wanted_categories=categories)
            person.identities.append(ChannelIdentity(channel="telegram", external_id=uid, chat_id=uid))
            session.add(person)
        session.add(Person(role="worker", name="no chat", township="双福镇"))
        session.add_all([ChatGroup(channel="telegram", chat_id="-1", title="双福镇就业群", township="双福镇"),
                         ChatGroup(channel="telegram", chat_id="-2", title="桂花桥群", township="桂花桥镇")])


class TestAudienceText:
    def test_parses_and_canonicalises(self) -> None:
        audience = parse_audience("township=双福,桂花桥镇; status=求职中; category=采茶; groups")
        assert audience == {"township": ["双福镇", "桂花桥镇"], "status": ["seeking"], "job_category": ["采茶工"],
                            "groups": True}
        assert describe_audience(audience) == "双福镇, 桂花桥镇 · seeking · 采茶工 · groups"

    @pytest.mark.parametrize("text", ["", "township=火星", "status=rich", "colour=blue", "category=挖金子"])
    def test_unknown_words_are_refused(self, text: str) -> None:
        with pytest.raises(AudienceError):
            parse_audience(text)


class TestRecipients:
    @pytest.mark.parametrize(
        ("audience", "chats"),
        [
            ({"all": True}, {"a", "b", "c"}),
            ({"township": ["双福镇"]}, {"a", "b"}),
            ({"status": ["seeking"]}, {"a", "c"}),
            ({"job_category": ["制茶工"]}, {"c"}),
            ({"groups": True}, {"-1", "-2"}),
            ({"township": ["双福镇"], "groups": True}, {"a", "b", "-1"}),
        ],
    )
    async def test_selection(self, any_db: Database, audience: dict, chats: set[str]) -> None:  # type: ignore[type-arg]
        await add_workers(any_db)
        async with any_db.session() as session:
            found = {r.chat_id for r in await audience_recipients(session, audience)}
        assert found == chats


class TestLifecycle:
    async def test_queue_cancel_report(self, any_db: Database) -> None:
        await add_workers(any_db)
        async with any_db.session() as session:
            broadcast, queued = await create_broadcast(
                session, author_id=None, text="春茶开采", audience={"all": True, "groups": True},
                send_at=NOW + timedelta(hours=1), payload={"text": "春茶开采", "buttons": []}, now=NOW,
            )
        assert queued == 5
        async with any_db.session() as session:
            first = (await session.execute(select(OutboxMessage).where(OutboxMessage.chat_id == "a"))).scalar_one()
            first.state = "sent"
            assert first.next_attempt_at == NOW + timedelta(hours=1)
        async with any_db.session() as session:
            assert await cancel_broadcast(session, broadcast.id) == 4
        async with any_db.session() as session:
            report = await broadcast_report(session, broadcast.id)
            assert await finish_broadcasts(session) == 0  # cancelled broadcasts stay cancelled
        assert report["sent"] == 1 and report["cancelled"] == 4 and report["total"] == 5

    async def test_finished_when_nothing_waits(self, any_db: Database) -> None:
        await add_workers(any_db)
        async with any_db.session() as session:
            broadcast, _ = await create_broadcast(
                session, author_id=None, text="x", audience={"township": ["桂花桥镇"]}, send_at=NOW,
                payload={"text": "x", "buttons": []}, now=NOW,
            )
        async with any_db.session() as session:
            assert await finish_broadcasts(session) == 0
            for message in (await session.execute(select(OutboxMessage))).scalars():
                message.state = "sent"
        async with any_db.session() as session:
            assert await finish_broadcasts(session) == 1
