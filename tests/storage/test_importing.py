"""Reading the bureau's spreadsheets: real CSV and XLSX files as Excel, WPS and enterprises save them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from flows.imports import error_line, error_text, sheet_error_text
from storage.importing.importer import check_file
from storage.importing.rows import CategoryGuess
from storage.importing.sheets import SheetError
from tests.storage.sheet_files import save_formula_results, write_csv, write_xlsx

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
HEADER = ["企业名称", "岗位名称", "工种", "招聘人数", "薪资待遇", "工作地点", "联系电话", "截止日期"]
GOOD = ["双福茶厂", "采茶工", "采茶", "30", "150元/天", "双福镇", "13800001111", "2027-03-01"]
WORKERS = ["姓名", "手机号码", "乡镇", "身份证号"]
ID_NUMBER = "11010519491231002X"


def by_title(title: str, _text: str) -> CategoryGuess:
    """A stand-in guesser for reading tests (the real one is tested in tests/flows/test_imports.py)."""
    return CategoryGuess("采茶工" if "茶" in title else "其他", "茶" in title)


class TestFiles:
    def test_example_files_are_valid(self) -> None:
        for kind, name in [("postings", "postings.csv"), ("postings", "postings.xlsx"),
                           ("postings", "postings_from_enterprises.xlsx"),
                           ("workers", "workers.csv"), ("enterprises", "enterprises.csv")]:
            checked = check_file(kind, EXAMPLES / name, by_title)
            assert checked.ok, (name, checked.errors)
            assert checked.rows

    def test_wrong_header_names_the_missing_column(self, tmp_path: Path) -> None:
        path = write_xlsx(tmp_path / "x.xlsx", [["公司", "岗位名称", "工种", "招聘人数", "薪资待遇", "工作地点"], GOOD[:6]])
        checked = check_file("postings", path)
        assert any("企业名称" in str(e) and "header" in error_line(e, "en") for e in checked.errors)
        assert any("公司" in str(w.values) for w in checked.warnings)

    def test_no_category_column_needs_a_guesser(self, tmp_path: Path) -> None:
        header = [h for h in HEADER if h != "工种"]
        path = write_csv(tmp_path / "x.csv", [header, [c for c in GOOD if c != "采茶"]])
        assert any(e.column == "工种" for e in check_file("postings", path).errors)
        checked = check_file("postings", path, by_title)
        assert checked.ok and checked.rows[0].values["job_category"] == "采茶工"
        assert checked.rows[0].inferred == CategoryGuess("采茶工", True)

    def test_merged_cells_are_reported_with_their_row(self, tmp_path: Path) -> None:
        path = write_xlsx(tmp_path / "x.xlsx", [HEADER, GOOD, ["", "制茶工", "制茶", "5", "4000", "双福镇", "", ""]],
                          merge="A2:A3")
        checked = check_file("postings", path)
        assert any(e.row == 2 and "merged" in error_text(e, "en") for e in checked.errors)

    def test_formulas_without_saved_values_are_row_errors(self, tmp_path: Path) -> None:
        path = write_xlsx(tmp_path / "x.xlsx", [HEADER, [*GOOD[:3], "=10*3", *GOOD[4:]],
                                                ["双福茶厂", "制茶工", "制茶", "=2+3", "4000", "双福镇", "", ""]])
        checked = check_file("postings", path)
        assert {(e.row, "招聘人数" in error_text(e, "en") and "never saved" in error_text(e, "en")) for e in checked.errors} == {
            (2, True), (3, True)}

    def test_formulas_with_saved_values_are_read(self, tmp_path: Path) -> None:
        path = write_xlsx(tmp_path / "x.xlsx", [HEADER, [*GOOD[:3], "=10*3", *GOOD[4:]],
                                                ["双福茶厂", '="制"&"茶工"', "制茶", "5", "4000", "双福镇", "", ""]])
        save_formula_results(path, {"D2": "30", "B3": "制茶工"})
        checked = check_file("postings", path)
        assert checked.ok, checked.errors
        assert checked.rows[0].values["openings"] == 30 and checked.rows[1].values["title"] == "制茶工"

    def test_empty_rows_are_ignored(self, tmp_path: Path) -> None:
        path = write_csv(tmp_path / "x.csv", [HEADER, GOOD, [""] * 8, [",,,"], [*GOOD[:1], "制茶工", "制茶", *GOOD[3:]]])
        checked = check_file("postings", path)
        assert checked.ok and len(checked.rows) == 2

    def test_numbers_stored_as_numbers_or_text_and_excel_dates(self, tmp_path: Path) -> None:
        path = write_xlsx(tmp_path / "x.xlsx", [HEADER, ["双福茶厂", "采茶工", "采茶", "30人", 150, "双福镇", 13800001111,
                                                         date(2027, 3, 1)],
                                                ["双福茶厂", "制茶工", "制茶", 5.0, "4000", "双福镇", "", 46447]],
                          text_columns=(4,))
        checked = check_file("postings", path)
        assert checked.ok, checked.errors
        first, second = (row.values for row in checked.rows)
        assert first["openings"] == 30 and first["contact_phone"] == "13800001111"
        assert first["deadline"] == date(2027, 3, 1) and second["deadline"] == date(2027, 3, 1)

    def test_id_numbers_typed_as_text_are_read_exactly(self, tmp_path: Path) -> None:
        path = write_xlsx(tmp_path / "w.xlsx", [WORKERS, ["张三", "13800001111", "双福镇", ID_NUMBER.lower()]],
                          text_columns=(4,))
        checked = check_file("workers", path)
        assert checked.ok, checked.errors
        assert checked.rows[0].values["id_number"] == ID_NUMBER

    def test_id_numbers_stored_as_excel_numbers_are_refused_with_what_to_do(self, tmp_path: Path) -> None:
        path = write_xlsx(tmp_path / "w.xlsx", [WORKERS, ["张三", "13800001111", "双福镇", 511181199001011234],
                                                ["李四", "13800001112", "双福镇", 5.11181199001011e17]])
        checked = check_file("workers", path)
        assert [(e.row, e.column) for e in checked.errors] == [(2, "身份证号"), (3, "身份证号")]
        assert all("format the column as text" in error_text(e, "en") for e in checked.errors)

    def test_id_numbers_in_scientific_notation_from_a_csv_are_refused(self, tmp_path: Path) -> None:
        path = write_csv(tmp_path / "w.csv", [WORKERS, ["张三", "13800001111", "双福镇", "5.11181E+17"]])
        checked = check_file("workers", path)
        assert [e.column for e in checked.errors] == ["身份证号"] and "as text" in error_text(checked.errors[0], "en")

    @pytest.mark.parametrize(("encoding", "bom", "delimiter"), [
        ("utf-8", False, ","), ("utf-8", True, ","), ("gbk", False, ","), ("gbk", True, ","),
        ("gb18030", False, ","), ("utf-16", False, "\t"), ("utf-8", False, ";"),
    ])
    def test_csv_as_excel_and_wps_save_it(self, tmp_path: Path, encoding: str, bom: bool, delimiter: str) -> None:
        path = write_csv(tmp_path / "x.csv", [HEADER, GOOD], encoding, bom=bom, delimiter=delimiter)
        checked = check_file("postings", path)
        assert checked.ok, checked.errors
        assert checked.rows[0].values["title"] == "采茶工" and checked.rows[0].values["enterprise"] == "双福茶厂"

    def test_a_file_that_is_neither_utf8_nor_gbk_names_the_line(self, tmp_path: Path) -> None:
        path = tmp_path / "x.csv"
        path.write_bytes(",".join(HEADER).encode() + b"\r\n" + ",".join(GOOD).encode() + b"\r\n\x80\xff\xfe\r\n")
        with pytest.raises(SheetError) as raised:
            check_file("postings", path)
        assert "x.csv: line 3 is neither UTF-8 nor GBK" in sheet_error_text(raised.value, "en")

    def test_duplicate_rows_point_at_the_first(self, tmp_path: Path) -> None:
        path = write_csv(tmp_path / "x.csv", [HEADER, GOOD, GOOD])
        assert [error_line(e, "en") for e in check_file("postings", path).errors] == ["row 3: duplicates row 2"]

    def test_bad_cells_are_all_reported_with_row_numbers(self, tmp_path: Path) -> None:
        bad = ["双福茶厂", "采茶工", "挖金子", "99999999999999999999", "看着给", "火星", "12345", "明年"]
        path = write_csv(tmp_path / "x.csv", [HEADER, GOOD, bad])
        columns = {e.column for e in check_file("postings", path).errors if e.row == 3}
        assert {"工种", "招聘人数", "薪资待遇", "联系电话", "截止日期"} <= columns

    def test_text_longer_than_its_column_is_a_row_error(self, tmp_path: Path) -> None:
        header = [*HEADER, "联系人"]
        path = write_csv(tmp_path / "x.csv", [header, [*GOOD, "王" * 33], [*GOOD[:1], "制茶工" * 50, *GOOD[2:], "王"]])
        errors = {(e.row, e.column) for e in check_file("postings", path).errors}
        assert errors == {(2, "联系人"), (3, "岗位名称")}

    def test_clear_is_refused_where_a_value_is_needed(self, tmp_path: Path) -> None:
        path = write_csv(tmp_path / "x.csv", [HEADER, [*GOOD[:2], "清空", *GOOD[3:]], [*GOOD[:1], "清空", *GOOD[2:]]])
        assert {(e.row, e.column) for e in check_file("postings", path).errors} == {(2, "工种"), (3, "岗位名称")}

    def test_too_large_file_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "big.csv"
        line = ",".join(GOOD) + "\n"
        path.write_text(",".join(HEADER) + "\n" + line * (21 * 1024 * 1024 // len(line.encode())), encoding="utf-8")
        with pytest.raises(SheetError) as raised:
            check_file("postings", path)
        assert sheet_error_text(raised.value, "en").startswith("big.csv: larger than")

    def test_a_five_megabyte_file_is_read(self, tmp_path: Path) -> None:
        rows = [HEADER] + [[f"峨眉山企业{i}", f"岗位{i}", "普工", "3", "4000", "东莞", "", ""] for i in range(100000)]
        path = write_csv(tmp_path / "x.csv", rows)
        assert path.stat().st_size > 5 * 1024 * 1024
        checked = check_file("postings", path)
        assert checked.ok and len(checked.rows) == 100000
