"""The count table on both backends: it stays exact whoever writes the postings (ORM inserts, edits, closes,
deletes, near-duplicates, a sheet import, the daily check, SQL around the ORM), and the totals search reads from
it equal a count of the postings themselves — by brute force and by the full-text index."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select, text, update

from flows.imports import run_import
from flows.turn import FlowSettings
from storage.attributes import mask_of
from storage.db import Database
from storage.importing.importer import check_file
from storage.models import Enterprise, Posting, ShelfCount
from storage.queries import search
from storage.queries.search import (
    PAY_BANDS,
    ShelfQuery,
    count_postings,
    counts_without,
    search_postings,
    unlist_expired,
)
from storage.search_text import AGE_BITS
from storage.shelf import COUNT_KEY, recount
from tests.conftest import NOW

TODAY = date(2026, 3, 2)
EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
CATEGORIES = ("采茶工", "普工", "建筑工", "服务员")
TOWNSHIPS = (None, "双福镇", "符溪镇")
CITIES = (("峨眉山市", "四川"), ("绍兴", "浙江"))
TITLES = ("采茶工", "车间普工", "小工", "客房服务员")
BENEFITS = ("", "包吃住", "日结工资", "五险一金", "包住，夜班有补贴", "长期稳定")
REQUIREMENTS = ("", "年龄18-45岁", "50岁以下", "55周岁以内", "无经验可培训")
PAY = ((None, None, "month", "面议"), (3000, 4000, "month", ""), (5000, 6000, "month", ""), (150, 200, "day", ""),
       (8000, None, "month", ""))
ATTRIBUTES = ("包吃住", "包住", "日结", "五险一金", "夜班", "长期", "不要经验")
WRITES_SETTINGS = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


async def stored(db: Database) -> Counter[tuple[Any, ...]]:
    """The count table's groups holding postings."""
    async with db.session() as session:
        rows = (await session.execute(select(*(getattr(ShelfCount, c) for c in COUNT_KEY), ShelfCount.postings)
                                      .where(ShelfCount.postings != 0))).all()
    return Counter({tuple(r[:-1]): int(r[-1]) for r in rows})


def group_of(p: Posting) -> tuple[Any, ...]:
    return (p.job_category or "", p.township or "", p.city or "", p.province or "", p.attribute_mask or 0,
            -1 if p.monthly_pay is None else p.monthly_pay, -1 if p.age_min is None else p.age_min,
            -1 if p.age_max is None else p.age_max)


async def listed(db: Database) -> list[Posting]:
    async with db.session() as session:
        return list((await session.execute(select(Posting).where(Posting.listed.is_(True)))).scalars())


async def counted(db: Database) -> Counter[tuple[Any, ...]]:
    """The groups counted from the postings themselves."""
    return Counter(group_of(p) for p in await listed(db))


async def enterprises(db: Database) -> list[int]:
    async with db.session() as session:
        found = [int(i) for i in (await session.execute(select(Enterprise.id))).scalars()]
        if not found:
            tea = Enterprise(name="双福茶叶专业合作社", township="双福镇", city="峨眉山市")
            dye = Enterprise(name="绍兴柯桥纺织印染有限公司", city="绍兴", province="浙江")
            session.add_all([tea, dye])
            await session.flush()
            found = [tea.id, dye.id]
        await session.commit()
    return found


POSTINGS = st.fixed_dictionaries({
    "enterprise": st.integers(0, 1), "title": st.sampled_from(TITLES), "job_category": st.sampled_from(CATEGORIES),
    "township": st.sampled_from(TOWNSHIPS), "city": st.sampled_from(CITIES), "pay": st.sampled_from(PAY),
    "benefits": st.sampled_from(BENEFITS), "requirements": st.sampled_from(REQUIREMENTS),
    "status": st.sampled_from(("open", "open", "open", "closed", "pending")),
    "deadline": st.one_of(st.none(), st.integers(-3, 30).map(lambda d: TODAY + timedelta(days=d))),
})
# (what, which posting by position, a new value)
EDITS = st.tuples(
    st.sampled_from(("category", "township", "pay", "age", "benefits", "close", "reopen", "delete", "title",
                     "deadline", "sql_close", "sql_pay")),
    st.integers(0, 50), st.integers(0, 1000))


def new_posting(ids: list[int], row: dict[str, Any]) -> Posting:
    city, province = row["city"]
    low, high, unit, salary_text = row["pay"]
    return Posting(enterprise_id=ids[row["enterprise"]], title=row["title"], job_category=row["job_category"],
                   township=row["township"] if city == "峨眉山市" else None, city=city, province=province,
                   salary_min=low, salary_max=high, salary_unit=unit, salary_text=salary_text,
                   benefits=row["benefits"], requirements=row["requirements"], status=row["status"],
                   deadline=row["deadline"])


async def edit(db: Database, what: str, which: int, value: int) -> None:
    async with db.session() as session:
        ids = [int(i) for i in (await session.execute(select(Posting.id).order_by(Posting.id))).scalars()]
        if not ids:
            return
        pid = ids[which % len(ids)]
        if what == "sql_close":  # a staff command or a bulk writer around the ORM
            await session.execute(update(Posting).where(Posting.id == pid).values(status="closed"))
        elif what == "sql_pay":  # derived columns written directly (as a bulk writer does)
            await session.execute(update(Posting).where(Posting.id == pid).values(monthly_pay=value * 10))
        elif what == "delete":
            await session.execute(delete(Posting).where(Posting.id == pid))
        else:
            p = await session.get(Posting, pid)
            assert p is not None
            if what == "category":
                p.job_category = CATEGORIES[value % len(CATEGORIES)]
            elif what == "township":
                p.township, p.city, p.province = TOWNSHIPS[value % len(TOWNSHIPS)], "峨眉山市", "四川"
            elif what == "pay":
                p.salary_min, p.salary_max, p.salary_unit, p.salary_text = PAY[value % len(PAY)]
            elif what == "age":
                p.age_min, p.age_max = (None, None) if value % 3 == 0 else (16 + value % 30, 40 + value % 30)
            elif what == "benefits":
                p.benefits = BENEFITS[value % len(BENEFITS)]
            elif what == "close":
                p.status = "closed"
            elif what == "reopen":
                p.status = "open"
            elif what == "title":
                p.title = TITLES[value % len(TITLES)]
            elif what == "deadline":
                p.deadline = TODAY + timedelta(days=value % 40 - 5)
        await session.commit()


@WRITES_SETTINGS
@given(rows=st.lists(POSTINGS, min_size=1, max_size=12), edits=st.lists(EDITS, max_size=12))
async def test_the_counts_follow_every_write(any_db: Database, rows: list[dict[str, Any]],
                                            edits: list[tuple[str, int, int]]) -> None:
    ids = await enterprises(any_db)
    async with any_db.session() as session:
        for row in rows:
            session.add(new_posting(ids, row))
            await session.flush()
        await session.commit()
    assert await stored(any_db) == await counted(any_db)
    for what, which, value in edits:
        await edit(any_db, what, which, value)
        assert await stored(any_db) == await counted(any_db), what
    async with any_db.session() as session:
        await unlist_expired(session, TODAY)
        await session.commit()
    assert await stored(any_db) == await counted(any_db)


async def test_a_sheet_import_and_a_rebuild_keep_the_counts(any_db: Database) -> None:
    for _ in range(2):  # the second import updates what the first added
        checked = check_file("postings", EXAMPLES / "postings.csv")
        assert (await run_import(any_db, checked, now=NOW, settings=FlowSettings())).ok
        found = await stored(any_db)
        assert found == await counted(any_db) and sum(found.values()) > 0
    async with any_db.engine.begin() as conn:
        await conn.execute(text("UPDATE shelf_count SET postings = postings + 7"))  # damage, then repair
        await conn.run_sync(recount)
    assert await stored(any_db) == await counted(any_db)


# --- totals from the count table against the postings themselves -----------------------------------------------

QUERIES = st.builds(
    lambda categories, places, attributes, pay, age, order, home: ShelfQuery(
        today=TODAY, categories=categories, places=places, attributes=attributes, min_monthly_pay=pay, age=age,
        order=order, home=home, nearest=("双福镇", "符溪镇") if home else ()),
    categories=st.lists(st.sampled_from(CATEGORIES), max_size=2, unique=True).map(tuple),
    places=st.lists(st.sampled_from(("双福镇", "符溪镇", "峨眉山市", "绍兴", "浙江", "四川")), max_size=2,
                    unique=True).map(tuple),
    attributes=st.lists(st.sampled_from(ATTRIBUTES), max_size=2, unique=True).map(tuple),
    pay=st.one_of(st.none(), st.integers(1000, 9000)),
    age=st.one_of(st.none(), st.integers(-5, 140)),
    order=st.sampled_from(("relevance", "pay", "near", "newest")),
    home=st.sampled_from((None, "双福镇")),
)


def fits(p: Posting, q: ShelfQuery) -> bool:
    """The query's meaning, checked on one posting."""
    if q.categories and p.job_category not in q.categories:
        return False
    if q.places and not {p.township, p.city, p.province} & set(q.places):
        return False
    mask = mask_of(q.attributes)
    if (p.attribute_mask & mask) != mask:
        return False
    if q.min_monthly_pay and p.monthly_pay is not None and p.monthly_pay < -(-int(q.min_monthly_pay) // 10) * 10:
        return False
    if q.age is not None:
        age = min(max(q.age, 0), (1 << AGE_BITS) - 1)
        if (p.age_min is not None and p.age_min > age) or (p.age_max is not None and p.age_max < age):
            return False
    return p.deadline is None or p.deadline >= q.today


async def filled(db: Database) -> None:
    """A shelf of every combination the strategies can ask about (made once per database)."""
    async with db.session() as session:
        if (await session.execute(select(func.count()).select_from(Posting))).scalar_one():
            return
    ids = await enterprises(db)
    async with db.session() as session:
        n = 0
        for category in CATEGORIES:
            for township in TOWNSHIPS:
                for city in CITIES:
                    for pay in PAY:
                        n += 1
                        session.add(new_posting(ids, {
                            "enterprise": n % 2, "title": f"{category}{n}" + ("夜班" if n % 5 == 0 else ""), "job_category": category,
                            "township": township, "city": city, "pay": pay, "benefits": BENEFITS[n % len(BENEFITS)],
                            "requirements": REQUIREMENTS[n % len(REQUIREMENTS)], "status": "open",
                            "deadline": TODAY + timedelta(days=n % 20)}))
        await session.commit()


async def by_postings(db: Database, q: ShelfQuery, monkeypatch: pytest.MonkeyPatch, page: int) -> Any:
    """The same search with the count table out of the way (the full-text index and the postings count)."""
    with monkeypatch.context() as patch:
        patch.setattr(search, "countable", lambda _query: False)
        async with db.session() as session:
            return await search_postings(session, q, page=page, page_size=4)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=QUERIES)
async def test_totals_from_the_counts_equal_a_count_of_the_postings(any_db: Database, q: ShelfQuery,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    await filled(any_db)
    shelf = await listed(any_db)
    async with any_db.session() as session:
        assert search.countable(q)
        found = await search_postings(session, q, page=1, page_size=4)
        assert found.total == sum(1 for p in shelf if fits(p, q)) == await count_postings(session, q)
    for page in (1, 2, 3):
        async with any_db.session() as session:
            mine = await search_postings(session, q, page=page, page_size=4)
        theirs = await by_postings(any_db, q, monkeypatch, page)
        assert (mine.total, [p.id for p in mine.items]) == (theirs.total, [p.id for p in theirs.items])
    async with any_db.session() as session:
        without = await counts_without(session, q)
    assert without == {c: sum(1 for p in shelf if fits(p, q.without(c))) for c in q.conditions()}


async def test_pay_bands_add_up_to_the_total(any_db: Database) -> None:
    await filled(any_db)
    q = ShelfQuery(today=TODAY, order="pay")
    async with any_db.session() as session:
        everything = await search_postings(session, q, page=1, page_size=1000)
    shelf = await listed(any_db)
    assert everything.total == len(shelf) == len(everything.items)
    pays = [p.monthly_pay for p in everything.items]
    known = [x for x in pays if x is not None]
    bands = [next(i for i, (low, _high) in enumerate(PAY_BANDS) if x >= low) for x in known]
    assert bands == sorted(bands) and pays[len(known):] == [None] * (len(pays) - len(known))


async def test_expired_postings_still_listed_are_left_out_without_the_counts(any_db: Database) -> None:
    """Before the daily check unlists them, the groups still count postings past their deadline: search then
    counts the postings themselves."""
    await filled(any_db)
    async with any_db.session() as session:
        await session.execute(update(Posting).where(Posting.title.like("普工%")).values(deadline=TODAY - timedelta(1)))
        await session.commit()
    q = ShelfQuery(today=TODAY, categories=("普工", "采茶工"))
    shelf = await listed(any_db)
    assert any(p.deadline and p.deadline < TODAY for p in shelf)
    async with any_db.session() as session:
        assert (await search_postings(session, q)).total == sum(1 for p in shelf if fits(p, q))
        assert await unlist_expired(session, TODAY) > 0
        await session.commit()
    shelf = await listed(any_db)
    async with any_db.session() as session:
        assert (await search_postings(session, q)).total == sum(1 for p in shelf if fits(p, q))
    assert await stored(any_db) == await counted(any_db)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=QUERIES, page_size=st.integers(1, 12))
async def test_pages_read_by_pay_figure_equal_the_pay_bands(any_db: Database, q: ShelfQuery, page_size: int,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite reads a pay-ordered page of a question without words through the pay-ordered indexes, for the pay
    figures the count table says the page holds; with that walk ruled out (as when the figures hold too many
    entries) it reads the pay bands of the full-text index: the pages and the ids remembered are the same."""
    await filled(any_db)
    pages = [await pages_with(any_db, q, page_size, monkeypatch, {"WALK_ENTRIES": walk_entries})
             for walk_entries in (search.WALK_ENTRIES, 0)]
    assert pages[0] == pages[1]
    shown = [i for _total, ids, _remembered in pages[0][:3] for i in ids]
    assert len(shown) == len(set(shown))


async def pages_with(db: Database, q: ShelfQuery, page_size: int, monkeypatch: pytest.MonkeyPatch,
                     settings: dict[str, int | None]) -> list[tuple[int, list[int], list[int]]]:
    """Pages 1, 2, 3 and 7 of the query (total, ids shown, the first 20 ids remembered) with the search module's
    constants set as given (None: as shipped)."""
    found = []
    with monkeypatch.context() as patch:
        for name, value in settings.items():
            if value is not None:
                patch.setattr(search, name, value)
        for page in (1, 2, 3, 7):
            async with db.session() as session:
                result = await search_postings(session, q, page=page, page_size=page_size, remember=20)
            found.append((result.total, [p.id for p in result.items], result.ids))
    return found


WORDS = st.lists(st.sampled_from(("普工", "采茶", "茶叶", "纺织", "包吃住", "经验", "夜班", "工", "建筑", "没有的词")),
                 min_size=1, max_size=2, unique=True).map(tuple)
# (SORT_WHOLE, PART_SORT_WHOLE, WALK_ROWS, SORT_AFTER_WALK): as shipped; every part walked as far as needed; every
# walk cut short after a few postings, then sorted whole; the same, then read by pay band; every part sorted whole
WORD_PATHS = ((None, None, None, None), (0, 0, 10**6, None), (0, 0, 3, 10**9), (0, 0, 3, 0), (0, 10**9, None, None))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=QUERIES, words=WORDS, by_pay=st.booleans(), page_size=st.integers(1, 12))
async def test_pages_of_words_walked_in_pay_order_equal_the_parts_sorted_whole(
        any_db: Database, q: ShelfQuery, words: tuple[str, ...], by_pay: bool, page_size: int,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A question with words, in pay order, is read by walking the shelf's pay order and keeping the words'
    postings, a small part sorted whole, a walk that finds too few read by pay bands (SQLite) or sorted
    (PostgreSQL): whichever way each part is read, the pages, the total and the ids remembered are the same."""
    await filled(any_db)
    q = replace(q, words=words, order="pay" if by_pay else "relevance")
    names = ("SORT_WHOLE", "PART_SORT_WHOLE", "WALK_ROWS", "SORT_AFTER_WALK")
    pages = [await pages_with(any_db, q, page_size, monkeypatch, dict(zip(names, path, strict=True)))
             for path in WORD_PATHS]
    assert all(other == pages[0] for other in pages[1:]), q
    shown = [i for _total, ids, _remembered in pages[0][:3] for i in ids]
    assert len(shown) == len(set(shown))
