"""Matching and the push policy: scores and reasons, who may get a push, caps, quiet hours, digests, buttons."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select

from bot.harness import Conversation
from flows.assistant import Assistant
from flows.matching import Candidates, MatchRules, PostingFacts, best_matches, county_geography, reason_text
from flows.messages import reply_from_dict
from flows.push import PushPolicy, collapse_duplicates, daily_push, not_before, push_posting, quota
from storage.db import Database
from storage.models import (
    Application,
    ChannelIdentity,
    Enterprise,
    OutboxMessage,
    Person,
    Posting,
    PushRecord,
    WorkerProfile,
)
from tests.conftest import NOW
from tests.scripted_nlu import ScriptedNLU

TODAY = date(2026, 3, 2)
GEO = county_geography()
POLICY = PushPolicy()


def facts(**overrides: Any) -> PostingFacts:
    values: dict[str, Any] = dict(id=1, job_category="采茶工", township="双福镇", place="双福镇", monthly_pay=3640.0,
                                  start=None, deadline=None, age_min=None, age_max=None)
    return PostingFacts(**(values | overrides))


def row(pid: int, township: str | None = "双福镇", *, wants: bool = True, pay: int | None = None,
        available: date | None = None, born: int | None = None, hit: bool = False) -> tuple[Any, ...]:
    return (pid, township, wants, pay, available, born, hit)


def match(rows: list[tuple[Any, ...]], rules: MatchRules | None = None, **posting: Any) -> list:  # type: ignore[type-arg]
    candidates = Candidates.from_rows(rows, GEO)
    return best_matches(facts(**posting), candidates, TODAY, rules or MatchRules(), GEO)


class TestMatching:
    def test_reason_names_the_job_the_place_and_the_distance(self) -> None:
        [m] = match([row(1, "桂花桥镇")])
        km = round(float(GEO.km[GEO.index("双福镇")][GEO.index("桂花桥镇")]))
        assert 3 <= km <= 8
        assert reason_text(m.reasons, "zh-hans") == f"你想做采茶工，住在桂花桥镇，离岗位{km}公里"
        assert reason_text(m.reasons, "en") == f"you want work as 采茶工, you live in 桂花桥镇, {km} km from the job"
        assert "住在桂花桥镇，離崗位" in reason_text(m.reasons, "zh-hant")

    def test_closer_and_wanted_rank_first(self) -> None:
        ids = [m.person_id for m in match([row(1, "大为镇"), row(2, "双福镇"), row(3, "双福镇", wants=False)])]
        assert ids == [2, 3, 1]

    @pytest.mark.parametrize(("worker", "posting", "kept"), [
        ({"pay": 4000}, {"monthly_pay": 3640.0}, False),  # pays less than their minimum
        ({"pay": 3000}, {"monthly_pay": 3640.0}, True),
        ({"pay": 9000}, {"monthly_pay": None}, True),  # 面议: may pay enough
        ({"born": 1960}, {"age_max": 55}, False),  # 66 in 2026
        ({"born": 1990}, {"age_min": 18, "age_max": 55}, True),
        ({"born": None}, {"age_max": 55}, True),  # age unknown: not held against them
        ({"available": TODAY + timedelta(days=60)}, {}, False),
        ({"available": TODAY + timedelta(days=5)}, {}, True),
        ({"available": TODAY + timedelta(days=40)}, {"deadline": TODAY + timedelta(days=45)}, True),
    ])
    def test_hard_limits(self, worker: dict[str, Any], posting: dict[str, Any], kept: bool) -> None:
        assert bool(match([row(1, **worker)], **posting)) is kept

    def test_hardest_hit_priority_only_when_the_bureau_turns_it_on(self) -> None:
        rows = [row(1, "九里镇"), row(2, "九里镇", hit=True)]
        assert [m.person_id for m in match(rows)] == [2, 1]
        assert "重点地区" in reason_text(match(rows)[0].reasons, "zh-hans")
        assert [m.person_id for m in match(rows, MatchRules(prioritise_hardest_hit=False))] == [1, 2]

    def test_minimum_score_drops_weak_matches(self) -> None:
        rows = [row(1, "大为镇", wants=False)]
        assert match(rows, MatchRules(min_score=0.5), monthly_pay=None)
        assert not match(rows, MatchRules(min_score=0.8), monthly_pay=None)

    def test_limit_keeps_the_best(self) -> None:
        rng = np.random.default_rng(1)
        towns = list(GEO.names)
        rows = [row(i, towns[int(rng.integers(len(towns)))]) for i in range(1, 2001)]
        full = match(rows)
        candidates = Candidates.from_rows(rows, GEO)
        top = best_matches(facts(), candidates, TODAY, MatchRules(), GEO, limit=25)
        assert [m.person_id for m in top] == [m.person_id for m in full[:25]]


class TestPolicyDecisions:
    @pytest.mark.parametrize(("openings", "already", "left"), [(1, 0, 3), (80, 200, 40), (2, 6, 0), (2, 9, 0)])
    def test_quota_is_a_multiple_of_openings(self, openings: int, already: int, left: int) -> None:
        assert quota(openings, 3, already) == left

    @pytest.mark.parametrize(("utc", "expected"), [
        (datetime(2026, 3, 2, 1, 30, tzinfo=UTC), None),  # 09:30 local
        (datetime(2026, 3, 2, 15, 0, tzinfo=UTC), datetime(2026, 3, 3, 0, 0, tzinfo=UTC)),  # 23:00 → 08:00
        (datetime(2026, 3, 2, 22, 0, tzinfo=UTC), datetime(2026, 3, 3, 0, 0, tzinfo=UTC)),  # 06:00 → 08:00
        (datetime(2026, 3, 2, 14, 0, tzinfo=UTC), datetime(2026, 3, 3, 0, 0, tzinfo=UTC)),  # 22:00 sharp
        (datetime(2026, 3, 3, 0, 0, tzinfo=UTC), None),  # 08:00 sharp
    ])
    def test_quiet_hours(self, utc: datetime, expected: datetime | None) -> None:
        assert not_before(utc, POLICY) == expected

    def test_near_duplicates_collapse_to_the_newest(self) -> None:
        def p(pid: int, ent: int, cat: str, town: str) -> Any:
            return SimpleNamespace(id=pid, enterprise_id=ent, job_category=cat, township=town, city="峨眉山市",
                                   created_at=NOW + timedelta(minutes=pid))
        kept = collapse_duplicates([p(1, 1, "采茶工", "双福镇"), p(2, 1, "采茶工", "双福镇"), p(3, 2, "采茶工", "双福镇"),
                                    p(4, 1, "制茶工", "双福镇")])
        assert [x.id for x in kept] == [2, 3, 4]


# --- the async shell on both databases ------------------------------------------------------------------


async def add_worker(db: Database, name: str, township: str = "双福镇", *, chat: bool = True, secretary: int | None = None,
                     **profile: Any) -> int:
    async with db.session() as s:
        person = Person(role="worker", name=name, township=township, phone="13900001111",
                        **{k: profile.pop(k) for k in ("reachable", "forgotten_at", "language") if k in profile})
        person.identities.append(ChannelIdentity(channel="terminal", external_id=name, chat_id=name if chat else None))
        if profile.pop("registered", True):
            person.profile = WorkerProfile(wanted_categories=profile.pop("wanted", ["采茶工"]), secretary_id=secretary,
                                           **profile)
        s.add(person)
        await s.flush()
        return person.id


async def add_posting(db: Database, *, openings: int = 10, enterprise: str = "双福茶叶专业合作社", township: str = "双福镇",
                      category: str = "采茶工", title: str = "春茶采摘工", created: datetime = NOW) -> int:
    async with db.session() as s:
        ent = (await s.execute(select(Enterprise).where(Enterprise.name == enterprise))).scalar_one_or_none()
        if ent is None:
            ent = Enterprise(name=enterprise, township=township)
            s.add(ent)
            await s.flush()
        posting = Posting(enterprise_id=ent.id, title=title, job_category=category, township=township,
                          openings=openings, salary_min=120, salary_max=160, salary_unit="day", created_at=created)
        s.add(posting)
        await s.flush()
        return posting.id


async def outbox(db: Database) -> list[OutboxMessage]:
    async with db.session() as s:
        return list((await s.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars())


async def recipients(db: Database, purpose_prefix: str = "push:") -> list[str]:
    return sorted(m.chat_id for m in await outbox(db) if m.purpose.startswith(purpose_prefix))


class TestPushPosting:
    async def test_only_eligible_workers_get_it(self, any_db: Database) -> None:
        await add_worker(any_db, "ok")
        await add_worker(any_db, "paused", paused_until=NOW + timedelta(days=2))
        await add_worker(any_db, "pause_over", paused_until=NOW - timedelta(days=1))
        await add_worker(any_db, "unsubscribed", subscribed=False)
        await add_worker(any_db, "placed", status="placed")
        await add_worker(any_db, "blocked", reachable=False)
        await add_worker(any_db, "forgotten", forgotten_at=NOW - timedelta(days=1))
        await add_worker(any_db, "nochat", chat=False)
        await add_worker(any_db, "unregistered", registered=False)
        await add_worker(any_db, "digest", digest_mode=True)
        await add_worker(any_db, "cook", wanted=["厨师"])
        report = await push_posting(any_db, await add_posting(any_db), NOW, POLICY)
        assert await recipients(any_db) == ["ok", "pause_over"]
        assert (report.queued, report.candidates) == (2, 2)

    async def test_message_has_reason_and_three_buttons(self, any_db: Database) -> None:
        await add_worker(any_db, "w1", "桂花桥镇")
        await push_posting(any_db, await add_posting(any_db), NOW, POLICY)
        [message] = await outbox(any_db)
        reply = reply_from_dict(message.payload)
        assert "春茶采摘工" in reply.text and "你想做采茶工，住在桂花桥镇，离岗位" in reply.text
        assert [b.label for b in reply.buttons[0]] == ["我要报名", "不感兴趣", "暂停推送"]
        assert message.next_attempt_at <= datetime.now(UTC)  # 09:30 local: due right away

    async def test_capped_at_a_multiple_of_openings_best_first(self, any_db: Database) -> None:
        for name, town in [("far", "大为镇"), ("near1", "双福镇"), ("mid", "九里镇"), ("near2", "双福镇"), ("x", "新平乡")]:
            await add_worker(any_db, name, town)
        posting = await add_posting(any_db, openings=1)
        report = await push_posting(any_db, posting, NOW, POLICY)
        assert report.quota == 3 and await recipients(any_db) == ["mid", "near1", "near2"]
        again = await push_posting(any_db, posting, NOW + timedelta(hours=1), POLICY)
        assert (again.quota, again.queued) == (0, 0)

    async def test_never_the_same_posting_twice(self, any_db: Database) -> None:
        await add_worker(any_db, "w1")
        posting = await add_posting(any_db, openings=5)
        await push_posting(any_db, posting, NOW, POLICY)
        second = await push_posting(any_db, posting, NOW + timedelta(days=2), POLICY)
        assert second.queued == 0 and len(await outbox(any_db)) == 1

    async def test_daily_cap_per_worker(self, any_db: Database) -> None:
        await add_worker(any_db, "w1")
        postings = [await add_posting(any_db, enterprise=f"茶厂{i}") for i in range(5)]
        for p in postings:
            await push_posting(any_db, p, NOW, POLICY)
        assert len(await outbox(any_db)) == 3
        await push_posting(any_db, postings[4], NOW + timedelta(hours=25), POLICY)  # a day later: room again
        assert len(await outbox(any_db)) == 4

    async def test_quiet_hours_queue_for_the_morning(self, any_db: Database) -> None:
        await add_worker(any_db, "w1")
        late = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 23:00 in Emeishan
        report = await push_posting(any_db, await add_posting(any_db), late, POLICY)
        [message] = await outbox(any_db)
        assert report.send_at == message.next_attempt_at == datetime(2026, 3, 3, 0, 0, tzinfo=UTC)

    async def test_near_duplicate_posting_is_not_pushed_again(self, any_db: Database) -> None:
        await add_worker(any_db, "w1")
        await push_posting(any_db, await add_posting(any_db, title="春茶采摘工"), NOW, POLICY)
        again = await push_posting(any_db, await add_posting(any_db, title="采茶工（按斤计）"), NOW, POLICY)
        other = await push_posting(any_db, await add_posting(any_db, enterprise="龙池茶场", township="龙池镇"), NOW, POLICY)
        assert (again.queued, other.queued) == (0, 1)

    async def test_closed_posting_is_not_pushed(self, any_db: Database) -> None:
        await add_worker(any_db, "w1")
        posting = await add_posting(any_db)
        async with any_db.session() as s:
            (await s.get(Posting, posting)).status = "closed"
        report = await push_posting(any_db, posting, NOW, POLICY)
        assert not report.open and await outbox(any_db) == []

    async def test_settings_from_config_are_accepted(self, any_db: Database) -> None:
        from bot.settings import load_settings

        await add_worker(any_db, "w1")
        settings = load_settings(push__max_per_opening=1)
        assert (await push_posting(any_db, await add_posting(any_db, openings=1), NOW, settings)).quota == 1


class TestDailyPush:
    async def test_digest_lists_the_days_matches_in_one_message(self, any_db: Database) -> None:
        await add_worker(any_db, "digester", digest_mode=True)
        await add_worker(any_db, "instant")
        await add_posting(any_db, created=NOW - timedelta(hours=3))
        await add_posting(any_db, enterprise="龙池茶场", township="龙池镇", title="高山茶采摘",
                          created=NOW - timedelta(hours=2))
        await add_posting(any_db, enterprise="老茶厂", title="去年的", created=NOW - timedelta(days=3))
        report = await daily_push(any_db, NOW, POLICY)
        assert report.digests == 1
        [digest] = [m for m in await outbox(any_db) if m.purpose.startswith("digest:")]
        text = digest.payload["text"]
        assert digest.chat_id == "digester" and "春茶采摘工" in text and "高山茶采摘" in text and "去年的" not in text
        assert await recipients(any_db) == ["instant", "instant", "instant"]  # lookback covers the older one
        again = await daily_push(any_db, NOW + timedelta(minutes=5), POLICY)
        assert (again.digests, again.queued) == (0, 0)


class TestPushButtons:
    @pytest.fixture
    async def pushed(self, sqlite_db: Database) -> tuple[Conversation, int, int]:
        async with sqlite_db.session() as s:
            secretary = Person(role="secretary", name="王秘书")
            secretary.identities.append(ChannelIdentity(channel="terminal", external_id="sec1", chat_id="sec1"))
            s.add(secretary)
            await s.flush()
        worker = await add_worker(sqlite_db, "w1", secretary=secretary.id)
        posting = await add_posting(sqlite_db)
        await push_posting(sqlite_db, posting, NOW, POLICY)
        chat = Conversation(Assistant(sqlite_db, ScriptedNLU()), user_id="w1", now=NOW + timedelta(minutes=5))
        [message] = await outbox(sqlite_db)
        chat.last = [reply_from_dict(message.payload)]
        return chat, worker, posting

    async def test_apply_creates_an_application_and_tells_the_secretary(self, pushed, sqlite_db: Database) -> None:  # type: ignore[no-untyped-def]
        chat, worker, posting = pushed
        await chat.press("我要报名")
        assert "已帮你报名「春茶采摘工」" in chat.text()
        async with sqlite_db.session() as s:
            apps = list((await s.execute(select(Application))).scalars())
            record = (await s.execute(select(PushRecord))).scalar_one()
        assert [(a.posting_id, a.worker_id) for a in apps] == [(posting, worker)] and record.response == "applied"
        [notice] = [m for m in await outbox(sqlite_db) if m.purpose.startswith("apply:")]
        assert notice.chat_id == "sec1" and "w1" in notice.payload["text"] and "春茶采摘工" in notice.payload["text"]

    async def test_apply_is_single_use(self, pushed) -> None:  # type: ignore[no-untyped-def]
        chat, _, _ = pushed
        buttons = list(chat.last)
        await chat.press("我要报名")
        chat.last = buttons
        await chat.press("我要报名")
        assert "失效" in chat.text()

    async def test_pause_is_kept_apart_from_unsubscribe(self, pushed, sqlite_db: Database) -> None:  # type: ignore[no-untyped-def]
        chat, worker, _ = pushed
        await chat.press("暂停推送")
        assert "7 天内不再" in chat.text()
        async with sqlite_db.session() as s:
            profile = await s.get(WorkerProfile, worker)
            assert profile.paused_until == NOW + timedelta(minutes=5, days=7) and profile.subscribed is True
        await chat.press("不再推送")
        async with sqlite_db.session() as s:
            profile = await s.get(WorkerProfile, worker)
            assert profile.subscribed is False and profile.paused_until is not None

    async def test_not_interested_is_recorded(self, pushed, sqlite_db: Database) -> None:  # type: ignore[no-untyped-def]
        chat, _, _ = pushed
        await chat.press("不感兴趣")
        async with sqlite_db.session() as s:
            assert (await s.execute(select(PushRecord.response))).scalar_one() == "not_interested"
        assert re.search("少推", chat.text())
