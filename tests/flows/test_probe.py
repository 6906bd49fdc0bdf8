"""Ask as a worker (flows/probe.py): the assistant's own answer and the knowledge base's matches for any question
staff type, with nothing kept; where a policy stands (flows/policy.py `validity`), read by the console's list."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.harness import Conversation
from flows.assistant import Assistant
from flows.policy import Validity, policy_matches, validity
from flows.probe import MAX_CHARS, ask_as_worker
from storage.db import Database
from storage.migrate import upgrade
from storage.models import AuditEntry, ConversationState, Person, ServiceRecord
from storage.policy_files import load_policy_files
from storage.queries.policies import upsert_policies
from tests.conftest import NOW

POLICIES = Path(__file__).resolve().parents[2] / "storage" / "demo" / "policies"
TODAY = NOW.date()
KEPT = (Person, ConversationState, ServiceRecord, AuditEntry)


class TestValidity:
    DOC = load_policy_files(POLICIES)[0]

    @pytest.mark.parametrize(("start", "end", "expected"), [
        (-100, -1, Validity.EXPIRED),
        (-100, 0, Validity.EXPIRING),  # its last day is today
        (-100, 30, Validity.EXPIRING),
        (-100, 31, Validity.IN_FORCE),
        (-100, None, Validity.OPEN_ENDED),
        (1, None, Validity.PENDING),
        (1, 400, Validity.PENDING),
    ])
    def test_where_a_policy_stands(self, start: int, end: int | None, expected: Validity) -> None:
        doc = replace(self.DOC, effective_from=TODAY + timedelta(days=start),
                      effective_to=TODAY + timedelta(days=end) if end is not None else None)
        assert validity(doc, TODAY) is expected


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, trained_nlu) -> Iterator[tuple[Database, Assistant]]:  # type: ignore[no-untyped-def]
    """One SQLite database with the demo's policies for every example (each runs in a loop of its own)."""
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('probe') / 'mishu.db'}")

    async def prepare() -> None:
        await upgrade(db)
        async with db.session() as session:
            await upsert_policies(session, load_policy_files(POLICIES), now=NOW)
        await db.dispose()

    asyncio.run(prepare())
    yield db, Assistant(db, trained_nlu)


async def _counts(db: Database) -> list[int]:
    async with db.session() as session:
        return [int(await session.scalar(select(func.count()).select_from(model)) or 0) for model in KEPT]


async def _ask(db: Database, assistant: Assistant, text: str, language: str = "zh-hans") -> tuple:  # type: ignore[type-arg]
    try:
        before = await _counts(db)
        async with db.session() as session:
            probe = await ask_as_worker(session, assistant, text, asker="7", language=language, now=NOW)
        return probe, before, await _counts(db)
    finally:
        await db.dispose()  # the next example runs in another event loop


class TestAskAsWorker:
    def test_the_answer_is_the_chats_answer(self, world: tuple[Database, Assistant]) -> None:
        db, assistant = world
        question = "回乡开个农家乐有没有补助"
        probe, before, after = asyncio.run(_ask(db, assistant, question))
        assert before == after  # no person, conversation, service record or audit line left behind
        assert probe.handled_as == "policy_question" and probe.parse.intent == "policy_question"
        assert probe.matches[0].key == "返乡创业补贴" and probe.matches[0].confident
        assert probe.matches[0].faq_question == "回乡开个农家乐有没有补助？"

        async def in_chat() -> list[str]:
            try:
                return [reply.text for reply in await Conversation(assistant, user_id="someone", now=NOW).say(question)]
            finally:
                await db.dispose()

        assert [reply.text for reply in probe.replies] == asyncio.run(in_chat())

    @given(st.text(max_size=MAX_CHARS + 20))
    @settings(max_examples=40, deadline=None)
    def test_any_question_gets_an_answer_and_leaves_nothing(self, world: tuple[Database, Assistant],
                                                           text: str) -> None:
        db, assistant = world
        probe, before, after = asyncio.run(_ask(db, assistant, text))
        assert before == after
        assert len(probe.text) <= MAX_CHARS and len(probe.matches) <= 3
        scores = [match.score for match in probe.matches]
        assert scores == sorted(scores, reverse=True) and all(score > 0 for score in scores)

    def test_the_matches_are_the_chats_ranking(self, world: tuple[Database, Assistant]) -> None:
        db, _ = world

        async def matches() -> list[str]:
            try:
                async with db.session() as session:
                    found = await policy_matches(session, "稳岗返还怎么申请", ["稳岗返还"], date(2026, 6, 1))
                return [match.key for match in found]
            finally:
                await db.dispose()

        assert asyncio.run(matches())[0] == "稳岗返还"
