"""PostgreSQL: exact counts of listed postings per search token, kept without contention on the write path.

A GIN match visits one table page per matching posting to check it is visible (PostgreSQL has no index-only GIN
scans), so counting a word many postings hold ("纺织": tens of thousands on a large shelf) is slow. Instead:

- the shelf's trigger (storage/shelf.py `_pg_token_statements`) records every listed posting coming on the
  shelf (+1, its `search_document`) or leaving it (-1) as a new row of `shelf_token_change` — writers only ever
  insert, so concurrent writers never wait for each other there;
- `fold` moves the changes into `shelf_token` (one row per token) in one statement, run often by the scheduler
  and after a sheet import, so that few changes wait;
- `token_total` reads a token's folded count plus its pending changes in one statement, which sees the tables
  either before or after any fold (and any writer's commit): the count is exact at the statement's snapshot.

`recount_tokens` makes the counts again straight from the listed postings (a bulk load, a repair; nobody else may
write meanwhile). On SQLite none of this exists (FTS5 counts a token's postings from its index alone): `fold` and
`token_total` are PostgreSQL only, and `has_token_counts` says whether the tables are there.
"""

from __future__ import annotations

from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import AsyncSession

TOKEN_TABLE = "shelf_token"
CHANGE_TABLE = "shelf_token_change"

# The changes taken out and summed per token, then added to the folded counts; a count reaching 0 is removed
# instead (its token is no longer on the shelf). Both writes to shelf_token touch disjoint tokens.
_FOLD = f"""
WITH moved AS (
    DELETE FROM {CHANGE_TABLE} RETURNING document, change
), summed AS (
    SELECT u.lexeme AS token, sum(moved.change)::integer AS change
      FROM moved, unnest(moved.document) AS u
     GROUP BY u.lexeme
    HAVING sum(moved.change) <> 0
), gone AS (
    DELETE FROM {TOKEN_TABLE} t USING summed s
     WHERE t.token = s.token AND t.postings + s.change = 0
    RETURNING t.token
), added AS (
    INSERT INTO {TOKEN_TABLE} (token, postings)
    SELECT token, change FROM summed WHERE token NOT IN (SELECT token FROM gone) ORDER BY token
    ON CONFLICT (token) DO UPDATE SET postings = {TOKEN_TABLE}.postings + excluded.postings
    RETURNING 1
)
SELECT (SELECT count(*) FROM moved), (SELECT count(*) FROM added), (SELECT count(*) FROM gone)
"""


def total_sql(token_param: str = ":token", query_param: str = ":query") -> str:
    """A scalar expression: listed postings holding a token (its folded count plus its pending changes), for
    embedding in a larger statement (`query_param`: the token as a tsquery, `'token'`)."""
    return (f"(coalesce((SELECT postings FROM {TOKEN_TABLE} WHERE token = {token_param}), 0) + "
            f"coalesce((SELECT sum(change) FROM {CHANGE_TABLE} "
            f"WHERE document @@ CAST({query_param} AS tsquery)), 0))")


def as_tsquery(token: str) -> str:
    """A token as a tsquery of that one lexeme (quoted; a quote inside doubled)."""
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


async def fold(session: AsyncSession) -> int:
    """The pending changes added into the per-token counts (one statement); how many changes were folded. Nothing
    on SQLite. The caller commits."""
    if session.bind.dialect.name == "sqlite":
        return 0
    row = (await session.execute(text(_FOLD))).one()
    return int(row[0])


async def token_total(session: AsyncSession, token: str) -> int:
    """How many listed postings hold `token` (PostgreSQL; one statement)."""
    found = await session.execute(text(f"SELECT {total_sql()}"), {"token": token, "query": as_tsquery(token)})
    return int(found.scalar_one())


def has_token_counts(connection: Connection) -> bool:
    """The token tables exist (PostgreSQL, from the migration that made them on)."""
    return connection.dialect.name != "sqlite" and inspect(connection).has_table(TOKEN_TABLE)


def recount_tokens(connection: Connection) -> None:
    """The per-token counts made again from the listed postings, the pending changes dropped (a bulk build or a
    repair: run where no posting is written meanwhile)."""
    connection.execute(text(f"DELETE FROM {CHANGE_TABLE}"))
    connection.execute(text(f"DELETE FROM {TOKEN_TABLE}"))
    connection.execute(text(
        f"INSERT INTO {TOKEN_TABLE} (token, postings) SELECT u.lexeme, count(*) "
        "FROM posting, unnest(posting.search_document) AS u WHERE posting.listed GROUP BY u.lexeme"))
