"""Searching the shelf on both backends: filters, attributes, exact totals, paging, duplicates, order, and what
never reaches search (closed, unapproved, expired postings)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text, update

import storage.queries.search as search_module
from storage.db import Database
from storage.models import Enterprise, Posting
from storage.queries.search import (
    PAY_BANDS,
    ShelfQuery,
    count_postings,
    counts_without,
    search_postings,
    unlist_expired,
)
from storage.shelf import FTS_TABLE, SQLITE_TRIGGERS, shelf_triggers

TODAY = date(2026, 3, 2)


def posting(enterprise: Enterprise, title: str, category: str, **fields: Any) -> Posting:
    fields.setdefault("deadline", TODAY + timedelta(days=30))
    fields.setdefault("openings", 5)
    return Posting(enterprise_id=enterprise.id, title=title, job_category=category, **fields)


async def shelf(db: Database) -> dict[str, int]:
    """A small shelf, oldest first (ids follow the order they came on the shelf). Returns title → id."""
    async with db.session() as session:
        tea = Enterprise(name="双福茶叶专业合作社", township="双福镇", city="峨眉山市")
        dye = Enterprise(name="绍兴柯桥纺织印染有限公司", city="绍兴", province="浙江")
        site = Enterprise(name="峨汉高速第三标段", township="符溪镇", city="峨眉山市")
        hotel = Enterprise(name="红珠山宾馆", township="峨山街道", city="峨眉山市")
        session.add_all([tea, dye, site, hotel])
        await session.flush()
        rows = [
            posting(tea, "春茶采摘工", "采茶工", township="双福镇", salary_min=120, salary_max=160, salary_unit="day",
                    benefits="日结工资，包午饭", requirements="年龄18-60岁，手脚麻利", seasonal=True),
            posting(tea, "茶叶采摘（按斤计）", "采茶工", township="双福镇", salary_text="面议",
                    description="按斤计酬，多劳多得", requirements="无经验可培训"),
            posting(dye, "印染车间普工", "普工", city="绍兴", province="浙江", salary_min=5000, salary_max=5100,
                    benefits="包吃住，五险一金", requirements="18-45岁，能适应两班倒"),
            posting(dye, "定型机操作工", "普工", city="绍兴", province="浙江", salary_min=5200, salary_max=5600,
                    benefits="包住，五险", description="长期稳定，签劳动合同"),
            posting(site, "路基施工小工", "建筑工", township="符溪镇", salary_min=200, salary_max=220,
                    salary_unit="day", benefits="日结，包吃住", requirements="50岁以下，身体健康"),
            posting(hotel, "客房服务员", "服务员", township="峨山街道", salary_min=2800, salary_max=3200,
                    benefits="包吃", description="景区酒店，夜班有补贴"),
            posting(hotel, "去年的厨师岗位", "厨师", township="峨山街道", salary_min=4000, status="closed"),
            posting(hotel, "待审核的前台", "酒店前台", township="峨山街道", salary_min=3000, status="pending"),
            posting(tea, "过期的制茶工", "制茶工", township="双福镇", salary_min=4000,
                    deadline=TODAY - timedelta(days=1)),
        ]
        for row in rows:
            session.add(row)
            await session.flush()  # one at a time: ids in shelf order
        return {p.title: p.id for p in rows}


def query(**conditions: Any) -> ShelfQuery:
    return ShelfQuery(today=TODAY, **conditions)


async def titles(db: Database, q: ShelfQuery, *, page: int = 1, page_size: int = 20) -> list[str]:
    async with db.session() as session:
        found = await search_postings(session, q, page=page, page_size=page_size)
    return [p.title for p in found.items]


async def total(db: Database, q: ShelfQuery) -> int:
    async with db.session() as session:
        return (await search_postings(session, q, page=1, page_size=1)).total


OPEN = {"春茶采摘工", "茶叶采摘（按斤计）", "印染车间普工", "定型机操作工", "路基施工小工", "客房服务员"}


class TestFilters:
    async def test_everything_open_and_nothing_else(self, any_db: Database) -> None:
        await shelf(any_db)
        assert set(await titles(any_db, query())) == OPEN
        assert await total(any_db, query()) == len(OPEN)

    @pytest.mark.parametrize(
        ("conditions", "expected"),
        [
            ({"categories": ("采茶工",)}, {"春茶采摘工", "茶叶采摘（按斤计）"}),
            ({"categories": ("普工", "服务员")}, {"印染车间普工", "定型机操作工", "客房服务员"}),
            ({"places": ("双福镇",)}, {"春茶采摘工", "茶叶采摘（按斤计）"}),
            ({"places": ("浙江",)}, {"印染车间普工", "定型机操作工"}),
            ({"places": ("峨眉山市",)}, {"春茶采摘工", "茶叶采摘（按斤计）", "路基施工小工", "客房服务员"}),
            ({"attributes": ("日结",)}, {"春茶采摘工", "路基施工小工"}),
            ({"attributes": ("包吃住",)}, {"印染车间普工", "路基施工小工"}),
            ({"attributes": ("包住",)}, {"印染车间普工", "定型机操作工", "路基施工小工"}),
            ({"attributes": ("五险",)}, {"印染车间普工", "定型机操作工"}),
            ({"attributes": ("五险一金",)}, {"印染车间普工"}),
            ({"attributes": ("计件", "无需经验")}, {"茶叶采摘（按斤计）"}),
            ({"attributes": ("长期",)}, {"定型机操作工"}),
            ({"attributes": ("季节性",)}, {"春茶采摘工"}),
            ({"attributes": ("夜班",)}, {"客房服务员"}),
            ({"attributes": ("两班倒",)}, {"印染车间普工"}),
            ({"attributes": ("日结",), "places": ("符溪镇",)}, {"路基施工小工"}),
            # 5200 a month: 5100 is not enough; 200 a day is 5200; negotiable pay is kept
            ({"min_monthly_pay": 5200}, {"定型机操作工", "路基施工小工", "茶叶采摘（按斤计）"}),
            ({"min_monthly_pay": 5100}, {"印染车间普工", "定型机操作工", "路基施工小工", "茶叶采摘（按斤计）"}),
            # ages: 18-60 for tea, 18-45 for the dye works, under 50 on the site
            ({"age": 55}, {"春茶采摘工", "茶叶采摘（按斤计）", "定型机操作工", "客房服务员"}),
            ({"age": 45}, OPEN),
            ({"age": 61}, {"茶叶采摘（按斤计）", "定型机操作工", "客房服务员"}),
            ({"words": ("印染",)}, {"印染车间普工", "定型机操作工"}),  # the enterprise's name
            ({"words": ("劳动合同",)}, {"定型机操作工"}),
            ({"words": ("景区", "酒店")}, {"客房服务员"}),
            ({"words": ("茶",)}, {"春茶采摘工", "茶叶采摘（按斤计）"}),  # one character: a prefix
            ({"words": ("火锅",)}, set()),
        ],
    )
    async def test_conditions(self, any_db: Database, conditions: dict[str, Any], expected: set[str]) -> None:
        await shelf(any_db)
        q = query(**conditions)
        assert set(await titles(any_db, q)) == expected
        assert await total(any_db, q) == len(expected)

    async def test_a_search_without_searchable_words_is_no_text_search(self, any_db: Database) -> None:
        await shelf(any_db)
        assert await total(any_db, query(words=("，。！", "  "))) == len(OPEN)

    async def test_what_removed_them_all(self, any_db: Database) -> None:
        await shelf(any_db)
        q = query(categories=("采茶工",), attributes=("包吃住",), places=("双福镇",))
        assert await total(any_db, q) == 0
        async with any_db.session() as session:
            counts = await counts_without(session, q)
        assert counts == {"categories": 0, "places": 0, "attribute:包吃住": 2}


class TestPaging:
    async def test_pages_cover_the_total_once(self, any_db: Database) -> None:
        await shelf(any_db)
        for order in ("relevance", "newest", "pay", "near"):
            q = query(order=order, home="双福镇", nearest=("双福镇", "符溪镇", "峨山街道"))
            pages = [await titles(any_db, q, page=n, page_size=2) for n in (1, 2, 3, 4)]
            seen = [t for page in pages for t in page]
            assert sorted(seen) == sorted(OPEN), order
            assert [len(p) for p in pages] == [2, 2, 2, 0], order

    async def test_only_the_page_is_loaded(self, any_db: Database) -> None:
        await shelf(any_db)
        async with any_db.session() as session:
            found = await search_postings(session, query(), page=2, page_size=4)
        assert found.total == len(OPEN) and len(found.items) == 2
        assert all(p.enterprise.name for p in found.items)


class TestOrder:
    async def test_newest_first(self, any_db: Database) -> None:
        ids = await shelf(any_db)
        found = await titles(any_db, query(order="newest"))
        assert found == sorted(OPEN, key=lambda t: -ids[t])

    async def test_by_pay_figure_highest_first_and_unknown_pay_last(self, any_db: Database) -> None:
        await shelf(any_db)
        found = await titles(any_db, query(order="pay"))
        # 220/day = 5720, 5600, 5100 a month …; negotiable last
        assert found == ["路基施工小工", "定型机操作工", "印染车间普工", "春茶采摘工", "客房服务员",
                         "茶叶采摘（按斤计）"]
        assert PAY_BANDS[0] == (20000, None)

    async def test_pay_is_exact_inside_a_band(self, any_db: Database) -> None:
        """"工资高点的" means strictly by pay: a newer posting paying 5,550 comes after the older 5,600 and
        5,720 ones although all three are in the 5,500–6,000 band; equal pay: the newest on the shelf first."""
        await shelf(any_db)
        async with any_db.session() as session:
            dye = await session.get(Enterprise, 2)
            for title in ("包装普工", "夜班普工"):
                session.add(posting(dye, title, "普工", city="绍兴", province="浙江", salary_min=5000,
                                    salary_max=5550))
                await session.flush()
        found = await titles(any_db, query(order="pay"), page_size=5)
        assert found == ["路基施工小工", "定型机操作工", "夜班普工", "包装普工", "印染车间普工"]
        # the same walk from page to page: nothing repeated, nothing skipped
        pages = [await titles(any_db, query(order="pay"), page=n, page_size=2) for n in (1, 2, 3)]
        assert [t for page in pages for t in page] == found + ["春茶采摘工"]

    async def test_near_home_first_then_outside_the_county(self, any_db: Database) -> None:
        await shelf(any_db)
        q = query(order="near", home="符溪镇", nearest=("符溪镇", "双福镇", "峨山街道"))
        found = await titles(any_db, q)
        assert found[0] == "路基施工小工"
        assert found[1:3] == ["茶叶采摘（按斤计）", "春茶采摘工"]
        assert found[3] == "客房服务员" and set(found[4:]) == {"印染车间普工", "定型机操作工"}

    async def test_relevance_puts_the_words_in_the_title_first(self, any_db: Database) -> None:
        await shelf(any_db)
        async with any_db.session() as session:
            session.add(Posting(enterprise_id=1, title="茶园帮工", job_category="采茶工", township="双福镇",
                                description="帮忙采摘春茶", deadline=TODAY + timedelta(days=9)))
        # 茶园帮工 is the newest but says 采摘 only in its description; 春茶采摘工 says what it pays, 茶叶采摘 面议
        assert await titles(any_db, query(words=("采摘",))) == ["春茶采摘工", "茶叶采摘（按斤计）", "茶园帮工"]
        assert await titles(any_db, query(words=("采摘",), order="newest")) == [
            "茶园帮工", "茶叶采摘（按斤计）", "春茶采摘工"]


    async def test_pay_bands_and_a_whole_sort_give_the_same_pages(
            self, any_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
        """SQLite sorts a small result by pay whole and a large one band by band: the pages are the same."""
        await shelf(any_db)
        async with any_db.session() as session:
            dye = await session.get(Enterprise, 2)
            for title, pay in (("包装普工", 5550), ("夜班普工", 5550), ("叉车工", 9000), ("跟单员", 20500)):
                session.add(posting(dye, title, "普工", city="绍兴", province="浙江", salary_min=4000, salary_max=pay))
                await session.flush()
        first_pages = []
        for q in (query(order="pay"), query(), query(words=("普工",))):
            whole = [await titles(any_db, q, page=n, page_size=3) for n in (1, 2, 3, 4)]
            monkeypatch.setattr(search_module, "SORT_WHOLE", 0)
            banded = [await titles(any_db, q, page=n, page_size=3) for n in (1, 2, 3, 4)]
            monkeypatch.undo()
            assert whole == banded, q
            shown = [t for page in whole for t in page]
            assert len(shown) == len(set(shown)) == await total(any_db, q)
            first_pages.append(whole[0])
        # by pay, also for "relevance" without words; words: the titles holding them first (夜班普工, equal pay with
        # 包装普工, came on the shelf later)
        assert first_pages[0] == first_pages[1] == ["跟单员", "叉车工", "路基施工小工"]
        assert first_pages[2] == ["夜班普工", "包装普工", "印染车间普工"]

    async def test_relevance_reads_the_better_paid_first(self, any_db: Database) -> None:
        """A question with no order asked ("有没有普工") lists the better-paid first, as the clerk would."""
        ids = await shelf(any_db)
        found = await titles(any_db, query(categories=("普工",)))
        assert found == ["定型机操作工", "印染车间普工"] and ids["定型机操作工"] > ids["印染车间普工"]
        async with any_db.session() as session:
            dye = await session.get(Enterprise, 2)
            session.add(posting(dye, "包装普工", "普工", city="绍兴", province="浙江", salary_min=4000))
        assert await titles(any_db, query(categories=("普工",))) == ["定型机操作工", "印染车间普工", "包装普工"]

    async def test_relevance_puts_postings_naming_their_pay_before_negotiable_ones(self, any_db: Database) -> None:
        ids = await shelf(any_db)
        found = await titles(any_db, query(categories=("采茶工",)))
        assert found == ["春茶采摘工", "茶叶采摘（按斤计）"] and ids["春茶采摘工"] < ids["茶叶采摘（按斤计）"]


class TestDuplicates:
    async def test_same_enterprise_title_and_place_show_once(self, any_db: Database) -> None:
        ids = await shelf(any_db)
        async with any_db.session() as session:
            tea = await session.get(Enterprise, 1)
            session.add(posting(tea, "春茶采摘工", "采茶工", township="双福镇", salary_min=130, salary_unit="day",
                                deadline=TODAY + timedelta(days=60)))
            session.add(posting(tea, "春茶采摘工", "采茶工", township="绥山镇", salary_min=130, salary_unit="day"))
        q = query(categories=("采茶工",))
        assert await total(any_db, q) == 3
        async with any_db.session() as session:
            shown = [p for p in (await search_postings(session, q, page_size=9)).items if p.title == "春茶采摘工"]
        assert {p.township for p in shown} == {"双福镇", "绥山镇"}
        newer = next(p.id for p in shown if p.township == "双福镇")
        assert newer != ids["春茶采摘工"]
        # closing the one shown brings back the other
        async with any_db.session() as session:
            await session.execute(update(Posting).where(Posting.id == newer).values(status="closed"))
        async with any_db.session() as session:
            shown = [p.id for p in (await search_postings(session, q, page_size=9)).items]
        assert ids["春茶采摘工"] in shown and newer not in shown and await total(any_db, q) == 3

    async def test_a_later_deadline_wins_over_a_newer_posting(self, any_db: Database) -> None:
        ids = await shelf(any_db)
        async with any_db.session() as session:
            tea = await session.get(Enterprise, 1)
            session.add(posting(tea, "春茶采摘工", "采茶工", township="双福镇", deadline=TODAY + timedelta(days=3)))
        async with any_db.session() as session:
            found = (await search_postings(session, query(categories=("采茶工",)), page_size=9)).items
        assert ids["春茶采摘工"] in [p.id for p in found] and len(found) == 2


class TestNeverOnTheShelf:
    async def test_closed_unapproved_and_expired(self, any_db: Database) -> None:
        await shelf(any_db)
        for words in (("厨师",), ("前台",), ("制茶",)):
            assert await total(any_db, query(words=words)) == 0, words
        assert await total(any_db, query(places=("峨山街道",))) == 1

    async def test_expired_left_out_before_and_after_the_daily_check(self, any_db: Database) -> None:
        ids = await shelf(any_db)
        later = ShelfQuery(today=TODAY + timedelta(days=31))
        assert await total(any_db, later) == 0 and await titles(any_db, later) == []
        async with any_db.session() as session:
            assert await unlist_expired(session, TODAY) == 1
        async with any_db.session() as session:
            listed = set((await session.execute(select(Posting.id).where(Posting.listed.is_(True)))).scalars())
        assert ids["过期的制茶工"] not in listed and len(listed) == len(OPEN)
        assert await total(any_db, query()) == len(OPEN)
        async with any_db.session() as session:
            assert await unlist_expired(session, later.today) == len(OPEN)
        assert await total(any_db, later) == 0 and await total(any_db, query()) == 0

    async def test_reopening_and_editing_follow_the_index(self, any_db: Database) -> None:
        ids = await shelf(any_db)
        async with any_db.session() as session:
            closed = await session.get(Posting, ids["去年的厨师岗位"])
            closed.status = "open"
            closed.deadline = TODAY + timedelta(days=5)
            room = await session.get(Posting, ids["客房服务员"])
            room.benefits = "包吃住"
            room.description = "温泉酒店"
        assert await titles(any_db, query(words=("厨师",))) == ["去年的厨师岗位"]
        assert await titles(any_db, query(words=("温泉",))) == ["客房服务员"]
        assert await total(any_db, query(words=("景区",))) == 0
        assert "客房服务员" in await titles(any_db, query(attributes=("包吃住",)))

    async def test_renaming_an_enterprise_reindexes_its_postings(self, any_db: Database) -> None:
        await shelf(any_db)
        async with any_db.session() as session:
            hotel = (await session.execute(select(Enterprise).where(Enterprise.name == "红珠山宾馆"))).scalar_one()
            hotel.name = "峨眉温泉饭店"
        assert await titles(any_db, query(words=("温泉饭店",))) == ["客房服务员"]
        assert await total(any_db, query(words=("红珠山",))) == 0

    async def test_deleting_a_posting_shows_its_duplicate(self, any_db: Database) -> None:
        ids = await shelf(any_db)
        async with any_db.session() as session:
            tea = await session.get(Enterprise, 1)
            session.add(posting(tea, "春茶采摘工", "采茶工", township="双福镇", deadline=TODAY + timedelta(days=90)))
        async with any_db.session() as session:
            await session.execute(text("DELETE FROM posting WHERE id = (SELECT max(id) FROM posting)"))
        assert ids["春茶采摘工"] in [p.id for p in (await _page(any_db, query(categories=("采茶工",)))).items]


async def _page(db: Database, q: ShelfQuery):  # type: ignore[no-untyped-def]
    async with db.session() as session:
        return await search_postings(session, q, page_size=9)


class TestSchema:
    async def test_the_shelf_triggers_exist_at_head(self, any_db: Database) -> None:
        async with any_db.engine.connect() as conn:
            found = await conn.run_sync(shelf_triggers)
        expected = set(SQLITE_TRIGGERS) if any_db.is_sqlite else {"posting_shelf"}
        assert expected <= found

    async def test_sqlite_index_matches_its_content(self, sqlite_db: Database) -> None:
        await shelf(sqlite_db)
        async with sqlite_db.session() as session:
            await session.execute(update(Posting).where(Posting.title == "客房服务员").values(benefits="包住"))
            await unlist_expired(session, TODAY + timedelta(days=20))
        async with sqlite_db.session() as session:
            # FTS5 compares the index with its external content (the listed postings) and raises if they differ
            await session.execute(text(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES ('integrity-check', 1)"))

    @pytest.mark.parametrize("status", ["open", "closed"])
    async def test_a_row_inserted_as_listed_is_decided_like_any_other(self, any_db: Database, status: str) -> None:
        """A Core INSERT that sets `listed` itself (and no tokens): the rule decides, and SQLite's index stays whole."""
        async with any_db.session() as session:
            firm = Enterprise(name="直写企业")
            session.add(firm)
            await session.flush()
            await session.execute(Posting.__table__.insert().values(
                enterprise_id=firm.id, title="保安", job_category="保安", township="双福镇", status=status,
                listed=True, search_tokens=""))
        async with any_db.session() as session:
            listed = (await session.execute(select(Posting.listed))).scalar_one()
            if any_db.is_sqlite:  # the index holds exactly the listed rows (it used to be corrupted here)
                await session.execute(text(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES ('integrity-check', 1)"))
        assert listed is (status == "open")

    async def test_count_postings(self, any_db: Database) -> None:
        await shelf(any_db)
        async with any_db.session() as session:
            assert await count_postings(session, query(categories=("普工",))) == 2


class TestListingUnderAnyWrites:
    """Random inserts, edits, closings, re-openings and deletions: the listing is always what the rule says (per
    near-duplicate group, the open posting with the latest deadline, then the newest) and search finds exactly the
    listed postings (SQLite's index also passes its own integrity check)."""

    @pytest.mark.parametrize("seed", [1, 2, 3])
    async def test_random_writes(self, any_db: Database, seed: int) -> None:
        import random

        rng = random.Random(seed)
        async with any_db.session() as session:
            firms = [Enterprise(name=f"企业{i}") for i in range(2)]
            session.add_all(firms)
            await session.flush()
            firm_ids = [f.id for f in firms]
        titles, places = ["普工", "保安", "采茶工"], ["双福镇", "符溪镇"]
        for _ in range(40):
            async with any_db.session() as session:
                ids = list((await session.execute(select(Posting.id))).scalars())
                action = rng.choice(["add", "add", "edit", "close", "open", "move", "delete"] if ids else ["add"])
                if action == "add":
                    session.add(Posting(enterprise_id=rng.choice(firm_ids), title=rng.choice(titles),
                                        job_category="普工", township=rng.choice(places),
                                        deadline=rng.choice([None, TODAY + timedelta(days=rng.randint(1, 9))]),
                                        description=rng.choice(["包吃住", "日结", ""])))
                    continue
                target = await session.get(Posting, rng.choice(ids))
                assert target is not None
                if action == "edit":
                    target.description = rng.choice(["包吃住", "日结", "夜班", ""])
                    target.deadline = rng.choice([None, TODAY + timedelta(days=rng.randint(1, 9))])
                elif action == "close":
                    target.status = "closed"
                elif action == "open":
                    target.status = "open"
                elif action == "move":
                    target.township = rng.choice(places)
                    target.title = rng.choice(titles)
                else:
                    await session.delete(target)
        async with any_db.session() as session:
            rows = (await session.execute(select(Posting))).scalars().all()
            found = await search_postings(session, query(), page_size=500)
        heads: dict[tuple[object, ...], Posting] = {}
        for p in rows:
            if p.status != "open":
                continue
            key = (p.enterprise_id, p.title, p.township or p.city)
            rank = (p.deadline or date(9999, 12, 31), p.id)
            if key not in heads or rank > (heads[key].deadline or date(9999, 12, 31), heads[key].id):
                heads[key] = p
        expected = {p.id for p in heads.values()}
        assert {p.id for p in rows if p.listed} == expected
        assert {p.id for p in found.items} == expected and found.total == len(expected)
        if any_db.is_sqlite:
            async with any_db.session() as session:
                await session.execute(text(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES ('integrity-check', 1)"))


class TestMigration:
    async def test_postings_already_on_the_shelf_are_read_listed_and_indexed(self, any_db: Database) -> None:
        from storage.migrate import upgrade

        async with any_db.engine.begin() as conn:
            await conn.run_sync(lambda sync: _downgrade(sync, "767531cc5ef9"))
            await conn.execute(text("INSERT INTO enterprise (id, name, industry, city, province, address, contact_name, "
                                    "contact_phone, description, created_at) VALUES (1, '老茶厂', '', '峨眉山市', '四川', "
                                    "'', '', '', '', '2026-01-01')"))
            for pid, title, status in ((1, "春茶采摘工", "open"), (2, "春茶采摘工", "open"), (3, "制茶工", "closed")):
                await conn.execute(text(
                    "INSERT INTO posting (id, enterprise_id, title, job_category, township, city, province, openings, "
                    "salary_min, salary_unit, salary_text, description, requirements, benefits, contact_name, "
                    "contact_phone, seasonal, status, created_at, address) VALUES (:id, 1, :title, '采茶工', '双福镇', "
                    "'峨眉山市', '四川', 5, 150, 'day', '', '采茶，日结', '18-60岁', '包午饭', '', '', false, :status, "
                    "'2026-01-01', '')"), {"id": pid, "title": title, "status": status})
        await upgrade(any_db)
        async with any_db.session() as session:
            found = await search_postings(session, query(attributes=("日结",), age=55), page_size=9)
            assert [p.id for p in found.items] == [2] and found.total == 1  # its duplicate and the closed one: no
            assert (found.items[0].age_min, found.items[0].age_max) == (18, 60)


def _downgrade(connection, revision: str) -> None:  # type: ignore[no-untyped-def]
    from alembic import command

    from storage.migrate import alembic_config

    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, revision)
