"""Reviewing employers' postings at the same moment, on SQLite and PostgreSQL: two admins pressing at once act once
(one publish, one push, one message to the employer); two people typing one binding code bind one of them."""

from __future__ import annotations

import asyncio
from collections import Counter

from sqlalchemy import func, select

from bot.harness import Conversation
from flows.assistant import Assistant
from flows.posting_review import Outcome, approve, ask_admins, reject
from flows.push import PushPolicy
from storage.db import Database
from storage.models import ChannelIdentity, Enterprise, OutboxMessage, Person, Posting, PushRecord
from storage.queries.employers import create_code, posting_with_enterprise, redeem_code
from tests.conftest import NOW
from tests.flows.factories import add_person
from tests.flows.test_employers import TEA, setup_county
from tests.scripted_nlu import ScriptedNLU


async def pending_posting(db: Database) -> int:
    """A posting the tea cooperative's contact submitted, sent to the admins (admin1, admin2) for review."""
    await setup_county(db)
    await add_person(db, "admin2", role="admin", name="第二管理员")
    async with db.session() as session:
        tea = (await session.execute(select(Enterprise).where(Enterprise.name == TEA))).scalar_one()
        boss = Person(role="employer", name="刘会计", phone="13800001111", enterprise_id=tea.id)
        boss.identities.append(ChannelIdentity(channel="terminal", external_id="boss", chat_id="boss"))
        session.add(boss)
        await session.flush()
        posting = Posting(enterprise_id=tea.id, title="明前茶采摘工", job_category="采茶工", township="双福镇", openings=10,
                          salary_min=3500, salary_max=3500, salary_text="计件，月均3500元", status="pending",
                          submitted_by_id=boss.id, submitted_at=NOW, created_at=NOW)
        session.add(posting)
        await session.flush()
        loaded = await posting_with_enterprise(session, posting.id)
        assert loaded is not None
        assert await ask_admins(session, loaded, now=NOW, default_language="zh-hans") == 2
        return posting.id


async def counts(db: Database, posting_id: int) -> tuple[str, int, Counter[str]]:
    async with db.session() as session:
        status = (await session.get(Posting, posting_id)).status  # type: ignore[union-attr]
        pushes = int(await session.scalar(select(func.count()).select_from(PushRecord)
                                          .where(PushRecord.posting_id == posting_id)) or 0)
        purposes = Counter((await session.execute(select(OutboxMessage.purpose))).scalars())
    return status, pushes, purposes


class TestTwoAdminsAtOnce:
    async def test_two_approvals_publish_and_push_once(self, any_db: Database) -> None:
        posting_id = await pending_posting(any_db)
        assistant = Assistant(any_db, ScriptedNLU())
        admins = [Conversation(assistant, user_id=user, now=NOW) for user in ("admin1", "admin2")]
        for admin in admins:
            await admin.inbox(due_only=False)
        await asyncio.gather(*(admin.press("通过并发布") for admin in admins))
        said = [admin.text() for admin in admins]
        assert sum("已发布" in text for text in said) == 1 and sum("已经处理过了" in text for text in said) == 1, said
        status, pushes, purposes = await counts(any_db, posting_id)
        assert status == "open" and pushes == 2  # worker1 and worker2 want tea work
        assert purposes[f"push:{posting_id}"] == 2 and purposes[f"posting-approved:{posting_id}"] == 1

    async def test_approve_and_reject_at_once_one_acts(self, any_db: Database) -> None:
        posting_id = await pending_posting(any_db)

        async def act(index: int) -> Outcome:
            async with any_db.session() as session:
                reviewer = await session.get(Person, await _person_id(session, f"admin{index + 1}"))
                if index == 0:
                    reviewed = await approve(session, posting_id, reviewer=reviewer, now=NOW, policy=PushPolicy(),
                                             revision=0)
                else:
                    reviewed = await reject(session, posting_id, reviewer=reviewer, reason="不清楚", now=NOW, revision=0)
                return reviewed.outcome

        outcomes = await asyncio.gather(act(0), act(1))
        assert Outcome.ALREADY in outcomes and (Outcome.APPROVED in outcomes) != (Outcome.REJECTED in outcomes)
        status, pushes, purposes = await counts(any_db, posting_id)
        if Outcome.APPROVED in outcomes:
            assert status == "open" and pushes == 2 and not any(p.startswith("posting-rejected") for p in purposes)
        else:
            assert status == "rejected" and pushes == 0 and purposes[f"posting-approved:{posting_id}"] == 0

    async def test_a_worker_cannot_approve_with_a_function_call_either(self, any_db: Database) -> None:
        posting_id = await pending_posting(any_db)
        async with any_db.session() as session:
            worker = await session.get(Person, await _person_id(session, "worker1"))
            reviewed = await approve(session, posting_id, reviewer=worker, now=NOW, policy=PushPolicy())
        assert reviewed.outcome == Outcome.NOT_ADMIN
        assert (await counts(any_db, posting_id))[0] == "pending"


class TestOneCodeTwoPeople:
    async def test_one_of_them_is_bound(self, any_db: Database) -> None:
        await setup_county(any_db)
        async with any_db.session() as session:
            tea = (await session.execute(select(Enterprise).where(Enterprise.name == TEA))).scalar_one()
            code, _ = await create_code(session, tea, now=NOW, days=3)
        for user in ("a", "b"):
            await add_person(any_db, user)

        async def redeem(user: str) -> bool:
            async with any_db.session() as session:
                person = await session.get(Person, await _person_id(session, user))
                assert person is not None
                return await redeem_code(session, code, person, now=NOW) is not None

        assert sorted(await asyncio.gather(redeem("a"), redeem("b"))) == [False, True]
        async with any_db.session() as session:
            employers = (await session.execute(select(Person).where(Person.role == "employer"))).scalars().all()
        assert len(employers) == 1


async def _person_id(session, user: str) -> int:  # type: ignore[no-untyped-def]
    stmt = select(ChannelIdentity.person_id).where(ChannelIdentity.external_id == user)
    return int((await session.execute(stmt)).scalar_one())
