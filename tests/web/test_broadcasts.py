"""广播 in the console: the live audience count, a preview as workers see it, sending once (a double click, two
clicks at the same moment), a time of sending, progress and the delivery report, withdrawing; admins only."""

from __future__ import annotations

import asyncio
import json
import re

from sqlalchemy import select, update

from storage.models import AuditEntry, Broadcast, ChatGroup, OutboxMessage
from tests.web.conftest import Browser, County

_TOKEN = re.compile(r'name="token" value="([^"]+)"')


async def _broadcasts(county: County) -> list[Broadcast]:
    async with county.db.session() as session:
        return list((await session.execute(select(Broadcast).order_by(Broadcast.id))).scalars())


async def _messages(county: County) -> list[OutboxMessage]:
    async with county.db.session() as session:
        stmt = select(OutboxMessage).where(OutboxMessage.broadcast_id.is_not(None)).order_by(OutboxMessage.id)
        return list((await session.execute(stmt)).scalars())


async def _preview(browser: Browser, **fields: str | list[str]) -> str:
    """Post the compose form; returns the send token of the preview (empty when the preview was refused)."""
    await browser.get("/console/broadcasts")
    await browser.post("/console/broadcasts/preview", {"text": "双福镇春茶采摘下周开始，有意者请联系就业秘书。",
                                                       "when": "now", **fields})
    found = _TOKEN.search(browser.last)
    return found.group(1) if found else ""


class TestAccess:
    async def test_a_secretary_cannot_open_compose_or_send(self, county: County) -> None:
        secretary = await county.signed_in("sec1")
        await secretary.get("/console/broadcasts")
        assert secretary.status == 403
        await secretary.post("/console/broadcasts/preview", {"text": "通知", "everyone": "1"})
        assert secretary.status == 403
        await secretary.post("/console/broadcasts/send", {"token": "whatever"})
        assert secretary.status == 403
        assert 'href="/console/broadcasts"' not in (await secretary.get("/console/"))  # not in the menu either
        assert await _broadcasts(county) == []

    async def test_sending_without_the_csrf_token_is_refused(self, county: County) -> None:
        admin = await county.signed_in("admin1")
        token = await _preview(admin, everyone="1")
        await admin.post("/console/broadcasts/send", {"token": token}, csrf=False)
        assert admin.status == 403 and await _broadcasts(county) == []


class TestCompose:
    async def test_the_audience_count_follows_the_choices(self, county: County) -> None:
        admin = await county.signed_in("admin1")
        count = json.loads(await admin.get("/console/broadcasts/audience?format=json&township=双福镇"))
        assert count["workers"] == 2 and count["audience"] == {"township": ["双福镇"]}
        count = json.loads(await admin.get("/console/broadcasts/audience?format=json&township=绥山镇"))
        assert count["workers"] == 0  # 杨师傅 never opened a private chat
        async with county.db.session() as session:
            session.add(ChatGroup(channel="terminal", chat_id="g1", title="双福镇务工群", township="双福镇"))
        partial = await admin.get("/console/broadcasts/audience?township=双福镇&groups=1",
                                  headers={"HX-Request": "true"})
        assert re.search(r'id="audience-workers">2<', partial) and re.search(r'id="audience-groups">1<', partial)
        assert "请选择" in await admin.get("/console/broadcasts/audience")  # nothing chosen yet
        assert json.loads(await admin.get("/console/broadcasts/audience?format=json&township=火星"))["workers"] is None

    async def test_preview_shows_what_workers_see_and_to_whom(self, county: County) -> None:
        admin = await county.signed_in("admin1")
        token = await _preview(admin, township="双福镇", text="**春茶**采摘 <下周> 开始")
        assert token and "<b>春茶</b>采摘 &lt;下周&gt; 开始" in admin.last  # Telegram's rendering, escaped
        assert "採摘" in admin.last  # and in traditional characters
        assert re.search(r'id="preview-count"><strong>2</strong>', admin.last)
        assert await _broadcasts(county) == []  # a preview sends nothing

    async def test_refused_previews_say_why(self, county: County) -> None:
        admin = await county.signed_in("admin1")
        assert not await _preview(admin, text="   ", everyone="1")
        assert admin.status == 400 and "请先写通知内容" in admin.last
        assert not await _preview(admin)
        assert admin.status == 400 and "请选择发送对象" in admin.last
        assert not await _preview(admin, everyone="1", text="长" * 5000)
        assert admin.status == 400 and "通知太长了" in admin.last
        assert not await _preview(admin, everyone="1", when="at", at="2026-03-02T08:30")  # an hour ago, bureau time
        assert admin.status == 400 and "发送时间不对" in admin.last

    async def test_a_notice_one_message_cannot_hold_on_some_recipients_channel_is_refused(self, county: County) -> None:
        async with county.db.session() as session:  # a WeChat group holds about 680 Chinese characters a message
            session.add(ChatGroup(channel="wechat", chat_id="wx-g1", title="双福镇务工群", township="双福镇"))
        admin = await county.signed_in("admin1")
        notice = "春茶采摘下周开始，有意者请联系就业秘书。" * 40  # 800 characters: fits Telegram, not WeChat
        assert await _preview(admin, everyone="1", text=notice)  # workers only: every channel holds it
        assert not await _preview(admin, everyone="1", groups="1", text=notice)
        assert admin.status == 400 and "有的接收渠道一条消息放不下" in admin.last
        assert await _broadcasts(county) == []


class TestSend:
    async def test_send_now_queues_one_message_per_recipient_and_audits(self, county: County) -> None:
        admin = await county.signed_in("admin1")
        token = await _preview(admin, township="双福镇")
        response = await admin.post("/console/broadcasts/send", {"token": token})
        assert response.status == 303
        [broadcast] = await _broadcasts(county)
        assert response.headers["Location"] == f"/console/broadcasts/{broadcast.id}?done=queued"
        assert broadcast.author_id == county.ids["admin1"] and broadcast.audience == {"township": ["双福镇"]}
        assert {m.chat_id for m in await _messages(county)} == {"worker1", "worker2"}
        [entry] = await _audit_of(county, "broadcast.send")
        assert entry.target_id == str(broadcast.id) and entry.detail["queued"] == 2

    async def test_a_double_click_sends_once(self, county: County) -> None:
        admin = await county.signed_in("admin1")
        token = await _preview(admin, everyone="1")
        await admin.post("/console/broadcasts/send", {"token": token})
        second = await admin.post("/console/broadcasts/send", {"token": token}, follow=True)
        [broadcast] = await _broadcasts(county)
        assert second.status == 200 and f"#{broadcast.id}" in admin.last and "重复点击不会再发" in admin.last
        assert len(await _messages(county)) == 2

    async def test_two_clicks_at_the_same_moment_send_once(self, county: County) -> None:
        admin = await county.signed_in("admin1")
        token = await _preview(admin, everyone="1")
        form = {"token": token, "csrf_token": admin.csrf}
        answers = await asyncio.gather(*[admin.client.post("/console/broadcasts/send", data=form,
                                                           allow_redirects=False) for _ in range(2)])
        assert sorted(a.headers["Location"].rsplit("=", 1)[1] for a in answers) == ["already", "queued"]
        assert len(await _broadcasts(county)) == 1 and len(await _messages(county)) == 2

    async def test_another_admins_or_an_old_token_does_not_send(self, county: County) -> None:
        admin = await county.signed_in("admin1")
        token = await _preview(admin, everyone="1")
        county.clock.advance(hours=2)
        await admin.post("/console/broadcasts/send", {"token": token}, follow=True)
        assert "预览已失效" in admin.last and await _broadcasts(county) == []

    async def test_at_a_time_waits_and_can_be_withdrawn(self, county: County) -> None:
        admin = await county.signed_in("admin1")
        token = await _preview(admin, everyone="1", when="at", at="2026-03-03T08:00")  # bureau time, tomorrow
        await admin.post("/console/broadcasts/send", {"token": token})
        [broadcast] = await _broadcasts(county)
        assert broadcast.status == "scheduled"
        assert broadcast.send_at.isoformat() == "2026-03-03T00:00:00+00:00"
        assert all(m.next_attempt_at == broadcast.send_at for m in await _messages(county))
        await admin.post(f"/console/broadcasts/{broadcast.id}/withdraw", follow=True)
        assert "已撤回 2 条" in admin.last
        assert {m.state for m in await _messages(county)} == {"cancelled"}
        assert (await _broadcasts(county))[0].status == "cancelled"


class TestProgress:
    async def test_the_bar_and_the_report_follow_delivery(self, county: County) -> None:
        admin = await county.signed_in("admin1")
        await admin.post("/console/broadcasts/send", {"token": await _preview(admin, everyone="1")})
        [broadcast] = await _broadcasts(county)
        page = await admin.get(f"/console/broadcasts/{broadcast.id}")
        assert 'hx-trigger="every 2s"' in page and "已处理 0 / 2" in page
        first, second = await _messages(county)
        async with county.db.session() as session:
            await session.execute(update(OutboxMessage).where(OutboxMessage.id == first.id).values(state="sent"))
            await session.execute(update(OutboxMessage).where(OutboxMessage.id == second.id)
                                  .values(state="unreachable"))
        partial = await admin.get(f"/console/broadcasts/{broadcast.id}/progress", headers={"HX-Request": "true"})
        assert "已处理 2 / 2" in partial and "hx-trigger" not in partial  # done: the polling stops
        assert 'class="sent" style="width: 50.0%"' in partial
        report = json.loads(await admin.get(f"/console/broadcasts/{broadcast.id}?format=json"))["report"]
        assert (report["sent"], report["unreachable"], report["failed"], report["total"]) == (1, 1, 0, 2)
        listing = json.loads(await admin.get("/console/broadcasts?format=json"))
        assert listing["broadcasts"][0]["report"]["sent"] == 1
        await admin.get("/console/broadcasts/999999")
        assert admin.status == 404


async def _audit_of(county: County, action: str) -> list[AuditEntry]:
    async with county.db.session() as session:
        stmt = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        return list((await session.execute(stmt)).scalars())
