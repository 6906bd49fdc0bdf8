"""The shelf search reads, kept by the database itself: which postings are listed, and the index over them.

A posting is listed when it is open and the one shown of its near-duplicates (same enterprise, title and place:
the open one with the latest deadline, then the newest); the daily check also unlists postings past their
deadline (`storage.queries.search.unlist_expired`). Triggers keep `posting.listed` in step with every insert,
update and delete, whoever writes — the ORM, a bulk import, a staff command.

The full-text index holds only listed postings' `search_tokens` (storage/search_text.py):
- SQLite: an FTS5 table `posting_fts` (detail=none: which postings hold a token, no positions) whose external
  content is the view `posting_shelf`; the same triggers add and remove its rows. They rely on SQLite's
  default of no recursive triggers (a trigger's own UPDATE does not fire it again; another trigger's does).
- PostgreSQL: a partial GIN index over the generated column `search_document` =
  `array_to_tsvector(string_to_array(search_tokens, ' '))` where listed (no text search parser is involved, so the
  database's locale cannot change what a token is) for the words
  asked, and partial B-tree indexes holding every column a search filters on, so that counts of broad questions
  are read from an index alone.

The count table `shelf_count` (storage.models.ShelfCount) holds how many listed postings share each group of
category, place, attribute mask, pay and age limits; the same triggers keep it (SQLite: beside each index entry;
PostgreSQL: three row triggers firing only when `listed` or the group changes), so search can total a question
without words by summing groups (storage/queries/search.py). `recount` makes it again in one statement.

PostgreSQL also counts listed postings per search token (`shelf_token`, storage/queries/token_counts.py): three
more row triggers (`PG_TOKEN_TRIGGERS`, firing only when `listed` or the tokens of a listed posting change) insert
each change as a row of `shelf_token_change`, which a fold adds up; `recount` makes those counts again too.

`create_shelf` is run by the migration that introduced it; a later migration that rebuilds the posting table
(SQLite batch mode) must run it again (tests/storage/test_search.py checks the triggers exist at head).
"""

from __future__ import annotations

from sqlalchemy import Connection, inspect, text

from storage.queries.token_counts import CHANGE_TABLE, TOKEN_TABLE, has_token_counts, recount_tokens
from storage.states import PostingState

# the one state whose postings are on the shelf, as SQL text in the triggers and statements below
_OPEN = f"'{PostingState.OPEN.value}'"

FTS_TABLE = "posting_fts"
SQLITE_TRIGGERS = ("posting_shelf_index", "posting_shelf_insert", "posting_shelf_decide", "posting_shelf_delete")
SHELF_VIEW = "posting_shelf"
GIN_INDEX = "ix_posting_search"
# SQLite: reading a pay-ordered tier looks up each match's pay figure and date by rowid; this narrow covering index
# answers those look-ups without reading the posting rows (3× faster on a 100k shelf; storage/queries/search.py)
SQLITE_PAY_ORDER_INDEX = "ix_shelf_pay_order"
SQLITE_PAY_ORDER = (f"CREATE INDEX IF NOT EXISTS {SQLITE_PAY_ORDER_INDEX} ON posting (id, monthly_pay, created_at) "
                    "WHERE listed")
# SQLite: a page of a question without words, in pay order, is read from one of two covering indexes in that order
# (storage/queries/search.py `by_pay_figure`): by category, or over the whole shelf; each holds every column such a
# question filters on, so a page reads index entries of the pay figures it shows and no posting row
_PAY_WALK_COLUMNS = "monthly_pay, created_at, id, township, city, province, attribute_mask, age_min, age_max"
SQLITE_PAY_CATEGORY_INDEX = "ix_shelf_pay_category"
SQLITE_PAY_WALK_INDEX = "ix_shelf_pay_walk"
SQLITE_PAY_WALKS = (
    f"CREATE INDEX IF NOT EXISTS {SQLITE_PAY_CATEGORY_INDEX} ON posting (job_category, {_PAY_WALK_COLUMNS}) "
    "WHERE listed",
    f"CREATE INDEX IF NOT EXISTS {SQLITE_PAY_WALK_INDEX} ON posting ({_PAY_WALK_COLUMNS}, job_category) WHERE listed",
)
# PostgreSQL keeps the tokens as a stored tsvector too (a generated column, outside the SQLAlchemy metadata):
# the GIN index is built on it, and checking a row against a query reads it instead of re-splitting the text.
PG_DOCUMENT = "search_document"
PG_DOCUMENT_OF = "array_to_tsvector(string_to_array(search_tokens, ' '))"
# The count table (storage.models.ShelfCount): listed postings per group of what search filters on.
COUNT_TABLE = "shelf_count"
COUNT_KEY = ("job_category", "township", "city", "province", "attribute_mask", "monthly_pay", "age_min", "age_max")
_COUNT_MISSING = {"job_category": "''", "township": "''", "city": "''", "province": "''", "attribute_mask": "0",
                  "monthly_pay": "-1", "age_min": "-1", "age_max": "-1"}
PG_COUNT_TRIGGERS = ("posting_count_insert", "posting_count_update", "posting_count_delete")


def _key_of(row: str) -> str:
    """A posting's group in the count table, from the trigger row `row` (NEW or OLD)."""
    return ", ".join(f"coalesce({row}.{c}, {_COUNT_MISSING[c]})" for c in COUNT_KEY)


def _key_changed(differ: str = "IS NOT") -> str:
    return " OR ".join(f"OLD.{c} {differ} NEW.{c}" for c in COUNT_KEY)


def _count_add(row: str, when: str) -> str:
    """One more posting in `row`'s group, when `when` holds (an upsert: the group's row may not exist yet)."""
    return (f"INSERT INTO {COUNT_TABLE} ({', '.join(COUNT_KEY)}, postings) SELECT {_key_of(row)}, 1 WHERE {when} "
            f"ON CONFLICT ({', '.join(COUNT_KEY)}) DO UPDATE SET postings = {COUNT_TABLE}.postings + 1")


def _count_remove(row: str, when: str) -> str:
    key = " AND ".join(f"{c} = coalesce({row}.{c}, {_COUNT_MISSING[c]})" for c in COUNT_KEY)
    return f"UPDATE {COUNT_TABLE} SET postings = postings - 1 WHERE ({when}) AND {key}"


def _group(row: str, alias: str = "") -> str:
    a = f"{alias}." if alias else ""
    return (f"{a}enterprise_id = {row}.enterprise_id AND {a}title = {row}.title "
            f"AND coalesce({a}township, {a}city) = coalesce({row}.township, {row}.city)")


def _sqlite_head(row: str) -> str:
    return (f"(SELECT h.id FROM posting h WHERE {_group(row, 'h')} AND h.status = {_OPEN} "
            "ORDER BY coalesce(h.deadline, '9999-12-31') DESC, h.id DESC LIMIT 1)")


def _sqlite_relist(row: str) -> str:
    """Re-decide a group's listing; each posting whose `listed` flips then fires posting_shelf_index."""
    head = _sqlite_head(row)
    return f"UPDATE posting SET listed = (id IS {head}) WHERE {_group(row)} AND listed IS NOT (id IS {head})"


_DECIDING = ("status", "deadline", "enterprise_id", "title", "township", "city")
_KEY = ("enterprise_id", "title", "township", "city")


def _changed(columns: tuple[str, ...]) -> str:
    return " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)


def _sqlite_statements(counts: bool = True) -> list[str]:
    """The view, the FTS5 table and four triggers, each firing only when it has work (WHEN):

    - posting_shelf_index: a posting's `listed`, tokens or group in the count table changed (and nothing that
      decides listings): its index entry and its count follow. It is what every listing change ends in, also one
      made by the triggers below (SQLite fires a trigger from another trigger's UPDATE, never from its own).
    - posting_shelf_insert / _delete: re-decide the group of the posting added or removed (a row inserted with
      `listed` already set, as no writer of the product does, is indexed first, so the index never misses it).
    - posting_shelf_decide: what decides listings changed (status, deadline, enterprise, title, place): the
      posting's own entry first takes its new tokens, then its old and new groups are re-decided.

    `counts`: the count table exists (a migration older than it makes the triggers without it).
    """
    deciding = _changed(_DECIDING)
    moved = _key_changed()
    # a posting's own entry follows its `listed` and its tokens, from the old row to the new; its count its group
    follow = (
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_tokens) SELECT 'delete', OLD.id, OLD.search_tokens "
        "WHERE OLD.listed AND (NOT NEW.listed OR NEW.search_tokens IS NOT OLD.search_tokens); "
        f"INSERT INTO {FTS_TABLE}(rowid, search_tokens) SELECT NEW.id, NEW.search_tokens "
        "WHERE NEW.listed AND (NOT OLD.listed OR NEW.search_tokens IS NOT OLD.search_tokens); "
    )
    added = removed = ""
    watched = "OLD.listed IS NOT NEW.listed OR OLD.search_tokens IS NOT NEW.search_tokens"
    if counts:
        follow += (f"{_count_remove('OLD', f'OLD.listed AND (NOT NEW.listed OR {moved})')}; "
                   f"{_count_add('NEW', f'NEW.listed AND (NOT OLD.listed OR {moved})')}; ")
        added = f"{_count_add('NEW', 'NEW.listed')}; "
        removed = f"{_count_remove('OLD', 'OLD.listed')}; "
        watched += f" OR {moved}"
    return [
        f"CREATE VIEW IF NOT EXISTS {SHELF_VIEW} AS SELECT id, search_tokens FROM posting WHERE listed",
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(search_tokens, content='{SHELF_VIEW}', "
        "content_rowid='id', detail='none', columnsize=0, tokenize=\"unicode61 tokenchars '_'\")",
        "CREATE TRIGGER IF NOT EXISTS posting_shelf_index AFTER UPDATE ON posting "
        f"WHEN NOT ({deciding}) AND ({watched}) BEGIN {follow}END",
        # a row written already listed gets its entry first, so that re-deciding its group can take it out again
        f"CREATE TRIGGER IF NOT EXISTS posting_shelf_insert AFTER INSERT ON posting BEGIN "
        f"INSERT INTO {FTS_TABLE}(rowid, search_tokens) SELECT NEW.id, NEW.search_tokens WHERE NEW.listed; "
        f"{added}{_sqlite_relist('NEW')}; END",
        # the entry first matches the new row, so the listings re-decided next move it like any other posting's
        f"CREATE TRIGGER IF NOT EXISTS posting_shelf_decide AFTER UPDATE ON posting WHEN {deciding} BEGIN {follow}"
        f"{_sqlite_relist('OLD')} AND ({_changed(_KEY)}); {_sqlite_relist('NEW')}; END",
        "CREATE TRIGGER IF NOT EXISTS posting_shelf_delete AFTER DELETE ON posting BEGIN "
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_tokens) SELECT 'delete', OLD.id, OLD.search_tokens "
        f"WHERE OLD.listed; {removed}{_sqlite_relist('OLD')}; END",
    ]


_PG_FUNCTIONS = [
    f"""CREATE OR REPLACE FUNCTION posting_relist(e integer, t varchar, p varchar) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    head integer;
BEGIN
    SELECT id INTO head FROM posting
     WHERE enterprise_id = e AND title = t AND coalesce(township, city) = p AND status = {_OPEN}
     ORDER BY coalesce(deadline, DATE '9999-12-31') DESC, id DESC LIMIT 1;
    UPDATE posting SET listed = coalesce(id = head, false)
     WHERE enterprise_id = e AND title = t AND coalesce(township, city) = p
       AND listed IS DISTINCT FROM coalesce(id = head, false);
END $$""",
    """CREATE OR REPLACE FUNCTION posting_shelf() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND (OLD.enterprise_id, OLD.title, coalesce(OLD.township, OLD.city))
            IS DISTINCT FROM (NEW.enterprise_id, NEW.title, coalesce(NEW.township, NEW.city))) THEN
        PERFORM posting_relist(OLD.enterprise_id, OLD.title, coalesce(OLD.township, OLD.city));
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM posting_relist(NEW.enterprise_id, NEW.title, coalesce(NEW.township, NEW.city));
    END IF;
    RETURN NULL;
END $$""",
]


# PostgreSQL counts a GIN match row by row in the table (it must check each row's visibility), which is slow
# for the broad questions ("日结的", "有没有活"); conditions on columns are counted from B-tree indexes alone.
# One index per leading condition, each holding every column a search reads (index-only scans).
_FACETS = ("job_category", "township", "city", "province", "attribute_mask", "age_min", "age_max", "monthly_pay",
           "deadline", "id", "created_at")  # created_at: newest among equal pay, when ordered by pay
PG_FACET_INDEXES = {
    "ix_shelf_category": "job_category",
    "ix_shelf_township": "township",
    "ix_shelf_city": "city",
    "ix_shelf_province": "province",
    "ix_shelf_pay": "monthly_pay",  # pay bands, when ordered by pay
    "ix_shelf_newest": "",  # no leading condition: the whole shelf, newest first
}
PG_PAY_INDEX = "ix_shelf_pay"
PG_PAY_ORDER_KEYS = ("monthly_pay", "created_at", "id")


def refresh_pay_index(connection: Connection) -> None:
    """PostgreSQL: the pay figure's facet index made again as `_facet_index` makes it now (keyed in pay order)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"DROP INDEX IF EXISTS {PG_PAY_INDEX}"))
        connection.execute(text(_facet_index(PG_PAY_INDEX, PG_FACET_INDEXES[PG_PAY_INDEX])))


# PostgreSQL: a page of a category's postings in pay order reads the pay figures it shows from this index
# (storage/queries/search.py `by_pay_figure`), where the planner, guessing pay and category independent, would walk
# the whole shelf's pay index down to a low-paid trade
PG_PAY_CATEGORY_INDEX = "ix_shelf_category_pay"
_PG_PAY_CATEGORY_KEYS = ("job_category", "monthly_pay", "created_at", "id")
PG_PAY_CATEGORY = (
    f"CREATE INDEX IF NOT EXISTS {PG_PAY_CATEGORY_INDEX} ON posting ({', '.join(_PG_PAY_CATEGORY_KEYS)}) "
    f"INCLUDE ({', '.join(c for c in _FACETS if c not in _PG_PAY_CATEGORY_KEYS)}) WHERE listed"
)


# Columns of the models that the triggers above set after a row is written (a row read back may differ there).
KEPT_BY_TRIGGERS = frozenset({"posting.listed"})

# Tables of the metadata that exist on PostgreSQL only (the per-token counts; SQLite's FTS5 counts tokens itself).
PG_ONLY_TABLES = frozenset({TOKEN_TABLE, CHANGE_TABLE})

# Names of schema objects outside the SQLAlchemy metadata (Alembic's autogenerate leaves them alone).
OBJECTS = frozenset({FTS_TABLE, SHELF_VIEW, GIN_INDEX, PG_DOCUMENT, SQLITE_PAY_ORDER_INDEX, SQLITE_PAY_CATEGORY_INDEX,
                     SQLITE_PAY_WALK_INDEX, PG_PAY_CATEGORY_INDEX, *PG_FACET_INDEXES}
                    | {f"{FTS_TABLE}_{s}" for s in ("data", "idx", "config", "docsize", "content")})


def _facet_index(name: str, lead: str) -> str:
    """Keyed by the leading condition then id (a page reads newest first and stops), holding the rest; the pay
    figure's index is keyed in the full pay order (figure, then newest: a walk down it reads a page in order)."""
    keys = [lead, "id"] if lead else ["id"]
    if lead == PG_PAY_ORDER_KEYS[0]:
        keys = list(PG_PAY_ORDER_KEYS)
    included = [c for c in _FACETS if c not in keys]
    return (f"CREATE INDEX IF NOT EXISTS {name} ON posting ({', '.join(keys)}) INCLUDE ({', '.join(included)}) "
            "WHERE listed")


def _pg_count_statements() -> list[str]:
    """The count table follows every listed posting: added, removed, or moved to another group (one trigger per
    kind of write, each firing only when it has work)."""
    moved = _key_changed("IS DISTINCT FROM")
    function = f"""CREATE OR REPLACE FUNCTION posting_shelf_count() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        {_count_remove('OLD', 'OLD.listed')};
    END IF;
    IF TG_OP <> 'DELETE' THEN
        {_count_add('NEW', 'NEW.listed')};
    END IF;
    RETURN NULL;
END $$"""
    run = "EXECUTE FUNCTION posting_shelf_count()"
    return [
        function,
        *(f"DROP TRIGGER IF EXISTS {name} ON posting" for name in PG_COUNT_TRIGGERS),
        f"CREATE TRIGGER posting_count_insert AFTER INSERT ON posting FOR EACH ROW WHEN (NEW.listed) {run}",
        f"CREATE TRIGGER posting_count_delete AFTER DELETE ON posting FOR EACH ROW WHEN (OLD.listed) {run}",
        f"CREATE TRIGGER posting_count_update AFTER UPDATE OF listed, {', '.join(COUNT_KEY)} ON posting "
        f"FOR EACH ROW WHEN ((OLD.listed OR NEW.listed) AND (OLD.listed IS DISTINCT FROM NEW.listed OR {moved})) "
        "EXECUTE FUNCTION posting_shelf_count()",
    ]


PG_TOKEN_TRIGGERS = ("posting_token_insert", "posting_token_update", "posting_token_delete")


def _pg_token_statements() -> list[str]:
    """The per-token counts follow every listed posting (storage/queries/token_counts.py): a posting coming on the
    shelf adds its tokens (+1), one leaving it takes them away (-1), a listed posting whose tokens change does both.
    Each change is a new row of `shelf_token_change`: writers never update a shared row, so they never wait for
    each other; one trigger per kind of write, each firing only when it has work."""
    function = f"""CREATE OR REPLACE FUNCTION posting_shelf_token() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.listed THEN
        INSERT INTO {CHANGE_TABLE} (document, change) VALUES (OLD.{PG_DOCUMENT}, -1);
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.listed THEN
        INSERT INTO {CHANGE_TABLE} (document, change) VALUES (NEW.{PG_DOCUMENT}, 1);
    END IF;
    RETURN NULL;
END $$"""
    run = "EXECUTE FUNCTION posting_shelf_token()"
    return [
        function,
        *(f"DROP TRIGGER IF EXISTS {name} ON posting" for name in PG_TOKEN_TRIGGERS),
        f"CREATE TRIGGER posting_token_insert AFTER INSERT ON posting FOR EACH ROW WHEN (NEW.listed) {run}",
        f"CREATE TRIGGER posting_token_delete AFTER DELETE ON posting FOR EACH ROW WHEN (OLD.listed) {run}",
        "CREATE TRIGGER posting_token_update AFTER UPDATE OF listed, search_tokens ON posting FOR EACH ROW "
        "WHEN ((OLD.listed OR NEW.listed) AND (OLD.listed IS DISTINCT FROM NEW.listed "
        f"OR OLD.search_tokens IS DISTINCT FROM NEW.search_tokens)) {run}",
    ]


def drop_token_triggers(connection: Connection) -> None:
    """The per-token counts' triggers gone (PostgreSQL; the tables stay)."""
    for name in PG_TOKEN_TRIGGERS:
        connection.execute(text(f"DROP TRIGGER IF EXISTS {name} ON posting"))
    connection.execute(text("DROP FUNCTION IF EXISTS posting_shelf_token()"))


def create_token_counts(connection: Connection) -> None:
    """PostgreSQL: the per-token counts made from the listed postings and the trigger that keeps them (the tables
    exist; the generated column `search_document` too)."""
    recount_tokens(connection)
    for statement in _pg_token_statements():
        connection.execute(text(statement))


def _pg_statements(counts: bool = True, tokens: bool = False) -> list[str]:
    return [
        *(_pg_count_statements() if counts else []),
        *_PG_FUNCTIONS,
        "DROP TRIGGER IF EXISTS posting_shelf ON posting",
        # only what decides a listing fires it: its own UPDATE of `listed` does not
        "CREATE TRIGGER posting_shelf AFTER INSERT OR DELETE OR UPDATE OF "
        + ", ".join(_DECIDING) + " ON posting FOR EACH ROW EXECUTE FUNCTION posting_shelf()",
        f"ALTER TABLE posting ADD COLUMN IF NOT EXISTS {PG_DOCUMENT} tsvector GENERATED ALWAYS AS ({PG_DOCUMENT_OF}) "
        "STORED",
        f"CREATE INDEX IF NOT EXISTS {GIN_INDEX} ON posting USING gin ({PG_DOCUMENT}) WHERE listed",
        *(_facet_index(name, lead) for name, lead in PG_FACET_INDEXES.items()),
        PG_PAY_CATEGORY,
        *(_pg_token_statements() if tokens else []),
    ]


def relist_all(connection: Connection) -> None:
    """Decide every posting's listing in one statement (before the triggers exist, or to repair)."""
    far = "'9999-12-31'" if connection.dialect.name == "sqlite" else "DATE '9999-12-31'"
    connection.execute(text(
        "UPDATE posting SET listed = (id IN (SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY "
        "enterprise_id, title, coalesce(township, city) ORDER BY coalesce(deadline, " + far + ") DESC, id DESC) "
        f"AS n FROM posting WHERE status = {_OPEN}) AS ranked WHERE n = 1))"
    ))


def has_counts(connection: Connection) -> bool:
    """The count table exists (from the migration that made it on)."""
    return inspect(connection).has_table(COUNT_TABLE)


def recount(connection: Connection) -> None:
    """The count table made again from the listed postings in one statement (after a bulk load, or to repair);
    on PostgreSQL the per-token counts too, once their tables exist (`recount_tokens`)."""
    _recount_groups(connection)
    if has_token_counts(connection) and _has_document(connection):
        recount_tokens(connection)


def _recount_groups(connection: Connection) -> None:
    key = ", ".join(f"coalesce({c}, {_COUNT_MISSING[c]})" for c in COUNT_KEY)
    connection.execute(text(f"DELETE FROM {COUNT_TABLE}"))
    connection.execute(text(f"INSERT INTO {COUNT_TABLE} ({', '.join(COUNT_KEY)}, postings) "
                            f"SELECT {key}, count(*) FROM posting WHERE listed GROUP BY {key}"))


def _has_document(connection: Connection) -> bool:
    """PostgreSQL: the generated column the GIN index and the token counts read exists (create_shelf made it)."""
    return any(c["name"] == PG_DOCUMENT for c in inspect(connection).get_columns("posting"))


def create_shelf(connection: Connection) -> None:
    """Listings decided for every posting, then the index, the counts and the triggers that keep all in step."""
    relist_all(connection)
    counts = has_counts(connection)
    tokens = has_token_counts(connection)
    if counts:
        _recount_groups(connection)
    if connection.dialect.name == "sqlite":
        statements = _sqlite_statements(counts)
        connection.execute(text(statements[0]))
        connection.execute(text(statements[1]))
        connection.execute(text(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')"))
        for statement in statements[2:]:
            connection.execute(text(statement))
        for statement in (SQLITE_PAY_ORDER, *SQLITE_PAY_WALKS):
            connection.execute(text(statement))
    else:
        for statement in _pg_statements(counts, tokens):
            connection.execute(text(statement))
        if tokens:  # the generated column exists now: the counts made from it
            recount_tokens(connection)


def refresh_order_indexes(connection: Connection) -> None:
    """The indexes a pay-ordered search reads, as `create_shelf` makes them now (a migration brings an existing
    shelf up to date): SQLite's covering pay index; PostgreSQL's facet indexes, rebuilt to hold created_at."""
    if connection.dialect.name == "sqlite":
        connection.execute(text(SQLITE_PAY_ORDER))
        return
    for name, lead in PG_FACET_INDEXES.items():
        connection.execute(text(f"DROP INDEX IF EXISTS {name}"))
        connection.execute(text(_facet_index(name, lead)))


def create_pay_walks(connection: Connection) -> None:
    """The indexes pages in pay order are read from, by pay figure (SQLite: `SQLITE_PAY_WALKS`; PostgreSQL: the
    category's, `PG_PAY_CATEGORY`, beside the facet index led by the pay figure)."""
    statements = SQLITE_PAY_WALKS if connection.dialect.name == "sqlite" else (PG_PAY_CATEGORY,)
    for statement in statements:
        connection.execute(text(statement))


def drop_shelf(connection: Connection) -> None:
    """The index and every trigger gone (the count tables stay, emptied: `create_shelf` fills them again)."""
    if connection.dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            connection.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
        connection.execute(text(f"DROP TABLE IF EXISTS {FTS_TABLE}"))
        connection.execute(text(f"DROP VIEW IF EXISTS {SHELF_VIEW}"))
        for name in (SQLITE_PAY_ORDER_INDEX, SQLITE_PAY_CATEGORY_INDEX, SQLITE_PAY_WALK_INDEX):
            connection.execute(text(f"DROP INDEX IF EXISTS {name}"))
    else:
        for name in ("posting_shelf", *PG_COUNT_TRIGGERS, *PG_TOKEN_TRIGGERS):
            connection.execute(text(f"DROP TRIGGER IF EXISTS {name} ON posting"))
        connection.execute(text("DROP FUNCTION IF EXISTS posting_shelf()"))
        connection.execute(text("DROP FUNCTION IF EXISTS posting_shelf_count()"))
        connection.execute(text("DROP FUNCTION IF EXISTS posting_shelf_token()"))
        connection.execute(text("DROP FUNCTION IF EXISTS posting_relist(integer, varchar, varchar)"))
        for name in (GIN_INDEX, PG_PAY_CATEGORY_INDEX, *PG_FACET_INDEXES):
            connection.execute(text(f"DROP INDEX IF EXISTS {name}"))
        connection.execute(text(f"ALTER TABLE posting DROP COLUMN IF EXISTS {PG_DOCUMENT}"))
    if has_counts(connection):
        connection.execute(text(f"DELETE FROM {COUNT_TABLE}"))
    if has_token_counts(connection):
        for table in (TOKEN_TABLE, CHANGE_TABLE):
            connection.execute(text(f"DELETE FROM {table}"))


def shelf_triggers(connection: Connection) -> set[str]:
    """The shelf's triggers present in the database (a check for tests and `mishu db` tools)."""
    if connection.dialect.name == "sqlite":
        rows = connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'posting'"))
    else:
        rows = connection.execute(text("SELECT tgname FROM pg_trigger WHERE tgrelid = 'posting'::regclass "
                                       "AND NOT tgisinternal"))
    return {str(r[0]) for r in rows}
