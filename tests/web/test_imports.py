"""导入 in the console: a real CSV/XLSX uploaded, previewed (a dry run: row errors, inferred categories, counts,
nothing written), fixed, then imported — the same importer as `mishu import` — new postings pushed after the
commit; workers imported get a secretary and a first check-in; admins only, CSRF and the previewed file checked."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from aiohttp import FormData
from sqlalchemy import func, select

from bot.web.context import CONSOLE_KEY
from storage.models import AuditEntry, FollowUp, Posting, PushRecord, WorkerCategory, WorkerProfile
from tests.storage.sheet_files import write_csv, write_xlsx
from tests.web.conftest import Browser, County

ROOT = Path(__file__).resolve().parents[2]
HEADER = ["岗位编号", "企业名称", "岗位名称", "工种", "招聘人数", "薪资待遇", "工作地点", "联系电话", "截止日期"]
GOOD = [
    ["T-1", "峨眉山雪芽茶业有限公司", "春茶采摘工", "采茶工", "60", "130-170元/天", "双福镇", "0833-5521234", "2027-03-31"],
    ["T-2", "绍兴柯桥华纺印染有限公司", "印染车间操作工", "普工", "40", "5000-6500元/月", "浙江绍兴", "13800005678",
     "2027-02-28"],
]
BAD = [GOOD[0], ["T-2", "绍兴柯桥华纺印染有限公司", "印染车间操作工", "普工", "很多", "5000-6500元/月", "", "13800005678",
                 "2027-02-30"]]


async def upload(browser: Browser, path: Path, *, kind: str = "postings", action: str = "preview",
                 previewed: str = "", csrf: bool = True, htmx: bool = False) -> Any:
    form = FormData()
    form.add_field("kind", kind)
    form.add_field("action", action)
    if previewed:
        form.add_field("previewed", previewed)
    if csrf:
        form.add_field("csrf_token", browser.csrf)
    form.add_field("file", path.read_bytes(), filename=path.name, content_type="application/octet-stream")
    response = await browser.client.post("/console/imports", data=form,
                                         headers={"HX-Request": "true"} if htmx else {})
    browser.status, browser.last = response.status, await response.text()
    return response


def digest_of(page: str) -> str:
    found = re.search(r'name="previewed" value="([0-9a-f]{64})"', page)
    return found.group(1) if found else ""


async def count(county: County, model: Any, *where: Any) -> int:
    async with county.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def actions(county: County) -> list[str]:
    async with county.db.session() as session:
        stmt = select(AuditEntry.action).where(AuditEntry.action.like("import.%")).order_by(AuditEntry.id)
        return list((await session.execute(stmt)).scalars())


class TestPostings:
    async def test_an_error_is_shown_with_its_row_then_the_fixed_sheet_is_imported(
        self, county: County, tmp_path: Path
    ) -> None:
        async with county.db.session() as session:  # 刘大姐 wants tea picking: the new posting is pushed to her
            (await session.get(WorkerProfile, county.ids["worker1"])).wanted_categories = ["采茶工"]
            session.add(WorkerCategory(person_id=county.ids["worker1"], category="采茶工", wanted=True))
        admin = await county.signed_in("admin1")
        await admin.get("/console/imports?kind=postings")
        await upload(admin, write_csv(tmp_path / "岗位.csv", [HEADER, *BAD], "gbk"))
        assert admin.status == 422 and "什么都没有导入" in admin.last
        errors = re.findall(r'<tr class="refused"><td[^>]*>(\d+)</td>\s*<td[^>]*>([^<]*)</td>', admin.last)
        assert ("3", "招聘人数") in errors and ("3", "工作地点") in errors and ("3", "截止日期") in errors
        assert not digest_of(admin.last) and await count(county, Posting) == 0
        fixed = write_xlsx(tmp_path / "岗位.xlsx", [HEADER, *GOOD])
        await upload(admin, fixed)
        assert admin.status == 200 and "检查通过：共 2 行，将新增 2" in admin.last and "新企业 2 家" in admin.last
        assert await count(county, Posting) == 0  # a preview writes nothing
        await upload(admin, fixed, action="import", previewed=digest_of(admin.last))
        assert admin.status == 200 and "导入完成：新增 2" in admin.last and "正在把 2 个新岗位推送" in admin.last
        assert await count(county, Posting) == 2
        await county.server.app[CONSOLE_KEY].settle()  # the push runs after the request's commit
        assert await count(county, PushRecord, PushRecord.worker_id == county.ids["worker1"]) == 1
        assert await actions(county) == ["import.preview", "import.preview", "import.done"]

    async def test_a_file_other_than_the_previewed_one_is_previewed_not_imported(
        self, county: County, tmp_path: Path
    ) -> None:
        admin = await county.signed_in("admin1")
        await admin.get("/console/imports")
        await upload(admin, write_csv(tmp_path / "a.csv", [HEADER, GOOD[0]]))
        previewed = digest_of(admin.last)
        await upload(admin, write_csv(tmp_path / "b.csv", [HEADER, *GOOD]), action="import", previewed=previewed)
        assert "不是同一个" in admin.last and "检查通过：共 2 行" in admin.last
        assert await count(county, Posting) == 0

    async def test_importing_twice_changes_nothing_the_second_time(self, county: County, tmp_path: Path) -> None:
        admin = await county.signed_in("admin1")
        await admin.get("/console/imports")
        sheet = write_csv(tmp_path / "岗位.csv", [HEADER, *GOOD])
        for _ in range(2):
            await upload(admin, sheet)
            await upload(admin, sheet, action="import", previewed=digest_of(admin.last))
        assert "新增 0、更新 0、不变 2" in admin.last and await count(county, Posting) == 2

    async def test_categories_read_from_titles_are_shown_with_the_unsure_ones(
        self, county: County, tmp_path: Path
    ) -> None:
        admin = await county.signed_in("admin1")
        await admin.get("/console/imports")
        await upload(admin, ROOT / "docs" / "examples" / "postings_from_enterprises.csv", htmx=True)
        assert admin.status == 200 and "<html" not in admin.last  # the partial under the form
        assert "根据岗位名称判断" in admin.last and "春茶采摘工" in admin.last
        row = re.search(r"<td[^>]*>春茶采摘工 · 峨眉山雪芽茶业有限公司</td>\s*<td[^>]*>([^<]+)<", admin.last)
        assert row is not None and row.group(1).strip() == "采茶工"

    async def test_htmx_gets_the_errors_as_a_swappable_answer(self, county: County, tmp_path: Path) -> None:
        admin = await county.signed_in("admin1")
        await admin.get("/console/imports")
        await upload(admin, write_csv(tmp_path / "岗位.csv", [HEADER, *BAD]), htmx=True)
        assert admin.status == 200 and 'id="row-errors"' in admin.last


class TestOtherSheets:
    async def test_workers_get_a_secretary_and_a_first_check_in(self, county: County) -> None:
        admin = await county.signed_in("admin1")
        await admin.get("/console/imports?kind=workers")
        sheet = ROOT / "docs" / "examples" / "workers.csv"
        await upload(admin, sheet, kind="workers")
        assert "分配了就业秘书" in admin.last and await count(county, WorkerProfile) == 3
        await upload(admin, sheet, kind="workers", action="import", previewed=digest_of(admin.last))
        assert "导入完成" in admin.last
        added = await count(county, WorkerProfile) - 3
        assert added > 0 and await count(county, FollowUp, FollowUp.kind == "first") == added

    async def test_enterprises(self, county: County) -> None:
        admin = await county.signed_in("admin1")
        await admin.get("/console/imports?kind=enterprises")
        sheet = ROOT / "docs" / "examples" / "enterprises.csv"
        await upload(admin, sheet, kind="enterprises")
        await upload(admin, sheet, kind="enterprises", action="import", previewed=digest_of(admin.last))
        assert "导入完成：新增" in admin.last


class TestRefusals:
    async def test_a_secretary_cannot_import(self, county: County, tmp_path: Path) -> None:
        secretary = await county.signed_in("sec1")
        await secretary.get("/console/imports")
        assert secretary.status == 403
        await upload(secretary, write_csv(tmp_path / "岗位.csv", [HEADER, *GOOD]), action="import")
        assert secretary.status == 403 and await count(county, Posting) == 0

    async def test_without_the_csrf_token(self, county: County, tmp_path: Path) -> None:
        admin = await county.signed_in("admin1")
        await upload(admin, write_csv(tmp_path / "岗位.csv", [HEADER, *GOOD]), csrf=False)
        assert admin.status == 403

    @pytest.mark.parametrize(("name", "content", "message"), [
        ("岗位.xls", b"\xd0\xcf\x11\xe0", "另存为 .xlsx"),
        ("岗位.csv", b"", "岗位.csv：文件是空的"),
        ("岗位.xlsx", b"not a zip file", "岗位.xlsx：不是能读的 XLSX 文件"),
    ])
    async def test_files_that_cannot_be_read(self, county: County, tmp_path: Path, name: str, content: bytes,
                                             message: str) -> None:
        admin = await county.signed_in("admin1")
        await admin.get("/console/imports")
        path = tmp_path / name
        path.write_bytes(content)
        await upload(admin, path)
        assert admin.status == 400 and message in admin.last and "upload." not in admin.last


class TestLanguage:
    async def test_row_errors_are_in_the_staff_members_language(self, county: County, tmp_path: Path) -> None:
        admin = await county.signed_in("admin1")
        await admin.get("/console/imports")
        sheet = write_csv(tmp_path / "岗位.csv", [HEADER, *BAD])
        await upload(admin, sheet)
        assert admin.status == 422
        assert "“很多”不是招聘人数" in admin.last and "日期“2027-02-30”不存在" in admin.last
        assert "是空的" in admin.last and "not a number" not in admin.last
        await admin.post("/console/language", {"language": "zh-hant", "next": "/console/imports"})
        await admin.get("/console/imports")
        await upload(admin, sheet)
        assert "“很多”不是招聘人數" in admin.last and "日期“2027-02-30”不存在" in admin.last
        await admin.post("/console/language", {"language": "en", "next": "/console/imports"})
        await admin.get("/console/imports")
        await upload(admin, sheet)
        assert "&#39;很多&#39; is not a number of openings" in admin.last and "2027-02-30&#39; does not exist" in admin.last

    async def test_notes_are_in_the_staff_members_language(self, county: County, tmp_path: Path) -> None:
        """What does not stop an import — a column not used, a place kept as written, a 工种 the title disagrees
        with — is said in the page's language too, not in the command line's English."""
        header = [*HEADER, "备注栏"]
        rows = [[*GOOD[0][:3], "司机", *GOOD[0][4:6], "火星基地", *GOOD[0][7:], "x"]]
        sheet = write_csv(tmp_path / "岗位.csv", [header, *rows])
        admin = await county.signed_in("admin1")
        await admin.get("/console/imports")
        await upload(admin, sheet)
        assert admin.status == 200, admin.last
        assert "“备注栏”这一列没有用到" in admin.last and "工作地点“火星基地”既不是本县的乡镇" in admin.last
        assert "保留了工种“司机”，但岗位名称看起来是采茶工" in admin.last
        assert "is not used" not in admin.last and "stored as written" not in admin.last
        await admin.post("/console/language", {"language": "en", "next": "/console/imports"})
        await admin.get("/console/imports")
        await upload(admin, sheet)
        assert "column &#39;备注栏&#39; is not used" in admin.last and "stored as written" in admin.last
