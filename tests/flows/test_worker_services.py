"""Apply, job alerts, report_employed, "who is my secretary", /mydata, /forget and /lang through the harness."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.harness import Conversation
from flows.messages import ChatType
from storage.db import Database
from storage.models import (
    Application,
    ChannelIdentity,
    ConversationState,
    FollowUp,
    ServiceRecord,
    StatusChange,
)
from tests.conftest import NOW
from tests.flows.registration_helpers import outbox_for
from tests.flows.test_registration import load_worker, make_assistant, register


async def count(db: Database, model: type) -> int:
    async with db.session() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


class TestApply:
    async def test_registered_worker_applies_once(self, any_db: Database) -> None:
        assistant, ids = await make_assistant(any_db)
        chat = Conversation(assistant, user_id="w1", now=NOW)
        await register(chat)
        await chat.say("有没有采茶的工作")
        await chat.press("我要报名")
        assert "已为您报名" in chat.text() and "王秘书" in chat.text()
        async with any_db.session() as session:
            application = (await session.execute(select(Application))).scalar_one()
        outbox = await outbox_for(assistant, ids["wang"])
        assert [m.purpose for m in outbox][-1] == f"apply:{application.id}"
        assert "刘大姐" in outbox[-1].payload["text"] and "13812345678" in outbox[-1].payload["text"]
        assert "春茶采摘工" in outbox[-1].payload["text"]
        await chat.say("有没有采茶的工作")
        await chat.press("我要报名")
        assert "已经报名过" in chat.text()
        assert await count(any_db, Application) == 1

    async def test_apply_button_pressed_twice_acts_once(self, sqlite_db: Database) -> None:
        assistant, _ = await make_assistant(sqlite_db)
        chat = Conversation(assistant, user_id="w1", now=NOW)
        await register(chat)
        await chat.say("有没有采茶的工作")
        cards = chat.last
        await chat.press("我要报名")
        chat.last = cards
        await chat.press("我要报名")
        assert "失效" in chat.text()
        assert await count(sqlite_db, Application) == 1

    async def test_unregistered_worker_registers_then_is_applied(self, any_db: Database) -> None:
        assistant, ids = await make_assistant(any_db)
        chat = Conversation(assistant, user_id="w1", now=NOW)
        await chat.say("有没有采茶的工作")
        await chat.press("我要报名")
        assert "需要先登记" in chat.text() and chat.find_button("同意")
        await chat.press("同意")
        for text in ("刘大姐", "13812345678", "双福镇", "永兴村", "采茶", "跳过", "跳过", "未外出"):
            await chat.say(text)
        assert "登记好了" in chat.text() and "已为您报名" in chat.text()
        async with any_db.session() as session:
            application = (await session.execute(select(Application))).scalar_one()
        worker = await load_worker(any_db, "w1")
        assert application.worker_id == worker.id
        purposes = [m.purpose for m in await outbox_for(assistant, ids["wang"])]
        assert purposes == [f"registered:{worker.id}", f"apply:{application.id}"]

    async def test_unregistered_apply_in_a_group_links_to_private_chat(self, sqlite_db: Database) -> None:
        assistant, _ = await make_assistant(sqlite_db, bot_username="mishu_bot")
        group = Conversation(assistant, user_id="w1", chat_id="-100", chat_type=ChatType.GROUP, now=NOW)
        await group.say("有没有采茶的工作")
        assert group.buttons() == []  # one numbered message in a group, answered by typing
        await group.say("报第一个")
        urls = [b.url for r in group.last for row in r.buttons for b in row if b.url]
        assert len(urls) == 1 and urls[0].startswith("https://t.me/mishu_bot?start=apply_")
        private = Conversation(assistant, user_id="w1", now=NOW)
        await private.say("/start " + urls[0].rsplit("=", 1)[1])
        assert "需要先登记" in private.text()

    async def test_nothing_found_offers_alerts(self, sqlite_db: Database) -> None:
        assistant, _ = await make_assistant(sqlite_db)
        chat = Conversation(assistant, user_id="w1", now=NOW)
        await register(chat)
        await chat.say("有没有厨师的活路")
        await chat.press("有新岗位通知我")
        assert "已开启新岗位提醒" in chat.text()
        worker = await load_worker(sqlite_db, "w1")
        assert worker.profile is not None and "厨师" in worker.profile.wanted_categories


class TestAlerts:
    async def test_unsubscribe_pause_and_subscribe(self, sqlite_db: Database) -> None:
        assistant, _ = await make_assistant(sqlite_db)
        chat = Conversation(assistant, user_id="w1", now=NOW)
        await register(chat)
        await chat.say("退订")
        await chat.press("暂停 7 天")
        worker = await load_worker(sqlite_db, "w1")
        assert worker.profile is not None
        assert (worker.profile.subscribed, worker.profile.paused_until) == (True, NOW + timedelta(days=7))
        await chat.say("退订")
        await chat.press("完全退订")
        worker = await load_worker(sqlite_db, "w1")
        assert worker.profile is not None and (worker.profile.subscribed, worker.profile.paused_until) == (False, None)
        await chat.say("订阅")
        worker = await load_worker(sqlite_db, "w1")
        assert worker.profile is not None and worker.profile.subscribed

    async def test_subscribe_unregistered_offers_registration(self, sqlite_db: Database) -> None:
        assistant, _ = await make_assistant(sqlite_db)
        chat = Conversation(assistant, user_id="w1", now=NOW)
        await chat.say("订阅")
        assert "先登记" in chat.text() and chat.find_button("开始登记")


class TestReportEmployed:
    async def test_placed_stops_pushes_and_sets_a_stability_check(self, any_db: Database) -> None:
        assistant, ids = await make_assistant(any_db)
        chat = Conversation(assistant, user_id="w1", now=NOW)
        await register(chat)
        await chat.say("我找到工作了")
        confirm = chat.last
        await chat.press("已经上班了")
        assert "已就业" in chat.text()
        chat.last = confirm
        await chat.press("已经上班了")  # a double press changes nothing more
        worker = await load_worker(any_db, "w1")
        assert worker.profile is not None and worker.profile.status == "placed"
        async with any_db.session() as session:
            follow_ups = list((await session.execute(select(FollowUp).order_by(FollowUp.id))).scalars())
            changes = list((await session.execute(select(StatusChange).order_by(StatusChange.id))).scalars())
        assert [(f.kind, f.state) for f in follow_ups] == [("first", "cancelled"), ("stability", "pending")]
        assert follow_ups[1].due_at == NOW + timedelta(days=30)
        assert [c.new_status for c in changes] == ["seeking", "placed"]
        purposes = [m.purpose for m in await outbox_for(assistant, ids["wang"])]
        assert purposes[-1].startswith(f"placed:{worker.id}:")
        await chat.say("我找到工作了")
        assert "已经登记为已就业" in chat.text()


class TestSecretaryQuestion:
    @pytest.mark.parametrize("text", ["我的秘书是谁", "我的秘书是谁？", "/secretary"])
    async def test_names_the_secretary_without_a_phone(self, sqlite_db: Database, text: str) -> None:
        assistant, _ = await make_assistant(sqlite_db)
        chat = Conversation(assistant, user_id="w1", now=NOW)
        await register(chat)
        await chat.say(text)
        assert "王秘书" in chat.text() and "找人工" in chat.text()


class TestDataRights:
    async def test_mydata_shows_what_is_stored(self, sqlite_db: Database) -> None:
        assistant, _ = await make_assistant(sqlite_db)
        chat = Conversation(assistant, user_id="w1", now=NOW)
        await register(chat)
        await chat.say("/mydata")
        text = chat.text()
        for expected in ("刘大姐", "13812345678", "双福镇", "永兴村", "采茶工", "3000", "王秘书", "湖北"):
            assert expected in text
        assert "身份: 求职者" in text and "聊天账号: 终端" in text and "worker" not in text  # words, not codes

    async def test_mydata_in_a_group_redirects(self, sqlite_db: Database) -> None:
        assistant, _ = await make_assistant(sqlite_db)
        await register(Conversation(assistant, user_id="w1", now=NOW))
        group = Conversation(assistant, user_id="w1", chat_id="-100", chat_type=ChatType.GROUP, now=NOW)
        await group.say("/mydata")
        assert "私聊" in group.text() and "13812345678" not in group.text() and "刘大姐" not in group.text()

    async def test_forget_wipes_personal_data_after_confirmation(self, any_db: Database) -> None:
        assistant, _ = await make_assistant(any_db)
        chat = Conversation(assistant, user_id="w1", display_name="Liu", now=NOW)
        await register(chat)
        await chat.say("/forget")
        worker = await load_worker(any_db, "w1")
        assert worker.phone == "13812345678"  # nothing happens before the confirmation
        await chat.press("确定删除")
        assert "已删除" in chat.text()
        worker = await load_worker(any_db, "w1")
        profile = worker.profile
        assert (worker.name, worker.phone, worker.id_number, worker.village) == ("", None, None, None)
        assert worker.forgotten_at == NOW
        assert profile is not None
        assert (profile.wanted_categories, profile.min_monthly_pay, profile.subscribed) == ([], None, False)
        async with any_db.session() as session:
            states = [f.state for f in (await session.execute(select(FollowUp))).scalars()]
            identity = (await session.execute(select(ChannelIdentity).where(ChannelIdentity.external_id == "w1"))).scalar_one()
            state = (await session.execute(select(ConversationState).where(ConversationState.user_id == "w1"))).scalar_one()
        assert states == ["cancelled"]
        assert identity.display_name == "" and identity.chat_id is None
        assert state.history == []
        assert await count(any_db, ServiceRecord) > 0  # anonymous counts stay
        await chat.say("/mydata")
        assert "13812345678" not in chat.text() and "刘大姐" not in chat.text()

    async def test_forget_can_be_declined(self, sqlite_db: Database) -> None:
        assistant, _ = await make_assistant(sqlite_db)
        chat = Conversation(assistant, user_id="w1", now=NOW)
        await register(chat)
        await chat.say("/forget")
        await chat.press("不删了")
        worker = await load_worker(sqlite_db, "w1")
        assert worker.phone == "13812345678" and worker.forgotten_at is None

    @pytest.mark.parametrize("label, code, expected", [("English", "en", "Language set"),
                                                       ("繁體中文", "zh-hant", "語言已設置")])
    async def test_lang_sets_the_reply_language(self, sqlite_db: Database, label: str, code: str, expected: str) -> None:
        assistant, _ = await make_assistant(sqlite_db)
        chat = Conversation(assistant, user_id="w1", now=NOW)
        await chat.say("/lang")
        await chat.press(label)
        assert expected in chat.text()
        worker = await load_worker(sqlite_db, "w1")
        assert worker.language == code
        await chat.say("我要登记")  # simplified input, yet the setting wins
        assert ("Do you agree" if code == "en" else "您同意嗎") in chat.text()
