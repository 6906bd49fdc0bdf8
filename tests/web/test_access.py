"""Who may do what in the console, checked on every request in one place: roles, CSRF tokens, a worker's scope;
refusals are 403 pages with an audit entry, and a phone number is shown only on a logged click."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from storage.models import AuditEntry, FollowUp, StatusChange, WorkerNote, WorkerProfile
from tests.web.conftest import County


async def audit(county: County, action: str) -> list[AuditEntry]:
    async with county.db.session() as session:
        stmt = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        return list((await session.execute(stmt)).scalars())


class TestSignedOut:
    async def test_every_page_sends_a_stranger_to_sign_in(self, county: County) -> None:
        browser = await county.browser()
        for path in ("/console/", "/console/workers", f"/console/workers/{county.ids['worker1']}", "/console/followups",
                     "/console/audit", "/console/?format=json"):
            response = await browser.client.get(path, allow_redirects=False)
            assert response.status == 303 and response.headers["Location"].startswith("/console/signin"), path

    async def test_a_post_without_a_session_changes_nothing(self, county: County) -> None:
        browser = await county.browser()
        response = await browser.post(f"/console/followups/{county.ids['fu1']}/outcome", {"outcome": "seeking"})
        assert response.status == 401
        async with county.db.session() as session:
            assert (await session.get(FollowUp, county.ids["fu1"])).state == "pending"

    async def test_assets_are_served_from_the_package(self, county: County) -> None:
        browser = await county.browser()
        for asset in ("htmx.min.js", "echarts.min.js", "console.css", "console.js"):
            response = await browser.client.get(f"/console/static/{asset}")
            assert response.status == 200 and len(await response.read()) > 1000, asset


class TestScope:
    async def test_a_secretary_opening_another_townships_worker_by_url_is_refused_and_audited(
        self, county: County
    ) -> None:
        browser = await county.signed_in("sec1")
        await browser.get(f"/console/workers/{county.ids['worker3']}")  # 杨师傅, 绥山镇, sec2's
        assert browser.status == 403 and "杨师傅" not in browser.last and "此次访问已记录" in browser.last
        [entry] = await audit(county, "refused.scope")
        assert entry.actor_id == county.ids["sec1"] and entry.target_type == "worker"
        assert entry.target_id == str(county.ids["worker3"])

    async def test_the_table_lists_only_the_secretarys_workers_and_townships(self, county: County) -> None:
        browser = await county.signed_in("sec1")
        await browser.get("/console/workers")
        assert "刘大姐" in browser.last and "陈大哥" in browser.last and "杨师傅" not in browser.last
        data = json.loads(await browser.get("/console/workers?format=json"))
        assert data["total"] == 2 and {w["name"] for w in data["workers"]} == {"刘大姐", "陈大哥"}
        assert all("****" in w["phone"] for w in data["workers"])  # masked in JSON too
        admin = await county.signed_in("admin1")
        data = json.loads(await admin.get("/console/workers?format=json"))
        assert data["total"] == 3

    async def test_a_long_table_is_counted_up_to_a_limit(self, county: County, monkeypatch) -> None:  # type: ignore[no-untyped-def]
        import bot.web.workers
        import storage.queries.worker_file

        monkeypatch.setattr(storage.queries.worker_file, "COUNT_LIMIT", 2)
        monkeypatch.setattr(bot.web.workers, "COUNT_LIMIT", 2)
        admin = await county.signed_in("admin1")
        data = json.loads(await admin.get("/console/workers?format=json"))
        assert data["more"] and data["total"] == 3 and len(data["workers"]) == 3
        assert "超过 2 人" in await admin.get("/console/workers")
        data = json.loads(await admin.get("/console/workers?format=json&township=绥山镇"))
        assert not data["more"] and data["total"] == 1

    async def test_a_township_worker_of_another_secretary_is_seen_but_not_acted_on(self, county: County) -> None:
        async with county.db.session() as session:
            (await session.get(WorkerProfile, county.ids["worker1"])).secretary_id = county.ids["sec2"]
            (await session.get(FollowUp, county.ids["fu1"])).secretary_id = county.ids["sec2"]
        browser = await county.signed_in("sec1")  # covers 双福镇, where 刘大姐 lives
        await browser.get(f"/console/workers/{county.ids['worker1']}")
        assert browser.status == 200 and "刘大姐" in browser.last and "只能查看" in browser.last
        await browser.post(f"/console/followups/{county.ids['fu1']}/outcome", {"outcome": "seeking"})
        assert browser.status == 403
        await browser.post(f"/console/workers/{county.ids['worker1']}/note", {"text": "来过电话"})
        assert browser.status == 403
        async with county.db.session() as session:
            assert (await session.get(FollowUp, county.ids["fu1"])).state == "pending"
        assert len(await audit(county, "refused.scope")) == 2

    async def test_a_secretary_cannot_open_the_audit_log_or_reassign(self, county: County) -> None:
        browser = await county.signed_in("sec1")
        await browser.get("/console/audit")
        assert browser.status == 403
        await browser.get(f"/console/workers/{county.ids['worker1']}")
        await browser.post(f"/console/workers/{county.ids['worker1']}/reassign", {"secretary": county.ids["sec2"]})
        assert browser.status == 403
        assert [e.detail["path"] for e in await audit(county, "refused.role")] == [
            "/console/audit", f"/console/workers/{county.ids['worker1']}/reassign"]
        assert "审计日志" not in browser.last  # and the menu does not offer it

    async def test_an_unknown_worker_is_not_found(self, county: County) -> None:
        browser = await county.signed_in("admin1")
        await browser.get("/console/workers/999999")
        assert browser.status == 404


class TestCsrf:
    async def test_a_form_posted_without_its_token_is_refused(self, county: County) -> None:
        browser = await county.signed_in("sec1")
        await browser.get(f"/console/workers/{county.ids['worker1']}")
        await browser.post(f"/console/workers/{county.ids['worker1']}/note", {"text": "没有令牌"}, csrf=False)
        assert browser.status == 403 and "安全令牌" in browser.last
        await browser.post(f"/console/followups/{county.ids['fu1']}/outcome", {"outcome": "seeking",
                                                                              "csrf_token": "forged"}, csrf=False)
        assert browser.status == 403
        async with county.db.session() as session:
            notes = (await session.execute(select(WorkerNote).where(WorkerNote.text == "没有令牌"))).scalars().all()
            assert notes == [] and (await session.get(FollowUp, county.ids["fu1"])).state == "pending"
        assert len(await audit(county, "refused.csrf")) == 2

    async def test_another_sessions_token_does_not_work(self, county: County) -> None:
        mine = await county.signed_in("sec1")
        other = await county.signed_in("admin1")
        await mine.post(f"/console/workers/{county.ids['worker1']}/note", {"text": "x", "csrf_token": other.csrf},
                        csrf=False)
        assert mine.status == 403

    async def test_the_sign_in_form_needs_its_token_too(self, county: County) -> None:
        browser = await county.browser()
        await browser.get("/console/signin")
        await browser.post("/console/signin", {"login": "sec1", "password": "whatever1"}, csrf=False)
        assert browser.status == 403

    async def test_htmx_sends_the_token_in_a_header(self, county: County) -> None:
        browser = await county.signed_in("sec1")
        response = await browser.post(f"/console/followups/{county.ids['fu1']}/outcome", {"outcome": "seeking"},
                                      csrf=False, headers={"HX-Request": "true", "X-CSRF-Token": browser.csrf})
        assert response.status == 200 and "已记录：仍在找工作" in browser.last


class TestPhone:
    async def test_the_number_is_masked_until_a_logged_click(self, county: County) -> None:
        browser = await county.signed_in("sec1")
        card = await browser.get(f"/console/workers/{county.ids['worker1']}")
        assert "13812345678" not in card and "138******78" in card
        assert "13812345678" not in await browser.get("/console/workers")
        response = await browser.post(f"/console/workers/{county.ids['worker1']}/phone",
                                      headers={"HX-Request": "true"})
        assert response.status == 200 and 'href="tel:13812345678"' in browser.last
        [entry] = await audit(county, "worker.phone")
        assert entry.actor_id == county.ids["sec1"] and entry.target_id == str(county.ids["worker1"])


class TestActions:
    async def test_an_outcome_on_the_card_uses_the_chat_rules(self, county: County) -> None:
        browser = await county.signed_in("sec1")
        await browser.get(f"/console/workers/{county.ids['worker1']}")
        await browser.post(f"/console/followups/{county.ids['fu1']}/outcome",
                           {"outcome": "placed", "next": f"/workers/{county.ids['worker1']}"})
        assert browser.status == 303  # placed without an employer: refused, nothing recorded
        async with county.db.session() as session:
            assert (await session.get(FollowUp, county.ids["fu1"])).state == "pending"
        await browser.post(f"/console/followups/{county.ids['fu1']}/outcome",
                           {"outcome": "placed", "employer": "双福茶叶专业合作社",
                            "next": f"/workers/{county.ids['worker1']}"}, follow=True)
        assert "已记录：已就业" in browser.last and "双福茶叶专业合作社" in browser.last
        async with county.db.session() as session:
            followup = await session.get(FollowUp, county.ids["fu1"])
            assert followup.state == "done" and followup.outcome == "placed"
            profile = await session.get(WorkerProfile, county.ids["worker1"])
            assert profile.status == "placed" and profile.placed_employer == "双福茶叶专业合作社"
            stability = (await session.execute(select(FollowUp).where(
                FollowUp.worker_id == county.ids["worker1"], FollowUp.kind == "stability"))).scalars().all()
            changes = (await session.execute(select(StatusChange).where(
                StatusChange.worker_id == county.ids["worker1"]))).scalars().all()
        assert len(stability) == 1 and [c.reason for c in changes] == ["checkin:placed"]
        [entry] = await audit(county, "followup.outcome")
        assert entry.detail["outcome"] == "placed"

    async def test_a_note_and_a_reassignment(self, county: County) -> None:
        browser = await county.signed_in("sec1")
        await browser.get(f"/console/workers/{county.ids['worker1']}")
        await browser.post(f"/console/workers/{county.ids['worker1']}/note", {"text": "想去绍兴，等春节后"},
                           follow=True)
        assert "想去绍兴，等春节后" in browser.last and "备注已保存" in browser.last
        admin = await county.signed_in("admin1")
        await admin.get(f"/console/workers/{county.ids['worker1']}")
        await admin.post(f"/console/workers/{county.ids['worker1']}/reassign", {"secretary": county.ids["sec2"]},
                         follow=True)
        assert "已改派" in admin.last
        async with county.db.session() as session:
            assert (await session.get(WorkerProfile, county.ids["worker1"])).secretary_id == county.ids["sec2"]
            assert (await session.get(FollowUp, county.ids["fu1"])).secretary_id == county.ids["sec2"]
        await admin.get("/console/audit")
        assert "worker.reassign" in admin.last and "worker.note" in admin.last

    async def test_the_day_lists_due_today_overdue_and_a_reschedule(self, county: County) -> None:
        browser = await county.signed_in("sec1")
        data = json.loads(await browser.get("/console/followups?format=json"))
        assert [row["worker"] for row in data["today"]] == ["刘大姐"] and data["overdue"] == []
        async with county.db.session() as session:
            followup = await session.get(FollowUp, county.ids["fu1"])
            followup.due_at -= timedelta(days=1)
        data = json.loads(await browser.get("/console/followups?format=json"))
        assert [row["worker"] for row in data["overdue"]] == ["刘大姐"] and data["today"] == []
        response = await browser.post(f"/console/followups/{county.ids['fu1']}/reschedule", {"days": "3"},
                                      headers={"HX-Request": "true"})
        assert response.status == 200 and "已改期" in browser.last
        data = json.loads(await browser.get("/console/followups?format=json"))
        assert data["overdue"] == [] and data["today"] == []


class TestOverview:
    async def test_figures_and_charts_as_html_and_json(self, county: County) -> None:
        browser = await county.signed_in("admin1")
        page = await browser.get("/console/?township=双福镇")
        assert browser.status == 200 and page.count('data-chart="') == 6 and 'charset="utf-8"' in page
        data = json.loads(await browser.get("/console/?format=json&township=双福镇"))
        assert data["figures"]["workers"] == 2 and data["township"] == "双福镇"
        everyone = json.loads(await browser.get("/console/?format=json"))
        assert everyone["figures"]["workers"] == 3 and sum(everyone["registrations"]) == 3
        assert {row["place"]: row["workers"] for row in everyone["workers_by_place"]} == {"双福镇": 2, "绥山镇": 1}

    async def test_figures_are_counted_again_after_the_cache_time_or_on_request(self, county: County) -> None:
        browser = await county.signed_in("admin1")
        before = json.loads(await browser.get("/console/?format=json"))
        async with county.db.session() as session:
            (await session.get(WorkerProfile, county.ids["worker2"])).status = "placed"
        cached = json.loads(await browser.get("/console/?format=json"))
        assert cached["figures"]["placed"] == before["figures"]["placed"] and cached["counted_at"] == before["counted_at"]
        fresh = json.loads(await browser.get("/console/?format=json&fresh=1"))
        assert fresh["figures"]["placed"] == before["figures"]["placed"] + 1
        async with county.db.session() as session:
            (await session.get(WorkerProfile, county.ids["worker1"])).status = "placed"
        county.clock.advance(seconds=county.settings.web.figures_cache_seconds)
        later = json.loads(await browser.get("/console/?format=json"))
        assert later["figures"]["placed"] == before["figures"]["placed"] + 2

    async def test_the_language_switch(self, county: County) -> None:
        browser = await county.signed_in("sec1")
        await browser.post("/console/language", {"language": "zh-hant", "next": "/console/workers"}, follow=True)
        assert "勞動者" in browser.last and "劉大姐" in browser.last  # data in the reader's script too
        await browser.post("/console/language", {"language": "en", "next": "/console/workers"}, follow=True)
        assert "Workers" in browser.last
