"""One vocabulary: every state, status and role column holds a member of storage/states.py, the code names states
by their members only (a bare string for one fails here), and unknown ones are refused on both backends."""

from __future__ import annotations

import ast
import re
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import StatementError

from storage import states
from storage.columns import EnumString
from storage.db import Database
from storage.models import (
    Application,
    Base,
    Booking,
    Broadcast,
    BusDeparture,
    Case,
    Enterprise,
    FollowUp,
    OutboxMessage,
    Person,
    Posting,
    StatusChange,
    WorkerProfile,
)
from storage.states import (
    ApplicationState,
    BookingState,
    BroadcastState,
    CaseState,
    EmploymentStatus,
    FollowUpState,
    OutboxState,
    PostingState,
    Role,
)
from tests.conftest import NOW

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [p for room in ("flows", "storage", "bot", "bench") for p in (ROOT / room).rglob("*.py")
           if "migrations" not in p.parts]
# The names a state (or role) goes by: as a column or attribute (`posting.status`, `FollowUp.state`,
# `person.role`), a keyword (`Case(status=…)`, `.values(state=…)`) or a key of a row written whole
# (`{"status": …}` in a bulk insert).
STATE_NAMES = frozenset({"state", "status", "new_status", "old_status", "role"})
# Every column holding one of these, and the vocabulary it holds.
VOCABULARY_OF: dict[Any, type[StrEnum]] = {
    Person.role: Role,
    WorkerProfile.status: EmploymentStatus,
    StatusChange.old_status: EmploymentStatus,
    StatusChange.new_status: EmploymentStatus,
    Posting.status: PostingState,
    Application.status: ApplicationState,
    Booking.status: BookingState,
    FollowUp.state: FollowUpState,
    Case.status: CaseState,
    Broadcast.status: BroadcastState,
    OutboxMessage.state: OutboxState,
}

# Every word of every vocabulary: a dict's "status" key holding one of these is a row written with a bare state.
WORDS = frozenset(str(member) for vocabulary in vars(states).values()
                  if isinstance(vocabulary, type) and issubclass(vocabulary, StrEnum) and vocabulary is not StrEnum
                  for member in vocabulary)


def _strings(node: ast.AST) -> list[str]:
    """The string literals a value can be: itself, the items of a literal list, either branch of `a if c else b`,
    either side of `x or "open"`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return [s for element in node.elts for s in _strings(element)]
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    if isinstance(node, ast.BoolOp):
        return [s for value in node.values for s in _strings(value)]
    return []


def _is_state(node: ast.AST) -> bool:
    """`x.status`, `Posting.status`, `row["status"]`: a place holding a state."""
    if isinstance(node, ast.Attribute):
        return node.attr in STATE_NAMES
    return (isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant)
            and node.slice.value in STATE_NAMES)


def state_strings(source: str) -> list[tuple[int, str]]:
    """(line, text) of every string literal used as a state: compared with one, assigned to one, given as
    `status=`, listed in `.state.in_(…)` / `.state.not_in(…)`, or the value of a `"status"` key of a dict."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(_is_state(o) for o in operands):
                found += [(node.lineno, s) for o in operands if not _is_state(o) for s in _strings(o)]
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if _is_state(target):
                    found += [(node.lineno, s) for s in _strings(node.value)]
                elif isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                    found += [(node.lineno, s) for t, v in zip(target.elts, node.value.elts, strict=False)
                              if _is_state(t) for s in _strings(v)]
        elif isinstance(node, ast.keyword) and node.arg in STATE_NAMES:
            found += [(node.value.lineno, s) for s in _strings(node.value)]
        elif isinstance(node, ast.Dict):  # other dicts have a "status" too (a health report's "ok"): words only
            found += [(value.lineno, s) for key, value in zip(node.keys, node.values, strict=True)
                      if isinstance(key, ast.Constant) and key.value in STATE_NAMES
                      for s in _strings(value) if s in WORDS]
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr in ("in_", "not_in") and _is_state(node.func.value)):
            found += [(node.lineno, s) for arg in node.args for s in _strings(arg)]
    return found


class TestTheScanner:
    def test_it_finds_the_old_mistake(self) -> None:
        """The list that named a state nothing sets: the scanner must see it."""
        old = 'q.where(FollowUp.state.in_(("pending", "asked_worker", "answered", "prompted")))'
        assert [s for _, s in state_strings(old)] == ["pending", "asked_worker", "answered", "prompted"]
        assert [s for _, s in state_strings('f.state, f.completed_at = "cancelled", now')] == ["cancelled"]
        assert [s for _, s in state_strings('update(FollowUp).values(state="answered")')] == ["answered"]
        assert [s for _, s in state_strings('if f.state not in ("pending", "x"): pass')] == ["pending", "x"]

    def test_it_finds_every_way_a_status_is_written(self) -> None:
        assert [s for _, s in state_strings('if posting.status != "open": pass')] == ["open"]
        assert [s for _, s in state_strings('q.where(Case.status != "closed")')] == ["closed"]
        assert [s for _, s in state_strings('values = {"status": "open" if ok else "rejected"}')] == [
            "open", "rejected"]
        assert [s for _, s in state_strings('{"status": "ok", "database": "ok"}')] == []  # not a state
        assert [s for _, s in state_strings('StatusChange(old_status="seeking", new_status="placed")')] == [
            "seeking", "placed"]
        assert [s for _, s in state_strings('row["status"] = "closed"')] == ["closed"]
        assert [s for _, s in state_strings('if person.role not in ("secretary", "admin"): pass')] == [
            "secretary", "admin"]
        assert [s for _, s in state_strings('rows = [{"role": "worker", "name": ""}]')] == ["worker"]
        assert [s for _, s in state_strings('Application(status=rng.choice(x) or "hired")')] == ["hired"]

    def test_members_and_names_are_not_literals(self) -> None:
        assert state_strings('if posting.status != PostingState.OPEN: pass') == []
        assert state_strings('q.where(Case.status.in_(sorted(CaseState.UNRESOLVED)))') == []
        assert state_strings('pick("status", WORKER_STATUSES)') == []


def test_no_state_is_written_as_a_bare_string() -> None:
    """A state is named by its member (PostingState.OPEN), never spelled out: a misspelt or invented word cannot
    hide in a query that no test happens to run, and every use of a state is found by its name."""
    bare = [
        f"{path.relative_to(ROOT)}:{line}: {text!r}"
        for path in SOURCES for line, text in state_strings(path.read_text(encoding="utf-8"))
    ]
    assert bare == []


def test_every_state_column_holds_its_vocabulary() -> None:
    """A state column added as plain text would take any word: every column named like a state is an EnumString
    of the vocabulary it holds."""
    state_columns = {column for mapper in Base.registry.mappers for column in mapper.columns
                     if column.key in STATE_NAMES}
    assert state_columns == {attribute.expression for attribute in VOCABULARY_OF}
    for attribute, vocabulary in VOCABULARY_OF.items():
        assert isinstance(attribute.type, EnumString)
        assert attribute.type.enum is vocabulary
        assert all(len(member) <= attribute.type.length for member in vocabulary), attribute


def test_the_sets_are_made_of_members() -> None:
    assert FollowUpState.SCANNED < FollowUpState.OPEN
    assert FollowUpState.OPEN.isdisjoint(FollowUpState.CLOSED)
    assert FollowUpState.OPEN | FollowUpState.CLOSED == set(FollowUpState)
    assert Role.STAFF == {Role.SECRETARY, Role.ADMIN}
    assert PostingState.SHOWN == {PostingState.OPEN}
    assert PostingState.EDITABLE.isdisjoint(PostingState.SHOWN)
    assert PostingState.LIVE == {PostingState.OPEN, PostingState.PENDING}
    assert CaseState.UNRESOLVED == set(CaseState) - {CaseState.CLOSED}
    assert BroadcastState.UNFINISHED == {BroadcastState.SCHEDULED, BroadcastState.SENDING}
    assert ApplicationState.OPEN == {ApplicationState.SUBMITTED, ApplicationState.CONTACTED}
    assert EmploymentStatus.STATED == set(EmploymentStatus) - {EmploymentStatus.UNREACHABLE}
    for vocabulary in (PostingState, ApplicationState, BookingState, CaseState, BroadcastState, EmploymentStatus,
                       FollowUpState, OutboxState, Role):
        for value in vars(vocabulary).values():
            if isinstance(value, frozenset):
                assert all(isinstance(member, vocabulary) for member in value), vocabulary


async def _one_of_each(db: Database) -> None:
    """A row for every state column, each written with a member that is not the column's default."""
    async with db.session() as session:
        worker = Person(role=Role.WORKER, name="x")
        enterprise = Enterprise(name="e")
        departure = BusDeparture(origin="a", destination="b", departs_at=NOW, seats=40)
        session.add_all([worker, enterprise, departure])
        await session.flush()
        posting = Posting(enterprise_id=enterprise.id, title="t", job_category="c", status=PostingState.PENDING)
        session.add(posting)
        await session.flush()
        session.add_all([
            WorkerProfile(person_id=worker.id, status=EmploymentStatus.PLACED),
            StatusChange(worker_id=worker.id, old_status=EmploymentStatus.SEEKING,
                         new_status=EmploymentStatus.PLACED),
            Application(posting_id=posting.id, worker_id=worker.id, status=ApplicationState.HIRED),
            Booking(departure_id=departure.id, worker_id=worker.id, status=BookingState.CANCELLED),
            FollowUp(worker_id=worker.id, kind="first", due_at=NOW, state=FollowUpState.ESCALATED),
            Case(kind="handoff", worker_id=worker.id, status=CaseState.ANSWERED),
            Broadcast(text="t", send_at=NOW + timedelta(hours=1), status=BroadcastState.DONE),
            OutboxMessage(idempotency_key="k", purpose="p", channel="telegram", chat_id="1",
                          state=OutboxState.UNCERTAIN),
        ])


WRITTEN = {
    Person.role: Role.WORKER,
    WorkerProfile.status: EmploymentStatus.PLACED,
    StatusChange.old_status: EmploymentStatus.SEEKING,
    StatusChange.new_status: EmploymentStatus.PLACED,
    Posting.status: PostingState.PENDING,
    Application.status: ApplicationState.HIRED,
    Booking.status: BookingState.CANCELLED,
    FollowUp.state: FollowUpState.ESCALATED,
    Case.status: CaseState.ANSWERED,
    Broadcast.status: BroadcastState.DONE,
    OutboxMessage.state: OutboxState.UNCERTAIN,
}


class TestTheDatabaseRefusesUnknownWords:
    async def test_an_unknown_follow_up_state_is_refused_in_a_query(self, any_db: Database) -> None:
        async with any_db.session() as session:
            with pytest.raises(Exception, match="answered"):
                await session.execute(select(FollowUp).where(FollowUp.state.in_(("pending", "answered"))))

    async def test_an_unknown_state_or_role_is_refused_in_a_write(self, any_db: Database) -> None:
        with pytest.raises(Exception, match="boss"):
            async with any_db.session() as session:
                session.add(Person(role="boss", name="x"))
        async with any_db.session() as session:
            person = Person(role=Role.WORKER, name="x")
            session.add(person)
            await session.flush()
            session.add(FollowUp(worker_id=person.id, kind="first", due_at=NOW, state=FollowUpState.ESCALATED))
        async with any_db.session() as session:
            state = (await session.execute(select(FollowUp.state))).scalar_one()
        assert state is FollowUpState.ESCALATED

    @pytest.mark.parametrize("column", list(WRITTEN), ids=lambda c: f"{c.class_.__name__}.{c.key}")
    async def test_every_state_column_keeps_its_members_and_refuses_other_words(
        self, any_db: Database, column: Any
    ) -> None:
        await _one_of_each(any_db)
        vocabulary = VOCABULARY_OF[column]

        def refused(word: str) -> Any:
            return pytest.raises(StatementError, match=re.escape(f"{word!r} is not a valid {vocabulary.__name__}"))

        async with any_db.session() as session:
            stored = (await session.execute(select(column))).scalar_one()
        assert stored is WRITTEN[column]  # read back as the member, not a bare string
        # A word the vocabulary lacks (another table's status, another case, a stray space) is refused in a query …
        for word in ("answered" if vocabulary is not CaseState else "rejected", "Open", "placed "):
            async with any_db.session() as session:
                with refused(word):
                    await session.execute(select(column).where(column == word))
        # … and in a write, ORM or Core alike, and nothing is changed.
        async with any_db.session() as session:
            row = (await session.execute(select(column.class_))).scalar_one()
            setattr(row, column.key, "bogus")
            with refused("bogus"):
                await session.flush()
        async with any_db.session() as session:
            with refused("bogus"):
                await session.execute(update(column.class_).values({column.key: "bogus"}))
        async with any_db.session() as session:
            assert (await session.execute(select(column))).scalar_one() is WRITTEN[column]
