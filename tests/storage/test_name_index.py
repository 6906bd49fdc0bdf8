"""The name search index follows people's names whoever writes them (storage/name_index.py), on both backends."""

from __future__ import annotations

from sqlalchemy import delete, insert, select, update

from storage.db import Database
from storage.models import Person, PersonNameGram


async def pieces(db: Database, person_id: int) -> set[str]:
    async with db.session() as s:
        return set((await s.execute(select(PersonNameGram.gram).where(PersonNameGram.person_id == person_id)))
                   .scalars())


def by_hand(name: str) -> set[str]:
    lowered = "".join(c.lower() if c.isascii() else c for c in name)
    return {lowered[i:i + w] for w in (1, 2) for i in range(len(lowered) - w + 1)}


class TestNameIndex:
    async def test_every_write_of_a_name_rewrites_its_pieces(self, any_db: Database) -> None:
        async with any_db.session() as s:
            person = Person(role="worker", name="刘秀英")
            s.add(person)
            await s.flush()
            pid = person.id
            await s.execute(insert(Person), [{"id": pid + 1, "role": "worker", "name": "Anna 王"}])  # bulk SQL
        assert await pieces(any_db, pid) == {"刘", "秀", "英", "刘秀", "秀英"} == by_hand("刘秀英")
        assert await pieces(any_db, pid + 1) == by_hand("Anna 王")
        async with any_db.session() as s:
            await s.execute(update(Person).where(Person.id == pid).values(name="陈秀"))
            await s.execute(update(Person).where(Person.id == pid + 1).values(phone="13800001111"))  # not the name
        assert await pieces(any_db, pid) == {"陈", "秀", "陈秀"}
        assert await pieces(any_db, pid + 1) == by_hand("Anna 王")
        async with any_db.session() as s:
            await s.execute(update(Person).where(Person.id == pid).values(name=""))  # what /forget writes
            await s.execute(delete(Person).where(Person.id == pid + 1))
        assert await pieces(any_db, pid) == set() and await pieces(any_db, pid + 1) == set()

    async def test_a_name_of_the_longest_length_has_all_its_pieces(self, any_db: Database) -> None:
        name = "".join(chr(0x4E00 + i) for i in range(64))
        async with any_db.session() as s:
            person = Person(role="worker", name=name)
            s.add(person)
            await s.flush()
            pid = person.id
        assert await pieces(any_db, pid) == by_hand(name) and len(by_hand(name)) == 64 + 63
