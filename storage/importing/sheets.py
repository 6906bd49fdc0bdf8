"""Reading a CSV or XLSX file into numbered rows of text, the way staff's spreadsheets actually come.

CSV files from Chinese Excel are often GBK; XLSX cells hold numbers, dates or Excel serial numbers where
staff typed text. Everything becomes a stripped string (dates as ISO) with its spreadsheet row number,
so validation can point at the row staff see.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from openpyxl import load_workbook

# Encodings tried in order: Excel's "CSV UTF-8" has a BOM; plain Excel on a Chinese system writes GB18030/GBK.
ENCODINGS = ("utf-8-sig", "gb18030")
MAX_BYTES = 20 * 1024 * 1024


class SheetError(Exception):
    """The file as a whole cannot be read (not a row problem)."""


@dataclass(frozen=True)
class Row:
    number: int  # as shown in the spreadsheet (the header is row 1)
    values: dict[str, str]


@dataclass(frozen=True)
class Sheet:
    headers: list[str]
    rows: list[Row]
    problems: list[tuple[int, str]]  # (row number, what is wrong) found while reading, e.g. merged cells


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


def _decode(data: bytes, path: Path) -> str:
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SheetError(f"{path.name}: not UTF-8 or GBK text; save it from Excel as CSV UTF-8 or XLSX")


def _build(headers: list[str], raw_rows: list[tuple[int, list[str]]], problems: list[tuple[int, str]]) -> Sheet:
    clean_headers = [h.strip().replace("\n", "") for h in headers]
    rows = []
    for number, cells in raw_rows:
        if not any(cell for cell in cells):
            continue  # blank lines between blocks are common and mean nothing
        if len(cells) > len(clean_headers) and any(cells[len(clean_headers):]):
            problems.append((number, f"{len(cells)} cells but only {len(clean_headers)} headers"))
        values = {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(clean_headers) if h}
        rows.append(Row(number, values))
    return Sheet(clean_headers, rows, problems)


def read_csv(path: Path) -> Sheet:
    text = _decode(path.read_bytes(), path)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    lines = list(csv.reader(io.StringIO(text), dialect))
    if not lines:
        raise SheetError(f"{path.name}: the file is empty")
    raw = [(i + 2, [cell.strip() for cell in line]) for i, line in enumerate(lines[1:])]
    return _build(lines[0], raw, [])


def read_xlsx(path: Path) -> Sheet:
    try:
        workbook = load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise SheetError(f"{path.name}: not a readable XLSX file ({type(exc).__name__})") from exc
    sheet = workbook.worksheets[0]
    problems: list[tuple[int, str]] = []
    for merged in sheet.merged_cells.ranges:
        if merged.min_row > 1:
            problems.append((merged.min_row, f"merged cells {merged.coord}: unmerge them and fill every row"))
    rows = list(sheet.iter_rows(values_only=True))
    if not rows:
        raise SheetError(f"{path.name}: the first sheet is empty")
    headers = [_text(cell) for cell in rows[0]]
    raw = [(i + 2, [_text(cell) for cell in row]) for i, row in enumerate(rows[1:])]
    return _build(headers, raw, problems)


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
