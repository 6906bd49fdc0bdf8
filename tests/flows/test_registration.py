"""Registration through the conversation harness: consent, validation, cancel, expiry, groups, observers."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.harness import Conversation
from flows.assistant import Assistant
from flows.followups import FollowUpRules, next_due
from flows.messages import ChatType
from flows.turn import FlowSettings
from storage.db import Database
from storage.models import FollowUp, Person, StatusChange, WorkerProfile
from storage.queries.people import person_by_identity
from storage.vocabulary import job_categories
from tests.conftest import NOW
from tests.factories import add_postings
from tests.flows.registration_helpers import add_staff, outbox_for, scripted


async def make_assistant(db: Database, **settings: object) -> tuple[Assistant, dict[str, int]]:
    await add_postings(db, NOW.date())
    ids = await add_staff(db)
    return Assistant(db, scripted(), FlowSettings(**settings)), ids  # type: ignore[arg-type]


async def register(chat: Conversation, *, phone: str = "138 1234 5678", contact: bool = False) -> None:
    """Walk the whole form with button answers where there are buttons."""
    await chat.say("我要登记")
    await chat.press("同意")
    await chat.say("刘大姐")
    if contact:
        await chat.share_contact(phone)
    else:
        await chat.say(phone)
    await chat.press("双福镇")
    await chat.press("永兴村")
    await chat.press("采茶工")
    await chat.press("普工")
    await chat.press("选好了")
    await chat.say("三千以上")
    await chat.press("明天")
    await chat.press("从省外返乡")
    await chat.press("湖北")


async def load_worker(db: Database, user_id: str) -> Person:
    async with db.session() as session:
        person = await person_by_identity(session, "terminal", user_id)
        assert person is not None
        return person


class TestFullRegistration:
    @pytest.mark.parametrize("contact", [False, True], ids=["typed phone", "shared contact"])
    async def test_registration_saves_assigns_schedules_and_notifies(self, any_db: Database, contact: bool) -> None:
        assistant, ids = await make_assistant(any_db)
        chat = Conversation(assistant, user_id="w1", now=NOW)
        await register(chat, phone="+86 138-1234-5678" if contact else "138 1234 5678", contact=contact)
        assert "登记好了" in chat.text()
        worker = await load_worker(any_db, "w1")
        profile = worker.profile
        assert (worker.name, worker.phone, worker.township, worker.village) == ("刘大姐", "13812345678", "双福镇", "永兴村")
        assert profile is not None
        assert profile.wanted_categories == ["采茶工", "普工"]
        assert profile.min_monthly_pay == 3000
        assert profile.available_from == NOW.date() + timedelta(days=1)
        assert (profile.is_returnee, profile.returnee_origin, profile.hardest_hit) == (True, "湖北", True)
        assert (profile.status, profile.subscribed, profile.consent_how) == ("seeking", True, "self")
        assert profile.consent_at == NOW
        # Both 王 and 李 cover 双福镇 with no workers: the lower id wins the tie.
        assert profile.secretary_id == ids["wang"]
        assert "王秘书" in chat.text()
        async with any_db.session() as session:
            follow_ups = list((await session.execute(select(FollowUp))).scalars())
            changes = list((await session.execute(select(StatusChange))).scalars())
        assert [(f.kind, f.due_at, f.secretary_id) for f in follow_ups] == [
            ("first", NOW + timedelta(days=3), ids["wang"])
        ]
        assert [(c.old_status, c.new_status) for c in changes] == [(None, "seeking")]
        outbox = await outbox_for(assistant, ids["wang"])
        assert [m.purpose for m in outbox] == [f"registered:{worker.id}"]
        assert "13812345678" in outbox[0].payload["text"] and "刘大姐" in outbox[0].payload["text"]

    async def test_second_worker_goes_to_the_lighter_covering_secretary(self, sqlite_db: Database) -> None:
        assistant, ids = await make_assistant(sqlite_db)
        await register(Conversation(assistant, user_id="w1", now=NOW))
        await register(Conversation(assistant, user_id="w2", now=NOW), phone="13912345678")
        second = await load_worker(sqlite_db, "w2")
        assert second.profile is not None and second.profile.secretary_id == ids["li"]

    async def test_first_check_in_follows_the_configured_days(self, sqlite_db: Database) -> None:
        assistant, _ = await make_assistant(sqlite_db, followups=FollowUpRules(first_after_days=5))
        await register(Conversation(assistant, user_id="w1", now=NOW))
        async with sqlite_db.session() as session:
            due = (await session.execute(select(FollowUp.due_at))).scalar_one()
        # Five days later is a Saturday: the check-in moves to the next working morning.
        assert due >= NOW + timedelta(days=5)
        assert due == next_due("first", NOW, FollowUpRules(first_after_days=5))
        assert due.astimezone(ZoneInfo("Asia/Shanghai")).weekday() < 5

    async def test_typed_answers_work_without_buttons(self, sqlite_db: Database) -> None:
        assistant, _ = await make_assistant(sqlite_db)
        chat = Conversation(assistant, user_id="w1", now=NOW)
        for text in ("我要登记", "同意", "刘大姐", "13812345678", "双福", "新建村", "采茶、保安", "3千",
                     "3月10号", "未外出"):
            await chat.say(text)
        assert "登记好了" in chat.text()
        worker = await load_worker(sqlite_db, "w1")
        assert worker.profile is not None
        assert (worker.township, worker.village) == ("双福镇", "新建村")
        assert worker.profile.wanted_categories == ["采茶工", "保安"]
        assert worker.profile.available_from == date(2026, 3, 10)
        assert (worker.profile.is_returnee, worker.profile.hardest_hit) == (False, False)

    async def test_registering_twice_offers_to_edit(self, sqlite_db: Database) -> None:
        assistant, _ = await make_assistant(sqlite_db)
        chat = Conversation(assistant, user_id="w1", now=NOW)
        await register(chat)
        await chat.say("我要登记")
        assert "已经登记过" in chat.text()
        await chat.press("修改资料")
        await chat.press("最低工资")
        await chat.say("4500")
        assert "已保存" in chat.text()
        worker = await load_worker(sqlite_db, "w1")
        assert worker.profile is not None and worker.profile.min_monthly_pay == 4500
        assert worker.name == "刘大姐"


    async def test_a_typed_number_at_the_categories_step_picks_and_the_edit_stays_open(
            self, sqlite_db: Database) -> None:
        """WeChat and SMS have no buttons: "4" picks the fourth category as its button would, the step waits for
        more, and the whole edit is one thing (`form:profile`) from the menu to the save."""
        assistant, _ = await make_assistant(sqlite_db)
        chat = Conversation(assistant, user_id="w1", now=NOW)
        await register(chat)  # 采茶工 and 普工
        await chat.say("/profile")
        await chat.say("改想做的工作")
        assert chat.handled_as == "form:profile"
        fourth = list(job_categories())[3]
        await chat.say("4")
        assert chat.handled_as == "form:profile" and fourth in chat.text() and "已保存" not in chat.text()
        await chat.say("1")  # 采茶工, already ticked: typing its number keeps it
        await chat.say("好了")
        assert chat.handled_as == "form:profile" and "已保存" in chat.text()
        worker = await load_worker(sqlite_db, "w1")
        assert worker.profile is not None
        assert worker.profile.wanted_categories == ["采茶工", "普工", fourth]


class TestValidation:
    @pytest.mark.parametrize("phone", ["12345", "12812345678", "1381234567", "电话号码"])
    async def test_wrong_phone_is_asked_again(self, sqlite_db: Database, phone: str) -> None:
        assistant, _ = await make_assistant(sqlite_db)
        chat = Conversation(assistant, user_id="w1", now=NOW)
        await chat.say("我要登记")
        await chat.press("同意")
        await chat.say("刘大姐")
        await chat.say(phone)
        assert "手机号不对" in chat.text()
        assert chat.last[-1].request_contact  # the question again, with the contact button
        await chat.say("13812345678")
        assert "哪个乡镇" in chat.text()

    async def test_unknown_township_is_asked_again(self, sqlite_db: Database) -> None:
        assistant, _ = await make_assistant(sqlite_db)
        chat = Conversation(assistant, user_id="w1", now=NOW)
        for text in ("我要登记", "同意", "刘大姐", "13812345678", "北京朝阳"):
            await chat.say(text)
        assert "没有找到这个乡镇" in chat.text()
        assert "双福镇" in [b.label for b in chat.buttons()]

    @pytest.mark.parametrize("pay", ["很多", "50", "一百万"])
    async def test_unusable_pay_is_asked_again(self, sqlite_db: Database, pay: str) -> None:
        assistant, _ = await make_assistant(sqlite_db)
        chat = Conversation(assistant, user_id="w1", now=NOW)
        for text in ("我要登记", "同意", "刘大姐", "13812345678", "双福镇", "永兴村", "采茶", pay):
            await chat.say(text)
        assert "每月工资的数字" in chat.text()

    async def test_declining_consent_stores_nothing(self, sqlite_db: Database) -> None:
        assistant, _ = await make_assistant(sqlite_db)
        chat = Conversation(assistant, user_id="w1", now=NOW)
        await chat.say("我要登记")
        await chat.press("不同意")
        await chat.say("刘大姐")
        worker = await load_worker(sqlite_db, "w1")
        assert worker.profile is None and worker.name == ""

    async def test_cancel_midway_leaves_no_profile(self, sqlite_db: Database) -> None:
        assistant, _ = await make_assistant(sqlite_db)
        chat = Conversation(assistant, user_id="w1", now=NOW)
        for text in ("我要登记", "同意", "刘大姐", "取消"):
            await chat.say(text)
        assert "已取消" in chat.text()
        await chat.say("13812345678")
        assert "哪个乡镇" not in chat.text()
        worker = await load_worker(sqlite_db, "w1")
        assert worker.profile is None and worker.phone is None


class TestFormLifecycle:
    async def test_expired_form_says_so_on_the_next_message(self, sqlite_db: Database) -> None:
        assistant, _ = await make_assistant(sqlite_db)
        chat = Conversation(assistant, user_id="w1", now=NOW)
        await chat.say("我要登记")
        await chat.press("同意")
        chat.now = NOW + timedelta(hours=2)
        await chat.say("刘大姐")
        assert "超时" in chat.text()
        worker = await load_worker(sqlite_db, "w1")
        assert worker.name == ""

    async def test_button_of_an_expired_form_says_so(self, sqlite_db: Database) -> None:
        assistant, _ = await make_assistant(sqlite_db)
        chat = Conversation(assistant, user_id="w1", now=NOW)
        for text in ("我要登记", "同意", "刘大姐", "13812345678"):
            await chat.say(text)
        chat.now = NOW + timedelta(hours=2)
        await chat.press("双福镇")
        assert "超时" in chat.text()
        worker = await load_worker(sqlite_db, "w1")
        assert worker.township is None

    async def test_button_of_a_finished_form_says_so(self, sqlite_db: Database) -> None:
        assistant, _ = await make_assistant(sqlite_db)
        chat = Conversation(assistant, user_id="w1", now=NOW)
        for text in ("我要登记", "同意", "刘大姐", "13812345678"):
            await chat.say(text)
        township_question = chat.last
        await chat.say("取消")
        chat.last = township_question
        await chat.press("双福镇")
        assert "已经结束或超时" in chat.text()

    async def test_a_button_pressed_twice_acts_once(self, sqlite_db: Database) -> None:
        assistant, _ = await make_assistant(sqlite_db)
        chat = Conversation(assistant, user_id="w1", now=NOW)
        await chat.say("我要登记")
        consent = chat.last
        await chat.press("同意")
        assert "怎么称呼" in chat.text()
        chat.last = consent
        await chat.press("同意")
        # The old button does nothing; the person is reminded of the question they are at.
        assert "失效" in chat.text() and "接着刚才的登记" in chat.text() and "怎么称呼" in chat.text()
        await chat.say("刘大姐")
        assert "手机号" in chat.text()

    async def test_an_answered_question_button_does_not_act(self, sqlite_db: Database) -> None:
        assistant, _ = await make_assistant(sqlite_db)
        chat = Conversation(assistant, user_id="w1", now=NOW)
        for text in ("我要登记", "同意", "刘大姐", "13812345678"):
            await chat.say(text)
        townships = chat.last
        await chat.say("绥山镇")
        chat.last = townships
        await chat.press("双福镇")  # another button of the same, already answered question
        assert "已经回答过" in chat.text()
        await chat.say("新桥村")
        await chat.press("采茶工")
        await chat.press("选好了")
        for text in ("跳过", "跳过", "未外出"):
            await chat.say(text)
        worker = await load_worker(sqlite_db, "w1")
        assert worker.township == "绥山镇"

    async def test_job_question_mid_form_is_answered_then_the_form_resumes(self, sqlite_db: Database) -> None:
        assistant, _ = await make_assistant(sqlite_db)
        chat = Conversation(assistant, user_id="w1", now=NOW)
        for text in ("我要登记", "同意", "刘大姐"):
            await chat.say(text)
        await chat.say("有没有采茶的工作")
        text = chat.text()
        assert "春茶采摘工" in text
        assert "接着刚才的登记" in text and "手机号" in text
        await chat.say("13812345678")
        assert "哪个乡镇" in chat.text()

    async def test_job_question_at_the_name_step_is_not_taken_as_a_name(self, sqlite_db: Database) -> None:
        assistant, _ = await make_assistant(sqlite_db)
        chat = Conversation(assistant, user_id="w1", now=NOW)
        await chat.say("我要登记")
        await chat.press("同意")
        await chat.say("有没有采茶的工作")
        assert "春茶采摘工" in chat.text() and "怎么称呼" in chat.text()
        await chat.say("刘大姐")
        assert "手机号" in chat.text()


class TestGroups:
    @pytest.mark.parametrize("username, link", [("mishu_bot", True), ("", False)])
    async def test_registration_in_a_group_points_to_private_chat(
        self, sqlite_db: Database, username: str, link: bool
    ) -> None:
        assistant, _ = await make_assistant(sqlite_db, bot_username=username)
        group = Conversation(assistant, user_id="w1", chat_id="-100", chat_type=ChatType.GROUP, now=NOW)
        await group.say("我要登记", addressed=True)
        urls = [b.url for r in group.last for row in r.buttons for b in row if b.url]
        assert urls == (["https://t.me/mishu_bot?start=register"] if link else [])
        assert "私聊" in group.text()
        assert "怎么称呼" not in group.text() and "手机号" not in group.text()
        assert not group.buttons()  # no consent buttons, no form in a group
        async with sqlite_db.session() as session:
            person = await person_by_identity(session, "terminal", "w1")
        assert person is not None and person.profile is None

    async def test_deep_link_start_register_begins_the_form(self, sqlite_db: Database) -> None:
        assistant, _ = await make_assistant(sqlite_db)
        chat = Conversation(assistant, user_id="w1", now=NOW)
        await chat.say("/start register")
        assert "求职登记" in chat.text() and chat.find_button("同意")

    async def test_a_form_does_not_continue_in_a_group(self, sqlite_db: Database) -> None:
        assistant, _ = await make_assistant(sqlite_db)
        chat = Conversation(assistant, user_id="w1", now=NOW)
        await chat.say("我要登记")
        await chat.press("同意")
        group = Conversation(assistant, user_id="w1", chat_id="-100", chat_type=ChatType.GROUP, now=NOW)
        await group.say("刘大姐")
        assert group.last == []
        await chat.say("刘大姐")
        assert "手机号" in chat.text()


class TestObserver:
    async def test_observer_registers_a_worker_on_their_behalf(self, any_db: Database) -> None:
        assistant, ids = await make_assistant(any_db)
        observer = Conversation(assistant, user_id="zhao", now=NOW)
        await observer.say("我要登记")
        assert "当面同意" in observer.text()
        await observer.press("同意")
        assert "劳动者的姓名" in observer.text()
        await observer.say("陈大哥")
        assert not observer.last[-1].request_contact  # the observer's own phone must not be offered
        for text in ("13700001111", "双福镇", "双福村", "采茶", "跳过", "跳过", "省内"):
            await observer.say(text)
        assert "已为 陈大哥 登记" in observer.text()
        async with any_db.session() as session:
            worker = (await session.execute(select(Person).where(Person.name == "陈大哥"))).scalar_one()
            profile = await session.get(WorkerProfile, worker.id)
            identities = await session.execute(select(Person.id).where(Person.id == worker.id).join(Person.identities))
            assert profile is not None
            assert (profile.consent_how, profile.registered_by_id) == ("in_person_by_observer", ids["zhao"])
            assert (profile.min_monthly_pay, profile.available_from, profile.returnee_origin) == (None, None, "省内")
            assert identities.first() is None
        outbox = await outbox_for(assistant, profile.secretary_id or 0)
        assert outbox and "赵观察员" in outbox[0].payload["text"]
        await observer.say("/village")
        assert "陈大哥" in observer.text() and "13700001111" in observer.text()

    async def test_observer_cannot_register_a_phone_twice(self, sqlite_db: Database) -> None:
        assistant, _ = await make_assistant(sqlite_db)
        await register(Conversation(assistant, user_id="w1", now=NOW))
        observer = Conversation(assistant, user_id="zhao", now=NOW)
        for text in ("我要登记", "同意", "陈大哥", "13812345678"):
            await observer.say(text)
        assert "已经登记过了" in observer.text()

    async def test_village_list_is_for_observers_only(self, sqlite_db: Database) -> None:
        assistant, _ = await make_assistant(sqlite_db)
        chat = Conversation(assistant, user_id="w1", now=NOW)
        await chat.say("我村的名单")
        assert "观察员" in chat.text()
