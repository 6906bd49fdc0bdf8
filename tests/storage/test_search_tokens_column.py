"""The posting's search tokens are stored without empty ones, whoever writes them: PostgreSQL turns them into the
index's lexemes and refuses an empty one ("lexeme array may not contain empty strings"), so blank text or runs of
spaces must not reach it — on SQLite the same text is stored, so both backends search alike."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select, update

from storage.db import Database
from storage.models import Enterprise, Posting

TEXTS = st.text(alphabet=st.sampled_from([" ", "茶", "a", "_", "\u3000", "\t"]), max_size=12)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tokens=TEXTS)
async def test_any_spacing_is_stored_as_its_tokens(any_db: Database, tokens: str) -> None:
    """Written by SQL around the ORM (which derives the tokens itself), in an insert and an update."""
    async with any_db.session() as session:
        enterprise = Enterprise(name="双福茶叶专业合作社")
        session.add(enterprise)
        await session.flush()
        row = {"enterprise_id": enterprise.id, "title": "采茶工", "job_category": "采茶工", "search_tokens": tokens}
        first = (await session.execute(insert(Posting).values(**row).returning(Posting.id))).scalar_one()
        second = (await session.execute(insert(Posting).values(**{**row, "search_tokens": "x"})
                                        .returning(Posting.id))).scalar_one()
        await session.execute(update(Posting).where(Posting.id == second).values(search_tokens=tokens))
        stored = [(await session.execute(select(Posting.search_tokens).where(Posting.id == i))).scalar_one()
                  for i in (first, second)]
        await session.rollback()
    expected = " ".join(t for t in tokens.split(" ") if t)
    assert stored == [expected, expected]
