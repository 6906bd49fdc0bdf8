"""Importing spreadsheets: formats staff use, row-numbered errors, all or nothing, idempotent re-import."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from storage.db import Database
from storage.importing.fields import FieldError, parse_date, parse_pay, parse_phone, parse_place
from storage.importing.importer import check_file, import_rows
from storage.importing.sheets import SheetError
from storage.models import Enterprise, Person, Posting
from tests.conftest import NOW

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
HEADER = ["企业名称", "岗位名称", "工种", "招聘人数", "薪资待遇", "工作地点", "联系电话", "截止日期"]
GOOD = ["双福茶厂", "采茶工", "采茶", "30", "150元/天", "双福镇", "13800001111", "2027-03-01"]


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    path.write_text("\n".join(",".join(row) for row in rows) + "\n", encoding=encoding)
    return path


def write_xlsx(path: Path, rows: list[list[object]], merge: str | None = None) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    workbook.save(path)
    return path


class TestFields:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("3000-5000元/月", (3000, 5000, "month")),
            ("150元/天", (150, 150, "day")),
            ("4000以上", (4000, None, "month")),
            ("3-5千", (3000, 5000, "month")),
            ("1.2万/月", (12000, 12000, "month")),
            ("120～160元/天", (120, 160, "day")),
            ("2元/斤", (2, 2, "piece")),
            ("面议", (None, None, "month")),
        ],
    )
    def test_pay(self, text: str, expected: tuple) -> None:  # type: ignore[type-arg]
        pay = parse_pay(text)
        assert (pay.min, pay.max, pay.unit) == expected and pay.text == text

    @pytest.mark.parametrize("text", ["2026-03-05", "2026/3/5", "2026年3月5日", "2026.3.5", "46086"])
    def test_dates_including_excel_serials(self, text: str) -> None:
        assert parse_date(text) == date(2026, 3, 5)

    @pytest.mark.parametrize("text", ["2026-02-30", "下个月", "3/5"])
    def test_bad_dates(self, text: str) -> None:
        with pytest.raises(FieldError):
            parse_date(text)

    def test_phones(self) -> None:
        assert parse_phone("+86 138-0000-1111") == "13800001111"
        assert parse_phone("0833-5521234") == "0833-5521234"
        with pytest.raises(FieldError):
            parse_phone("0833-5521234", mobile_only=True)
        with pytest.raises(FieldError):
            parse_phone("1380000111")

    def test_places(self) -> None:
        assert parse_place("双福").township == "双福镇"
        assert (parse_place("浙江绍兴").city, parse_place("浙江绍兴").province) == ("绍兴", "浙江")


class TestFiles:
    def test_example_files_are_valid(self) -> None:
        for kind, name in [("postings", "postings.csv"), ("postings", "postings.xlsx"),
                           ("workers", "workers.csv"), ("enterprises", "enterprises.csv")]:
            rows, report = check_file(kind, EXAMPLES / name)
            assert report.ok, report.errors
            assert rows

    def test_wrong_header_names_the_missing_column(self, tmp_path: Path) -> None:
        path = write_xlsx(tmp_path / "x.xlsx", [["公司", "岗位名称", "工种", "招聘人数", "薪资待遇", "工作地点"], GOOD[:6]])
        _, report = check_file("postings", path)
        assert any("企业名称" in str(e) and "header" in str(e) for e in report.errors)
        assert any("公司" in w for w in report.warnings)

    def test_merged_cells_are_reported_with_their_row(self, tmp_path: Path) -> None:
        path = write_xlsx(tmp_path / "x.xlsx", [HEADER, GOOD, ["", "制茶工", "制茶", "5", "4000", "双福镇", "", ""]],
                          merge="A2:A3")
        _, report = check_file("postings", path)
        assert any(e.row == 2 and "merged" in e.message for e in report.errors)

    def test_empty_rows_are_ignored(self, tmp_path: Path) -> None:
        path = write_csv(tmp_path / "x.csv", [HEADER, GOOD, [""] * 8, [",,,"], [*GOOD[:1], "制茶工", "制茶", *GOOD[3:]]])
        rows, report = check_file("postings", path)
        assert report.ok and len(rows) == 2

    def test_numbers_stored_as_text_and_excel_dates(self, tmp_path: Path) -> None:
        path = write_xlsx(tmp_path / "x.xlsx", [HEADER, ["双福茶厂", "采茶工", "采茶", "30人", 150, "双福镇", 13800001111,
                                                         date(2027, 3, 1)],
                                                ["双福茶厂", "制茶工", "制茶", 5.0, "4000", "双福镇", "", 46447]])
        rows, report = check_file("postings", path)
        assert report.ok, report.errors
        assert rows[0].values["openings"] == 30 and rows[0].values["contact_phone"] == "13800001111"
        assert rows[0].values["deadline"] == date(2027, 3, 1) and rows[1].values["deadline"] == date(2027, 3, 1)

    def test_gbk_csv_from_chinese_excel(self, tmp_path: Path) -> None:
        path = write_csv(tmp_path / "x.csv", [HEADER, GOOD], encoding="gbk")
        rows, report = check_file("postings", path)
        assert report.ok and rows[0].values["title"] == "采茶工"

    def test_duplicate_rows_point_at_the_first(self, tmp_path: Path) -> None:
        path = write_csv(tmp_path / "x.csv", [HEADER, GOOD, GOOD])
        _, report = check_file("postings", path)
        assert [str(e) for e in report.errors] == ["row 3: duplicates row 2"]

    def test_bad_cells_are_all_reported_with_row_numbers(self, tmp_path: Path) -> None:
        bad = ["双福茶厂", "采茶工", "挖金子", "很多", "看着给", "火星", "12345", "明年"]
        path = write_csv(tmp_path / "x.csv", [HEADER, GOOD, bad])
        _, report = check_file("postings", path)
        columns = {e.column for e in report.errors if e.row == 3}
        assert {"工种", "招聘人数", "薪资待遇", "联系电话", "截止日期"} <= columns

    def test_too_large_file_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "big.csv"
        line = ",".join(GOOD) + "\n"
        path.write_text(",".join(HEADER) + "\n" + line * (21 * 1024 * 1024 // len(line.encode())), encoding="utf-8")
        with pytest.raises(SheetError, match="larger than"):
            check_file("postings", path)

    def test_a_five_megabyte_file_is_read(self, tmp_path: Path) -> None:
        rows = [HEADER] + [[f"峨眉山企业{i}", f"岗位{i}", "普工", "3", "4000", "东莞", "", ""] for i in range(100000)]
        path = write_csv(tmp_path / "x.csv", rows)
        assert path.stat().st_size > 5 * 1024 * 1024
        parsed, report = check_file("postings", path)
        assert report.ok and len(parsed) == 100000


class TestWriting:
    async def test_all_or_nothing_and_idempotent(self, any_db: Database) -> None:
        rows, report = check_file("postings", EXAMPLES / "postings.csv")
        async with any_db.session() as session:
            first = await import_rows(session, "postings", rows, now=NOW)
        assert first.added == len(rows) and len(first.added_posting_ids) == len(rows)
        async with any_db.session() as session:
            again = await import_rows(session, "postings", rows, now=NOW)
        assert (again.added, again.updated, again.unchanged) == (0, 0, len(rows))
        rows[0].values["openings"] = 99
        with pytest.raises(RuntimeError):
            async with any_db.session() as session:
                changed = await import_rows(session, "postings", rows, now=NOW)
                assert changed.updated == 1
                raise RuntimeError("a later failure rolls the whole import back")
        async with any_db.session() as session:
            openings = (await session.execute(select(Posting.openings).where(Posting.external_id == "EMS-2026-001"))).scalar()
            count = (await session.execute(select(func.count()).select_from(Posting))).scalar()
            enterprises = (await session.execute(select(func.count()).select_from(Enterprise))).scalar()
        assert openings == 60 and count == len(rows) and enterprises == 5

    async def test_workers_are_matched_by_mobile(self, any_db: Database) -> None:
        rows, _ = check_file("workers", EXAMPLES / "workers.csv")
        async with any_db.session() as session:
            assert (await import_rows(session, "workers", rows, now=NOW)).added == 3
        rows[0].values["township"] = "罗目镇"
        async with any_db.session() as session:
            report = await import_rows(session, "workers", rows, now=NOW)
        assert (report.added, report.updated) == (0, 1)
        async with any_db.session() as session:
            person = (await session.execute(select(Person).where(Person.phone == "13811112222"))).scalar_one()
            hardest = (await session.execute(select(Person).where(Person.name == "王建军"))).scalar_one()
            await session.refresh(hardest, ["profile"])
        assert person.township == "罗目镇" and hardest.profile.hardest_hit
