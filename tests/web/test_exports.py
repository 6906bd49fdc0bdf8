"""导出 from the console: the Excel reports of `mishu export`, holding only the workers the reader may see, each
download in the audit log; linked from the workers, follow-ups and postings pages."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from storage.models import AuditEntry, Posting, StatusChange
from tests.conftest import NOW
from tests.factories import add_postings
from tests.web.conftest import Browser, County


async def sheet(browser: Browser, report: str) -> list[tuple[object, ...]]:
    response = await browser.client.get(f"/console/exports/{report}.xlsx")
    assert response.status == 200, await response.text()
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(await response.read()), read_only=True)
    return list(book.active.iter_rows(values_only=True))


@pytest.fixture
async def placed(county: County) -> None:
    async with county.db.session() as session:
        for worker in ("worker1", "worker3"):
            session.add(StatusChange(worker_id=county.ids[worker], old_status="seeking", new_status="placed",
                                     reason="checkin:placed", created_at=NOW - timedelta(days=1)))


class TestScope:
    async def test_a_secretary_gets_their_own_and_their_townships_workers(self, county: County, placed: None) -> None:
        secretary = await county.signed_in("sec1")
        workers = await sheet(secretary, "workers")
        assert workers[0][:3] == ("编号", "姓名", "手机号码")
        assert {row[1] for row in workers[1:]} == {"刘大姐", "陈大哥"}
        followups = await sheet(secretary, "followups")
        assert [row[1] for row in followups[1:]] == ["刘大姐"]
        placements = await sheet(secretary, "placements")
        assert [row[0] for row in placements[1:]] == ["刘大姐"]

    async def test_an_admin_gets_everyone(self, county: County, placed: None) -> None:
        admin = await county.signed_in("admin1")
        assert {row[1] for row in (await sheet(admin, "workers"))[1:]} == {"刘大姐", "陈大哥", "杨师傅"}
        assert {row[0] for row in (await sheet(admin, "placements"))[1:]} == {"刘大姐", "杨师傅"}


async def test_each_download_is_audited(county: County) -> None:
    secretary = await county.signed_in("sec1")
    await sheet(secretary, "workers")
    async with county.db.session() as session:
        [entry] = (await session.execute(select(AuditEntry).where(AuditEntry.action == "export.workers"))).scalars()
    assert entry.actor_id == county.ids["sec1"] and entry.detail["rows"] == 2


async def test_unknown_reports_and_strangers(county: County) -> None:
    admin = await county.signed_in("admin1")
    response = await admin.client.get("/console/exports/passwords.xlsx")
    assert response.status == 404
    stranger = await county.browser()
    response = await stranger.client.get("/console/exports/workers.xlsx", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"].startswith("/console/signin")


async def test_the_pages_that_list_them_link_them(county: County) -> None:
    secretary = await county.signed_in("sec1")
    assert 'href="/console/exports/workers.xlsx"' in await secretary.get("/console/workers")
    assert 'href="/console/exports/followups.xlsx"' in await secretary.get("/console/followups")
    assert 'href="/console/exports/placements.xlsx"' in await secretary.get("/console/postings")
    assert 'href="/console/exports/postings.xlsx"' in await secretary.get("/console/postings")


async def test_the_open_postings_sheet_is_the_shelf(county: County) -> None:
    """The postings report (`mishu export postings`) from the console: open postings only, the same for everyone."""
    await add_postings(county.db, NOW.date())
    secretary = await county.signed_in("sec1")
    rows = await sheet(secretary, "postings")
    assert rows[0][:3] == ("编号", "企业名称", "岗位名称")
    titles = {row[2] for row in rows[1:]}
    assert "春茶采摘工" in titles
    async with county.db.session() as session:
        closed = set((await session.execute(select(Posting.title).where(Posting.status != "open"))).scalars())
    assert closed and not (closed & titles)
