"""What an import works with: checked rows, row errors and notes, the category guesser's answer, the report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RowError:
    """What is wrong with a row (0: the header) as a catalogue key under `importing.` and its values: storage says
    what, the reader's channel words it in the reader's language (flows.imports.error_text)."""

    row: int
    column: str
    key: str
    values: dict[str, Any] = field(default_factory=dict, hash=False)

    def __str__(self) -> str:  # for logs and debugging; people read error_text
        where = f"row {self.row}" if self.row else "header"
        return f"{where}, {self.column}: {self.key} {self.values}" if self.column else f"{where}: {self.key} {self.values}"


@dataclass(frozen=True)
class Notice:
    """Something staff should know that does not stop the import (a column not used, a place kept as written, why a
    category is unsure): a catalogue key under `importing.notice.` and its values, worded in the reader's language
    by the channel (flows.imports.notice_text), as RowError is."""

    key: str
    values: dict[str, Any] = field(default_factory=dict, hash=False)

    def __str__(self) -> str:  # for logs and debugging; people read notice_text
        return f"{self.key} {self.values}"


@dataclass(frozen=True)
class CategoryGuess:
    """A posting's job category read from its title and text (by a guesser the caller passes in)."""

    category: str
    sure: bool
    note: Notice | None = None  # why it is unsure, or what else the title names


# (title, the posting's other text) → guess. Storage cannot import the NLU; flows/categories.py makes one.
Categorise = Callable[[str, str], CategoryGuess]


@dataclass
class Parsed:
    """One valid row: the values its cells gave (an empty cell gives none) and the keys it asks to erase."""

    row: int
    values: dict[str, Any]
    cleared: frozenset[str] = frozenset()
    inferred: CategoryGuess | None = None  # set when the job category was not in the sheet
    notes: list[Notice] = field(default_factory=list)
    # a new posting's derived columns (storage/posting_index.py), read before the write lock is taken
    derived: dict[str, Any] | None = None


@dataclass
class Checked:
    """A sheet after reading and validation, before any database work."""

    kind: str
    rows: list[Parsed]
    errors: list[RowError] = field(default_factory=list)
    warnings: list[Notice] = field(default_factory=list)
    total_rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportReport:
    kind: str
    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[Notice] = field(default_factory=list)
    enterprises_added: int = 0
    added_posting_ids: list[int] = field(default_factory=list)
    added_worker_ids: list[int] = field(default_factory=list)
    # Workers who became registered by this import (a new person, or a person without a worker profile) and
    # existing workers who still have no secretary, each with their township: flows assign and schedule them.
    registered: list[tuple[int, str | None]] = field(default_factory=list)
    without_secretary: list[tuple[int, str | None]] = field(default_factory=list)
    placed: list[int] = field(default_factory=list)  # workers this import marked as placed

    @property
    def ok(self) -> bool:
        return not self.errors
