"""Searching the shelf: one question, filtered and ordered in the database, one page loaded, the total exact.

`search_postings(session, query, page=…, page_size=…)` answers on SQLite (FTS5) and PostgreSQL (GIN) alike:
the question becomes one boolean expression over the postings' search tokens (storage/search_text.py), which
the full-text index answers for listed postings only (open, near-duplicates collapsed: storage/shelf.py);
postings past their deadline that the daily check has not unlisted yet are left out too.

Counting: a question without free-text words is counted from the count table (storage/shelf.py, `shelf_count`:
listed postings per group of category, place, attributes, pay and age limits), summing the groups that fit per value
of the column the order's tiers differ by (pay figure, township) — the total and every tier's size in one statement
whatever the shelf's size; only while listed postings past their deadline wait for the daily check are the postings
counted instead. A question with words is counted from the full-text index (FTS5; PostgreSQL's GIN index, the whole
question as one tsquery).

Order: "newest" is the order postings came on the shelf; "pay" is strictly by the monthly pay figure, highest
first, postings naming no comparable pay (面议, piece rates) last; "relevance" puts postings whose title holds
the words asked first, and within each part goes by pay as "pay" does (a worker asking "有没有厨师的工作" hears
the better-paid first, as a clerk at the counter would read them out); among equal pay the most recently put on
the shelf (`created_at`) first. "near" goes by the distance of the posting's township from the worker's, then
postings outside the county. Each order is a list of disjoint tiers: "near" and "newest" tiers are read newest
first straight from the index. Pay order, a question without words: the count table's sums per pay figure say
which figures a page holds, and the page is read from a covering index in pay order for those figures only
(`by_pay_figure`: by category, or over the whole shelf), however many postings pay more — unless those figures hold
more than `WALK_ENTRIES` index entries. A question with words, in pay order, is read part by part (`PayPart`: the
postings holding the words in their title, then the others): a part of at most `PART_SORT_WHOLE` postings is sorted
whole; a larger one is read by walking the whole shelf's pay order from the top and keeping the part's postings
(SQLite: the covering pay index, each posting's search tokens checked; PostgreSQL: the pay index, each posting's
tsvector checked), which finds a page after a few hundred entries when the words are common among the better-paid, and is
bounded (`WALK_ROWS`): when it finds too few, the part is read as before — SQLite by pay band
(about 500 yuan a month wide, `PAY_BANDS`, each sorted by the figure from a narrow covering index,
`ix_shelf_pay_order`), PostgreSQL by sorting its GIN matches. Otherwise (such figures) a pay-ordered tier is a pay
band on SQLite, and a result of at most `SORT_WHOLE` postings is sorted whole, which costs less than asking every
band.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import partial
from typing import Any

from sqlalchemy import ColumnElement, and_, func, literal_column, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from storage import search_text as st
from storage.attributes import expand, mask_of
from storage.models import Posting, ShelfCount
from storage.queries.token_counts import as_tsquery, total_sql
from storage.shelf import (
    FTS_TABLE,
    PG_DOCUMENT,
    SQLITE_PAY_CATEGORY_INDEX,
    SQLITE_PAY_ORDER_INDEX,
    SQLITE_PAY_WALK_INDEX,
)

ORDERS = ("relevance", "pay", "near", "newest")
# SQLite: a result this small is sorted by pay whole (one look-up per posting in a narrow index) rather than
# band by band (one full-text query per band, most of them empty for a narrow question)
SORT_WHOLE = 5000
# Pay bands for ordering by pay, in yuan a month: [low, high), highest first.
PAY_BANDS: tuple[tuple[int, int | None], ...] = (
    (20000, None), (15000, 20000), (12000, 15000), (10000, 12000), (9000, 10000), (8000, 9000), (7000, 8000),
    (6000, 7000), (5500, 6000), (5000, 5500), (4500, 5000), (4000, 4500), (3500, 4000), (3000, 3500),
    (2500, 3000), (2000, 2500), (0, 2000),
)


@dataclass(frozen=True)
class ShelfQuery:
    """What to look for: every condition given must hold (several categories or places: any of them)."""

    today: date
    categories: tuple[str, ...] = ()
    places: tuple[str, ...] = ()  # townships, cities or provinces
    attributes: tuple[str, ...] = ()  # canonical attributes (storage/attributes.py), all required
    min_monthly_pay: float | None = None  # postings naming no comparable pay are kept
    age: int | None = None  # the worker's age: postings whose limits exclude it are left out
    words: tuple[str, ...] = ()  # free text, every word somewhere in the posting
    order: str = "relevance"
    home: str | None = None  # the worker's township, for order "near"
    # townships by distance from `home` (nearest first), given by the caller who knows the map
    nearest: tuple[str, ...] = ()

    def conditions(self) -> list[str]:
        """The conditions this query sets, as names `without` takes: categories, places, attribute:<name>,
        pay, age, words."""
        found = []
        if self.categories:
            found.append("categories")
        if self.places:
            found.append("places")
        found.extend(f"attribute:{name}" for name in self.attributes)
        if self.min_monthly_pay:
            found.append("pay")
        if self.age is not None:
            found.append("age")
        if self.words:
            found.append("words")
        return found

    def without(self, condition: str) -> ShelfQuery:
        """The same query with one condition dropped."""
        if condition.startswith("attribute:"):
            name = condition.split(":", 1)[1]
            return replace(self, attributes=tuple(a for a in self.attributes if a != name))
        dropped = {"categories": {"categories": ()}, "places": {"places": ()}, "pay": {"min_monthly_pay": None},
                   "age": {"age": None}, "words": {"words": ()}}[condition]
        return replace(self, **dropped)


@dataclass
class SearchPage:
    total: int  # every listed posting that fits, exactly
    items: list[Posting] = field(default_factory=list)  # the page asked for, in order, enterprise loaded
    ids: list[int] = field(default_factory=list)  # the first `remember` ids, in order


def match_of(query: ShelfQuery) -> st.Match:
    """The query's conditions as one expression over search tokens."""
    parts: list[st.Match] = []
    if query.categories:
        parts.append(st.any_of(st.tok(st.category_token(c)) for c in query.categories))
    if query.places:
        parts.append(st.any_of(st.tok(st.place_token(p)) for p in query.places))
    parts.extend(st.tok(st.attribute_token(name)) for name in expand(query.attributes))
    if query.min_monthly_pay:
        parts.append(st.pay_at_least(query.min_monthly_pay))
    if query.age is not None:
        parts.append(st.takes_age(query.age))
    for word in query.words:
        found = st.word_match(word)
        if found is not None:
            parts.append(found)
    return st.all_of(parts) if parts else st.tok(st.ALL)


def by_pay(query: ShelfQuery) -> bool:
    """Whether the query's tiers are read by pay figure (highest first), else newest first."""
    return query.order in ("pay", "relevance")


def _pay_bands(part: st.Match) -> list[st.Match]:
    """A part of the result cut into pay bands, highest first, then the postings naming no comparable pay."""
    bands = [st.pay_between(low, high) for low, high in PAY_BANDS]
    return [st.all_of([part, band]) for band in bands if band is not None] + [
        st.all_of([part, st.tok(st.PAY_UNKNOWN)])]


def _by_pay_tiers(part: st.Match, banded: bool) -> list[st.Match]:
    """Pay known (in bands, or whole), then pay unknown."""
    if banded:
        return _pay_bands(part)
    unknown = st.tok(st.PAY_UNKNOWN)
    return [st.but_not(part, unknown), st.all_of([part, unknown])]


def tiers_of(query: ShelfQuery, *, banded: bool = True) -> list[st.Match]:
    """The disjoint parts of the result, in the order they are shown (as search-token expressions). A pay-ordered
    part is cut into pay bands (`banded`), so that reading a page sorts one band, or, for a small result, read
    whole: one sort of at most `SORT_WHOLE` postings costs less than looking into every band."""
    base = match_of(query)
    if query.order == "pay":
        return _by_pay_tiers(base, banded)
    if query.order == "near" and query.nearest:
        places = [st.tok(st.place_token(t)) for t in query.nearest]
        return [st.all_of([base, place]) for place in places] + [st.but_not(base, st.any_of(places))]
    if query.order != "relevance":
        return [base]
    return [tier for part in _parts(query) for tier in _by_pay_tiers(part, banded)]


def _parts(query: ShelfQuery) -> list[st.Match]:
    """The parts a pay-ordered result is shown in: for "relevance" with words, the postings holding every word in
    their title, then the others; else the result whole."""
    base = match_of(query)
    title = _title_match(query)
    return [st.all_of([base, title]), st.but_not(base, title)] if title is not None else [base]


@dataclass(frozen=True)
class PayPart:
    """A part of a question with words, read in pay order (`_parts`): postings naming their pay (highest first),
    postings naming none, or both in that order (`pay`: "named", "none", "any"). It is read by walking the shelf's
    pay-ordered index from the top and keeping the part's postings (`_Engine.walk`), which finds a page after a
    few hundred entries when the part is common among the better-paid; a part that is small is sorted whole, and
    one the walk does not find enough of within its bound is read as before (SQLite: pay bands; PostgreSQL: its
    matches sorted), so a word whose postings all pay little costs one bounded walk more, never a wrong page.
    `titled`: the part of postings holding the words in their title (usually small: counted first)."""

    match: st.Match
    pay: str = "any"
    titled: bool = False

    @property
    def tokens(self) -> st.Match:
        """The part as one search-token expression (its pay condition included)."""
        unknown = st.tok(st.PAY_UNKNOWN)
        if self.pay == "named":
            return st.but_not(self.match, unknown)
        if self.pay == "none":
            return st.all_of([self.match, unknown])
        return self.match


def pay_parts(query: ShelfQuery, *, sqlite: bool) -> list[PayPart]:
    """A pay-ordered question with words as `PayPart`s: SQLite walks a part's named and unnamed pay in one pass
    (its pay index puts no pay last when read highest first); PostgreSQL in two (its index puts them first)."""
    title = _title_match(query)
    pays = ("any",) if sqlite else ("named", "none")
    return [PayPart(part, pay, titled=title is not None and number == 0)
            for number, part in enumerate(_parts(query)) for pay in pays]


def _title_match(query: ShelfQuery) -> st.Match | None:
    """Relevance: every word asked in the title."""
    if query.order != "relevance" or not query.words:
        return None
    in_title = [m for m in (st.word_match(w, title=True) for w in query.words) if m is not None]
    return st.all_of(in_title) if in_title else None


def _words_match(query: ShelfQuery) -> st.Match | None:
    found = [m for m in (st.word_match(w) for w in query.words) if m is not None]
    return st.all_of(found) if found else None


# --- PostgreSQL: the same conditions on columns (B-tree indexes answer counts from the index alone) ---------


def _document(match: st.Match) -> ColumnElement[bool]:
    """The GIN-indexed tokens hold the match (the tsquery is a literal: its tokens are letters, digits, _ and
    Chinese characters only, so the planner sees what is asked)."""
    return literal_column(PG_DOCUMENT).op("@@")(literal_column(f"CAST('{_quote(match.tsquery())}' AS tsquery)"))


def _quote(value: str) -> str:
    return value.replace("'", "''")


def _holds(match: st.Match, column: str, params: dict[str, Any]) -> str:
    """SQLite: the match as a condition on a posting's space-separated tokens (`column`), its tokens bound as
    parameters added to `params` — what the FTS5 index answers, checked on one row."""
    if match.op in ("tok", "prefix"):
        name = f"t{len(params)}"
        params[name] = f" {match.token}" + (" " if match.op == "tok" else "")
        return f"instr(' ' || {column} || ' ', :{name}) > 0"
    if match.op == "not":
        return f"({_holds(match.parts[0], column, params)} AND NOT {_holds(match.parts[1], column, params)})"
    joined = f" {match.op.upper()} ".join(_holds(part, column, params) for part in match.parts)
    return f"({joined})"


def _facets(query: ShelfQuery, table: Any, absent: Callable[[Any], ColumnElement[bool]]
            ) -> list[ColumnElement[bool]]:
    """The query's category, place, attribute, pay and age conditions over a table with the posting's facet columns
    (the postings, or the count table's groups); `absent(column)`: the column holds no value there (NULL, or -1)."""
    t = table
    found: list[ColumnElement[bool]] = []
    if query.categories:
        found.append(t.job_category.in_(list(query.categories)))
    if query.places:
        places = list(query.places)
        found.append(or_(t.township.in_(places), t.city.in_(places), t.province.in_(places)))
    mask = mask_of(query.attributes)
    if mask:
        found.append(t.attribute_mask.op("&")(mask) == mask)
    if query.min_monthly_pay:
        least = -(-int(query.min_monthly_pay) // 10) * 10
        found.append(or_(absent(t.monthly_pay), t.monthly_pay >= least))
    if query.age is not None:
        age = min(max(query.age, 0), (1 << st.AGE_BITS) - 1)
        found.append(or_(absent(t.age_min), t.age_min <= age))
        found.append(or_(absent(t.age_max), t.age_max >= age))
    return found


def pg_conditions(query: ShelfQuery, *, deadline: bool = True) -> list[ColumnElement[bool]]:
    """The query as column conditions, meaning what `match_of` means over tokens (`deadline`: leave out postings
    past their deadline, which is needed only while the daily check has not unlisted them)."""
    today = literal_column(f"DATE '{query.today.isoformat()}'")
    # bare `listed` (not "IS true"), so the planner sees the partial indexes apply
    found: list[ColumnElement[bool]] = [Posting.listed]
    if deadline:
        found.append(or_(Posting.deadline.is_(None), Posting.deadline >= today))
    found += _facets(query, Posting, lambda column: column.is_(None))
    words = _words_match(query)
    if words is not None:
        found.append(_document(words))
    return found


def pg_tiers(query: ShelfQuery, *, deadline: bool = True) -> list[list[ColumnElement[bool]]]:
    """`tiers_of` as column conditions."""
    base = pg_conditions(query, deadline=deadline)
    if query.order == "pay":
        tiers = [[*base, Posting.monthly_pay >= low, *([Posting.monthly_pay < high] if high else [])]
                 for low, high in PAY_BANDS]
        return [*tiers, [*base, Posting.monthly_pay.is_(None)]]
    if query.order == "near" and query.nearest:
        near = list(query.nearest)
        return [[*base, Posting.township == t] for t in near] + [
            [*base, or_(Posting.township.is_(None), Posting.township.not_in(near))]]
    if query.order != "relevance":
        return [base]
    # the pay figure is read in order within a part (index ix_shelf_pay), so no bands are needed here
    title = _title_match(query)
    parts = [[*base, _document(title)], [*base, ~_document(title)]] if title is not None else [base]
    return [tier for part in parts for tier in ([*part, Posting.monthly_pay.is_not(None)],
                                                 [*part, Posting.monthly_pay.is_(None)])]


# --- both backends: questions without free-text words are counted from the count table ------------------------


def countable(query: ShelfQuery) -> bool:
    """The count table answers the query's total (no free-text word to search for)."""
    return _words_match(query) is None


def group_conditions(query: ShelfQuery) -> list[ColumnElement[bool]]:
    """`pg_conditions` without words, on the count table's groups (a missing value there is '' or -1)."""
    return _facets(query, ShelfCount, lambda column: column == -1)


def _band_of(pay: int) -> int:
    """The pay band (index into `PAY_BANDS`) of a monthly figure; -1 (none named) falls after the last band."""
    if pay == -1:
        return len(PAY_BANDS)
    return next(i for i, (low, high) in enumerate(PAY_BANDS) if pay >= low and (high is None or pay < high))


def group_split(query: ShelfQuery, *, sqlite: bool) -> tuple[Any, Callable[[Any], int], int]:
    """How the query's groups fall into its tiers, tier for tier as the backend reads them (`tiers_of` on SQLite,
    banded; `pg_tiers` on PostgreSQL): the count table's column the tiers differ by (None: one tier), the tier of a
    value of it, and how many tiers. The groups are summed per value of that column (GROUP BY: one pass, where a sum
    per tier would test every group once per tier), the tiers' sizes added up here."""
    g = ShelfCount
    if query.order == "pay" or (query.order == "relevance" and sqlite):
        return g.monthly_pay, _band_of, len(PAY_BANDS) + 1
    if query.order == "near" and query.nearest:
        near = {township: i for i, township in enumerate(query.nearest)}
        return g.township, lambda township: near.get(township, len(near)), len(near) + 1
    if query.order != "relevance":
        return None, lambda _value: 0, 1
    return g.monthly_pay, lambda pay: 1 if pay == -1 else 0, 2


class _Engine:
    """Counting and reading ids of one tier on one backend (SQLite: FTS5 match or, for a dense tier of a question
    without words, a walk by id; PostgreSQL: column conditions, or a tsquery when the question has words)."""

    def __init__(self, session: AsyncSession, today: date) -> None:
        self.session = session
        self.today = today
        self.sqlite = session.bind.dialect.name == "sqlite"
        self._expired: bool | None = None
        self._span: int | None = None  # SQLite: the highest posting id, once the count table was read
        self.per_pay: dict[int, int] | None = None  # the query's postings per monthly pay figure (-1: none named)
        self.per_pay_entries: dict[int, int] = {}  # the pay-ordered index's entries per figure (`grouped`)
        self._named_pays: list[int] = []  # the figures of `per_pay` other than -1, highest first
        self._named_total = 0  # postings naming a pay figure
        self._shelf: int | None = None  # the highest posting id (`_shelf_size`)
        self._token_totals: dict[str, int | None] = {}  # `by_token`, once per search

    async def _any_expired(self) -> bool:
        """Listed postings past their deadline (the daily check unlists them, so usually none: the exclusion, a
        cost on every matching row, is only written into SQLite's statements when there are)."""
        if self._expired is None:
            # the day written into the statement, never bound: PostgreSQL plans a statement it has run five times
            # for any value of its parameters, and for "deadline < $1" that is a scan of every listed posting
            probe = self._compiled(select(self._expired_probe()))
            self._expired = (await self.session.execute(text(probe))).scalar_one() is not None
        return self._expired

    @property
    def walkable(self) -> bool:
        """SQLite read the count table for this search (no words, nothing expired): tiers may be walked by id."""
        return self._span is not None

    def _compiled(self, stmt: Any) -> str:
        return str(stmt.compile(dialect=self.session.bind.dialect, compile_kwargs={"literal_binds": True}))

    async def count(self, tier: Any) -> int:
        if isinstance(tier, PayPart) and self.sqlite:
            tier = tier.tokens
        if self.sqlite:
            sql = f"SELECT count(*) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :m"
            if await self._any_expired():
                sql += f" AND rowid NOT IN ({_EXPIRED})"
            return int((await self.session.execute(text(sql), {"m": tier.fts5(), "today": self.today})).scalar_one())
        stmt = select(func.count()).select_from(Posting).where(*await self._rows(tier))
        return int((await self.session.execute(text(self._compiled(stmt)))).scalar_one())

    def _today(self) -> Any:
        return literal_column(f"'{self.today.isoformat()}'" if self.sqlite else f"DATE '{self.today.isoformat()}'")

    def _expired_probe(self) -> Any:
        """A scalar subquery: 1 when some listed posting is past its deadline (an index probe)."""
        return select(literal_column("1")).select_from(Posting).where(
            Posting.listed, Posting.deadline < self._today()).limit(1).scalar_subquery()

    async def _rows(self, tier: Any) -> list[ColumnElement[bool]]:
        """PostgreSQL: a tier's conditions on the posting table; a tier of search tokens (a question with words)
        is answered by the GIN index alone, with the deadline read only while expired postings are listed."""
        if isinstance(tier, PayPart):  # whether pay is named: a column of the row read anyway, not a token
            pay = {"named": [Posting.monthly_pay.is_not(None)], "none": [Posting.monthly_pay.is_(None)]}
            return [*await self._rows(tier.match), *pay.get(tier.pay, [])]
        if not isinstance(tier, st.Match):
            return tier
        found = [Posting.listed, _document(tier)]
        if await self._any_expired():
            found.append(or_(Posting.deadline.is_(None), Posting.deadline >= self._today()))
        return found

    async def ids(self, tier: Any, limit: int, offset: int, *, pay_first: bool = False,
                  rows: list[ColumnElement[bool]] | None = None, size: int | None = None) -> list[int]:
        """`limit` ids of the tier from `offset` on, newest first or (`pay_first`) by pay figure, highest first, then
        `created_at`. On SQLite a tier of many postings (`size`, of
        the whole table's ids) is read by walking the table newest first with its column conditions (`rows`): a few
        rows read for each one kept, where the full-text index would merge whole lists of postings."""
        if limit <= 0:
            return []
        if isinstance(tier, PayPart):
            return await self.part_ids(tier, limit, offset, size)
        if self.sqlite and not pay_first and rows is not None and size and self._span is not None and (
                (offset + limit) * self._span <= WALK_ROWS * size):
            stmt = select(Posting.id).where(*rows).order_by(Posting.id.desc()).limit(limit).offset(offset)
            # the walk by id, never an index on a condition (which would then sort what it found)
            sql = self._compiled(stmt).replace("FROM posting ", "FROM posting NOT INDEXED ", 1)
            return [int(r[0]) for r in (await self.session.execute(text(sql))).all()]
        if self.sqlite or (isinstance(tier, st.Match) and pay_first):
            return await self._matched(tier, limit, offset, pay_first=pay_first)
        # a tier holds known pay or none, never both: plain DESC, which a backward scan of ix_shelf_pay gives
        order = ([Posting.monthly_pay.desc(), Posting.created_at.desc(), Posting.id.desc()]
                 if pay_first else [Posting.id.desc()])
        stmt = select(Posting.id).where(*await self._rows(tier)).order_by(*order).limit(limit).offset(offset)
        return [int(r[0]) for r in (await self.session.execute(text(self._compiled(stmt)))).all()]

    async def _matched(self, tier: st.Match | PayPart, limit: int, offset: int, *, pay_first: bool) -> list[int]:
        """A tier of search tokens read from its full-text matches: newest first, or (`pay_first`) all of them
        sorted by pay figure (SQLite: each match's figure looked up in a narrow covering index; PostgreSQL: the
        GIN index's rows materialized, so the planner never walks the whole shelf's pay index checking each
        posting's tokens, hoping the words sit among the best-paid)."""
        if self.sqlite:
            sql = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :m"
            if await self._any_expired():
                sql += f" AND rowid NOT IN ({_EXPIRED})"
            if pay_first:
                sql = (f"SELECT id FROM posting INDEXED BY {SQLITE_PAY_ORDER_INDEX} WHERE listed AND id IN ({sql}) "
                       f"ORDER BY {_PAY_ORDER}")
            else:
                sql += " ORDER BY rowid DESC"
            sql += " LIMIT :limit OFFSET :offset"
            tokens = tier.tokens if isinstance(tier, PayPart) else tier
            params = {"m": tokens.fts5(), "today": self.today, "limit": limit, "offset": offset}
            return [int(r[0]) for r in (await self.session.execute(text(sql), params)).all()]
        _count, (ids,) = await self._materialized(await self._rows(tier), _PAY_ORDER, [(limit, offset)])
        return ids

    async def _materialized(self, rows: list[ColumnElement[bool]], order: str, pages: list[tuple[int, int]], *,
                            cap: int | None = None, titled: list[ColumnElement[bool]] | None = None
                            ) -> tuple[int, list[list[int]]]:
        """PostgreSQL: the postings meeting `rows` (at most `cap` of them) read once from the GIN index and kept
        (MATERIALIZED: the planner never walks a pay index checking each posting's tokens instead), then how many
        they are and each (limit, offset) page of them in `order`; `titled`: the conditions of the postings shown
        first (as a second materialized set)."""
        found = select(Posting.id, Posting.monthly_pay, Posting.created_at).where(*rows)
        ctes = [f"found AS MATERIALIZED ({self._compiled(found if cap is None else found.limit(cap))})"]
        if titled is not None:
            ctes.append(f"titled AS MATERIALIZED ({self._compiled(select(Posting.id).where(*titled))})")
            order = f"(id IN (SELECT id FROM titled)) DESC, {order}"
        arrays = ", ".join(f"ARRAY(SELECT id FROM found ORDER BY {order} LIMIT {int(limit)} OFFSET {int(offset)})"
                           for limit, offset in pages)
        row = (await self.session.execute(text(f"WITH {', '.join(ctes)} SELECT (SELECT count(*) FROM found), "
                                                f"{arrays}"))).one()
        return int(row[0]), [[int(i) for i in ids] for ids in row[1:]]

    async def part_ids(self, part: PayPart, limit: int, offset: int, size: int | None,
                       room: int | None = None) -> list[int]:
        """`limit` ids of a `PayPart` from `offset` on, in pay order: a small part (its size known, or counted
        when it is the titled part) sorted whole; else walked from the top of the pay order (`walk`, bounded by
        how common the part is: `room`, at most how many postings it holds), and when the walk finds too few (the
        part pays little) read without it: sorted whole (PostgreSQL, or SQLite up to `SORT_AFTER_WALK`), or by
        pay band."""
        if part.titled and size is None:
            if not self.sqlite:  # counted and read in one pass when it is small, or the result is not large
                # (words in titles name a trade, whose postings pay alike: a walk from the top seldom finds them)
                whole = room is not None and room <= SORT_AFTER_WALK
                size, found = await self._sorted_if_small(part, limit, offset, whole=whole)
                if size is not None:
                    return found
            else:
                size = await self.count(part)
        bound = size if size is not None else room  # at most this many postings in the part
        if bound is not None and bound <= PART_SORT_WHOLE:
            return await self._matched(part, limit, offset, pay_first=True)
        if await self._walk_may_find(offset + limit, bound):
            found = await self.walk(part, limit, offset, bound)
            if len(found) == limit or (size is not None and offset + len(found) >= size):
                return found
        if not self.sqlite:
            return await self._matched(part, limit, offset, pay_first=True)
        size = size if size is not None else await self.count(part)
        if size <= SORT_AFTER_WALK:
            return await self._matched(part, limit, offset, pay_first=True)
        return await _Walk(self, _pay_bands(part.match), {}, size, None, pay_first=True)(offset, limit)

    async def whole_result(self, query: ShelfQuery, skip: int, need: int, remember: int
                           ) -> tuple[int, list[int], list[int]]:
        """PostgreSQL, a question with words: the total, the page and the first `remember` ids from one read of
        the GIN index's matches (and of the titled ones, for "relevance"), in the query's order. It costs what
        counting them does (a heap page per match, PostgreSQL's GIN has no index-only reads), where a count and
        then a read of each part would read them again; so it is how a question is read unless a cheap total
        (`by_token`) says many postings fit, which are then read part by part (`PayPart`). No LIMIT inside: with
        one, the planner may walk an index checking each posting's tokens, hoping to stop early."""
        title = _title_match(query) if by_pay(query) else None
        titled = await self._rows(st.all_of([self.base(query), title])) if title is not None else None
        order = f"(monthly_pay IS NULL), {_PAY_ORDER}" if by_pay(query) else "id DESC"
        total, (page_ids, ids) = await self._materialized(await self._rows(self.base(query)), order,
                                                          [(need, skip), (remember, 0)], titled=titled)
        return total, page_ids, ids

    async def _sorted_if_small(self, part: PayPart, limit: int, offset: int, *, whole: bool = False
                               ) -> tuple[int | None, list[int]]:
        """PostgreSQL: a part's matches, at most `PART_SORT_WHOLE` of them (or all: `whole`), read once: their
        number and the page sorted by pay, or (None, []) when there are more (the GIN index's rows are read for
        both at once, where a count and then a sort would read them twice)."""
        size, (ids,) = await self._materialized(await self._rows(part), _PAY_ORDER, [(limit, offset)],
                                                cap=None if whole else PART_SORT_WHOLE + 1)
        if size > PART_SORT_WHOLE and not whole:
            return None, []
        return size, ids

    async def walk(self, part: PayPart, limit: int, offset: int, room: int | None) -> list[int]:
        """The part's postings among the first postings of the whole shelf in pay order, from `offset` on: a prefix
        of the part in its order, complete when it holds `limit` ids. Each posting walked is checked against the
        part's tokens (SQLite: its `search_tokens`; PostgreSQL: its tsvector), so a walk costs the postings it
        reads, a few microseconds each, whatever the part's size. How far it reads: `WALK_SPARE` times the
        postings a part of `room` postings spread evenly would need, at most `WALK_ROWS`."""
        wanted = offset + limit
        rows = WALK_ROWS
        if room:
            shelf = await self._shelf_size()
            rows = min(WALK_ROWS, max(wanted, -(-WALK_SPARE * wanted * shelf // room)))
        if self.sqlite:
            params: dict[str, Any] = {"limit": limit, "offset": offset, "rows": rows, "today": self.today}
            holds = _holds(part.tokens, "search_tokens", params)
            listed = f"listed AND id NOT IN ({_EXPIRED})" if await self._any_expired() else "listed"
            # a subquery with LIMIT is run as a co-routine: its rows come in its own order, never re-sorted
            sql = (f"SELECT id FROM (SELECT id, search_tokens FROM posting INDEXED BY {SQLITE_PAY_WALK_INDEX} "
                   f"WHERE {listed} ORDER BY {_PAY_ORDER} LIMIT :rows) WHERE {holds} LIMIT :limit OFFSET :offset")
            return [int(r[0]) for r in (await self.session.execute(text(sql), params)).all()]
        named = part.pay != "none"
        where = "listed AND monthly_pay IS NOT NULL" if named else "listed AND monthly_pay IS NULL"
        if await self._any_expired():
            where += f" AND (deadline IS NULL OR deadline >= DATE '{self.today.isoformat()}')"
        order = ("monthly_pay DESC, " if named else "") + "created_at DESC, id DESC"
        tsquery = f"CAST('{_quote(part.tokens.tsquery())}' AS tsquery)"
        sql = (f"SELECT id FROM (SELECT id, monthly_pay, created_at, {PG_DOCUMENT} FROM posting WHERE {where} "
               f"ORDER BY {order} LIMIT {int(rows)}) walked WHERE {PG_DOCUMENT} @@ {tsquery} "
               f"ORDER BY {order} LIMIT {int(limit)} OFFSET {int(offset)}")
        return [int(r[0]) for r in (await self.session.execute(text(sql))).all()]

    async def _walk_may_find(self, wanted: int, bound: int | None) -> bool:
        """Whether `WALK_ROWS` postings of the shelf would hold `wanted` of a part of `bound` postings spread
        evenly (else the walk is not tried: it could only fail)."""
        return bound is None or WALK_ROWS * bound >= wanted * await self._shelf_size()

    async def _shelf_size(self) -> int:
        """About how many postings the shelf holds (the highest id: one index look-up), for judging a walk."""
        if self._shelf is None:
            self._shelf = int((await self.session.execute(text("SELECT max(id) FROM posting"))).scalar_one() or 0)
        return self._shelf

    async def grouped(self, query: ShelfQuery) -> tuple[int, dict[int, int]] | None:
        """The total and every tier's size from the count table in one statement (its groups summed per value of
        the column the tiers differ by), or None when listed postings past their deadline wait for the daily check
        (the groups count them; the postings are read then). On SQLite the same statement reads the highest posting
        id, for `ids` to judge a walk by id, and, when the tiers go by pay, keeps per pay figure how many postings
        fit (`per_pay`) and how many entries the pay-ordered index to read holds there (`per_pay_entries`: the
        asked categories', or the whole shelf's), for `by_pay_figure`."""
        column, tier_of, tiers = group_split(query, sqlite=self.sqlite)
        key = [column] if column is not None else []
        conditions = group_conditions(query)
        fit = func.sum(ShelfCount.postings)
        entries = []
        walk = column is ShelfCount.monthly_pay
        if walk:  # every group of the index's scope, the fitting ones summed apart
            if conditions:
                fit = fit.filter(and_(*conditions))
            conditions = [ShelfCount.job_category.in_(list(query.categories))] if query.categories else []
            entries = [func.sum(ShelfCount.postings)]
        extra = [select(func.max(Posting.id)).scalar_subquery()] if self.sqlite else []
        stmt = select(*key, fit, *entries, *extra, self._expired_probe()).where(*conditions)
        if key:
            stmt = stmt.group_by(*key)
        sql = self._compiled(stmt)
        if walk and self.sqlite and not query.categories:  # every group read: in pay order from an index, no sort
            sql = sql.replace("FROM shelf_count", f"FROM shelf_count INDEXED BY {COUNT_PAY_INDEX}", 1)
        rows = (await self.session.execute(text(sql))).all()
        self._expired = bool(rows) and rows[0][-1] is not None
        if self._expired:
            return None
        if self.sqlite:
            self._span = int(rows[0][-2] or 0) if rows else 0
        sizes: dict[int, int] = {}
        for row in rows:
            tier = tier_of(row[0]) if key else 0
            sizes[tier] = sizes.get(tier, 0) + int(row[len(key)] or 0)
        if walk:
            self.per_pay = {int(row[0]): int(row[1] or 0) for row in rows if row[1]}
            self._named_pays = sorted((pay for pay in self.per_pay if pay != -1), reverse=True)
            self._named_total = sum(self.per_pay[pay] for pay in self._named_pays)
            self.per_pay_entries = {int(row[0]): int(row[2] or 0) for row in rows}
        return sum(sizes.values()), {i: sizes.get(i, 0) for i in range(tiers)}

    async def by_token(self, base: Any) -> int | None:
        """PostgreSQL, a question whose only condition is one search token ("有没有纺织厂"): its total from the
        per-token counts (storage/queries/token_counts.py), with whether expired postings wait read in the same
        statement; None otherwise, or when they wait (the postings are counted then)."""
        if self.sqlite or not isinstance(base, st.Match) or base.op != "tok":
            return None
        if base.token not in self._token_totals:
            stmt = select(literal_column(total_sql()), self._expired_probe())
            row = (await self.session.execute(text(self._compiled(stmt)),
                                              {"token": base.token, "query": as_tsquery(base.token)})).one()
            self._expired = row[1] is not None
            self._token_totals[base.token] = None if self._expired else int(row[0])
        return self._token_totals[base.token]

    async def total(self, query: ShelfQuery) -> int:
        """How many listed postings fit (the count table, or the per-token counts, answer when they can)."""
        if countable(query):
            found = await self.grouped(query)
            if found is not None:
                return found[0]
        base = self.base(query)
        by_token = await self.by_token(base)
        return by_token if by_token is not None else await self.count(base)

    async def sizes(self, query: ShelfQuery, tiers: list[Any]) -> tuple[int, dict[int, int]]:
        """The total, and the tiers' sizes where counting them with it is cheaper than one by one later: the
        count table gives them all at once; else PostgreSQL counts them all in the same scan (FILTER), SQLite
        counts a tier when a page reaches it."""
        if countable(query):
            found = await self.grouped(query)
            if found is not None:
                return found
        base = self.base(query)
        by_token = await self.by_token(base)
        if by_token is not None:
            return by_token, {}
        if isinstance(base, st.Match) and not self.sqlite:
            # PostgreSQL, a question with words: counted from the GIN index, whether expired postings wait too read
            # in the same statement; the tiers are counted when a page reaches them, as on SQLite
            stmt = select(func.count(), self._expired_probe()).select_from(Posting).where(
                Posting.listed, _document(base))
            row = (await self.session.execute(text(self._compiled(stmt)))).one()
            self._expired = row[1] is not None
            return (await self.count(base) if self._expired else int(row[0])), {}
        if self.sqlite or len(tiers) == 1:
            return await self.count(base), {}
        conditions = [and_(*tier[len(base):]) for tier in tiers]
        stmt = select(func.count(), *(func.count().filter(c) for c in conditions)).select_from(Posting).where(*base)
        row = (await self.session.execute(text(self._compiled(stmt)))).one()
        return int(row[0]), {i: int(n) for i, n in enumerate(row[1:])}

    def pay_figures(self, skip: int, need: int) -> tuple[list[int], int, bool] | None:
        """The pay figures holding positions `skip` to `skip + need` of a pay-ordered result (highest first), how
        many postings pay more than the first of them, and whether the page reaches the postings naming no pay;
        None when reading them through the pay-ordered index would read more than `WALK_ENTRIES` entries (the
        figures are common on the shelf and the question rare among them)."""
        assert self.per_pay is not None
        figures: list[int] = []
        before = position = 0
        for pay in self._named_pays:
            if position + self.per_pay[pay] > skip:
                if not figures:
                    before = position
                figures.append(pay)
                if position + self.per_pay[pay] >= skip + need:
                    break
            position += self.per_pay[pay]
        unknown = bool(self.per_pay.get(-1)) and self._named_total < skip + need
        cost = sum(self.per_pay_entries.get(pay, 0) for pay in figures) + (
            self.per_pay_entries.get(-1, 0) if unknown else 0)
        return (figures, before, unknown) if cost <= WALK_ENTRIES else None

    async def by_pay_figure(self, query: ShelfQuery, skip: int, need: int) -> list[int]:
        """A question counted from the count table: `need` ids from position `skip` on in pay order, read from a
        covering index in that order (SQLite: `ix_shelf_pay_category` when categories are asked, else
        `ix_shelf_pay_walk`; PostgreSQL: its planner's pick of `ix_shelf_category_pay` or `ix_shelf_pay`) for exactly the pay figures the page holds (`pay_figures`), so a page reads those
        figures' index entries only, however many postings pay more."""
        assert self.per_pay is not None
        plan = self.pay_figures(skip, need)
        assert plan is not None
        figures, before, unknown = plan
        # bare `listed`, the partial indexes' own condition (SQLite does not read "listed = 1" as implying it)
        rows = [literal_column("posting.listed"), *_facets(query, Posting, lambda column: column.is_(None))]
        index = SQLITE_PAY_CATEGORY_INDEX if query.categories else SQLITE_PAY_WALK_INDEX
        ids: list[int] = []
        if figures:
            stmt = (select(Posting.id).where(*rows, Posting.monthly_pay.in_(figures))
                    .order_by(Posting.monthly_pay.desc(), Posting.created_at.desc(), Posting.id.desc())
                    .limit(need).offset(skip - before))
            ids = await self._read_through(stmt, index)
        if len(ids) < need and unknown:
            stmt = (select(Posting.id).where(*rows, Posting.monthly_pay.is_(None))
                    .order_by(Posting.created_at.desc(), Posting.id.desc())
                    .limit(need - len(ids)).offset(max(skip - self._named_total, 0)))
            ids += await self._read_through(stmt, index)
        return ids

    async def _read_through(self, stmt: Any, index: str) -> list[int]:
        sql = self._compiled(stmt)
        if self.sqlite:  # PostgreSQL's planner takes the category's pay index, or the shelf's, by itself
            sql = sql.replace("FROM posting ", f"FROM posting INDEXED BY {index} ", 1)
        return [int(r[0]) for r in (await self.session.execute(text(sql))).all()]

    def base(self, query: ShelfQuery) -> Any:
        """The query as search tokens (SQLite; PostgreSQL when it has words) or column conditions."""
        return match_of(query) if self.sqlite or not countable(query) else pg_conditions(query)

    def tiers(self, query: ShelfQuery) -> list[Any]:
        """SQLite: pay-ordered parts in bands; PostgreSQL, a question with words: the parts whole (each sorted by
        pay when read, as `pg_tiers` are)."""
        if not countable(query) and by_pay(query):
            return pay_parts(query, sqlite=self.sqlite)
        if self.sqlite:
            return tiers_of(query)
        return pg_tiers(query) if countable(query) else tiers_of(query, banded=False)


_EXPIRED = "SELECT id FROM posting WHERE listed AND deadline < :today"
# SQLite: a tier is read by walking the posting table newest first when about this many rows at most are read.
WALK_ROWS = 2000
# SQLite: a page in pay order is read through a pay-ordered index when its figures hold at most this many entries
WALK_ENTRIES = 50_000
# A question with words in pay order (`PayPart`): a part of at most this many postings is sorted whole; a larger
# one is walked from the top of the pay order, over at most this many index entries (SQLite: a look-up in the
# part's matches each) or postings (PostgreSQL: each one's tokens checked)
PART_SORT_WHOLE = 10_000
# A walk reads this many times the postings an evenly spread part would need, and at most WALK_ROWS (a walk that
# finds too few costs about 7 µs a posting: 15 ms at most); after it, SQLite sorts a part of up to SORT_AFTER_WALK
# postings whole (about 1 µs a posting) and reads a larger one by pay band.
WALK_SPARE = 3
WALK_ROWS = 2_000
SORT_AFTER_WALK = 60_000
COUNT_PAY_INDEX = "ix_shelf_count_pay"  # storage.models.ShelfCount: the groups in pay order
_PAY_ORDER = "monthly_pay DESC, created_at DESC, id DESC"


async def count_postings(session: AsyncSession, query: ShelfQuery) -> int:
    """How many listed postings fit the query."""
    return await _Engine(session, query.today).total(query)


async def search_postings(session: AsyncSession, query: ShelfQuery, *, page: int = 1, page_size: int = 5,
                          remember: int = 0) -> SearchPage:
    """The listed postings that fit, the `page`th `page_size` of them in the query's order (enterprise loaded),
    how many fit, and the ids of the first `remember` (a chat's result list, for paging and references)."""
    engine = _Engine(session, query.today)
    first = max(page - 1, 0) * page_size
    if not engine.sqlite and not countable(query) and query.order != "near":
        known = await engine.by_token(engine.base(query))  # a one-token question's total, when counted
        if known is None or known <= PART_SORT_WHOLE:
            total, page_ids, ids = await engine.whole_result(query, first, page_size, remember)
            return SearchPage(total, await postings_in_order(session, page_ids), ids)
    tiers = engine.tiers(query)
    total, sizes = await engine.sizes(query, tiers)
    pay_first = by_pay(query)
    if engine.sqlite and pay_first and total <= SORT_WHOLE:
        tiers = tiers_of(query, banded=False)
        # the bands' sizes from the count table, as the two parts read whole: pay named, then not
        sizes = {0: sum(n for i, n in sizes.items() if i < len(sizes) - 1), 1: sizes[len(sizes) - 1]} if sizes else {}
    # counted from the count table (SQLite): the tiers' column conditions, for walking the table by id (newest
    # first only: a pay-ordered tier is read through the pay index)
    rows = pg_tiers(query, deadline=False) if engine.sqlite and engine.walkable and not pay_first else None
    walk: Callable[[int, int], Awaitable[list[int]]] = _Walk(engine, tiers, sizes, total, rows, pay_first)
    if (pay_first and engine.per_pay is not None
            and engine.pay_figures(first, page_size) is not None
            and (not remember or engine.pay_figures(0, remember) is not None)):
        walk = partial(engine.by_pay_figure, query)
    if first + page_size <= remember:
        ids = await walk(0, remember)
        page_ids = ids[first:first + page_size]
    else:
        page_ids = await walk(first, page_size)
        ids = await walk(0, remember) if remember else []
    return SearchPage(total, await postings_in_order(session, page_ids), ids)


@dataclass
class _Walk:
    """Reading ids through the tiers in order (`sizes`: the tiers counted so far; `rows`: their column
    conditions, where a walk by id may read them)."""

    engine: _Engine
    tiers: list[Any]
    sizes: dict[int, int]
    total: int
    rows: list[list[ColumnElement[bool]]] | None
    pay_first: bool = False

    async def __call__(self, skip: int, need: int) -> list[int]:
        """`need` ids from position `skip` on."""
        ids: list[int] = []
        if skip >= self.total:
            return ids
        for number, tier in enumerate(self.tiers):
            if need <= 0:
                break
            if self.sizes.get(number) == 0:
                continue  # known to be empty: nothing to read
            # a tier is counted only to skip into it; the last one never (what is left of the total is in it)
            if skip and number < len(self.tiers) - 1:
                if number not in self.sizes and isinstance(tier, PayPart):
                    # read first: a part holding more than `skip` postings needs no count (a count of a common
                    # word's part costs what reading all of it does)
                    found = await self.engine.ids(tier, need, skip, pay_first=self.pay_first)
                    if found:
                        ids.extend(found)
                        need -= len(found)
                        skip = 0
                        continue
                if number not in self.sizes:
                    self.sizes[number] = await self.engine.count(tier)
                if skip >= self.sizes[number]:
                    skip -= self.sizes[number]
                    continue
            if isinstance(tier, PayPart):  # at most what the total leaves beside the tiers counted
                room = self.total - sum(n for other, n in self.sizes.items() if other != number)
                found = await self.engine.part_ids(tier, need, skip, self.sizes.get(number), room)
            else:
                found = await self.engine.ids(tier, need, skip, pay_first=self.pay_first,
                                              rows=self.rows[number] if self.rows else None,
                                              size=self.sizes.get(number))
            ids.extend(found)
            need -= len(found)
            skip = 0
        return ids


async def postings_in_order(session: AsyncSession, ids: Sequence[int]) -> list[Posting]:
    """The postings with these ids, enterprise loaded, in the order given."""
    if not ids:
        return []
    stmt = select(Posting).where(Posting.id.in_(list(ids))).options(joinedload(Posting.enterprise))
    found = {p.id: p for p in (await session.execute(stmt)).scalars()}
    return [found[i] for i in ids if i in found]


async def counts_without(session: AsyncSession, query: ShelfQuery) -> dict[str, int]:
    """For each condition of the query, how many postings would fit without it (what removed them all)."""
    engine = _Engine(session, query.today)
    return {condition: await engine.total(query.without(condition)) for condition in query.conditions()}


async def unlist_expired(session: AsyncSession, today: date) -> int:
    """The daily check: postings past their deadline leave the shelf (search leaves them out meanwhile)."""
    stmt = (update(Posting).where(Posting.listed.is_(True), Posting.deadline < today).values(listed=False)
            .execution_options(synchronize_session=False))
    result = await session.execute(stmt)
    return int(result.rowcount or 0)
