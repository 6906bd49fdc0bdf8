"""One vocabulary for states and roles: every state string in the code is a member, unknown ones are refused."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.db import Database
from storage.models import FollowUp, Person
from storage.states import FollowUpState, OutboxState, Role
from tests.conftest import NOW

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [p for room in ("flows", "storage", "bot", "bench") for p in (ROOT / room).rglob("*.py")
           if "migrations" not in p.parts]
# Every state vocabulary of the code: storage/states.py's, and any other `class …State(StrEnum)` (an office's
# open/lunch/closed in flows/office_hours.py), so a `.state` literal must belong to one of them.
_DECLARED = re.compile(r"^class (\w+State)\(StrEnum\):$", re.M)


def _vocabularies() -> set[str]:
    known = {str(s) for s in FollowUpState} | {str(s) for s in OutboxState}
    for path in SOURCES:
        source = path.read_text(encoding="utf-8")
        for name in _DECLARED.findall(source):
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            known |= {str(member) for member in getattr(importlib.import_module(module), name)}
    return known


KNOWN_STATES = _vocabularies()


def _strings(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return [s for element in node.elts for s in _strings(element)]
    return []


def _is_state(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "state"


def state_strings(source: str) -> list[tuple[int, str]]:
    """(line, text) of every string literal used as a `.state`: compared with one, assigned to one, given as
    `state=`, or listed in `.state.in_(…)` / `.state.not_in(…)`."""
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
        elif isinstance(node, ast.keyword) and node.arg == "state":
            found += [(node.value.lineno, s) for s in _strings(node.value)]
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr in ("in_", "not_in") and _is_state(node.func.value)):
            found += [(node.lineno, s) for arg in node.args for s in _strings(arg)]
    return found


def test_the_scanner_finds_the_old_mistake() -> None:
    """The list that named a state nothing sets: the scanner must see it."""
    old = 'q.where(FollowUp.state.in_(("pending", "asked_worker", "answered", "prompted")))'
    assert [s for _, s in state_strings(old)] == ["pending", "asked_worker", "answered", "prompted"]
    assert [s for _, s in state_strings('f.state, f.completed_at = "cancelled", now')] == ["cancelled"]
    assert [s for _, s in state_strings('update(FollowUp).values(state="answered")')] == ["answered"]
    assert [s for _, s in state_strings('if f.state not in ("pending", "x"): pass')] == ["pending", "x"]


def test_every_state_string_in_the_code_is_a_member() -> None:
    unknown = [
        f"{path.relative_to(ROOT)}:{line}: {text!r}"
        for path in SOURCES for line, text in state_strings(path.read_text(encoding="utf-8"))
        if text not in KNOWN_STATES
    ]
    assert unknown == []


def test_the_sets_are_made_of_members() -> None:
    assert FollowUpState.SCANNED < FollowUpState.OPEN
    assert FollowUpState.OPEN.isdisjoint(FollowUpState.CLOSED)
    assert FollowUpState.OPEN | FollowUpState.CLOSED == set(FollowUpState)
    assert Role.STAFF == {Role.SECRETARY, Role.ADMIN}


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
