"""PostgreSQL's per-token counts (storage/queries/token_counts.py): whoever writes the postings (ORM inserts and
edits, closes, reopens, deletes, SQL around the ORM, sheet imports, the daily check) and whenever the changes are
folded, a token's total equals a count of the listed postings holding it; search totals a one-word question from
them as it did from the GIN index; writers never wait for each other there; the migration builds them."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text, update

from bot.scheduler import JOB_TOKENS, Ticks, build_scheduler
from flows.imports import run_import
from flows.turn import FlowSettings
from storage.db import Database
from storage.importing.importer import check_file
from storage.models import Posting
from storage.queries import search
from storage.queries.search import (
    PART_SORT_WHOLE,
    ShelfQuery,
    count_postings,
    search_postings,
    unlist_expired,
)
from storage.queries.token_counts import as_tsquery, fold, token_total
from storage.shelf import PG_TOKEN_TRIGGERS, recount, shelf_triggers
from tests.conftest import NOW, _fresh_postgres
from tests.storage.test_shelf_count import (
    EDITS,
    POSTINGS,
    TODAY,
    edit,
    enterprises,
    filled,
    new_posting,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
ABSENT = "没有这个词"  # a token no posting holds
WRITES_SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
async def pg_db(postgres_url: str, postgres_template: str) -> AsyncIterator[Database]:
    """An upgraded, empty PostgreSQL database (the per-token counts exist on PostgreSQL only)."""
    db = Database(await _fresh_postgres(postgres_url, template=postgres_template))
    yield db
    await db.dispose()


async def on_the_shelf(db: Database) -> Counter[str]:
    """Brute force, in Python: how many listed postings hold each token (from their search_tokens text)."""
    async with db.session() as session:
        rows = (await session.execute(select(Posting.search_tokens).where(Posting.listed.is_(True)))).scalars()
        return Counter(token for tokens in rows for token in set(tokens.split(" ")) if token)


async def kept(db: Database) -> tuple[dict[str, int], Counter[str]]:
    """The folded counts as stored, and the folded counts plus the pending changes (tokens holding postings)."""
    async with db.session() as session:
        folded = {str(t): int(n) for t, n in (await session.execute(text("SELECT token, postings FROM shelf_token")))}
        pending = (await session.execute(text(
            "SELECT u.lexeme, sum(c.change) FROM shelf_token_change c, unnest(c.document) AS u GROUP BY u.lexeme"
        ))).all()
    total = Counter(folded)
    for token, change in pending:
        total[str(token)] += int(change)
    return folded, Counter({t: n for t, n in total.items() if n != 0})


async def brute_count(db: Database, token: str) -> int:
    """The GIN path: listed postings whose document holds the token."""
    async with db.session() as session:
        return int((await session.execute(text(
            "SELECT count(*) FROM posting WHERE listed AND search_document @@ CAST(:q AS tsquery)"),
            {"q": as_tsquery(token)})).scalar_one())


async def all_tokens(db: Database) -> list[str]:
    async with db.session() as session:
        rows = (await session.execute(select(Posting.search_tokens))).scalars()
        return sorted({token for tokens in rows for token in tokens.split(" ") if token})


async def assert_exact(db: Database, picks: list[int], step: str) -> None:
    """Every token's total (folded plus pending) equals the listed postings holding it; `token_total` too, for
    tokens picked among every token the postings hold (listed or not) and one none holds."""
    expected = await on_the_shelf(db)
    folded, total = await kept(db)
    assert total == expected, step
    assert all(n > 0 for n in folded.values()), step  # a count reaching 0 is removed, none is negative
    tokens = [*await all_tokens(db), ABSENT]
    for pick in picks:
        token = tokens[pick % len(tokens)]
        async with db.session() as session:
            found = await token_total(session, token)
        assert found == expected[token] == await brute_count(db, token), (step, token)


async def write(db: Database, step: tuple[Any, ...], ids: list[int]) -> None:
    what = step[0]
    if what == "edit":
        await edit(db, *step[1])
    elif what == "insert":
        async with db.session() as session:
            session.add(new_posting(ids, step[1]))
    elif what == "description":  # the tokens of a posting change, listed or not
        async with db.session() as session:
            found = list((await session.execute(select(Posting).order_by(Posting.id))).scalars())
            if found:
                found[step[1] % len(found)].description = f"纺织印染车间{step[1]}号线，熟练工优先"
    elif what == "sql_tokens":  # tokens written around the ORM, as a bulk writer might
        async with db.session() as session:
            await session.execute(text(
                "UPDATE posting SET search_tokens = search_tokens || ' 纺织' WHERE id = "
                "(SELECT id FROM posting ORDER BY id OFFSET :n % greatest((SELECT count(*) FROM posting), 1) LIMIT 1)"),
                {"n": step[1]})
    elif what == "sql_delete_all_closed":
        async with db.session() as session:
            await session.execute(text("DELETE FROM posting WHERE status = 'closed'"))
    elif what == "daily":
        async with db.session() as session:
            await unlist_expired(session, TODAY + timedelta(days=step[1] % 10))
    elif what == "fold":
        async with db.session() as session:
            await fold(session)
    elif what == "import":
        checked = check_file("postings", EXAMPLES / "postings.csv")
        assert (await run_import(db, checked, now=NOW, settings=FlowSettings())).ok


STEPS = st.one_of(
    st.tuples(st.just("edit"), EDITS),
    st.tuples(st.just("insert"), POSTINGS),
    st.tuples(st.sampled_from(("description", "sql_tokens", "daily")), st.integers(0, 100)),
    st.tuples(st.sampled_from(("fold", "fold", "sql_delete_all_closed", "import"))),
)


@WRITES_SETTINGS
@given(rows=st.lists(POSTINGS, min_size=1, max_size=10), steps=st.lists(STEPS, max_size=12),
       picks=st.lists(st.integers(0, 10_000), min_size=1, max_size=4))
async def test_token_totals_follow_every_write_before_and_after_folding(
        pg_db: Database, rows: list[dict[str, Any]], steps: list[tuple[Any, ...]], picks: list[int]) -> None:
    ids = await enterprises(pg_db)
    async with pg_db.session() as session:
        for row in rows:
            session.add(new_posting(ids, row))
            await session.flush()
    await assert_exact(pg_db, picks, "inserted")
    for step in steps:
        await write(pg_db, step, ids)
        await assert_exact(pg_db, picks, str(step))
    async with pg_db.session() as session:
        await fold(session)
    await assert_exact(pg_db, picks, "folded")
    folded, _total = await kept(pg_db)
    assert Counter(folded) == await on_the_shelf(pg_db)  # everything folded: the counts alone are exact
    async with pg_db.session() as session:
        assert (await session.execute(text("SELECT count(*) FROM shelf_token_change"))).scalar_one() == 0


async def test_an_import_folds_its_changes_and_a_recount_repairs(pg_db: Database) -> None:
    for _ in range(2):  # the second import updates what the first added
        checked = check_file("postings", EXAMPLES / "postings.csv")
        assert (await run_import(pg_db, checked, now=NOW, settings=FlowSettings())).ok
        async with pg_db.session() as session:
            assert (await session.execute(text("SELECT count(*) FROM shelf_token_change"))).scalar_one() == 0
        folded, _total = await kept(pg_db)
        assert Counter(folded) == await on_the_shelf(pg_db) and folded
    async with pg_db.engine.begin() as conn:
        await conn.execute(text("UPDATE shelf_token SET postings = postings + 7"))  # damage, then repair
        await conn.execute(text("INSERT INTO shelf_token_change (document, change) VALUES ('纺织', 1)"))
        await conn.run_sync(recount)
    folded, total = await kept(pg_db)
    assert Counter(folded) == total == await on_the_shelf(pg_db)


async def test_a_fold_never_takes_in_a_change_not_committed(pg_db: Database) -> None:
    ids = await enterprises(pg_db)
    row = {"enterprise": 0, "title": "纺织工", "job_category": "普工", "township": None, "city": ("绍兴", "浙江"),
           "pay": (5000, 6000, "month", ""), "benefits": "", "requirements": "", "status": "open", "deadline": None}
    async with pg_db.sessions() as writer, writer.begin():
        writer.add(new_posting(ids, row))
        await writer.flush()
        async with pg_db.session() as session:
            assert await fold(session) == 0  # the writer's change is not visible yet
        async with pg_db.session() as session:
            assert await token_total(session, "纺织") == 0
    async with pg_db.session() as session:
        assert await token_total(session, "纺织") == 1 == await brute_count(pg_db, "纺织")
        assert await fold(session) > 0
    async with pg_db.session() as session:
        assert await token_total(session, "纺织") == 1


async def test_concurrent_writers_of_the_same_tokens_never_wait_for_each_other(pg_db: Database) -> None:
    """Two open transactions each put a posting holding the same words on the shelf (of different enterprises and
    categories, so the listing rule and the count table do not make them wait): the second never waits for a lock."""
    ids = await enterprises(pg_db)
    rows = [{"enterprise": n, "title": "纺织工", "job_category": category, "township": None,
             "city": ("绍兴", "浙江"), "pay": (5000, 6000, "month", ""), "benefits": "", "requirements": "",
             "status": "open", "deadline": None} for n, category in ((0, "普工"), (1, "服务员"))]
    async with pg_db.sessions() as first, first.begin():
        first.add(new_posting(ids, rows[0]))
        await first.flush()
        async with pg_db.sessions() as second, second.begin():
            await second.execute(text("SET LOCAL lock_timeout = '2s'"))
            second.add(new_posting(ids, rows[1]))
            await asyncio.wait_for(second.flush(), timeout=10)
    async with pg_db.session() as session:
        assert await token_total(session, "纺织") == 2 == await brute_count(pg_db, "纺织")


# --- search: a one-word question totalled from the counts ---------------------------------------------------

WORDS = ("纺织", "采茶", "普工", "服务", "客房", "没有")


def one_word(word: str, order: str) -> ShelfQuery:
    return ShelfQuery(today=TODAY, words=(word,), order=order)


async def by_the_index(db: Database, q: ShelfQuery, monkeypatch: pytest.MonkeyPatch, page: int) -> Any:
    """The same search counted from the GIN index (the per-token counts out of the way)."""
    async def never(self: Any, base: Any) -> None:
        return None

    with monkeypatch.context() as patch:
        patch.setattr(search._Engine, "by_token", never)
        async with db.session() as session:
            return await search_postings(session, q, page=page, page_size=4)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(word=st.sampled_from(WORDS), order=st.sampled_from(search.ORDERS), page=st.integers(1, 4),
       folded=st.booleans())
async def test_one_word_totals_equal_the_index(pg_db: Database, word: str, order: str, page: int, folded: bool,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    await filled(pg_db)
    async with pg_db.session() as session:
        await session.execute(update(Posting).where(Posting.id % 3 == 0)
                              .values(search_tokens=Posting.search_tokens + " 纺织"))
        if folded:
            await fold(session)
    q = one_word(word, order)
    async with pg_db.session() as session:
        mine = await search_postings(session, q, page=page, page_size=4)
        counted = await count_postings(session, q)
    theirs = await by_the_index(pg_db, q, monkeypatch, page)
    assert mine.total == counted == theirs.total == await brute_count(pg_db, word)
    assert [p.id for p in mine.items] == [p.id for p in theirs.items]


async def test_a_one_word_total_is_read_from_the_counts(pg_db: Database) -> None:
    """The counts are what search reads (damaged, the total follows them); a question with more than one token,
    or while expired postings wait for the daily check, is counted from the postings."""
    await filled(pg_db)
    async with pg_db.session() as session:
        await fold(session)
        true = await count_postings(session, one_word("普工", "newest"))
        assert true > 0
        # (a total above PART_SORT_WHOLE: search reads such a question part by part, its total from the counts;
        # fewer are counted and read in one pass, `whole_result`)
        bump = PART_SORT_WHOLE + 1000
        await session.execute(text(f"UPDATE shelf_token SET postings = postings + {bump} WHERE token = '普工'"))
        assert await count_postings(session, one_word("普工", "newest")) == true + bump
        assert (await search_postings(session, one_word("普工", "pay"))).total == true + bump
        assert await count_postings(session, ShelfQuery(today=TODAY, words=("普工",), places=("绍兴",))) < true
        late = TODAY + timedelta(days=5)  # some listed postings' deadlines have passed by then
        expired = one_word("普工", "newest")
        expired = ShelfQuery(today=late, words=expired.words, order=expired.order)
        found = await count_postings(session, expired)
        assert found < true
        assert found == (await session.execute(text(
            "SELECT count(*) FROM posting WHERE listed AND search_document @@ '''普工''' "
            "AND (deadline IS NULL OR deadline >= :late)"), {"late": late})).scalar_one()


# --- schema and wiring -----------------------------------------------------------------------------------------


async def test_the_token_triggers_exist_at_head(pg_db: Database) -> None:
    async with pg_db.engine.connect() as conn:
        assert set(PG_TOKEN_TRIGGERS) <= await conn.run_sync(shelf_triggers)


async def test_the_migration_counts_the_postings_already_on_the_shelf(pg_db: Database) -> None:
    from storage.migrate import upgrade
    from tests.storage.test_search import _downgrade

    await filled(pg_db)
    async with pg_db.engine.begin() as conn:
        await conn.run_sync(lambda sync: _downgrade(sync, "c4e9a1d27f30"))
        assert not set(PG_TOKEN_TRIGGERS) & await conn.run_sync(shelf_triggers)
        await conn.execute(text("UPDATE posting SET status = 'closed' WHERE id % 4 = 0"))
    await upgrade(pg_db)
    folded, total = await kept(pg_db)
    assert Counter(folded) == total == await on_the_shelf(pg_db) and folded


async def test_the_scheduler_folds_on_postgresql(pg_db: Database) -> None:
    settings = FlowSettings(token_fold_seconds=30)
    ticks = Ticks(pg_db, settings)
    scheduler = build_scheduler(ticks)
    job = scheduler.get_job(JOB_TOKENS)
    assert job is not None and job.trigger.interval == timedelta(seconds=30)
    await filled(pg_db)
    await ticks.fold_tokens()
    async with pg_db.session() as session:
        assert (await session.execute(text("SELECT count(*) FROM shelf_token_change"))).scalar_one() == 0
    folded, _total = await kept(pg_db)
    assert Counter(folded) == await on_the_shelf(pg_db) and folded


async def test_the_daily_check_folds_what_it_unlisted(pg_db: Database) -> None:
    from flows.shelf_search import daily_check

    await filled(pg_db)
    unlisted = await daily_check(pg_db, NOW + timedelta(days=5), FlowSettings())
    assert unlisted > 0
    async with pg_db.session() as session:
        assert (await session.execute(text("SELECT count(*) FROM shelf_token_change"))).scalar_one() == 0
    folded, _total = await kept(pg_db)
    assert Counter(folded) == await on_the_shelf(pg_db)


def test_the_fold_interval_is_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.app import flow_settings
    from bot.settings import load_settings

    assert flow_settings(load_settings()).token_fold_seconds == 60  # config.yaml
    monkeypatch.setenv("MISHU_SEARCH__TOKEN_FOLD_SECONDS", "15")
    assert flow_settings(load_settings()).token_fold_seconds == 15
