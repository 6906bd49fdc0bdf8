"""政策 in the console: the knowledge base with where each policy stands; "ask as a worker" — the assistant's own
answer and why (the NLU's reading, the top matches and their scores), with nothing kept; policy files previewed
and imported by admins only, with the same reader as `mishu import policies`."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta
from typing import Any

from aiohttp import FormData
from sqlalchemy import func, select

from flows.policy import policy_index
from storage.demo import POLICY_FOLDER
from storage.models import AuditEntry, ConversationState, Person, Policy, ServiceRecord
from storage.policy_files import load_policy_files
from storage.queries.policies import upsert_policies
from tests.conftest import NOW
from tests.web.conftest import Browser, County

TODAY = NOW.date()
GOOD = """key: 测试补贴
title: 测试用一次性补贴
audience: worker
issuer: 测试局
effective_from: 2026-01-01
source: 测试文件
summary: 只用于测试的补贴。
key_points: [一次给 100 元]
eligibility: [测试的人]
how_to_apply: [到测试窗口办理]
"""
BAD = "key: 坏文件\ntitle: 缺了好多字段\n"


async def load_demo_policies(county: County, **changes: dict[str, Any]) -> None:
    """The demo county's policy files, some with their dates changed (key → fields)."""
    docs = [dataclasses.replace(doc, **changes.get(doc.key, {})) for doc in load_policy_files(POLICY_FOLDER)]
    async with county.db.session() as session:
        await upsert_policies(session, docs, now=NOW)


async def count(county: County, model: Any) -> int:
    async with county.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def upload(browser: Browser, files: dict[str, str], *, action: str = "preview", previewed: str = "",
                 csrf: bool = True) -> None:
    form = FormData()
    form.add_field("action", action)
    if previewed:
        form.add_field("previewed", previewed)
    if csrf:
        form.add_field("csrf_token", browser.csrf)
    for name, text in files.items():
        form.add_field("file", text.encode(), filename=name, content_type="application/octet-stream")
    response = await browser.client.post("/console/policies/import", data=form)
    browser.status, browser.last = response.status, await response.text()


def previewed_digest(page: str) -> str:
    found = re.search(r'name="previewed" value="([0-9a-f]{64})"', page)
    return found.group(1) if found else ""


class TestList:
    async def test_each_policy_is_flagged_by_where_it_stands(self, county: County) -> None:
        await load_demo_policies(county, **{
            "返乡创业补贴": {"effective_to": TODAY - timedelta(days=1)},
            "稳岗返还": {"effective_to": TODAY + timedelta(days=10)},
            "失业保险金": {"effective_to": None},
            "就业见习补贴": {"effective_from": TODAY + timedelta(days=5), "effective_to": None},
        })
        secretary = await county.signed_in("sec1")
        page = await secretary.get("/console/policies")
        assert secretary.status == 200
        flags = dict(re.findall(r'<tr data-key="([^"]+)" data-validity="([a-z_]+)"', page))
        assert flags["返乡创业补贴"] == "expired" and flags["稳岗返还"] == "expiring"
        assert flags["失业保险金"] == "open_ended" and flags["就业见习补贴"] == "pending"
        assert len(flags) == len(load_policy_files(POLICY_FOLDER))
        order = [flags[key] for key in flags]  # what needs attention comes first
        assert order == sorted(order, key=["expired", "expiring", "pending", "open_ended", "in_force"].index)
        assert "已过期" in page and "即将到期" in page and 'href="/console/policies"' in page  # and in the menu


class TestAsk:
    async def test_a_secretary_sees_the_answer_the_parse_and_the_top_matches_and_nothing_is_kept(
        self, county: County
    ) -> None:
        await load_demo_policies(county)
        secretary = await county.signed_in("sec1")
        await secretary.get("/console/policies")
        before = [await count(county, model) for model in (Person, ConversationState, ServiceRecord)]
        await secretary.post("/console/policies/ask", {"question": "回乡开个农家乐有没有补助"})
        page = secretary.last
        assert secretary.status == 200
        assert re.search(r'id="probe-intent">policy_question<', page)
        keys = re.findall(r'<tr data-key="([^"]+)"><td>\d+</td>', page)
        assert keys[0] == "返乡创业补贴"
        scores = [float(s) for s in re.findall(r'class="score">([\d.]+)<', page)]
        assert scores == sorted(scores, reverse=True) and scores[0] > 0
        # the answer a worker gets, with the policy's own text, and the FAQ entry that matched
        replies = page[page.index('id="probe-replies"'):page.index('id="probe-parse"')]
        assert "返乡入乡创业一次性补贴" in replies and "回乡开个农家乐有没有补助？" in page
        assert [await count(county, model) for model in (Person, ConversationState, ServiceRecord)] == before

    async def test_the_matches_are_the_ones_the_chat_answers_from(self, county: County) -> None:
        await load_demo_policies(county)
        admin = await county.signed_in("admin1")
        await admin.get("/console/policies")
        question = "稳岗返还怎么申请"
        await admin.post("/console/policies/ask", {"question": question}, headers={"HX-Request": "true"})
        assert admin.status == 200 and "<html" not in admin.last  # the partial under the form
        async with county.db.session() as session:
            hits = (await policy_index(session)).search(question, policy_hint="稳岗返还", limit=3, today=TODAY)
        shown = re.findall(r'<tr data-key="([^"]+)"><td>\d+</td>', admin.last)
        assert shown == [hit.key for hit in hits]
        assert f"{hits[0].score:.2f}" in admin.last

    async def test_in_english_the_page_and_answer_are_english(self, county: County) -> None:
        await load_demo_policies(county)
        secretary = await county.signed_in("sec1")
        await secretary.post("/console/language", {"language": "en", "next": "/console/policies"})
        await secretary.get("/console/policies")
        await secretary.post("/console/policies/ask", {"question": "is there an unemployment benefit"})
        assert "What the worker sees" in secretary.last and "Why this answer" in secretary.last

    async def test_asking_without_the_token_is_refused(self, county: County) -> None:
        secretary = await county.signed_in("sec1")
        await secretary.post("/console/policies/ask", {"question": "有补贴吗"}, csrf=False)
        assert secretary.status == 403


class TestImport:
    async def test_a_bad_file_is_listed_then_the_good_one_previewed_and_imported(self, county: County) -> None:
        admin = await county.signed_in("admin1")
        await admin.get("/console/policies")
        await upload(admin, {"坏.yaml": BAD, "好.yaml": GOOD})
        assert admin.status == 422 and "什么都没有导入" in admin.last
        errors = re.findall(r"<li>(坏\.yaml：[^<]+)</li>", admin.last)  # in the staff member's language
        assert "坏.yaml：缺少必填字段“issuer”" in errors and await count(county, Policy) == 0
        await upload(admin, {"好.yaml": GOOD})
        assert admin.status == 200 and "将新增 1 项、替换 0 项" in admin.last
        assert await count(county, Policy) == 0  # a preview writes nothing
        await upload(admin, {"好.yaml": GOOD}, action="import", previewed=previewed_digest(admin.last))
        assert admin.status == 200 and "导入完成：新增 1 项" in admin.last
        assert '<tr data-key="测试补贴" data-validity="open_ended">' in admin.last
        async with county.db.session() as session:
            actions = list((await session.execute(
                select(AuditEntry.action).where(AuditEntry.action.like("policy.%")).order_by(AuditEntry.id))).scalars())
        assert actions == ["policy.import_preview", "policy.import_preview", "policy.import"]

    async def test_a_file_other_than_the_previewed_one_is_previewed_not_imported(self, county: County) -> None:
        admin = await county.signed_in("admin1")
        await admin.get("/console/policies")
        await upload(admin, {"好.yaml": GOOD})
        await upload(admin, {"好.yaml": GOOD.replace("100", "200")}, action="import",
                     previewed=previewed_digest(admin.last))
        assert "不是同一个" in admin.last and await count(county, Policy) == 0

    async def test_a_secretary_may_ask_but_not_import(self, county: County) -> None:
        secretary = await county.signed_in("sec1")
        page = await secretary.get("/console/policies")
        assert 'id="ask-form"' in page and 'id="policy-import-form"' not in page
        await upload(secretary, {"好.yaml": GOOD})
        assert secretary.status == 403 and await count(county, Policy) == 0

    async def test_importing_without_the_token_is_refused(self, county: County) -> None:
        admin = await county.signed_in("admin1")
        await admin.get("/console/policies")
        await upload(admin, {"好.yaml": GOOD}, csrf=False)
        assert admin.status == 403 and await count(county, Policy) == 0
