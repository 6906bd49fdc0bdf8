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
from xml.etree.ElementTree import iterparse

from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string

MAX_BYTES = 20 * 1024 * 1024
_UTF8_BOM = b"\xef\xbb\xbf"


class SheetError(Exception):
    """The file as a whole cannot be read (not a row problem)."""


@dataclass(frozen=True)
class Row:
    number: int  # as shown in the spreadsheet (the header is row 1)
    values: dict[str, str]
    numbers: frozenset[str] = frozenset()  # headers whose cell held a number (not text) in the XLSX


@dataclass(frozen=True)
class Sheet:
    headers: list[str]
    rows: list[Row]
    problems: list[tuple[int, str]] = field(default_factory=list)  # (row, what is wrong) found while reading


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
            raise SheetError(f"{name}: starts like UTF-16 text but is not ({exc.reason})") from exc
    body = data[len(_UTF8_BOM):] if data.startswith(_UTF8_BOM) else data
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as utf8_error:
        try:
            return body.decode("gb18030")
        except UnicodeDecodeError:
            line = body[:utf8_error.start].count(b"\n") + 1
            raise SheetError(
                f"{name}: line {line} is neither UTF-8 nor GBK text; save the file from Excel or WPS as "
                "\"CSV UTF-8\" or as .xlsx"
            ) from None


def _build(headers: list[str], raw_rows: list[tuple[int, list[str], frozenset[int]]],
           problems: list[tuple[int, str]]) -> Sheet:
    clean_headers = [h.replace("\ufeff", "").strip().replace("\n", "") for h in headers]
    rows = []
    for number, cells, numeric in raw_rows:
        if not any(cells):
            continue  # blank lines between blocks are common and mean nothing
        if len(cells) > len(clean_headers) and any(cells[len(clean_headers):]):
            problems.append((number, f"{len(cells)} cells but only {len(clean_headers)} headers"))
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
        raise SheetError(f"{path.name}: the file is empty")
    lines = list(csv.reader(io.StringIO(text), delimiter=_delimiter(text.split("\n", 1)[0])))
    raw = [(i + 2, [cell.strip() for cell in line], frozenset[int]()) for i, line in enumerate(lines[1:])]
    return _build(lines[0], raw, [])


_CELL = re.compile(r"([A-Z]+)(\d+)")
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+\d+):([A-Z]+\d+)"')


def _sheet_xml(path: Path, worksheet_path: str | None) -> bytes:
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        member = worksheet_path if worksheet_path in names else next(
            (n for n in sorted(names) if n.startswith("xl/worksheets/sheet")), None)
        return archive.read(member) if member else b""


def _formulas_without_values(xml: bytes) -> list[str]:
    """Cells (like 'D7') holding a formula whose result was never saved: openpyxl reads them as empty."""
    found = []
    for _event, element in iterparse(io.BytesIO(xml)):
        if element.tag.rsplit("}", 1)[-1] != "c":
            continue
        children = {child.tag.rsplit("}", 1)[-1]: child for child in element}
        if "f" in children and (children.get("v") is None or not (children["v"].text or "").strip()):
            found.append(element.get("r", "?"))
        element.clear()
    return found


def read_xlsx(path: Path) -> Sheet:
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise SheetError(f"{path.name}: not a readable XLSX file ({type(exc).__name__})") from exc
    try:
        sheet = workbook.worksheets[0]
        values = sheet.iter_rows(values_only=True)
        first = next(values, None)
        if first is None:
            raise SheetError(f"{path.name}: the first sheet is empty")
        headers = [_text(cell) for cell in first]
        raw = []
        for number, row in enumerate(values, start=2):
            numeric = frozenset(i for i, cell in enumerate(row) if isinstance(cell, int | float)
                                and not isinstance(cell, bool))
            raw.append((number, [_text(cell) for cell in row], numeric))
        # Read-only worksheets keep their part name; merged ranges and formulas are read from that XML.
        xml = _sheet_xml(path, getattr(sheet, "_worksheet_path", None))
    finally:
        workbook.close()
    problems: list[tuple[int, str]] = []
    for start, end in _MERGE.findall(xml):
        first_row = int(_CELL.fullmatch(start.decode()).group(2))  # type: ignore[union-attr]
        if first_row > 1:
            problems.append((first_row, f"merged cells {start.decode()}:{end.decode()}: unmerge them and fill every row"))
    if b"<f" in xml or b":f>" in xml:
        for cell in _formulas_without_values(xml):
            match = _CELL.fullmatch(cell)
            row = int(match.group(2)) if match else 0
            column = headers[column_index_from_string(match.group(1)) - 1] if match and column_index_from_string(
                match.group(1)) <= len(headers) else cell
            problems.append((row, f"{column} ({cell}) is a formula whose value was never saved: open the file in "
                                  "Excel or WPS and save it again, or paste the values"))
    return _build(headers, raw, sorted(problems))


def read_sheet(path: Path) -> Sheet:
    """The first sheet of an XLSX, or a CSV file, as rows of strings keyed by header."""
    if not path.is_file():
        raise SheetError(f"{path}: no such file")
    if path.stat().st_size > MAX_BYTES:
        raise SheetError(f"{path.name}: larger than {MAX_BYTES // 1024 // 1024} MB; split it into several files")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(path)
    if suffix in (".csv", ".txt", ".tsv"):
        return read_csv(path)
    if suffix == ".xls":
        raise SheetError(f"{path.name}: old .xls format; open it in Excel or WPS and save as .xlsx")
    raise SheetError(f"{path.name}: unknown file type; use .csv or .xlsx")
