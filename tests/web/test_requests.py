"""求助 in the console: the inbox by scope, a reply that reaches the worker through the outbox (the chat's rule),
the worker's answer in the polled thread, resolving, and the refusals (role, scope, CSRF, resolved, unreachable)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from bot.harness import Conversation
from flows.assistant import Assistant
from storage.models import AuditEntry, Case, OutboxMessage, WorkerProfile
from tests.conftest import NOW
from tests.scripted_nlu import ScriptedNLU
from tests.web.conftest import County


@pytest.fixture
def assistant(county: County) -> Assistant:
    return Assistant(county.db, ScriptedNLU({"找人工": "human_handoff", "工钱没给": "wage_arrears",
                                             "好的，明天上午我在家": "affirm"}))


async def _cases(county: County) -> list[Case]:
    async with county.db.session() as session:
        return list((await session.execute(select(Case).order_by(Case.id))).scalars())


async def _outbox(county: County, chat_id: str) -> list[OutboxMessage]:
    async with county.db.session() as session:
        stmt = select(OutboxMessage).where(OutboxMessage.chat_id == chat_id).order_by(OutboxMessage.id)
        return list((await session.execute(stmt)).scalars())


async def _audit(county: County, action: str) -> list[AuditEntry]:
    async with county.db.session() as session:
        stmt = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        return list((await session.execute(stmt)).scalars())


@pytest.fixture
async def opened(county: County, assistant: Assistant) -> dict[str, int]:
    """刘大姐 (worker1, sec1's) asks for a person; 杨师傅 (worker3, sec2's, no private chat) reports arrears
    through an observer: his case is opened directly, as the chat cannot reach him."""
    await Conversation(assistant, user_id="worker1", now=NOW).say("找人工")
    async with county.db.session() as session:
        session.add(Case(kind="wage_arrears", worker_id=county.ids["worker3"], secretary_id=county.ids["sec2"],
                         text="老板欠了三个月工资", context=[{"at": NOW.isoformat(), "text": "老板欠了三个月工资"}],
                         created_at=NOW))
    first, second = await _cases(county)
    return {"liu": first.id, "yang": second.id}


class TestInbox:
    async def test_a_secretary_sees_their_own_and_their_townships_cases_an_admin_all(
        self, county: County, opened: dict[str, int]
    ) -> None:
        secretary = await county.signed_in("sec1")
        data = json.loads(await secretary.get("/console/requests?format=json"))
        assert [c["id"] for c in data["cases"]] == [opened["liu"]] and data["counts"]["open"] == 1
        assert data["cases"][0]["kind"] == "handoff" and data["cases"][0]["secretary"] == "王秘书"
        page = await secretary.get("/console/requests")
        assert "刘大姐" in page and "杨师傅" not in page and "找人工" in page
        admin = await county.signed_in("admin1")
        data = json.loads(await admin.get("/console/requests?format=json"))
        assert {c["id"] for c in data["cases"]} == set(opened.values())
        assert data["counts"] == {"open": 2, "mine": 0, "resolved": 0}
        arrears = json.loads(await admin.get("/console/requests?format=json&kind=wage_arrears"))
        assert [c["id"] for c in arrears["cases"]] == [opened["yang"]]

    async def test_a_secretary_opening_another_townships_case_by_url_is_refused_and_audited(
        self, county: County, opened: dict[str, int]
    ) -> None:
        secretary = await county.signed_in("sec1")
        await secretary.get(f"/console/requests/{opened['yang']}")
        assert secretary.status == 403 and "老板欠了三个月工资" not in secretary.last
        await secretary.get(f"/console/requests/{opened['yang']}/thread?format=json")
        assert secretary.status == 403
        await secretary.post(f"/console/requests/{opened['yang']}/reply", {"text": "我来处理"})
        assert secretary.status == 403
        assert [e.target_id for e in await _audit(county, "refused.scope")] == [str(opened["yang"])] * 3
        assert await _outbox(county, "worker3") == []
        await secretary.get("/console/requests/99999")
        assert secretary.status == 404

    async def test_a_township_case_of_another_secretary_is_seen_but_not_answered(
        self, county: County, opened: dict[str, int]
    ) -> None:
        async with county.db.session() as session:  # 刘大姐 is given to sec2 (the case follows her, as /reassign does)
            (await session.get(WorkerProfile, county.ids["worker1"])).secretary_id = county.ids["sec2"]
            (await session.get(Case, opened["liu"])).secretary_id = county.ids["sec2"]
        secretary = await county.signed_in("sec1")  # covers 双福镇, where 刘大姐 lives
        page = await secretary.get(f"/console/requests/{opened['liu']}")
        assert secretary.status == 200 and "只能查看" in page and 'id="reply-form"' not in page
        await secretary.post(f"/console/requests/{opened['liu']}/reply", {"text": "我来处理"})
        assert secretary.status == 403
        await secretary.post(f"/console/requests/{opened['liu']}/resolve")
        assert secretary.status == 403
        assert (await _cases(county))[0].status == "open"


class TestReply:
    async def test_the_reply_reaches_the_worker_through_the_outbox_and_their_answer_shows_in_the_thread(
        self, county: County, opened: dict[str, int], assistant: Assistant
    ) -> None:
        secretary = await county.signed_in("sec1")
        page = await secretary.get(f"/console/requests/{opened['liu']}")
        assert "找人工" in page and "已收到" in page  # the worker's words and a canned reply
        county.clock.advance(minutes=10)
        with time_machine.travel(county.clock.now, tick=False):  # the outbox stamps rows with the system clock
            response = await secretary.post(f"/console/requests/{opened['liu']}/reply",
                                            {"text": "刘大姐您好，我十点给您打电话"}, headers={"HX-Request": "true"})
        assert response.status == 200 and "已发出" in secretary.last and "十点给您打电话" in secretary.last
        [relayed] = [m for m in await _outbox(county, "worker1") if m.purpose.startswith("handoff-reply:")]
        assert relayed.purpose == f"handoff-reply:{opened['liu']}:1"
        assert "王秘书" in relayed.payload["text"] and "十点给您打电话" in relayed.payload["text"]
        [case, _] = await _cases(county)
        assert case.status == "answered"
        async with county.db.session() as session:
            profile = await session.get(WorkerProfile, county.ids["worker1"])
            assert profile.last_contact_at == county.clock.now
        await Conversation(assistant, user_id="worker1", now=NOW + timedelta(minutes=20)).say("好的，明天上午我在家")
        thread = json.loads(await secretary.get(f"/console/requests/{opened['liu']}/thread?format=json"))
        assert [(e["from_staff"], e["state"]) for e in thread["thread"]] == [(False, None), (True, "pending"),
                                                                           (False, None)]
        assert thread["thread"][2]["text"] == "好的，明天上午我在家"
        partial = await secretary.get(f"/console/requests/{opened['liu']}/thread", headers={"HX-Request": "true"})
        assert "好的，明天上午我在家" in partial and 'hx-trigger="every 5s"' in partial and "<html" not in partial
        [entry] = await _audit(county, "case.reply")
        assert entry.actor_id == county.ids["sec1"] and entry.target_id == str(opened["liu"])

    async def test_two_replies_are_two_messages_and_an_empty_one_is_none(
        self, county: County, opened: dict[str, int]
    ) -> None:
        secretary = await county.signed_in("sec1")
        await secretary.get(f"/console/requests/{opened['liu']}")
        await secretary.post(f"/console/requests/{opened['liu']}/reply", {"text": "第一句"})
        await secretary.post(f"/console/requests/{opened['liu']}/reply", {"text": "第二句"}, follow=True)
        assert "已发出" in secretary.last
        await secretary.post(f"/console/requests/{opened['liu']}/reply", {"text": "   "}, follow=True)
        assert "回复是空的" in secretary.last
        purposes = [m.purpose for m in await _outbox(county, "worker1") if m.purpose.startswith("handoff-reply:")]
        assert purposes == [f"handoff-reply:{opened['liu']}:1", f"handoff-reply:{opened['liu']}:2"]

    async def test_a_person_without_a_private_chat_cannot_be_answered_here(
        self, county: County, opened: dict[str, int]
    ) -> None:
        admin = await county.signed_in("admin1")
        await admin.get(f"/console/requests/{opened['yang']}")
        await admin.post(f"/console/requests/{opened['yang']}/reply", {"text": "您好"}, follow=True)
        assert "请打电话联系" in admin.last
        assert await _outbox(county, "worker3") == [] and (await _cases(county))[1].status == "open"

    async def test_a_reply_without_its_csrf_token_is_refused(self, county: County, opened: dict[str, int]) -> None:
        secretary = await county.signed_in("sec1")
        await secretary.get(f"/console/requests/{opened['liu']}")
        await secretary.post(f"/console/requests/{opened['liu']}/reply", {"text": "没有令牌"}, csrf=False)
        assert secretary.status == 403
        assert [m for m in await _outbox(county, "worker1") if m.purpose.startswith("handoff-reply:")] == []
        assert len(await _audit(county, "refused.csrf")) == 1


class TestResolve:
    async def test_resolving_moves_the_case_and_stops_replies(self, county: County, opened: dict[str, int]) -> None:
        secretary = await county.signed_in("sec1")
        await secretary.get(f"/console/requests/{opened['liu']}")
        county.clock.advance(minutes=30)
        await secretary.post(f"/console/requests/{opened['liu']}/resolve", follow=True)
        assert "已标为解决" in secretary.last and "王秘书" in secretary.last  # resolved by
        case = (await _cases(county))[0]
        assert case.status == "closed" and case.resolved_by_id == county.ids["sec1"]
        assert case.resolved_at == county.clock.now
        data = json.loads(await secretary.get("/console/requests?format=json"))
        assert data["cases"] == [] and data["counts"]["resolved"] == 1
        data = json.loads(await secretary.get("/console/requests?format=json&box=resolved"))
        assert [c["id"] for c in data["cases"]] == [opened["liu"]]
        await secretary.post(f"/console/requests/{opened['liu']}/reply", {"text": "还有一句"}, follow=True)
        assert "已经解决了" in secretary.last
        assert [e.target_id for e in await _audit(county, "case.resolve")] == [str(opened["liu"])]

    async def test_the_boxes_mine_and_open(self, county: County, opened: dict[str, int]) -> None:
        async with county.db.session() as session:
            (await session.get(Case, opened["yang"])).secretary_id = county.ids["admin1"]
        admin = await county.signed_in("admin1")
        mine = json.loads(await admin.get("/console/requests?format=json&box=mine"))
        assert [c["id"] for c in mine["cases"]] == [opened["yang"]]
        assert mine["counts"] == {"open": 2, "mine": 1, "resolved": 0}
