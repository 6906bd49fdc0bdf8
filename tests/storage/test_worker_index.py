"""The worker_category index follows profiles: ORM writes re-index at once, bulk SQL is caught up later."""

from __future__ import annotations

from sqlalchemy import select

from storage.db import Database
from storage.models import Person, WorkerCategory, WorkerProfile
from storage.worker_index import category_rows, index_unindexed


async def index_of(db: Database, person_id: int) -> list[tuple[str, bool]]:
    async with db.session() as s:
        rows = await s.execute(select(WorkerCategory.category, WorkerCategory.wanted)
                               .where(WorkerCategory.person_id == person_id).order_by(WorkerCategory.category))
        return [tuple(r) for r in rows.all()]


class TestWorkerIndex:
    def test_a_category_both_wanted_and_known_is_one_wanted_row(self) -> None:
        rows = category_rows(1, ["采茶工"], ["采茶工", "电焊工"])
        assert [(r["category"], r["wanted"]) for r in rows] == [("电焊工", False), ("采茶工", True)]

    async def test_orm_writes_reindex(self, any_db: Database) -> None:
        async with any_db.session() as s:
            person = Person(role="worker", name="李")
            person.profile = WorkerProfile(wanted_categories=["采茶工"], skills=["电焊工"])
            s.add(person)
            await s.flush()
            pid = person.id
        assert await index_of(any_db, pid) == [("电焊工", False), ("采茶工", True)]
        async with any_db.session() as s:
            profile = await s.get(WorkerProfile, pid)
            profile.wanted_categories = ["普工"]
        assert await index_of(any_db, pid) == [("普工", True), ("电焊工", False)]
        async with any_db.session() as s:
            (await s.get(WorkerProfile, pid)).min_monthly_pay = 3000  # unrelated change: index untouched
        assert await index_of(any_db, pid) == [("普工", True), ("电焊工", False)]

    async def test_bulk_sql_profiles_are_caught_up(self, any_db: Database) -> None:
        async with any_db.session() as s:
            await s.execute(Person.__table__.insert(), [{"id": i, "role": "worker", "name": ""} for i in (1, 2, 3)])
            await s.execute(WorkerProfile.__table__.insert(), [
                {"person_id": 1, "wanted_categories": ["采茶工"], "skills": []},
                {"person_id": 2, "wanted_categories": [], "skills": []},
                {"person_id": 3, "wanted_categories": [], "skills": ["木工"]},
            ])
        assert await index_of(any_db, 1) == []
        async with any_db.session() as s:
            assert await index_unindexed(s, chunk=1) == 2
        assert (await index_of(any_db, 1), await index_of(any_db, 3)) == ([("采茶工", True)], [("木工", False)])
        async with any_db.session() as s:
            assert await index_unindexed(s) == 0
