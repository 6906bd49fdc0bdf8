"""Reading a CSV or XLSX file into numbered rows of text, the way staff's spreadsheets actually come.

CSV files from Chinese Excel are often GBK (sometimes behind a UTF-8 byte-order mark a tool put there), or UTF-16
when saved as "Unicode text"; XLSX cells hold numbers, dates or Excel serial numbers where staff typed text,
formulas whose value was never saved, and merged cells. Everything becomes a stripped string (dates as ISO) with
its spreadsheet row number, so validation can point at the row staff see; cells that held numbers are remembered
(an ID number stored as a number has lost digits), and what cannot be read faithfully is a row problem.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from openpyxl.utils import column_index_from_string, get_column_letter
from python_calamine import CalamineWorkbook

MAX_BYTES = 20 * 1024 * 1024
_UTF8_BOM = b"\xef\xbb\xbf"


class SheetError(Exception):
    """The file as a whole cannot be read (not a row problem): `key` under `importing.sheet.` in the catalogues and
    its `values` (`name`: the file's name), worded in the reader's language by flows.imports.sheet_error_text."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(f"{values.get('name', '')}: {key}")
        self.key = key
        self.values = values


@dataclass(frozen=True)
class Row:
    number: int  # as shown in the spreadsheet (the header is row 1)
    values: dict[str, str]
    numbers: frozenset[str] = frozenset()  # headers whose cell held a number (not text) in the XLSX


@dataclass(frozen=True)
class Sheet:
    headers: list[str]
    rows: list[Row]
    # (row, catalogue key under `importing.`, its values): what is wrong, found while reading
    problems: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def decode(data: bytes, name: str) -> str:
    """The text of a CSV file: UTF-16 (with its BOM), else UTF-8, else GB18030 (a superset of GBK), with or
    without a UTF-8 byte-order mark in front (some tools add one to GBK text)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise SheetError("utf16", name=name, reason=exc.reason) from exc
    body = data[len(_UTF8_BOM):] if data.startswith(_UTF8_BOM) else data
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as utf8_error:
        try:
            return body.decode("gb18030")
        except UnicodeDecodeError:
            line = body[:utf8_error.start].count(b"\n") + 1
            raise SheetError("encoding", name=name, line=line) from None


def _build(headers: list[str], raw_rows: list[tuple[int, list[str], frozenset[int]]],
           problems: list[tuple[int, str, dict[str, Any]]]) -> Sheet:
    clean_headers = [h.replace("\ufeff", "").strip().replace("\n", "") for h in headers]
    rows = []
    for number, cells, numeric in raw_rows:
        if not any(cells):
            continue  # blank lines between blocks are common and mean nothing
        if len(cells) > len(clean_headers) and any(cells[len(clean_headers):]):
            problems.append((number, "cells_beyond_headers", {"cells": len(cells), "headers": len(clean_headers)}))
        values = {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(clean_headers) if h}
        numbers = frozenset(clean_headers[i] for i in numeric if i < len(clean_headers) and clean_headers[i])
        rows.append(Row(number, values, numbers))
    return Sheet(clean_headers, rows, problems)


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv(path: Path) -> Sheet:
    text = decode(path.read_bytes(), path.name)
    if not text.strip():
        raise SheetError("empty", name=path.name)
    lines = list(csv.reader(io.StringIO(text), delimiter=_delimiter(text.split("\n", 1)[0])))
    raw = [(i + 2, [cell.strip() for cell in line], frozenset[int]()) for i, line in enumerate(lines[1:])]
    return _build(lines[0], raw, [])


_CELL = re.compile(r"([A-Z]+)(\d+)")
_RELATIONSHIP = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _first_sheet_xml(archive: zipfile.ZipFile) -> bytes:
    """The XML of the workbook's first sheet (workbook.xml names it; its relationship gives the part)."""
    names = set(archive.namelist())
    try:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        first = next(e for e in workbook.iter() if e.tag.rsplit("}", 1)[-1] == "sheet")
        relations = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        target = next(r.get("Target", "") for r in relations if r.get("Id") == first.get(_RELATIONSHIP))
        member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        if member in names:
            return archive.read(member)
    except (KeyError, StopIteration, ElementTree.ParseError):
        pass
    parts = sorted(n for n in names if n.startswith("xl/worksheets/sheet"))
    return archive.read(parts[0]) if parts else b""


def _formulas_without_values(xml: bytes) -> list[str]:
    """Cells (like 'D7') holding a formula whose result was never saved: a reader sees them empty."""
    found = []
    for _event, element in ElementTree.iterparse(io.BytesIO(xml)):
        if element.tag.rsplit("}", 1)[-1] != "c":
            continue
        children = {child.tag.rsplit("}", 1)[-1]: child for child in element}
        if "f" in children and (children.get("v") is None or not (children["v"].text or "").strip()):
            found.append(element.get("r", "?"))
        element.clear()
    return found


def _formula_problems(path: Path, headers: list[str]) -> list[tuple[int, str, dict[str, Any]]]:
    with zipfile.ZipFile(path) as archive:
        xml = _first_sheet_xml(archive)
    if b"<f" not in xml and b":f>" not in xml:
        return []  # no formulas at all: the usual case, and no need to read the XML
    problems: list[tuple[int, str, dict[str, Any]]] = []
    for cell in _formulas_without_values(xml):
        match = _CELL.fullmatch(cell)
        if not match:
            continue
        index = column_index_from_string(match.group(1)) - 1
        column = headers[index] if index < len(headers) and headers[index] else cell
        problems.append((int(match.group(2)), "formula_unsaved", {"column": column, "cell": cell}))
    return problems


def read_xlsx(path: Path) -> Sheet:
    """The first sheet through calamine (a Rust reader; openpyxl took 15 times as long on a 20,000-row sheet)."""
    try:
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        cells = sheet.to_python(skip_empty_area=False)
        merged = sheet.merged_cell_ranges or []
    except Exception as exc:  # calamine raises its own error types for a broken or encrypted file
        raise SheetError("xlsx_unreadable", name=path.name, reason=type(exc).__name__) from exc
    if not cells or not any(_text(cell) for cell in cells[0]):
        raise SheetError("no_headers", name=path.name)
    headers = [_text(cell) for cell in cells[0]]
    raw = []
    for number, row in enumerate(cells[1:], start=2):
        numeric = frozenset(i for i, cell in enumerate(row) if isinstance(cell, int | float)
                            and not isinstance(cell, bool))
        raw.append((number, [_text(cell) for cell in row], numeric))
    problems: list[tuple[int, str, dict[str, Any]]] = []
    for (first_row, first_column), (last_row, last_column) in merged:
        if first_row > 0:
            where = f"{get_column_letter(first_column + 1)}{first_row + 1}:{get_column_letter(last_column + 1)}{last_row + 1}"
            problems.append((first_row + 1, "merged_cells", {"where": where}))
    problems += _formula_problems(path, headers)
    return _build(headers, raw, sorted(problems, key=lambda problem: problem[0]))


def read_sheet(path: Path) -> Sheet:
    """The first sheet of an XLSX, or a CSV file, as rows of strings keyed by header."""
    if not path.is_file():
        raise SheetError("missing", name=str(path))
    if path.stat().st_size > MAX_BYTES:
        raise SheetError("too_large", name=path.name, most=MAX_BYTES // 1024 // 1024)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(path)
    if suffix in (".csv", ".txt", ".tsv"):
        return read_csv(path)
    if suffix == ".xls":
        raise SheetError("xls", name=path.name)
    raise SheetError("unknown_type", name=path.name)
