"""Broadcasts composed in chat by an admin; everyone else is refused."""

from __future__ import annotations

from sqlalchemy import select

from bot.harness import Conversation
from flows.assistant import Assistant
from storage.db import Database
from storage.models import Broadcast, ChannelIdentity, OutboxMessage, Person
from tests.conftest import NOW
from tests.scripted_nlu import ScriptedNLU
from tests.storage.test_broadcasts import add_workers


async def make(db: Database) -> Assistant:
    await add_workers(db)
    async with db.session() as session:
        admin = Person(role="admin", name="局管理员", language="zh-hans")  # typed audiences are Latin text
        admin.identities.append(ChannelIdentity(channel="terminal", external_id="admin1", chat_id="admin1"))
        session.add(admin)
    return Assistant(db, ScriptedNLU())


class TestComposeInChat:
    async def test_township_broadcast_from_text_to_report(self, any_db: Database) -> None:
        chat = Conversation(await make(any_db), user_id="admin1", now=NOW)
        await chat.say("/broadcast")
        await chat.say("双福镇春茶采摘下周开始，有意者请联系就业秘书。")
        await chat.press("按乡镇")
        await chat.press("双福镇")
        assert "**2**" in chat.text() and "双福镇" in chat.text()
        await chat.press("立即发送")
        assert "已排队 2 条" in chat.text()
        async with any_db.session() as session:
            broadcast = (await session.execute(select(Broadcast))).scalar_one()
            chats = set((await session.execute(
                select(OutboxMessage.chat_id).where(OutboxMessage.broadcast_id == broadcast.id))).scalars())
        assert chats == {"a", "b"} and broadcast.author_id is not None
        await chat.press("刷新进度")
        assert "待发送 2" in chat.text() and chat.last[0].edit
        await chat.press("撤回")
        assert "撤回 2" in chat.text()

    async def test_typed_audience_and_send_twice(self, any_db: Database) -> None:
        chat = Conversation(await make(any_db), user_id="admin1", now=NOW)
        await chat.say("/broadcast")
        await chat.say("通知")
        await chat.say("township=火星")
        assert "不对" in chat.text()
        await chat.say("status=seeking;groups")
        assert "**4**" in chat.text()
        send = chat.find_button("立即发送")
        await chat.press("立即发送")
        chat.last = [type(chat.last[0])(text="", buttons=[[send]])]
        await chat.press("立即发送")  # the same button again: nothing is sent twice
        async with any_db.session() as session:
            assert len((await session.execute(select(Broadcast))).scalars().all()) == 1

    async def test_a_worker_is_refused(self, any_db: Database) -> None:
        chat = Conversation(await make(any_db), user_id="a", channel="telegram", now=NOW)
        await chat.say("/broadcast")
        assert "只有" in chat.text()


class TestLength:
    async def test_a_notice_one_message_cannot_hold_is_refused_before_the_preview(self, any_db: Database) -> None:
        chat = Conversation(await make(any_db), user_id="admin1", now=NOW)
        async with any_db.session() as session:  # one worker reads us on WeChat: 2048 bytes a message
            identity = (await session.execute(select(ChannelIdentity).where(ChannelIdentity.external_id == "a"))).scalar_one()
            identity.channel = "wechat"
        await chat.say("/broadcast")
        await chat.say("春茶采摘下周开始，" * 100)  # 900 characters: fits Telegram, not WeChat
        await chat.press("所有登记劳动者")
        assert "太长" in chat.text() and "682" in chat.text() and "立即发送" not in str(chat.buttons())
        await chat.say("/broadcast")
        await chat.say("春茶采摘下周开始，有意者请联系就业秘书。")
        await chat.press("所有登记劳动者")
        await chat.press("立即发送")
        assert "已排队" in chat.text()
