"""Signing in to the console: a one-time link sets the password, wrong passwords lock with back-off, sessions end."""

from __future__ import annotations

from sqlalchemy import func, select

from storage.models import AuditEntry, SignInThrottle, StaffSession
from tests.web.conftest import PASSWORD, County


async def audit_actions(county: County) -> list[str]:
    async with county.db.session() as session:
        return list((await session.execute(select(AuditEntry.action).order_by(AuditEntry.id))).scalars())


class TestInvite:
    async def test_a_link_sets_the_password_once_and_signs_in(self, county: County) -> None:
        browser = await county.browser()
        link = await county.invite("sec1")
        page = await browser.get(link)
        assert browser.status == 200 and 'name="login" value="sec1"' in page and "王秘书" in page
        response = await browser.post(link, {"login": "wang", "password": PASSWORD, "password_again": PASSWORD})
        assert response.status == 303 and response.headers["Location"] == "/console/"
        cookie = response.cookies["mishu_console"]
        assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/console"
        assert not cookie["secure"]  # plain http in tests; over https (or a proxy saying so) it is Secure
        overview = await browser.get("/console/")
        assert browser.status == 200 and "王秘书" in overview and "概览" in overview
        again = await (await county.browser()).get(link)
        assert "已经用过" in again
        assert "password.set" in await audit_actions(county)

    async def test_behind_an_https_proxy_the_cookie_is_secure(self, county: County) -> None:
        browser = await county.browser()
        link = await county.invite("sec1")
        await browser.get(link)
        proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}  # the test client is loopback
        response = await browser.post(link, {"login": "wang", "password": PASSWORD, "password_again": PASSWORD},
                                      headers=proxied)
        assert response.cookies["mishu_console"]["secure"]
        async with county.db.session() as session:
            clients = (await session.execute(select(StaffSession.client))).scalars().all()
        assert clients == ["203.0.113.9"]  # the address the proxy saw, counted by the lockout too

    async def test_a_link_expires_after_a_day(self, county: County) -> None:
        browser = await county.browser()
        link = await county.invite("admin1")
        county.clock.advance(hours=24, seconds=1)
        page = await browser.get(link)
        assert browser.status == 410 and "已过期" in page

    async def test_a_worker_gets_no_link_and_a_weak_password_is_refused(self, county: County) -> None:
        import pytest

        with pytest.raises(AssertionError):
            await county.invite("worker1")
        browser = await county.browser()
        link = await county.invite("sec2")
        await browser.get(link)
        await browser.post(link, {"login": "sec2", "password": "1234567", "password_again": "1234567"})
        assert browser.status == 400 and "至少 8 位" in browser.last
        await browser.post(link, {"login": "sec2", "password": PASSWORD, "password_again": PASSWORD + "x"})
        assert browser.status == 400 and "不一致" in browser.last


class TestSignIn:
    async def test_password_sign_in_and_sign_out(self, county: County) -> None:
        await county.signed_in("sec1")
        browser = await county.browser()
        await browser.get("/console/signin")
        response = await browser.post("/console/signin", {"login": "SEC1", "password": PASSWORD, "next": "/console/workers"})
        assert response.status == 303 and response.headers["Location"] == "/console/workers"
        await browser.get("/console/workers")
        assert browser.status == 200 and "刘大姐" in browser.last
        await browser.post("/console/signout")
        await browser.get("/console/workers")
        assert "工作人员登录" in browser.last  # sent back to sign in
        async with county.db.session() as session:
            sessions = (await session.execute(select(func.count()).select_from(StaffSession))).scalar()
        assert sessions == 1  # the first browser's only

    async def test_an_outside_next_is_ignored(self, county: County) -> None:
        await county.signed_in("sec1")
        browser = await county.browser()
        await browser.get("/console/signin")
        response = await browser.post("/console/signin", {"login": "sec1", "password": PASSWORD,
                                                          "next": "//evil.example/console/"})
        assert response.headers["Location"] == "/console/"

    async def test_five_wrong_passwords_lock_the_account_with_back_off(self, county: County) -> None:
        await county.signed_in("sec1")
        browser = await county.browser()
        await browser.get("/console/signin")
        for attempt in range(4):
            await browser.post("/console/signin", {"login": "sec1", "password": f"wrong{attempt}"})
            assert browser.status == 401 and "不正确" in browser.last
        await browser.post("/console/signin", {"login": "sec1", "password": "wrong5"})
        assert browser.status == 429 and "1 分钟后再试" in browser.last
        # Locked: even the right password is not checked until the lock ends.
        await browser.post("/console/signin", {"login": "sec1", "password": PASSWORD})
        assert browser.status == 429
        county.clock.advance(seconds=61)
        await browser.post("/console/signin", {"login": "sec1", "password": "wrong6"})
        assert browser.status == 429 and "2 分钟后再试" in browser.last  # the back-off doubles
        county.clock.advance(seconds=121)
        response = await browser.post("/console/signin", {"login": "sec1", "password": PASSWORD})
        assert response.status == 303
        async with county.db.session() as session:
            left = (await session.execute(select(SignInThrottle.key))).scalars().all()
        assert left == []  # a good sign-in clears the account's and the address's counts
        actions = await audit_actions(county)
        assert actions.count("signin.wrong") == 4 and actions.count("signin.locked") >= 2 and actions[-1] == "signin"

    async def test_one_address_trying_many_accounts_is_locked_too(self, county: County) -> None:
        browser = await county.browser()
        await browser.get("/console/signin")
        for n in range(county.settings.web.lockout.client_failures - 1):
            await browser.post("/console/signin", {"login": f"guess{n}", "password": "x" * 8})
            assert browser.status == 401
        await browser.post("/console/signin", {"login": "sec1", "password": "x" * 8})
        assert browser.status == 429 and "分钟后再试" in browser.last

    async def test_a_session_ends_when_idle_or_old(self, county: County) -> None:
        browser = await county.signed_in("sec1")
        county.clock.advance(minutes=119)
        await browser.get("/console/workers")
        assert "刘大姐" in browser.last
        county.clock.advance(minutes=121)  # idle longer than web.idle_minutes
        await browser.get("/console/workers")
        assert "工作人员登录" in browser.last
