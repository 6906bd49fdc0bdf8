"""One vocabulary: every state, status, role and kind column holds a member of storage/states.py, the code names
them by their members only (a bare string for one fails here), and unknown words are refused on both backends."""

from __future__ import annotations

import ast
import re
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest
from jinja2 import Environment, nodes
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
    BureauOffice,
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
    CaseKind,
    CaseState,
    EmploymentStatus,
    FollowUpKind,
    FollowUpOutcome,
    FollowUpState,
    OfficeKind,
    OutboxState,
    PostingState,
    Role,
    WorkerAnswer,
)
from tests.conftest import NOW

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [p for room in ("flows", "storage", "bot", "bench") for p in (ROOT / room).rglob("*.py")
           if "migrations" not in p.parts]
TEMPLATES = sorted((ROOT / "bot" / "web" / "templates").rglob("*.html"))
# The names a state (or role) goes by: as a column or attribute (`posting.status`, `FollowUp.state`,
# `person.role`), a keyword (`Case(status=…)`, `.values(state=…)`) or a key of a row written whole
# (`{"status": …}` in a bulk insert).
STATE_NAMES = frozenset({"state", "status", "new_status", "old_status", "role"})
# The names a kind, a worker's answer or an outcome goes by, in the same places and as a variable (`kind ==
# "stability"`). Other things are called so too (an import's kind "postings", a service record's intent name, a
# review's Outcome member), so here only the words of these vocabularies count as bare.
KIND_NAMES = frozenset({"kind", "kinds", "worker_answer", "answer", "answers", "outcome", "outcomes"})
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
    FollowUp.kind: FollowUpKind,
    FollowUp.worker_answer: WorkerAnswer,
    FollowUp.outcome: FollowUpOutcome,
    Case.kind: CaseKind,
    BureauOffice.kind: OfficeKind,
}
# The columns named so that hold open text: a service record's kind is the intent or action handled (nlu/, the
# flows' routers), a policy question's answer is the answer itself.
OPEN_TEXT = frozenset({"service_record.kind", "policy_faq.answer"})
KIND_VOCABULARIES = (FollowUpKind, WorkerAnswer, FollowUpOutcome, CaseKind, OfficeKind)

# Every word of every vocabulary: a dict's "status" key holding one of these is a row written with a bare state.
WORDS = frozenset(str(member) for vocabulary in vars(states).values()
                  if isinstance(vocabulary, type) and issubclass(vocabulary, StrEnum) and vocabulary is not StrEnum
                  for member in vocabulary)
KIND_WORDS = frozenset(str(member) for vocabulary in KIND_VOCABULARIES for member in vocabulary)


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


def _name_of(node: ast.AST) -> str | None:
    """`x.status`, `Posting.status`, `row["status"]`, `FollowUp.kind`, a variable `kind`: the name of a place
    holding a state or a kind, else None."""
    if isinstance(node, ast.Attribute):
        name = node.attr
    elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        name = node.slice.value
    elif isinstance(node, ast.Name) and node.id in KIND_NAMES:
        name = node.id
    else:
        return None
    return name if name in STATE_NAMES or name in KIND_NAMES else None


def _bare(name: str | None, strings: list[str]) -> list[str]:
    """The strings that are bare words for a place of this name: any for a state, a vocabulary's word for a kind."""
    if name in STATE_NAMES:
        return strings
    if name in KIND_NAMES:
        return [s for s in strings if s in KIND_WORDS]
    return []


def state_strings(source: str) -> list[tuple[int, str]]:
    """(line, text) of every string literal used as a state or kind: compared with one, assigned to one, given as
    `status=` / `kind=`, listed in `.state.in_(…)` / `.kind.not_in(…)`, or the value of a `"status"` / `"kind"`
    key of a dict."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            for name in {_name_of(o) for o in operands} - {None}:
                found += [(node.lineno, s) for o in operands if _name_of(o) is None
                          for s in _bare(name, _strings(o))]
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if _name_of(target):
                    found += [(node.lineno, s) for s in _bare(_name_of(target), _strings(node.value))]
                elif isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                    found += [(node.lineno, s) for t, v in zip(target.elts, node.value.elts, strict=False)
                              for s in _bare(_name_of(t), _strings(v))]
        elif isinstance(node, ast.keyword) and node.arg is not None:
            found += [(node.value.lineno, s) for s in _bare(node.arg, _strings(node.value))]
        elif isinstance(node, ast.Dict):  # other dicts have a "status" too (a health report's "ok"): words only
            found += [(value.lineno, s) for key, value in zip(node.keys, node.values, strict=True)
                      if isinstance(key, ast.Constant) and isinstance(key.value, str)
                      for s in _bare(key.value, _strings(value)) if s in WORDS]
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr in ("in_", "not_in") and _name_of(node.func.value)):
            found += [(node.lineno, s) for arg in node.args for s in _bare(_name_of(node.func.value), _strings(arg))]
    return found


def _template_place(node: nodes.Node) -> str | None:
    """`p.status`, `row["kind"]`, a loop variable `o`: what a template compares with a word."""
    if isinstance(node, nodes.Getattr):
        return node.attr if node.attr in STATE_NAMES | KIND_NAMES else None
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        return node.arg.value if node.arg.value in STATE_NAMES | KIND_NAMES else None
    return node.name if isinstance(node, nodes.Name) else None


# An HTML tag sending or marking a word: `<button name="outcome" value="placed">`, `data-outcome="placed"`.
_TAG = re.compile(r"<[^<>]*>")
_NAMED_VALUE = re.compile(r'\bname="(\w+)"[^<>]*?\bvalue="(\w+)"|\bvalue="(\w+)"[^<>]*?\bname="(\w+)"')
_DATA_VALUE = re.compile(r'\bdata-(\w+)="(\w+)"')


def template_strings(source: str) -> list[tuple[int, str]]:
    """(line, text) of every vocabulary word a template spells out: compared with a state, a kind or a variable
    (`p.status == "open"`, `o != "placed"`), or sent or marked by a tag under a state's or kind's name."""
    found: list[tuple[int, str]] = []
    for compare in Environment().parse(source).find_all(nodes.Compare):
        operands = [compare.expr, *(operand.expr for operand in compare.ops)]
        if any(_template_place(o) for o in operands):
            found += [(compare.lineno, o.value) for o in operands
                      if isinstance(o, nodes.Const) and isinstance(o.value, str) and o.value in WORDS]
    for tag in _TAG.finditer(source):
        line = source.count("\n", 0, tag.start()) + 1
        for match in _NAMED_VALUE.finditer(tag.group()):
            name, value = (match.group(1), match.group(2)) if match.group(1) else (match.group(4), match.group(3))
            if name in STATE_NAMES | KIND_NAMES and value in WORDS:
                found.append((line, value))
        found += [(line, value) for name, value in _DATA_VALUE.findall(tag.group())
                  if name in STATE_NAMES | KIND_NAMES and value in WORDS]
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

    def test_it_finds_kinds_answers_and_outcomes(self) -> None:
        assert [s for _, s in state_strings('if followup.kind == "stability": pass')] == ["stability"]
        assert [s for _, s in state_strings('return None if kind == "stability" else x')] == ["stability"]
        assert [s for _, s in state_strings('add_followup(session, kind="manual", due_at=d)')] == ["manual"]
        assert [s for _, s in state_strings('q.where(FollowUp.kind.in_(("first", "seeking")))')] == [
            "first", "seeking"]
        assert [s for _, s in state_strings('b("k", "checkin.outcome", outcome="placed")')] == ["placed"]
        assert [s for _, s in state_strings('if answer == "call_me": pass')] == ["call_me"]
        assert [s for _, s in state_strings('if followup.outcome != "seeking": pass')] == ["seeking"]
        assert [s for _, s in state_strings('if o.kind != "station": pass')] == ["station"]
        assert [s for _, s in state_strings('rows.append({"kind": "seeking", "outcome": None})')] == ["seeking"]
        assert [s for _, s in state_strings('open_and_notify(turn, kind="wage_arrears")')] == ["wage_arrears"]

    def test_other_kinds_are_not_these(self) -> None:
        """An import's kind, a service record's intent and a chat's type are other words called kind."""
        assert state_strings('if checked.kind == "postings": pass') == []
        assert state_strings('ServiceRecord(channel="phone", kind="follow_up")') == []
        assert state_strings('if reviewed.outcome == Outcome.APPROVED: pass') == []
        assert state_strings('if followup.kind == FollowUpKind.STABILITY: pass') == []
        assert state_strings('stations = [o for o in offices if o.kind == OfficeKind.STATION]') == []

    def test_it_finds_words_in_templates(self) -> None:
        assert [s for _, s in template_strings('{% if p.status == "open" %}x{% endif %}')] == ["open"]
        assert [s for _, s in template_strings('{% for o in outcomes if o != "placed" %}{% endfor %}')] == ["placed"]
        assert [s for _, s in template_strings('<button name="outcome" value="placed">')] == ["placed"]
        assert [s for _, s in template_strings('<input value="seeking" type="hidden" name="kind">')] == ["seeking"]
        assert [s for _, s in template_strings('<button data-outcome="training">')] == ["training"]
        assert template_strings('{% if p.status == PostingState.OPEN %}x{% endif %}') == []
        assert template_strings('<button name="outcome" value="{{ FollowUpOutcome.PLACED }}">') == []
        assert template_strings('{% if e.target_type == "worker" %}x{% endif %}') == []  # an audit target
        assert template_strings('<button name="action" value="preview">') == []


def test_no_state_is_written_as_a_bare_string() -> None:
    """A state is named by its member (PostingState.OPEN), never spelled out: a misspelt or invented word cannot
    hide in a query that no test happens to run, and every use of a state is found by its name."""
    bare = [
        f"{path.relative_to(ROOT)}:{line}: {text!r}"
        for path in SOURCES for line, text in state_strings(path.read_text(encoding="utf-8"))
    ]
    assert bare == []


def test_no_template_spells_out_a_state_or_kind() -> None:
    """Templates name them by the members bot/web/app.py puts in their globals."""
    bare = [f"{path.relative_to(ROOT)}:{line}: {text!r}"
            for path in TEMPLATES for line, text in template_strings(path.read_text(encoding="utf-8"))]
    assert TEMPLATES and bare == []


def test_every_state_column_holds_its_vocabulary() -> None:
    """A state or kind column added as plain text would take any word: every column named like a state or a kind
    (but the open lists) is an EnumString of the vocabulary it holds."""
    state_columns = {column for mapper in Base.registry.mappers for column in mapper.columns
                     if column.key in STATE_NAMES | KIND_NAMES and f"{column.table.name}.{column.key}" not in OPEN_TEXT}
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
    assert FollowUpKind.WHILE_SEEKING < FollowUpKind.UNTIL_PLACED
    assert FollowUpKind.STABILITY not in FollowUpKind.UNTIL_PLACED
    assert FollowUpKind.CADENCED == set(FollowUpKind) - {FollowUpKind.MANUAL}
    assert WorkerAnswer.CLOSING == set(WorkerAnswer) - {WorkerAnswer.CALL_ME}
    assert FollowUpOutcome.RECORDED == set(FollowUpOutcome) - {FollowUpOutcome.RESCHEDULED}
    # An answer that closes a check-in is recorded as the outcome of the same word.
    assert {str(answer) for answer in WorkerAnswer.CLOSING} <= {str(outcome) for outcome in FollowUpOutcome}
    for vocabulary in (PostingState, ApplicationState, BookingState, CaseState, BroadcastState, EmploymentStatus,
                       FollowUpState, OutboxState, Role, FollowUpKind, WorkerAnswer, FollowUpOutcome):
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
            FollowUp(worker_id=worker.id, kind=FollowUpKind.STABILITY, due_at=NOW, state=FollowUpState.ESCALATED,
                     worker_answer=WorkerAnswer.CALL_ME, outcome=FollowUpOutcome.RESCHEDULED),
            Case(kind=CaseKind.WAGE_ARREARS, worker_id=worker.id, status=CaseState.ANSWERED),
            BureauOffice(key="符溪镇", kind=OfficeKind.STATION, name="符溪镇劳动保障服务站"),
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
    FollowUp.kind: FollowUpKind.STABILITY,
    FollowUp.worker_answer: WorkerAnswer.CALL_ME,
    FollowUp.outcome: FollowUpOutcome.RESCHEDULED,
    Case.kind: CaseKind.WAGE_ARREARS,
    BureauOffice.kind: OfficeKind.STATION,
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
            session.add(FollowUp(worker_id=person.id, kind=FollowUpKind.FIRST, due_at=NOW,
                                 state=FollowUpState.ESCALATED))
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
