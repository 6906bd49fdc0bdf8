"""Reads a posting once, when it is written: its attributes, age limits and search tokens.

Every ORM flush that creates a posting or changes what it says derives `attribute_mask` and `search_tokens`
(and `age_min`/`age_max` from the text when both are empty); a renamed enterprise re-derives its postings.
Writers that go around the ORM (bulk imports) call `derived_columns` per row, or `reindex_postings` after
writing. Which postings are listed, and the full-text index over them, the database keeps (storage/shelf.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from typing import Any

from sqlalchemy import Connection, bindparam, column, event, inspect, select, table, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, UOWTransaction

from storage import search_text as st
from storage.attributes import mask_of, read_posting
from storage.models import Enterprise, Posting
from storage.pay import best_monthly

# What a posting's derived columns are read from (with the enterprise's name).
SOURCE_FIELDS = (
    "title", "description", "requirements", "benefits", "salary_text", "salary_unit", "salary_min", "salary_max",
    "seasonal", "job_category", "township", "village", "city", "province", "address", "age_min", "age_max",
    "enterprise_id",
)
READ_FROM = frozenset(SOURCE_FIELDS)
# What the posting says (read for attributes and searched), and the names searched with it.
SAID = ("title", "description", "requirements", "benefits", "salary_text")
NAMES = ("enterprise", "township", "village", "city", "province", "address")


@dataclass(frozen=True)
class Derived:
    attribute_mask: int
    monthly_pay: int | None
    search_tokens: str
    age_min: int | None
    age_max: int | None

    def columns(self) -> dict[str, Any]:
        return {"attribute_mask": self.attribute_mask, "monthly_pay": self.monthly_pay,
                "search_tokens": self.search_tokens, "age_min": self.age_min, "age_max": self.age_max}


@dataclass(frozen=True)
class TextRead:
    """What a posting's own text gives: attributes, age limits, title tokens and text tokens (sorted)."""

    names: frozenset[str]
    age_min: int | None
    age_max: int | None
    title_tokens: tuple[str, ...]
    tokens: frozenset[str]


@lru_cache(maxsize=4096)
def read_text(title: str, description: str, requirements: str, benefits: str, salary_text: str,
              salary_unit: str = "month", seasonal: bool = False) -> TextRead:
    """`read_posting` and the tokens of the text (cached: sheets repeat descriptions and requirements)."""
    lines = st.normalise("\n".join(t.replace("\n", " ") for t in (title, description, requirements, benefits,
                                                                  salary_text))).split("\n")
    read = read_posting(*lines, salary_unit=salary_unit, seasonal=seasonal, normalised=True)
    return TextRead(read.names, read.age_min, read.age_max,
                    tuple(sorted(st.title_token(t) for t in st.text_tokens(lines[0], normalised=True))),
                    frozenset(st.text_tokens(" ".join(lines[:4]), normalised=True)))


@lru_cache(maxsize=65536)
def name_tokens(name: str) -> frozenset[str]:
    """The tokens of an enterprise's or a place's name."""
    return frozenset(st.text_tokens(name))


def derive(fields: Mapping[str, Any]) -> Derived:
    """The derived columns of a posting given as a mapping of its fields plus `enterprise` (the name)."""
    unit = str(fields.get("salary_unit") or "month")
    text = read_text(*(str(fields.get(name) or "") for name in SAID), unit, bool(fields.get("seasonal")))
    age_min, age_max = fields.get("age_min"), fields.get("age_max")
    if age_min is None and age_max is None:
        age_min, age_max = text.age_min, text.age_max
    tokens: list[str] = [st.ALL]
    if fields.get("job_category"):
        tokens.append(st.category_token(str(fields["job_category"])))
    for place in dict.fromkeys(str(fields.get(n) or "") for n in ("township", "city", "province")):
        if place:
            tokens.append(st.place_token(place))
    tokens.extend(st.attribute_token(name) for name in sorted(text.names))
    best = best_monthly(fields.get("salary_min"), fields.get("salary_max"), unit)
    pay = None if best is None else st.pay_units(best) * 10
    tokens.extend(st.pay_tokens(pay))
    tokens.extend(st.age_tokens(age_min, age_max))
    tokens.extend(text.title_tokens)
    words = text.tokens.union(*(name_tokens(str(fields.get(name) or "")) for name in NAMES))
    tokens.extend(sorted(words))
    return Derived(mask_of(text.names), pay, " ".join(tokens), age_min, age_max)


def derived_columns(fields: Mapping[str, Any]) -> dict[str, Any]:
    """`derive` as the columns to write with a row (for bulk writers)."""
    return derive(fields).columns()


def _fields(posting: Posting, enterprise: str) -> dict[str, Any]:
    """The posting's fields as they will be stored: a column left unset takes its default (峨眉山市, 四川)."""
    fields: dict[str, Any] = {"enterprise": enterprise}
    for name in SOURCE_FIELDS:
        value = getattr(posting, name)
        default = Posting.__table__.c[name].default
        if value is None and default is not None and default.is_scalar:
            value = default.arg
        fields[name] = value
    return fields


def _apply(posting: Posting, enterprise: str) -> None:
    found = derive(_fields(posting, enterprise))
    posting.attribute_mask = found.attribute_mask
    posting.monthly_pay = found.monthly_pay
    posting.search_tokens = found.search_tokens
    if posting.age_min is None and posting.age_max is None:
        posting.age_min, posting.age_max = found.age_min, found.age_max


def _changed(session: Session, posting: Posting) -> bool:
    if posting in session.new:
        return True
    state = inspect(posting)
    return any(state.attrs[name].history.has_changes() for name in SOURCE_FIELDS)


def _enterprise_name(session: Session, posting: Posting) -> str:
    if "enterprise" in inspect(posting).dict and posting.enterprise is not None:
        return posting.enterprise.name
    if posting.enterprise_id is None:
        return ""
    with session.no_autoflush:
        found = session.get(Enterprise, posting.enterprise_id)
    return found.name if found is not None else ""


@event.listens_for(Session, "before_flush")
def _derive_postings(session: Session, _context: UOWTransaction, _instances: Any) -> None:
    for posting in chain(session.new, session.dirty):
        if isinstance(posting, Posting) and posting not in session.deleted and _changed(session, posting):
            _apply(posting, _enterprise_name(session, posting))


@event.listens_for(Session, "after_flush")
def _renamed_enterprises(session: Session, _context: UOWTransaction) -> None:
    renamed = [e.id for e in session.dirty if isinstance(e, Enterprise) and e not in session.deleted
               and inspect(e).attrs["name"].history.has_changes()]
    if renamed:
        found = session.connection().execute(select(Posting.id).where(Posting.enterprise_id.in_(renamed)))
        reindex(session.connection(), [int(r[0]) for r in found])


def reindex(connection: Connection, ids: Sequence[int] | None = None, *, fields: Sequence[str] = SOURCE_FIELDS,
            chunk: int = 5000) -> int:
    """Re-derive the given postings (all when None) in chunks, reading only `fields` (a migration passes the
    columns its schema has); returns how many."""
    posting = table("posting", column("id"), column("attribute_mask"), column("monthly_pay"),
                    column("search_tokens"), *(column(name) for name in fields if name not in
                                               ("age_min", "age_max")), column("age_min"), column("age_max"))
    enterprise = table("enterprise", column("id"), column("name"))
    stmt = update(posting).where(posting.c.id == bindparam("b_id")).values(
        attribute_mask=bindparam("b_mask"), monthly_pay=bindparam("b_pay"), search_tokens=bindparam("b_tokens"),
        age_min=bindparam("b_min"), age_max=bindparam("b_max"))
    done, after = 0, 0
    wanted = list(ids) if ids is not None else None
    while True:
        query = (select(posting.c.id, *(posting.c[name] for name in fields), enterprise.c.name.label("enterprise"))
                 .join(enterprise, enterprise.c.id == posting.c.enterprise_id)
                 .where(posting.c.id > after).order_by(posting.c.id).limit(chunk))
        if wanted is not None:
            part, wanted = wanted[:chunk], wanted[chunk:]
            if not part:
                return done
            query = query.where(posting.c.id.in_(part))
        rows = connection.execute(query).mappings().all()
        if not rows:
            if wanted:
                continue
            return done
        params = []
        for row in rows:
            found = derive(row)
            params.append({"b_id": row["id"], "b_mask": found.attribute_mask, "b_pay": found.monthly_pay,
                           "b_tokens": found.search_tokens, "b_min": found.age_min, "b_max": found.age_max})
        connection.execute(stmt, params)
        done += len(rows)
        if wanted is None:
            after = rows[-1]["id"]


async def reindex_postings(session: AsyncSession, ids: Sequence[int] | None = None) -> int:
    """Re-derive the given postings (or all) inside the caller's transaction; for writers around the ORM."""
    if ids is not None and not ids:
        return 0
    connection = await session.connection()
    return await connection.run_sync(lambda sync: reindex(sync, None if ids is None else sorted(ids), chunk=900))
