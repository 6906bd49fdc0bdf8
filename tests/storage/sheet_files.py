"""Writing real CSV and XLSX files the way Excel, WPS and enterprises' tools save them, for the import tests."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from openpyxl import Workbook


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8", *, bom: bool = False,
              delimiter: str = ",") -> Path:
    """A CSV file: utf-8, gbk or utf-16; `bom` puts a UTF-8 byte-order mark in front whatever the encoding
    (what some tools do to GBK text)."""
    text = "\r\n".join(delimiter.join(row) for row in rows) + "\r\n"
    data = text.encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def write_xlsx(path: Path, rows: list[list[object]], *, merge: str | None = None,
               text_columns: tuple[int, ...] = ()) -> Path:
    """An XLSX file (openpyxl); `text_columns` (1-based) are formatted as text (@), as staff do for ID numbers."""
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for column in text_columns:
        for (cell,) in sheet.iter_rows(min_col=column, max_col=column):
            cell.number_format = "@"
    if merge:
        sheet.merge_cells(merge)
    workbook.save(path)
    return path


def save_formula_results(path: Path, results: dict[str, str]) -> Path:
    """Put cached results into formula cells (cell → value), as Excel does on save; openpyxl saves formulas
    without them, as a generator or a script would."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    for cell, value in results.items():
        pattern = re.compile(rf'<c r="{cell}"([^>]*)><f>(.*?)</f><v\s*/>(?:</v>)?</c>')
        kind = "" if value.replace(".", "", 1).isdigit() else ' t="str"'
        xml, count = pattern.subn(lambda m, v=value, k=kind, c=cell: f'<c r="{c}"{m.group(1)}{k}><f>{m.group(2)}</f>'
                                                            f'<v>{v}</v></c>', xml)
        assert count == 1, f"no formula in {cell}"
    parts["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path
