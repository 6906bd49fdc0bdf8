"""Checking a sheet against its schema without touching the database: every problem found in one pass.

Headers are matched to columns, every cell is parsed (row-numbered errors for those that cannot be used), a
posting without a job category gets one from the category guesser, and rows that name the same thing twice are
reported. The result is what the writers (postings.py, enterprises.py, workers.py) take.
"""

from __future__ import annotations

from typing import Any

from storage.importing.fields import FieldError
from storage.importing.rows import Categorise, Checked, Notice, Parsed, RowError
from storage.importing.schemas import CLEAR, Schema
from storage.importing.sheets import Sheet
from storage.vocabulary import OTHER_CATEGORY, geography

# The text a posting's category may also be read from when its title says nothing.
_POSTING_TEXT = ("requirements", "description", "benefits")


def _map_headers(sheet: Sheet, schema: Schema, errors: list[RowError], warnings: list[Notice]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for header in sheet.headers:
        if not header:
            continue
        column = schema.column_for(header)
        if column is None:
            warnings.append(Notice("column_unused", {"column": header}))
        elif column.key in mapping.values():
            errors.append(RowError(0, header, "second_column", {"column": column.names[0]}))
        else:
            mapping[header] = column.key
    return mapping


def validate(sheet: Sheet, schema: Schema, categorise: Categorise | None = None) -> Checked:
    """Parse every row; all problems are collected so staff fix the whole file in one pass."""
    errors = [RowError(row, "", key, values) for row, key, values in sheet.problems]
    warnings: list[Notice] = []
    mapping = _map_headers(sheet, schema, errors, warnings)
    present = frozenset(mapping.values())
    for column in schema.columns:
        if column.required and column.key not in present:
            errors.append(RowError(0, column.names[0], "column_missing", {"names": ", ".join(column.names)}))
    if schema.kind == "postings" and "job_category" not in present and categorise is None:
        errors.append(RowError(0, "工种", "no_category_column"))
    checked = Checked(schema.kind, [], errors, warnings, total_rows=len(sheet.rows))
    if any(e.row == 0 for e in errors):
        return checked
    by_key = {c.key: c for c in schema.columns}
    for row in sheet.rows:
        values: dict[str, Any] = {}
        cleared: set[str] = set()
        for header, key in mapping.items():
            column = by_key[key]
            text = row.values.get(header, "").strip()
            if not text:
                if column.required:
                    errors.append(RowError(row.number, header, "empty"))
                continue
            if text == CLEAR:
                if column.required or key == "job_category":
                    errors.append(RowError(row.number, header, "clear_category" if key == "job_category"
                                           else "clear_required", {"clear": CLEAR}))
                else:
                    cleared.add(key)
                continue
            try:
                values[key] = column.read(text, was_number=header in row.numbers)
            except FieldError as exc:
                errors.append(RowError(row.number, header, exc.key, exc.values))
        parsed = Parsed(row.number, values, frozenset(cleared))
        if schema.kind == "postings":
            _posting_notes(parsed, categorise)
            if "job_category" not in values and "title" in values:
                errors.append(RowError(row.number, "工种", "category_empty"))
        checked.rows.append(parsed)
    errors.extend(find_duplicates(schema.kind, checked.rows))
    return checked


def _posting_notes(parsed: Parsed, categorise: Categorise | None) -> None:
    values = parsed.values
    place = values.get("place")
    if place is not None and not place.township and not place.province and place.city != geography().county:
        parsed.notes.append(Notice("place_unknown", {"place": place.text}))
    if categorise is None or "title" not in values:
        return
    text = " ".join(str(values[key]) for key in _POSTING_TEXT if values.get(key))
    guess = categorise(values["title"], text)
    given = values.get("job_category")
    if given is None:
        values["job_category"] = guess.category
        parsed.inferred = guess
    elif given != guess.category and guess.category != OTHER_CATEGORY:
        parsed.notes.append(Notice("category_disagrees", {"given": given, "guess": guess.category}))


def natural_key(kind: str, values: dict[str, Any]) -> tuple[Any, ...]:
    """What identifies a row when it has no id: posting = enterprise + title + place, enterprise = name,
    worker = mobile number."""
    if kind == "postings":
        place = values.get("place")
        return (values.get("enterprise"), values.get("title"), (place.township or place.city) if place else None)
    if kind == "enterprises":
        return (values.get("name"),)
    return (values.get("phone"),)


def find_duplicates(kind: str, rows: list[Parsed]) -> list[RowError]:
    """Rows naming the same thing twice (the same id, or the same natural key) point at the first."""
    errors = []
    seen: dict[tuple[Any, ...], int] = {}
    for row in rows:
        keys = []
        if row.values.get("external_id"):
            keys.append(("id", row.values["external_id"]))
        if kind != "postings" or not row.values.get("external_id"):
            keys.append(natural_key(kind, row.values))
        for key in keys:
            if None in key:
                continue
            if key in seen:
                errors.append(RowError(row.row, "", "duplicate", {"first": seen[key]}))
                break
            seen[key] = row.row
    return errors
