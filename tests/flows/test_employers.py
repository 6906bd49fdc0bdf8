"""Employers posting their own jobs, as conversations with the real NLU: binding by the bureau's code, the posting
form, an admin approving in chat, a worker finding and applying, the employer seeing the applicant (the phone only
after the worker agrees), closing; and every path a posting waiting for review must never reach."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, update

from bot.harness import Conversation
from flows.assistant import Assistant
from flows.push import PushPolicy, daily_push, push_posting
from storage.db import Database
from storage.importing.export import export_report
from storage.models import (
    Application,
    EmployerCode,
    Enterprise,
    Person,
    Posting,
    PushRecord,
    ServiceRecord,
    WorkerProfile,
)
from storage.queries.employers import create_code, shown_code
from storage.queries.roles import revoke
from storage.queries.stats import bureau_figures
from storage.states import Role
from tests.conftest import NOW
from tests.factories import add_people, add_postings
from tests.flows.factories import add_person

TEA = "双福茶叶专业合作社"
HOTEL = "峨眉山红珠山宾馆"


async def setup_county(db: Database) -> dict[str, int]:
    """Postings, staff (sec1, admin1) and workers (worker1 刘大姐 and worker2 陈大哥 in 双福镇, wanting tea work)."""
    await add_postings(db, NOW.date())
    ids = await add_people(db, registered_at=NOW - timedelta(days=5))
    async with db.session() as session:
        await session.execute(update(Person).values(language="zh-hans"))
        for key in ("worker1", "worker2"):
            profile = await session.get(WorkerProfile, ids[key])
            assert profile is not None
            profile.wanted_categories = ["采茶工"]
    return ids


async def code_for(db: Database, enterprise: str = TEA, *, days: int = 14) -> str:
    async with db.session() as session:
        found = (await session.execute(select(Enterprise).where(Enterprise.name == enterprise))).scalar_one()
        code, _ = await create_code(session, found, now=NOW, days=days)
    return shown_code(code)


@pytest.fixture
async def assistant(sqlite_db: Database, trained_nlu: Any) -> Assistant:
    await setup_county(sqlite_db)
    return Assistant(sqlite_db, trained_nlu)


def chat(assistant: Assistant, user: str) -> Conversation:
    return Conversation(assistant, user_id=user, now=NOW)


async def bound_employer(assistant: Assistant, user: str = "boss", enterprise: str = TEA) -> Conversation:
    employer = chat(assistant, user)
    await employer.say(f"我是企业，绑定码 {await code_for(assistant.db, enterprise)}")
    assert "绑定成功" in employer.text(), employer.text()
    return employer


ANSWERS = ("明前茶采摘工", "对", "30人", "计件，月均3500元", "峨眉山市双福镇青春村茶园", "18-55岁，身体健康", "包午饭",
           "刘会计 13800001111", "4月30号")


async def post(employer: Conversation, answers: tuple[str, ...] = ANSWERS) -> int:
    """Fill the posting form by typing every answer, submit, and return the new posting's id."""
    await employer.say("发布岗位")
    for answer in answers:
        await employer.say(answer)
    assert "请核对" in employer.text(), employer.text()
    await employer.say("提交")
    assert "已提交" in employer.text(), employer.text()
    async with employer.assistant.db.session() as session:
        return int(await session.scalar(select(func.max(Posting.id))) or 0)


async def posting(db: Database, posting_id: int) -> Posting:
    async with db.session() as session:
        found = await session.get(Posting, posting_id)
        assert found is not None
        return found


class TestWholePath:
    async def test_bind_post_approve_find_apply_share_close(self, assistant: Assistant) -> None:
        db = assistant.db
        employer = await bound_employer(assistant)
        assert "发布岗位" in employer.text()  # the menu after binding

        posting_id = await post(employer)
        stored = await posting(db, posting_id)
        assert stored.status == "pending" and stored.job_category == "采茶工" and stored.openings == 30
        assert (stored.salary_min, stored.salary_unit, stored.salary_text) == (3500, "month", "计件，月均3500元")
        assert (stored.township, stored.village) == ("双福镇", "青春村")
        assert (stored.age_min, stored.age_max) == (18, 55)
        assert stored.deadline == NOW.date().replace(month=4, day=30)

        worker = chat(assistant, "worker1")
        await worker.say("有没有采茶的工作")
        assert "明前茶采摘工" not in worker.text() and "找到 2 个" in worker.text()  # waiting: not on the shelf

        admin = chat(assistant, "admin1")
        await admin.inbox(due_only=False)
        assert "请审核" in admin.text() and "明前茶采摘工" in admin.text() and "刘会计 13800001111" in admin.text()
        await admin.press("通过并发布")
        assert "已发布" in admin.text() and "推送给 2 位" in admin.text(), admin.text()
        assert (await posting(db, posting_id)).status == "open"

        told = await employer.inbox(due_only=False)
        assert "审核通过" in told[0].text and "2 位" in told[0].text

        pushed = await worker.inbox(due_only=False)
        assert any("明前茶采摘工" in reply.text for reply in pushed)
        await worker.say("有没有采茶的工作")
        assert "明前茶采摘工" in worker.text() and "找到 3 个" in worker.text()
        worker.last = [reply for reply in worker.last if "明前茶采摘工" in reply.text]  # its card's button
        await worker.press("我要报名")
        assert "报名" in worker.text() and "手机号" in worker.text()  # asked whether the employer may see the phone

        await employer.say(f"查看岗位 {posting_id}")
        assert "刘大姐" in employer.text() and "双福镇" in employer.text() and "采茶工" in employer.text()
        assert "13812345678" not in employer.text() and "电话未公开" in employer.text()
        assert "推送给 2 位" in employer.text() and "1 人报名" in employer.text()

        await worker.say("可以")
        assert "企业可以看到" in worker.text()
        await employer.say(f"/job {posting_id}")
        assert "13812345678" in employer.text()

        await employer.say("招满了")  # the enterprise has three open postings: which one?
        assert "关闭哪个" in employer.text() and f"#{posting_id} 明前茶采摘工" in employer.text()
        await employer.press(f"关闭 #{posting_id}")
        assert "已关闭" in employer.text()
        assert (await posting(db, posting_id)).status == "closed"
        await worker.say("有没有采茶的工作")
        assert "明前茶采摘工" not in worker.text()

    async def test_no_answer_to_the_phone_question_is_no(self, assistant: Assistant) -> None:
        employer = await bound_employer(assistant)
        posting_id = await post(employer)
        admin = chat(assistant, "admin1")
        await admin.say(f"/approve {posting_id}")
        worker = chat(assistant, "worker2")
        await worker.say(f"/apply {posting_id}")
        assert "手机号" in worker.text()
        await worker.say("有没有保洁的工作")  # a question instead: answered, the phone question waits
        await worker.say("取消")
        await employer.say(f"/job {posting_id}")
        assert "陈大哥" in employer.text() and "13900001111" not in employer.text()

    async def test_imported_postings_ask_nothing_about_phones(self, assistant: Assistant) -> None:
        async with assistant.db.session() as session:
            imported = (await session.execute(select(Posting.id).where(Posting.title == "客房服务员"))).scalar_one()
        worker = chat(assistant, "worker1")
        await worker.say(f"/apply {imported}")
        assert "报名" in worker.text() and "手机号" not in worker.text()


class TestBinding:
    async def test_a_code_works_once(self, assistant: Assistant) -> None:
        code = await code_for(assistant.db)
        first, second = chat(assistant, "boss"), chat(assistant, "other")
        await first.say(f"/employer {code.lower().replace('-', ' ')}")
        assert TEA in first.text()
        await second.say(f"/employer {code}")
        assert "不对" in second.text()
        async with assistant.db.session() as session:
            row = (await session.execute(select(EmployerCode))).scalar_one()
            person = await session.get(Person, row.used_by_id)
        assert person is not None and person.role == "employer" and person.enterprise_id == row.enterprise_id
        assert code.replace("-", "") not in row.code_hash  # only a hash is kept

    async def test_an_expired_code_is_refused(self, assistant: Assistant) -> None:
        code = await code_for(assistant.db, days=1)
        late = Conversation(assistant, user_id="late", now=NOW + timedelta(days=2))
        await late.say(f"/employer {code}")
        assert "过期" in late.text() and "employer" not in await role_of(assistant.db, "late")

    async def test_wrong_codes_are_counted_and_refused_for_the_day(self, assistant: Assistant) -> None:
        guesser = chat(assistant, "guesser")
        for _ in range(5):
            await guesser.say("/employer AAAA-BBBB")
            assert "不对" in guesser.text()
        await guesser.say(f"/employer {await code_for(assistant.db)}")
        assert "太多" in guesser.text() and await role_of(assistant.db, "guesser") == "worker"
        tomorrow = Conversation(assistant, user_id="guesser", now=NOW + timedelta(days=1, minutes=1))
        await tomorrow.say(f"/employer {await code_for(assistant.db)}")
        assert "绑定成功" in tomorrow.text()

    async def test_staff_and_groups_cannot_bind(self, assistant: Assistant) -> None:
        code = await code_for(assistant.db)
        secretary = chat(assistant, "sec1")
        await secretary.say(f"/employer {code}")
        assert "工作人员" in secretary.text() and await role_of(assistant.db, "sec1") == "secretary"
        grouped = Conversation(assistant, user_id="boss", chat_id="-100", chat_type="group", now=NOW)  # type: ignore[arg-type]
        await grouped.say(f"绑定码 {code}", addressed=True)
        assert "私聊" in grouped.text() and await role_of(assistant.db, "boss") == "worker"

    async def test_without_a_code_the_way_is_explained(self, assistant: Assistant) -> None:
        stranger = chat(assistant, "stranger")
        for text in ("/employer", "我的岗位", "发布岗位", "招满了", "/job 1"):
            await stranger.say(text)
            assert "绑定码" in stranger.text(), text


async def role_of(db: Database, user: str) -> str:
    async with db.session() as session:
        from storage.queries.people import person_by_identity

        person = await person_by_identity(session, "terminal", user)
        return person.role if person else ""


class TestReview:
    async def test_reject_with_a_typed_reason_then_change_and_resubmit(self, assistant: Assistant) -> None:
        employer = await bound_employer(assistant)
        posting_id = await post(employer)
        admin = chat(assistant, "admin1")
        await admin.inbox(due_only=False)
        old_approve = admin.find_button("通过并发布")
        await admin.press("不通过")
        assert "原因" in admin.text()
        await admin.say("工资写得不清楚，是计件还是月薪？")  # a question mark is part of the reason
        assert "已退回" in admin.text()
        stored = await posting(assistant.db, posting_id)
        assert stored.status == "rejected" and stored.review_note == "工资写得不清楚，是计件还是月薪？"

        told = await employer.inbox(due_only=False)
        assert "没有通过" in told[0].text and "是计件还是月薪" in told[0].text
        await employer.say(f"修改岗位 {posting_id}")
        assert "要改哪里" in employer.text()
        await employer.say("改工资")
        assert "工资待遇怎么写" in employer.text()
        await employer.say("4000-5000元/月")
        assert "4000-5000元/月" in employer.text()
        await employer.say("提交")
        stored = await posting(assistant.db, posting_id)
        assert (stored.status, stored.revision, stored.salary_min, stored.salary_max) == ("pending", 1, 4000, 5000)

        await admin.inbox(due_only=False)
        assert "重新提交" in admin.text()
        admin.last = [type(admin.last[0])(text="", buttons=[[old_approve]])]
        await admin.press("通过并发布")  # beside the 不通过 pressed before: one decision, already made
        assert "已经答复过" in admin.text() and not admin.handled_as
        assert (await posting(assistant.db, posting_id)).status == "pending"

        await admin.say("/pending")  # the resubmitted version, with its buttons …
        shown = list(admin.last)
        await employer.say(f"修改岗位 {posting_id}")  # … changed again while pending
        await employer.say("改工资")
        await employer.say("5000元/月")
        await employer.say("提交")
        assert (await posting(assistant.db, posting_id)).revision == 2
        admin.last = shown
        await admin.press("通过并发布")  # the version the admin saw is not the one there now: not approved unseen
        assert "被企业修改" in admin.text()
        assert (await posting(assistant.db, posting_id)).status == "pending"

    async def test_two_admins_act_once(self, assistant: Assistant) -> None:
        await add_person(assistant.db, "admin2", role="admin", name="第二管理员")
        employer = await bound_employer(assistant)
        posting_id = await post(employer)
        first, second = chat(assistant, "admin1"), chat(assistant, "admin2")
        await first.inbox(due_only=False)
        await second.inbox(due_only=False)
        await first.press("通过并发布")
        await second.press("不通过")
        assert "已经处理过了" in second.text() and "张科长" in second.text()
        await second.say(f"/reject {posting_id} 太晚了")
        assert "已经处理过了" in second.text()
        assert (await posting(assistant.db, posting_id)).status == "open"

    async def test_pending_list_and_typed_approval(self, assistant: Assistant) -> None:
        employer = await bound_employer(assistant)
        posting_id = await post(employer)
        admin = chat(assistant, "admin1")
        await admin.say("/pending")
        assert "待审核的岗位：1 个" in admin.text() and "明前茶采摘工" in admin.text()
        await admin.say(f"/reject {posting_id}")
        assert "要写原因" in admin.text()
        await admin.say("/approve")
        assert "用法" in admin.text()
        await admin.say(f"/approve {posting_id}")
        assert "已发布" in admin.text()
        await admin.say("/pending")
        assert "没有待审核" in admin.text()

    async def test_only_admins_review(self, assistant: Assistant) -> None:
        employer = await bound_employer(assistant)
        posting_id = await post(employer)
        for user in ("sec1", "worker1", "boss"):
            someone = chat(assistant, user)
            for text in ("/pending", f"/approve {posting_id}", f"/reject {posting_id} 不行"):
                await someone.say(text)
                assert "只有管理员" in someone.text(), (user, text)
        assert (await posting(assistant.db, posting_id)).status == "pending"


class TestOtherEnterprises:
    async def test_ids_typed_by_hand_reach_only_the_own_enterprise(self, assistant: Assistant) -> None:
        hotel = await bound_employer(assistant, "hotelboss", HOTEL)
        tea = await bound_employer(assistant, "teaboss", TEA)
        tea_posting = await post(tea)
        async with assistant.db.session() as session:
            tea_open = (await session.execute(select(Posting.id).where(Posting.title == "春茶采摘工",
                                                                      Posting.status == "open"))).scalar_one()
        for text in (f"/close {tea_open}", f"招满了 {tea_open}", f"/editjob {tea_posting}", f"修改岗位 {tea_posting}",
                     f"/job {tea_posting}", f"查看岗位 {tea_open}", f"/close {tea_posting}"):
            await hotel.say(text)
            assert "不是贵单位的" in hotel.text(), text
        assert (await posting(assistant.db, tea_open)).status == "open"
        assert (await posting(assistant.db, tea_posting)).status == "pending"
        await hotel.say("/job 99999999999999")
        assert "哪个岗位" in hotel.text()

    async def test_open_postings_cannot_be_edited_but_pending_ones_can_be_withdrawn(self, assistant: Assistant) -> None:
        tea = await bound_employer(assistant)
        posting_id = await post(tea)
        await tea.say(f"/close {posting_id}")
        assert "已撤回" in tea.text() and (await posting(assistant.db, posting_id)).status == "closed"
        async with assistant.db.session() as session:
            open_id = (await session.execute(select(Posting.id).where(Posting.title == "春茶采摘工"))).scalars().first()
        await tea.say(f"修改岗位 {open_id}")
        assert "不能再修改" in tea.text()

    async def test_a_revoked_employer_is_refused(self, assistant: Assistant) -> None:
        tea = await bound_employer(assistant)
        posting_id = await post(tea)
        async with assistant.db.session() as session:
            await session.execute(update(Person).where(Person.role == "employer").values(role="worker"))
        await tea.say(f"/job {posting_id}")
        assert "绑定码" in tea.text() and "明前茶采摘工" not in tea.text()

    async def test_an_employer_is_unbound_before_forget_and_then_the_code_they_used_forgets_them(self, assistant: Assistant) -> None:
        tea = await bound_employer(assistant)
        await tea.say("/mydata")
        assert "企业招聘联系人" in tea.text()
        await tea.say("/forget")
        assert "撤销您的角色" in tea.text() and "确定删除" not in tea.text()
        async with assistant.db.session() as session:
            person = (await session.execute(select(Person).where(Person.role == Role.EMPLOYER))).scalar_one()
            assert person.forgotten_at is None and person.enterprise_id is not None
            await revoke(session, "terminal", "boss")  # staff revoke the role: the enterprise is unbound
        await tea.say("/forget")
        await tea.press("确定删除")
        async with assistant.db.session() as session:
            person = (await session.execute(select(Person).where(Person.name == "",
                                                                 Person.forgotten_at.is_not(None)))).scalar_one()
            assert person.enterprise_id is None and person.role == Role.WORKER
            used = (await session.execute(select(EmployerCode))).scalar_one()
            assert used.used_at is not None and used.used_by_id is None  # who used the code is gone



class TestPendingReachesNothing:
    """A posting waiting for review is on no path a worker or a report sees: a test per path."""

    @pytest.fixture
    async def pending(self, assistant: Assistant) -> int:
        return await post(await bound_employer(assistant))

    async def test_search(self, assistant: Assistant, pending: int) -> None:
        worker = chat(assistant, "worker1")
        for text in ("有没有采茶的工作", "双福镇的活路", "/jobs", "明前茶采摘工"):
            await worker.say(text)
            assert "明前茶采摘工" not in worker.text(), text
        async with assistant.db.session() as session:  # the shelf search reads (storage/shelf.py) does not hold it
            stored = await session.get(Posting, pending)
            assert stored is not None and stored.status == "pending" and stored.listed is False
            assert await session.scalar(select(func.count()).select_from(Posting).where(Posting.listed)) > 0

    async def test_apply_and_details(self, assistant: Assistant, pending: int) -> None:
        worker = chat(assistant, "worker1")
        await worker.say(f"/apply {pending}")
        assert "下架" in worker.text(), worker.text()
        async with assistant.db.session() as session:
            assert not (await session.execute(select(Application).where(Application.posting_id == pending))).first()

    async def test_push(self, assistant: Assistant, pending: int) -> None:
        report = await push_posting(assistant.db, pending, NOW, PushPolicy())
        assert not report.open and report.queued == 0
        async with assistant.db.session() as session:
            assert not await session.scalar(select(func.count()).select_from(PushRecord))

    async def test_subscriptions_and_the_daily_push(self, assistant: Assistant, pending: int) -> None:
        report = await daily_push(assistant.db, NOW + timedelta(hours=1), PushPolicy())
        assert pending not in [r.posting_id for r in report.postings]
        async with assistant.db.session() as session:
            pushed = set((await session.execute(select(PushRecord.posting_id))).scalars())
        assert pending not in pushed

    async def test_stats(self, assistant: Assistant, pending: int) -> None:
        async with assistant.db.session() as session:
            figures = await bureau_figures(session, now=NOW, today=NOW.date())
            open_count = await session.scalar(select(func.count()).select_from(Posting).where(Posting.status == "open"))
        assert figures["postings_open"] == open_count == 4  # the four open ones of tests/factories.py
        assert figures["openings"] == 80 + 40 + 30 + 5

    async def test_export_of_open_postings(self, assistant: Assistant, pending: int, tmp_path: Path) -> None:
        async with assistant.db.session() as session:
            written = await export_report(session, "postings", tmp_path / "postings.xlsx", today=NOW.date())
        rows = list(load_workbook(tmp_path / "postings.xlsx").active.iter_rows(values_only=True))
        assert written == 4 and pending not in [row[0] for row in rows[1:]]
        admin = chat(assistant, "admin1")
        await admin.say(f"/approve {pending}")
        async with assistant.db.session() as session:
            written = await export_report(session, "postings", tmp_path / "after.xlsx", today=NOW.date())
        rows = list(load_workbook(tmp_path / "after.xlsx").active.iter_rows(values_only=True))
        assert written == 5 and [row[-1] for row in rows if row[0] == pending] == ["企业提交"]


class TestServiceRecords:
    async def test_employer_contacts_count(self, assistant: Assistant) -> None:
        tea = await bound_employer(assistant)
        await tea.say("我的岗位")
        async with assistant.db.session() as session:
            kinds = list((await session.execute(select(ServiceRecord.kind))).scalars())
        assert "employer_bind" in kinds and "employer_postings" in kinds


class TestTheFormByTyping:
    async def test_bad_answers_are_asked_again_with_examples(self, assistant: Assistant) -> None:
        tea = await bound_employer(assistant)
        await tea.say("发布岗位")
        await tea.say("好的")
        assert "岗位名称" in tea.text() and "2 到 40" in tea.text()
        await tea.say("明前茶采摘工")
        await tea.say("1")  # the first button, typed: 对，是采茶工
        assert "招几个人" in tea.text()
        await tea.say("很多很多")
        assert "30人" in tea.text() and "若干" in tea.text()
        await tea.say("若干")
        await tea.say("看情况")
        assert "没看懂工资" in tea.text() and "面议" in tea.text()
        await tea.say("面议")
        await tea.say("火星")
        assert "没找到这个地方" in tea.text()
        await tea.say("1")  # 和单位一样：双福镇
        assert "有什么要求" in tea.text() or "要求" in tea.text()
        await tea.say("无")
        await tea.say("1")  # 无 (benefits)
        await tea.say("王经理")
        assert "联系人和电话" in tea.text()
        await tea.say("王经理 13912345678")
        await tea.say("去年")
        assert "截止日期" in tea.text()
        await tea.say("长期")
        summary = tea.text()
        assert "人数：若干" in summary and "工资：面议" in summary and "地点：双福镇" in summary and "截止：长期" in summary
        await tea.say("提交")
        async with assistant.db.session() as session:
            stored = (await session.execute(select(Posting).where(Posting.status == "pending"))).scalar_one()
        assert stored.openings is None and stored.salary_min is None and stored.salary_text == "面议"
        assert (stored.contact_name, stored.contact_phone, stored.deadline) == ("王经理", "13912345678", None)

    async def test_a_question_mid_form_is_answered_and_the_form_goes_on(self, assistant: Assistant) -> None:
        tea = await bound_employer(assistant)
        await tea.say("发布岗位")
        await tea.say("明前茶采摘工")
        await tea.say("对")
        await tea.say("稳岗补贴怎么申请")
        assert "政策" in tea.text() and "接着刚才的发布岗位" in tea.text() and "招几个人" in tea.text()
        await tea.say("30")
        assert "工资待遇怎么写" in tea.text()

    async def test_cancel_at_any_step_stores_nothing(self, assistant: Assistant) -> None:
        tea = await bound_employer(assistant)
        for depth in range(len(ANSWERS) + 1):
            await tea.say("发布岗位")
            for answer in ANSWERS[:depth]:
                await tea.say(answer)
            await tea.say("取消")
            assert "取消" in tea.text(), depth
        async with assistant.db.session() as session:
            assert not (await session.execute(select(Posting).where(Posting.submitted_by_id.is_not(None)))).first()

    async def test_a_wrong_guess_is_changed_from_the_list(self, assistant: Assistant) -> None:
        tea = await bound_employer(assistant)
        await tea.say("发布岗位")
        await tea.say("茶园绿化工")
        guessed = tea.text()
        await tea.say("不对")
        assert "请选择工种" in tea.text() and "种植工" in [b.label for b in tea.buttons()]
        await tea.say("种植工")
        assert "招几个人" in tea.text(), guessed
        for answer in ANSWERS[2:]:
            await tea.say(answer)
        assert "茶园绿化工**（种植工）" in tea.text()

    async def test_changing_a_part_from_the_summary(self, assistant: Assistant) -> None:
        tea = await bound_employer(assistant)
        await tea.say("发布岗位")
        for answer in ANSWERS:
            await tea.say(answer)
        await tea.say("修改")
        assert "改哪一项" in tea.text()
        await tea.say("8")  # 联系人
        assert "联系人和电话" in tea.text()
        await tea.say("张主任 0833-5521234")
        assert "联系人：张主任 0833-5521234" in tea.text() and "请核对" in tea.text()
        await tea.say("改岗位名称")
        await tea.say("电子厂普工")
        assert "普工" in tea.text()
        await tea.say("对")
        assert "电子厂普工**（普工）" in tea.text()
