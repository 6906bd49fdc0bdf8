"""The demo county: counts, determinism, variety, dates relative to today, secretaries' coverage, idempotence."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from storage.db import Database
from storage.demo import DemoSummary, load_demo
from storage.demo.reference import TRAINING_TOPICS, job_categories, townships
from storage.migrate import upgrade
from storage.models import (
    BusDeparture,
    ChannelIdentity,
    Enterprise,
    FollowUp,
    Person,
    Posting,
    SecretaryCoverage,
    Training,
    WorkerProfile,
)

TODAY = date(2026, 3, 2)


async def _fresh(tmp_path, name: str = "t") -> Database:
    db = Database(f"sqlite:///{tmp_path}/{name}.db")
    await upgrade(db)
    return db


@pytest.fixture
async def demo(tmp_path):
    db = await _fresh(tmp_path)
    summary = await load_demo(db, today=TODAY)
    yield db, summary
    await db.dispose()


async def _count(db: Database, model, *where) -> int:
    async with db.session() as session:
        return (await session.execute(select(func.count()).select_from(model).where(*where))).scalar_one()


async def test_counts(demo):
    db, summary = demo
    assert summary.loaded
    assert await _count(db, Enterprise) >= 60
    assert await _count(db, Posting) >= 300
    assert await _count(db, Training) == 8
    assert await _count(db, BusDeparture) == 6
    assert await _count(db, Person, Person.role == "secretary") == 10
    assert await _count(db, Person, Person.role == "admin") == 2
    assert await _count(db, Person, Person.role == "worker") == 200
    assert await _count(db, WorkerProfile) == 200
    assert await _count(db, Person, Person.role == "observer") >= 5
    assert summary.postings == await _count(db, Posting)


async def test_same_today_same_postings(tmp_path):
    def columns(p: Posting) -> tuple:
        return (p.external_id, p.title, p.job_category, p.township, p.city, p.openings, p.salary_min, p.salary_max,
                p.salary_unit, p.salary_text, p.description, p.requirements, p.benefits, p.contact_phone,
                p.start_date, p.deadline, p.created_at)

    rows = []
    for name in ("a", "b"):
        db = await _fresh(tmp_path, name)
        await load_demo(db, today=TODAY)
        async with db.session() as session:
            postings = (await session.execute(select(Posting).order_by(Posting.external_id))).scalars()
            workers = (await session.execute(select(Person.name, Person.phone).order_by(Person.id))).all()
            rows.append(([columns(p) for p in postings], workers))
        await db.dispose()
    assert rows[0] == rows[1]


async def test_variety(demo):
    db, _ = demo
    async with db.session() as session:
        titles = set((await session.execute(select(Posting.title))).scalars())
        categories = set((await session.execute(select(Posting.job_category))).scalars())
        worker_townships = set(
            (await session.execute(select(Person.township).where(Person.role == "worker"))).scalars()
        )
        units = set((await session.execute(select(Posting.salary_unit))).scalars())
        texts = set((await session.execute(select(Posting.salary_text))).scalars())
        wanted = (await session.execute(select(WorkerProfile.wanted_categories, WorkerProfile.skills))).all()
        topics = set((await session.execute(select(Training.topic))).scalars())
        names = (await session.execute(select(Person.name).where(Person.role == "worker"))).scalars().all()
    assert len(titles) >= 150
    assert categories == set(job_categories())
    assert worker_townships == set(townships())
    assert {"month", "day", "piece"} <= units
    assert "面议" in texts
    for categories_wanted, skills in wanted:
        assert 1 <= len(categories_wanted) <= 3
        assert set(categories_wanted) | set(skills) <= set(job_categories())
    assert topics <= set(TRAINING_TOPICS)
    assert len(set(names)) == len(names)


async def test_returnees_and_hardest_hit(demo):
    db, _ = demo
    returnees = await _count(db, WorkerProfile, WorkerProfile.is_returnee.is_(True))
    hubei = await _count(db, WorkerProfile, WorkerProfile.returnee_origin == "湖北")
    assert 100 <= returnees <= 140
    assert 3 <= hubei == await _count(db, WorkerProfile, WorkerProfile.hardest_hit.is_(True)) <= 10


async def test_dates_relative_to_today(demo):
    db, _ = demo
    async with db.session() as session:
        postings = (await session.execute(select(Posting))).scalars().all()
        trainings = (await session.execute(select(Training))).scalars().all()
        buses = (await session.execute(select(BusDeparture))).scalars().all()
        profiles = (await session.execute(select(WorkerProfile))).scalars().all()
    assert all(p.status == "open" and p.deadline >= TODAY for p in postings)
    assert all(0 <= (TODAY - p.created_at.date()).days <= 21 for p in postings)
    start = datetime(2026, 3, 2, tzinfo=UTC)
    assert all(t.starts_at > start and t.starts_at.tzinfo is not None for t in trainings)
    assert all(b.departs_at > start and 35 <= b.seats <= 50 and b.pickup_points for b in buses)
    assert all(0 <= (TODAY - p.registered_at.date()).days <= 61 and p.consent_at for p in profiles)
    by_observer = [p for p in profiles if p.registered_by_id is not None]
    assert by_observer and all(p.consent_how == "in_person_by_observer" for p in by_observer)
    assert all(p.registered_at.tzinfo is not None for p in profiles)


async def test_every_worker_has_a_covering_secretary_and_seeking_ones_a_follow_up(demo):
    db, _ = demo
    async with db.session() as session:
        coverage = set((await session.execute(select(SecretaryCoverage.secretary_id, SecretaryCoverage.township))).all())
        workers = (await session.execute(
            select(Person.id, Person.township, WorkerProfile.secretary_id, WorkerProfile.status)
            .join(WorkerProfile, WorkerProfile.person_id == Person.id)
        )).all()
        pending = set((await session.execute(select(FollowUp.worker_id).where(FollowUp.state == "pending"))).scalars())
        overdue = await session.scalar(
            select(func.count()).select_from(FollowUp)
            .where(FollowUp.state == "pending", FollowUp.due_at < datetime(2026, 3, 2, tzinfo=UTC))
        )
    assert {township for _, township in coverage} == set(townships())
    for worker_id, township, secretary_id, status in workers:
        assert (secretary_id, township) in coverage
        if status == "seeking":
            assert worker_id in pending
    assert overdue > 0


async def test_terminal_identities(demo):
    db, _ = demo
    async with db.session() as session:
        rows = dict((await session.execute(
            select(ChannelIdentity.external_id, Person.role).join(Person, Person.id == ChannelIdentity.person_id)
        )).all())
    assert {f"sec{i}" for i in range(1, 11)} <= rows.keys()
    assert rows["admin1"] == rows["admin2"] == "admin"
    assert rows["sec10"] == "secretary"
    assert [rows[f"worker{i}"] for i in (1, 2, 3)] == ["worker"] * 3
    assert sum(role == "worker" for role in rows.values()) == 3


async def test_load_is_idempotent(demo):
    db, first = demo
    again = await load_demo(db, today=TODAY)
    assert isinstance(again, DemoSummary) and not again.loaded
    assert "already" in str(again)
    assert await _count(db, Enterprise) == first.enterprises
    assert await _count(db, Posting) == first.postings
    assert await _count(db, Person, Person.role == "worker") == 200


async def test_a_worker_who_chatted_first_keeps_their_terminal_id(tmp_path):
    db = await _fresh(tmp_path)
    async with db.session() as session:
        session.add(Person(role="worker", name="先来的", identities=[ChannelIdentity(channel="terminal",
                                                                                  external_id="worker1")]))
    summary = await load_demo(db, today=TODAY)
    assert summary.loaded and summary.workers == 200
    assert await _count(db, ChannelIdentity, ChannelIdentity.external_id == "worker1") == 1
    await db.dispose()
