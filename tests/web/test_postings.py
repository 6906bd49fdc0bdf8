"""岗位 in the console: the shelf filtered by status, category, township, enterprise and words, with pushes and
applicants (scoped); admins close and edit a posting with the importer's field rules; secretaries only read."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from storage.models import Application, AuditEntry, Posting, PushRecord
from tests.conftest import NOW
from tests.factories import add_postings
from tests.web.conftest import County

TODAY = NOW.date()


@pytest.fixture
async def shelf(county: County) -> dict[str, int]:
    """The test county's postings; the tea-picking one pushed to three workers, two of whom applied."""
    await add_postings(county.db, TODAY)
    async with county.db.session() as session:
        postings = {p.title: p.id for p in (await session.execute(select(Posting))).scalars()}
        tea = postings["春茶采摘工"]
        for worker in ("worker1", "worker2", "worker3"):
            session.add(PushRecord(posting_id=tea, worker_id=county.ids[worker], score=0.9, reason="", created_at=NOW))
        for worker in ("worker1", "worker3"):
            session.add(Application(posting_id=tea, worker_id=county.ids[worker], created_at=NOW))
    return postings


async def _posting(county: County, posting_id: int) -> Posting:
    async with county.db.session() as session:
        found = await session.get(Posting, posting_id)
        assert found is not None
        return found


class TestList:
    async def test_open_postings_by_default_with_pushes_and_applications(self, county: County,
                                                                         shelf: dict[str, int]) -> None:
        browser = await county.signed_in("sec1")
        data = json.loads(await browser.get("/console/postings?format=json"))
        assert data["total"] == 4 and "去年的厨师岗位" not in {p["title"] for p in data["postings"]}
        tea = next(p for p in data["postings"] if p["title"] == "春茶采摘工")
        assert (tea["pushed"], tea["applied"], tea["enterprise"]) == (3, 2, "双福茶叶专业合作社")
        closed = json.loads(await browser.get("/console/postings?format=json&status=closed"))
        assert [p["title"] for p in closed["postings"]] == ["去年的厨师岗位"]
        everything = json.loads(await browser.get("/console/postings?format=json&status=all"))
        assert everything["total"] == 5

    @pytest.mark.parametrize(("query", "titles"), [
        ("category=采茶工", {"春茶采摘工", "茶叶采摘（按斤计）"}),
        ("township=峨山街道", {"客房服务员"}),
        ("enterprise=绍兴", {"印染车间普工"}),
        ("q=按斤", {"茶叶采摘（按斤计）"}),
        ("q=采明前茶", {"春茶采摘工"}),  # words of the description
        ("category=火星工&township=火星", {"春茶采摘工", "茶叶采摘（按斤计）", "印染车间普工", "客房服务员"}),
        ("q=%25", set()),  # a percent sign is a character, not a wildcard
    ])
    async def test_filters(self, county: County, shelf: dict[str, int], query: str, titles: set[str]) -> None:
        browser = await county.signed_in("sec1")
        data = json.loads(await browser.get(f"/console/postings?format=json&{query}"))
        assert {p["title"] for p in data["postings"]} == titles

    async def test_the_page_has_tabs_counts_and_the_export(self, county: County, shelf: dict[str, int]) -> None:
        admin = await county.signed_in("admin1")
        page = await admin.get("/console/postings")
        assert 'id="status-open"' in page and 'id="status-pending"' in page
        assert 'href="/console/exports/placements.xlsx"' in page and 'id="to-import"' in page
        secretary = await county.signed_in("sec1")
        assert 'id="to-import"' not in await secretary.get("/console/postings")


class TestDetail:
    async def test_a_secretary_sees_only_their_applicants_and_the_rest_counted(self, county: County,
                                                                               shelf: dict[str, int]) -> None:
        secretary = await county.signed_in("sec1")
        data = json.loads(await secretary.get(f"/console/postings/{shelf['春茶采摘工']}?format=json"))
        assert data["pushed"] == 3 and [a["name"] for a in data["applicants"]] == ["刘大姐"]
        assert data["hidden_applicants"] == 1  # 杨师傅 is sec2's, in another township
        page = await secretary.get(f"/console/postings/{shelf['春茶采摘工']}")
        assert "已推送给 3 位劳动者" in page and "另有 1 人报名" in page and 'id="save-posting"' not in page
        admin = await county.signed_in("admin1")
        data = json.loads(await admin.get(f"/console/postings/{shelf['春茶采摘工']}?format=json"))
        assert {a["name"] for a in data["applicants"]} == {"刘大姐", "杨师傅"} and data["hidden_applicants"] == 0
        await admin.get("/console/postings/99999")
        assert admin.status == 404


class TestClose:
    async def test_an_admin_closes_an_open_posting_once(self, county: County, shelf: dict[str, int]) -> None:
        admin = await county.signed_in("admin1")
        await admin.get(f"/console/postings/{shelf['客房服务员']}")
        await admin.post(f"/console/postings/{shelf['客房服务员']}/close", follow=True)
        assert "岗位已关闭" in admin.last and (await _posting(county, shelf["客房服务员"])).status == "closed"
        await admin.post(f"/console/postings/{shelf['客房服务员']}/close", follow=True)
        assert "已经不在招了" in admin.last
        async with county.db.session() as session:
            entries = (await session.execute(select(AuditEntry).where(AuditEntry.action == "posting.close"))).scalars()
            assert [e.target_id for e in entries] == [str(shelf["客房服务员"])]

    async def test_a_secretary_cannot_close_or_edit(self, county: County, shelf: dict[str, int]) -> None:
        secretary = await county.signed_in("sec1")
        await secretary.get(f"/console/postings/{shelf['客房服务员']}")
        await secretary.post(f"/console/postings/{shelf['客房服务员']}/close")
        assert secretary.status == 403
        await secretary.post(f"/console/postings/{shelf['客房服务员']}/edit", {"title": "改个名字"})
        assert secretary.status == 403
        posting = await _posting(county, shelf["客房服务员"])
        assert posting.status == "open" and posting.title == "客房服务员"

    async def test_closing_needs_the_csrf_token(self, county: County, shelf: dict[str, int]) -> None:
        admin = await county.signed_in("admin1")
        await admin.post(f"/console/postings/{shelf['客房服务员']}/close", csrf=False)
        assert admin.status == 403 and (await _posting(county, shelf["客房服务员"])).status == "open"


class TestEdit:
    async def _form(self, county: County, posting_id: int, **changes: str) -> dict[str, str]:
        from flows.shelf import typed_values

        return {**typed_values(await _posting(county, posting_id)), **changes}

    async def test_fields_are_read_as_the_importer_reads_cells(self, county: County, shelf: dict[str, int]) -> None:
        admin = await county.signed_in("admin1")
        posting_id = shelf["客房服务员"]
        form = await self._form(county, posting_id, pay="一天一百五", openings="若干", age="55岁以下",
                                deadline="2026年4月30号", place="峨眉山市黄湾镇", benefits="")
        await admin.get(f"/console/postings/{posting_id}")
        await admin.post(f"/console/postings/{posting_id}/edit", form, follow=True)
        assert "已保存" in admin.last
        posting = await _posting(county, posting_id)
        assert (posting.salary_min, posting.salary_unit, posting.openings) == (150, "day", None)
        assert (posting.age_min, posting.age_max, posting.township) == (None, 55, "黄湾镇")
        assert posting.deadline.isoformat() == "2026-04-30" and posting.benefits == ""

    async def test_the_unchanged_form_changes_nothing(self, county: County, shelf: dict[str, int]) -> None:
        admin = await county.signed_in("admin1")
        posting_id = shelf["春茶采摘工"]
        before = await _posting(county, posting_id)
        await admin.get(f"/console/postings/{posting_id}")
        await admin.post(f"/console/postings/{posting_id}/edit", await self._form(county, posting_id), follow=True)
        after = await _posting(county, posting_id)
        columns = ("title", "job_category", "openings", "salary_min", "salary_max", "salary_unit", "township",
                   "deadline", "age_min", "age_max", "contact_phone", "benefits", "description")
        assert {c: getattr(after, c) for c in columns} == {c: getattr(before, c) for c in columns}

    async def test_a_bad_field_is_shown_and_nothing_saved(self, county: County, shelf: dict[str, int]) -> None:
        admin = await county.signed_in("admin1")
        posting_id = shelf["客房服务员"]
        form = await self._form(county, posting_id, openings="很多很多", contact_phone="123", title="新名字")
        await admin.get(f"/console/postings/{posting_id}")
        await admin.post(f"/console/postings/{posting_id}/edit", form)
        assert admin.status == 400 and 'id="edit-errors"' in admin.last
        assert "招聘人数" in admin.last and "联系电话" in admin.last and 'value="新名字"' in admin.last
        assert (await _posting(county, posting_id)).title == "客房服务员"


async def test_deadline_passed_postings_still_listed_for_staff(county: County, shelf: dict[str, int]) -> None:
    async with county.db.session() as session:
        posting = await session.get(Posting, shelf["客房服务员"])
        posting.deadline = TODAY - timedelta(days=1)
    browser = await county.signed_in("admin1")
    data = json.loads(await browser.get("/console/postings?format=json&q=客房"))
    assert [p["deadline"] for p in data["postings"]] == [(TODAY - timedelta(days=1)).isoformat()]
