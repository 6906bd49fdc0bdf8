"""Outbox delivery: pacing, retries, retry_after per chat, blocked recipients, crash recovery, claiming."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.channels.telegram.render import render_reply, render_text
from bot.channels.telegram.sender import BotApiSender, TelegramSender
from bot.deliver import telegram_bot
from bot.delivery import Delivery, RateLimiter, backoff_seconds
from bot.settings import load_settings
from flows.messages import Button, Reply, reply_to_dict
from storage.models import (
    ChannelIdentity,
    ChatGroup,
    DeliveryWorker,
    OutboxMessage,
    Person,
    WorkerProfile,
    utcnow,
)
from storage.queries.outbox import enqueue, state_counts
from tests.fake_telegram import TOKEN, FakeTelegram


def settings(**outbox: object):  # type: ignore[no-untyped-def]
    # Deliveries made one after another in a test never sign off; with a tiny heartbeat the earlier ones
    # count as gone at once (TestSharedRate sets a real one).
    values = {"per_bot_per_second": 1000, "per_chat_per_second": 1000, "per_group_per_minute": 60000,
              "heartbeat_seconds": 0.001, **outbox}
    return load_settings(**{f"outbox__{k}": v for k, v in values.items()})


@pytest.fixture
async def fake():  # type: ignore[no-untyped-def]
    server = await FakeTelegram().start()
    yield server
    await server.stop()


@pytest.fixture(params=["aiogram", "api"])
async def sender(request: pytest.FixtureRequest, fake: FakeTelegram):  # type: ignore[no-untyped-def]
    """Both Telegram senders must sort Telegram's answers the same way."""
    if request.param == "api":
        api = BotApiSender(TOKEN, fake.base)
        yield api
        await api.close()
        return
    bot = telegram_bot(TOKEN, fake.base)
    yield TelegramSender(bot)
    await bot.session.close()


async def add_person(db, chat_id: str, *, role: str = "worker", secretary_id: int | None = None) -> int:  # type: ignore[no-untyped-def]
    async with db.session() as s:
        person = Person(role=role, name=f"张{chat_id}", township="双福镇")
        person.identities.append(ChannelIdentity(channel="telegram", external_id=chat_id, chat_id=chat_id))
        if role == "worker":
            person.profile = WorkerProfile(secretary_id=secretary_id)
        s.add(person)
        await s.flush()
        return person.id


async def put(db, purpose: str, chat_id: str, text: str | None = None, person_id: int | None = None,  # type: ignore[no-untyped-def]
              chat_type: str = "private") -> bool:
    async with db.session() as s:
        return await enqueue(s, purpose=purpose, channel="telegram", chat_id=chat_id, chat_type=chat_type,
                             payload=reply_to_dict(Reply(text=text or f"{purpose}→{chat_id}")), person_id=person_id)


async def rows(db) -> dict[str, OutboxMessage]:  # type: ignore[no-untyped-def]
    async with db.session() as s:
        return {m.purpose + "|" + m.chat_id: m for m in (await s.execute(select(OutboxMessage))).scalars()}


class TestRender:
    def test_bold_becomes_html_and_the_rest_is_escaped(self) -> None:
        assert render_text("**春茶<采摘>** a&b <i>") == "<b>春茶&lt;采摘&gt;</b> a&amp;b &lt;i&gt;"

    def test_buttons_become_an_inline_keyboard(self) -> None:
        reply = Reply("x", buttons=[[Button("报名", callback="tok1"), Button("地图", url="https://m.example")]])
        _, markup = render_reply(reply)
        row = markup.inline_keyboard[0]  # type: ignore[union-attr]
        assert (row[0].text, row[0].callback_data, row[1].url) == ("报名", "tok1", "https://m.example")

    def test_contact_request_is_a_reply_keyboard(self) -> None:
        _, markup = render_reply(Reply("电话？", request_contact="发送我的手机号"))
        button = markup.keyboard[0][0]  # type: ignore[union-attr]
        assert button.request_contact is True and button.text == "发送我的手机号"


class TestPacing:
    @pytest.mark.parametrize("attempt", [1, 2, 3, 4, 8])
    def test_backoff_doubles_with_jitter_within_half_to_full(self, attempt: int) -> None:
        rng = random.Random(attempt)
        full = min(600, 2 * 2 ** (attempt - 1))
        delays = [backoff_seconds(attempt, 2, 600, rng) for _ in range(200)]
        assert all(full / 2 <= d <= full for d in delays)
        assert len({round(d, 3) for d in delays}) > 50  # jittered, not one value

    def test_backoff_is_capped(self) -> None:
        assert backoff_seconds(30, 2, 600) <= 600

    def test_slots_respect_global_chat_and_group_spacing(self) -> None:
        clock = [100.0]
        limiter = RateLimiter(30, 1, 20, clock=lambda: clock[0])
        slots = [limiter.reserve(f"chat{i}") for i in range(60)]
        gaps = [b - a for a, b in zip(slots, slots[1:], strict=False)]
        assert min(gaps) == pytest.approx(1 / 30)
        assert limiter.reserve("chat0") >= slots[0] + 1.0  # same private chat: one a second
        first = limiter.reserve("-100", group=True)
        assert limiter.reserve("-100", group=True) >= first + 3.0 - 1e-9  # group: 20 a minute

    def test_a_stall_does_not_release_a_burst(self) -> None:
        clock = [0.0]
        limiter = RateLimiter(30, 1, 20, clock=lambda: clock[0])
        limiter.reserve("a")
        clock[0] = 5.0  # nothing sent for five seconds
        slots = [limiter.reserve(f"c{i}") for i in range(30)]
        assert slots[0] == 5.0 and slots[-1] == pytest.approx(5.0 + 29 / 30)

    def test_a_share_of_the_rate_spaces_slots_by_the_number_of_processes(self) -> None:
        clock = [0.0]
        limiter = RateLimiter(30, 1, 20, clock=lambda: clock[0])
        limiter.share(3)
        slots = [limiter.reserve(f"c{i}") for i in range(4)]
        assert slots[1] - slots[0] == pytest.approx(3 / 30)

    def test_retry_after_blocks_only_that_chat(self) -> None:
        clock = [0.0]
        limiter = RateLimiter(30, 1, 20, clock=lambda: clock[0])
        limiter.block("slow", 7)
        assert limiter.chat_ready("slow") == 7 and limiter.reserve("other") == 0.0


class TestDelivery:
    async def test_sends_and_keeps_the_telegram_message_id(self, any_db, fake, sender) -> None:  # type: ignore[no-untyped-def]
        assert await put(any_db, "push:1", "501", "**新岗位** 采茶")
        assert not await put(any_db, "push:1", "501", "again")  # same (purpose, recipient): once
        report = await Delivery(any_db, sender, settings()).run_once()
        assert report.sent == 1
        [row] = (await rows(any_db)).values()
        assert row.state == "sent" and row.sent_message_id == fake.journal[0].message_id
        assert fake.journal[0].text == "<b>新岗位</b> 采茶"
        again = await Delivery(any_db, sender, settings()).run_once()
        assert (again.claimed, len(fake.journal)) == (0, 1)  # nothing left, nothing twice

    async def test_retry_after_delays_that_chat_only(self, any_db, fake, sender) -> None:  # type: ignore[no-untyped-def]
        fake.fault("601", "429", 5)
        for chat in ("601", "602", "603"):
            await put(any_db, "push:1", chat)
        await put(any_db, "push:2", "601")
        before = utcnow()
        report = await Delivery(any_db, sender, settings(per_chat_per_second=1)).run_once()
        assert report.sent == 2 and sorted(r.chat_id for r in fake.journal) == ["602", "603"]
        state = await rows(any_db)
        for key in ("push:1|601", "push:2|601"):
            assert state[key].state == "pending"
            assert state[key].next_attempt_at >= before + timedelta(seconds=5)
        assert state["push:1|601"].attempts == 0  # flood control is not the message's fault
        assert (await Delivery(any_db, sender, settings()).run_once()).claimed == 0

    async def test_blocked_bot_marks_unreachable_and_tells_the_secretary(self, any_db, fake, sender) -> None:  # type: ignore[no-untyped-def]
        secretary = await add_person(any_db, "900", role="secretary")
        worker = await add_person(any_db, "701", secretary_id=secretary)
        fake.blocked.add("701")
        await put(any_db, "push:1", "701", person_id=worker)
        await put(any_db, "push:2", "701", person_id=worker)
        report = await Delivery(any_db, sender, settings(batch_size=1)).run_once()
        assert report.unreachable == 1
        state = await rows(any_db)
        assert state["push:1|701"].state == "unreachable"
        assert state["push:2|701"].state == "unreachable"  # the rest of their queue too
        notice = next(m for k, m in state.items() if k.startswith("unreachable:"))
        assert notice.chat_id == "900" and "张701" in notice.payload["text"]
        async with any_db.session() as s:
            assert (await s.get(Person, worker)).reachable is False
        await Delivery(any_db, sender, settings()).run_once()
        assert "张701" in fake.texts_for("900")[0]

    async def test_bot_removed_from_a_group_deactivates_it(self, any_db, fake, sender) -> None:  # type: ignore[no-untyped-def]
        async with any_db.session() as s:
            s.add(ChatGroup(channel="telegram", chat_id="-100777", title="双福镇求职群"))
        fake.blocked.add("-100777")
        await put(any_db, "broadcast:1", "-100777", chat_type="group")
        assert (await Delivery(any_db, sender, settings()).run_once()).unreachable == 1
        async with any_db.session() as s:
            assert (await s.execute(select(ChatGroup.active))).scalar_one() is False

    async def test_a_group_upgraded_to_a_supergroup_is_followed(self, any_db, fake, sender) -> None:  # type: ignore[no-untyped-def]
        async with any_db.session() as s:
            s.add(ChatGroup(channel="telegram", chat_id="-777", title="双福镇求职群"))
        fake.migrated["-777"] = -1009990777
        await put(any_db, "broadcast:1", "-777", chat_type="group")
        await put(any_db, "broadcast:2", "-777", chat_type="group")
        delivery = Delivery(any_db, sender, settings())
        first = await delivery.run_once()
        await delivery.run_once()
        assert first.retried >= 1 and first.failed == 0
        state = await rows(any_db)
        assert {k: m.state for k, m in state.items()} == {
            "broadcast:1|-1009990777": "sent", "broadcast:2|-1009990777": "sent"}
        assert len(fake.texts_for("-1009990777")) == 2 and fake.texts_for("-777") == []
        async with any_db.session() as s:
            assert (await s.execute(select(ChatGroup.chat_id))).scalar_one() == "-1009990777"

    async def test_server_errors_back_off_then_fail(self, any_db, fake, sender) -> None:  # type: ignore[no-untyped-def]
        for _ in range(3):
            fake.fault("801", "500")
        await put(any_db, "prompt:1", "801")
        delivery = Delivery(any_db, sender, settings(max_attempts=3, retry_base_seconds=10))
        start = utcnow()
        await delivery.run_once()
        row = (await rows(any_db))["prompt:1|801"]
        assert row.state == "pending" and row.attempts == 1
        assert start + timedelta(seconds=5) <= row.next_attempt_at <= utcnow() + timedelta(seconds=10)
        for _ in range(2):
            async with any_db.session() as s:
                (await s.get(OutboxMessage, row.id)).next_attempt_at = utcnow()
            await delivery.run_once()
        row = (await rows(any_db))["prompt:1|801"]
        assert row.state == "failed" and row.attempts == 3 and fake.journal == []


class TestCrashRecovery:
    @pytest.mark.parametrize(("purpose", "after"), [("push:9", "uncertain"), ("broadcast:2", "uncertain"),
                                                     ("prompt:4", "sent")])
    async def test_caught_mid_send(self, any_db, fake, sender, purpose: str, after: str) -> None:  # type: ignore[no-untyped-def]
        await put(any_db, purpose, "301")
        async with any_db.session() as s:
            row = (await s.execute(select(OutboxMessage))).scalar_one()
            row.state, row.claimed_by, row.claimed_until = "sending", "dead:1", utcnow() - timedelta(seconds=1)
        report = await Delivery(any_db, sender, settings()).run_once()
        assert (await rows(any_db))[f"{purpose}|301"].state == after
        assert len(fake.journal) == (1 if after == "sent" else 0)
        async with any_db.session() as s:
            counts = await state_counts(s, purpose_prefix=purpose.split(":")[0] + ":")
        assert counts == {after: 1}
        assert report.recovered["uncertain" if after == "uncertain" else "resent"] == 1

    async def test_a_live_claim_is_left_alone(self, any_db, fake, sender) -> None:  # type: ignore[no-untyped-def]
        await put(any_db, "push:1", "302")
        async with any_db.session() as s:
            row = (await s.execute(select(OutboxMessage))).scalar_one()
            row.state, row.claimed_by, row.claimed_until = "sending", "alive:1", utcnow() + timedelta(seconds=60)
        await Delivery(any_db, sender, settings()).run_once()
        assert (await rows(any_db))["push:1|302"].state == "sending" and fake.journal == []


class TestClaiming:
    async def test_concurrent_workers_share_without_overlap(self, any_db, fake, sender) -> None:  # type: ignore[no-untyped-def]
        for i in range(200):
            await put(any_db, f"push:{i}", str(1000 + i % 40))
        workers = [Delivery(any_db, sender, settings(batch_size=20, heartbeat_seconds=0.05)) for _ in range(4)]

        async def drain(delivery: Delivery) -> None:
            for _ in range(500):
                await delivery.run_once()
                async with any_db.session() as s:
                    if not (await state_counts(s)).get("pending"):
                        return
                await asyncio.sleep(0.01)

        await asyncio.gather(*(drain(w) for w in workers))
        texts = [r.text for r in fake.journal]
        assert len(texts) == 200 and len(set(texts)) == 200
        async with any_db.session() as s:
            assert await state_counts(s) == {"sent": 200}


class TestSharedRate:
    """Several delivery processes split the bot's 30 messages/s instead of each taking all of it."""

    async def test_live_processes_share_and_a_stopped_one_gives_its_share_back(self, any_db, fake, sender) -> None:  # type: ignore[no-untyped-def]
        first = Delivery(any_db, sender, settings(heartbeat_seconds=5), worker="host:1")
        second = Delivery(any_db, sender, settings(heartbeat_seconds=5), worker="host:2")
        assert await first.heartbeat() == 1
        assert await second.heartbeat() == 2
        assert await first.heartbeat() == 2
        assert first.limiter.global_interval == pytest.approx(2 / first.limiter.per_bot)
        await second.sign_off()
        assert await first.heartbeat() == 1 and first.limiter.global_interval == pytest.approx(1 / first.limiter.per_bot)

    async def test_a_joining_process_waits_until_the_others_have_seen_it(self, any_db, fake, sender) -> None:  # type: ignore[no-untyped-def]
        clock = [0.0]
        running = Delivery(any_db, sender, settings(heartbeat_seconds=5), worker="run:1", clock=lambda: clock[0])
        await running.run_once()
        await put(any_db, "push:1", "801")
        joining = Delivery(any_db, sender, settings(heartbeat_seconds=5), worker="join:2", clock=lambda: clock[0])
        assert (await joining.run_once()).claimed == 0 and joining.processes == 2
        clock[0] = 5.0
        assert (await joining.run_once()).sent == 1

    async def test_a_crashed_process_of_this_host_stops_counting_at_once(self, any_db, fake, sender) -> None:  # type: ignore[no-untyped-def]
        import os
        import socket
        import subprocess

        gone = subprocess.Popen(["true"])
        gone.wait()
        host = socket.gethostname()[:32]
        async with any_db.session() as s:
            s.add(DeliveryWorker(name=f"{host}:{gone.pid}:dead00", channel="telegram", seen_at=utcnow()))
            s.add(DeliveryWorker(name=f"{host}:{os.getpid()}:live00", channel="telegram", seen_at=utcnow()))
            s.add(DeliveryWorker(name="elsewhere:1:abcdef", channel="telegram", seen_at=utcnow()))
        delivery = Delivery(any_db, sender, settings(heartbeat_seconds=5))
        assert await delivery.heartbeat() == 3  # itself, the live neighbour and the other host's
        async with any_db.session() as s:
            names = set((await s.execute(select(DeliveryWorker.name))).scalars())
        assert f"{host}:{gone.pid}:dead00" not in names

    async def test_a_process_not_seen_for_three_heartbeats_is_presumed_gone(self, any_db, fake, sender) -> None:  # type: ignore[no-untyped-def]
        async with any_db.session() as s:
            s.add(DeliveryWorker(name="killed:9", channel="telegram", seen_at=utcnow() - timedelta(seconds=16)))
            s.add(DeliveryWorker(name="alive:8", channel="telegram", seen_at=utcnow() - timedelta(seconds=4)))
        delivery = Delivery(any_db, sender, settings(heartbeat_seconds=5))
        assert await delivery.heartbeat() == 2

    async def test_the_delivery_loop_signs_in_and_off(self, any_db, fake, sender) -> None:  # type: ignore[no-untyped-def]
        delivery = Delivery(any_db, sender, settings(poll_seconds=0.05), worker="loop:1")
        stop = asyncio.Event()
        task = asyncio.create_task(delivery.run_forever(stop))
        await asyncio.sleep(0.3)
        async with any_db.session() as s:
            assert (await s.execute(select(DeliveryWorker.name))).scalars().all() == ["loop:1"]
        stop.set()
        await task
        async with any_db.session() as s:
            assert (await s.execute(select(DeliveryWorker))).scalars().all() == []


class TestChatsAreNotShared:
    """With several processes, a chat's messages go through one of them, so its per-chat pace holds."""

    GAPS = (timedelta(seconds=1), timedelta(seconds=3))

    async def _claim(self, db, worker: str, limit: int = 10, gaps=GAPS):  # type: ignore[no-untyped-def]
        from storage.queries.outbox import claim

        now = utcnow()
        async with db.session() as s:
            rows = await claim(s, channel="telegram", worker=worker, now=now, until=now + timedelta(seconds=60),
                               limit=limit, chat_gaps=gaps)
        return [m.chat_id for m in rows]

    async def test_a_chat_claimed_by_one_process_is_left_to_it(self, any_db) -> None:  # type: ignore[no-untyped-def]
        for i in range(3):
            await put(any_db, f"push:a{i}", "501")
            await put(any_db, f"push:b{i}", "502")
        first = await self._claim(any_db, "a", limit=2)
        assert first == ["501", "502"]
        assert await self._claim(any_db, "b") == []  # both chats are held by "a"
        assert sorted(await self._claim(any_db, "a")) == ["501", "501", "502", "502"]  # its own claims don't block it

    async def test_a_chat_just_sent_to_waits_for_its_gap(self, any_db) -> None:  # type: ignore[no-untyped-def]
        await put(any_db, "push:1", "601")
        await put(any_db, "push:2", "601")
        await put(any_db, "broadcast:1", "-602", chat_type="group")
        await put(any_db, "broadcast:2", "-602", chat_type="group")
        async with any_db.session() as s:
            for m in (await s.execute(select(OutboxMessage))).scalars():
                if m.purpose in ("push:1", "broadcast:1"):
                    m.state, m.sent_at = "sent", utcnow() - timedelta(seconds=2)
        assert await self._claim(any_db, "b") == ["601"]  # the private chat's 1 s has passed, the group's 3 s not
        assert await self._claim(any_db, "c", gaps=None) == ["-602"]  # alone, a process paces chats itself

    async def test_two_processes_deliver_everything_once(self, any_db, fake, sender) -> None:  # type: ignore[no-untyped-def]
        for i in range(60):
            await put(any_db, f"push:{i}", str(700 + i % 6))
        workers = [Delivery(any_db, sender, settings(batch_size=10, heartbeat_seconds=0.1), worker=f"w:{n}")
                   for n in range(2)]
        for w in workers:
            await w.heartbeat()
        assert [w.processes for w in workers] == [1, 2]
        await workers[0].heartbeat()

        async def drain(delivery: Delivery) -> None:
            for _ in range(200):
                await delivery.run_once()
                async with any_db.session() as s:
                    if (await state_counts(s)).get("pending", 0) == 0:
                        return
                await asyncio.sleep(0.01)

        await asyncio.gather(*(drain(w) for w in workers))
        texts = [r.text for r in fake.journal]
        assert len(texts) == 60 and len(set(texts)) == 60
