"""Mishu on Telegram, end to end: aiogram polling a real Bot API server process (the npm emulator).

The emulator (tests/bot/telegram_emulator, telegram-test-api 4.2.1 behind a thin wrapper) carries private
and group chats, inline buttons, shared contacts, edits, replies and injected 429/403 faults. It does not
carry, so these are fed as raw updates through `Dispatcher.feed_raw_update` instead:
- `my_chat_member` updates (the bot added to or removed from a group);
- service messages such as `migrate_to_chat_id` (a group upgraded to a supergroup) — the user side only
  sends what a person can type;
- webhook delivery with Telegram's secret-token header is tested against aiogram's handler directly
  (tests/bot/test_webhook.py), since the emulator's webhook push has no retry semantics;
- media, inline queries, payments and anything else the bot does not use.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from sqlalchemy import select

from bot.app import App, build_app
from bot.channels.telegram.service import build_dispatcher, identify
from bot.deliver import telegram_bot
from bot.settings import load_settings
from storage.demo import load_demo
from storage.models import Application, ChatGroup, Person
from tests.bot.emulator import BotApiEmulator, button

pytestmark = pytest.mark.e2e

WORKER = 700001
STAFFLESS_WORKER = 700002
GROUP = -100700


@dataclass
class Served:
    app: App
    bot: Bot
    dispatcher: Dispatcher
    emulator: BotApiEmulator
    username: str

    async def say(self, user: int, text: str, **options: Any) -> dict[str, Any]:
        return await self.emulator.send_message(user, text, **options)

    async def next_messages(self, chat: int, before: int, count: int = 1, timeout: float = 10) -> list[dict[str, Any]]:
        """The bot's messages in `chat` after the first `before` ones (waits for `count` of them)."""
        messages = await self.emulator.wait_for_bot_messages(chat, before + count, timeout)
        return messages[before:]

    async def press(self, user: int, label: str, chat: int | None = None) -> None:
        """Press the newest button with this label in the chat."""
        chat = chat or user
        for message in reversed(await self.emulator.bot_messages(chat)):
            try:
                data = button(message, label)
            except LookupError:
                continue
            await self.emulator.press(user, message["message_id"], data, chat_id=chat)
            return
        raise LookupError(f"no button {label!r} in chat {chat}")

    async def count(self, chat: int) -> int:
        return len(await self.emulator.bot_messages(chat))


@pytest.fixture
async def served(bot_api: BotApiEmulator, tmp_path: Path) -> AsyncIterator[Served]:
    await bot_api.reset()
    settings = load_settings(database__url=f"sqlite:///{tmp_path / 'tg.db'}")
    app = await build_app(settings, create_if_empty=True)
    await load_demo(app.db, today=__import__("datetime").date.today())
    bot = telegram_bot(bot_api.token, bot_api.api_base)
    me = await identify(bot, settings)
    dispatcher, _ = build_dispatcher(app, me)
    polling = asyncio.create_task(
        dispatcher.start_polling(bot, handle_signals=False, close_bot_session=False, polling_timeout=1)
    )
    try:
        yield Served(app, bot, dispatcher, bot_api, me.username)
    finally:
        await dispatcher.stop_polling()
        await asyncio.wait_for(polling, timeout=10)
        await bot.session.close()
        await app.close()


def _shown(message: dict[str, Any]) -> str:
    labels = [b.get("text", "") for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]
    return "\n".join([message.get("text", ""), *labels])


async def step(served: Served, user: int, action: Any, expect: str, chat: int | None = None) -> str:
    """Do one thing in the chat and wait until a new or edited bot message shows `expect`; returns that text."""
    chat = chat or user
    old = {m["message_id"]: _shown(m) for m in await served.emulator.bot_messages(chat)}
    await action
    text = ""
    for _ in range(200):
        changed = [_shown(m) for m in await served.emulator.bot_messages(chat) if old.get(m["message_id"]) != _shown(m)]
        text = "\n".join(changed)
        if expect in text:
            return text
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {expect!r} in the bot's answer; got {text!r}")


class TestPrivateChat:
    async def test_register_with_shared_contact_search_page_and_apply(self, served: Served) -> None:
        u = WORKER
        await step(served, u, served.say(u, "/start register"), "同意")
        await step(served, u, served.press(u, "同意"), "怎么称呼")
        await step(served, u, served.say(u, "刘大姐"), "手机")
        contact = {"phone_number": "+8613812345678", "user_id": u, "first_name": "刘大姐"}
        await step(served, u, served.emulator.send_message(u, contact=contact), "乡镇")
        await step(served, u, served.press(u, "双福镇"), "村")
        await step(served, u, served.press(u, "永兴村"), "工作")
        await step(served, u, served.press(u, "采茶工"), "✓ 采茶工")
        await step(served, u, served.press(u, "选好了"), "工资")
        await step(served, u, served.say(u, "三千以上"), "什么时候")
        await step(served, u, served.press(u, "明天"), "返乡")
        done = await step(served, u, served.press(u, "没有外出"), "登记好了")
        assert "秘书" in done
        async with served.app.db.session() as session:
            person = (await session.execute(select(Person).where(Person.phone == "13812345678"))).scalar_one()
            await session.refresh(person, ["profile"])
        assert person.name == "刘大姐" and person.profile is not None and person.profile.secretary_id

        found = await step(served, u, served.say(u, "有没有采茶的工作"), "岗位")
        assert "采茶" in found
        await step(served, u, served.press(u, "再看几个"), "元")
        edits = await served.emulator.journal("editMessageText")
        assert edits and edits[-1]["ok"] and str(edits[-1]["params"]["text"]).startswith("第 4–")  # "…" edited
        await step(served, u, served.press(u, "我要报名"), "报名")
        async with served.app.db.session() as session:
            applications = (await session.execute(select(Application).where(Application.worker_id == person.id))).all()
        assert len(applications) == 1

    async def test_a_voice_note_is_answered_not_ignored(self, served: Served) -> None:
        voice = {"voice": {"file_id": "AwACAgUAAxkBAAIB", "file_unique_id": "AgADBQ", "duration": 4}}
        text = await step(served, WORKER, served.emulator.send_message(WORKER, extra=voice), "语音")
        assert "听不懂语音" in text and "打字" in text

    async def test_a_staff_command_is_refused_to_a_worker(self, served: Served) -> None:
        text = await step(served, STAFFLESS_WORKER, served.say(STAFFLESS_WORKER, "/today"), "秘书")
        assert "只有" in text

    async def test_a_429_on_a_reply_is_waited_out(self, served: Served) -> None:
        await served.emulator.inject_fault("sendMessage", "429", count=1, retry_after=1)
        text = await step(served, WORKER, served.say(WORKER, "你好"), "您好")
        assert "就业秘书" in text
        calls = await served.emulator.journal("sendMessage")
        assert [c["ok"] for c in calls[-2:]] == [False, True]

    async def test_a_failing_handler_gets_an_apology_not_a_crash(self, served: Served, monkeypatch) -> None:  # type: ignore[no-untyped-def]
        async def broken(*_: Any, **__: Any) -> None:
            raise RuntimeError("13812345678 must never be logged")

        monkeypatch.setattr(served.app.assistant, "handle", broken)
        await step(served, WORKER, served.say(WORKER, "你好"), "抱歉")
        monkeypatch.undo()
        await step(served, WORKER, served.say(WORKER, "你好"), "您好")


class TestGroups:
    async def test_a_mention_is_answered_briefly_without_personal_data(self, served: Served) -> None:
        mention = f"@{served.username}"
        text = f"{mention} 有没有采茶的工作"
        entities = [{"type": "mention", "offset": 0, "length": len(mention)}]
        answer = await step(
            served, WORKER,
            served.say(WORKER, text, chat_id=GROUP, chat_type="supergroup", chat_title="双福镇就业群", entities=entities),
            "采茶", chat=GROUP,
        )
        assert "1380000" not in answer and "138" not in answer
        async with served.app.db.session() as session:
            group = (await session.execute(select(ChatGroup))).scalar_one()
        assert group.chat_id == str(GROUP) and group.township == "双福镇"

    async def test_chatter_is_left_alone(self, served: Served) -> None:
        await served.say(WORKER, "今天好热哦", chat_id=GROUP, chat_type="supergroup")
        await served.say(WORKER, "@nobody 吃饭没", chat_id=GROUP, chat_type="supergroup")
        await asyncio.sleep(1.0)
        assert await served.count(GROUP) == 0

    async def test_registration_in_a_group_goes_private(self, served: Served) -> None:
        answer = await step(served, WORKER, served.say(WORKER, "/register", chat_id=GROUP, chat_type="supergroup"),
                            "私聊", chat=GROUP)
        assert "手机" not in answer
        message = (await served.emulator.bot_messages(GROUP))[-1]
        urls = [b.get("url", "") for row in message["reply_markup"]["inline_keyboard"] for b in row]
        assert any(url.endswith("?start=register") for url in urls)


class TestRawUpdates:
    """What the emulator cannot produce, fed to the same dispatcher as raw updates."""

    async def test_group_migration_moves_the_group(self, served: Served) -> None:
        await step(served, WORKER, served.say(WORKER, "/jobs", chat_id=GROUP, chat_type="group",
                                              chat_title="双福镇就业群"), "岗位", chat=GROUP)
        update = {
            "update_id": 990001,
            "message": {"message_id": 5, "date": 1, "chat": {"id": GROUP, "type": "group", "title": "双福镇就业群"},
                        "from": {"id": WORKER, "is_bot": False, "first_name": "x"}, "migrate_to_chat_id": -1009990001},
        }
        await served.dispatcher.feed_raw_update(served.bot, update)
        async with served.app.db.session() as session:
            group = (await session.execute(select(ChatGroup))).scalar_one()
        assert group.chat_id == "-1009990001"

    async def test_removed_from_a_group_stops_broadcasts_there(self, served: Served) -> None:
        await step(served, WORKER, served.say(WORKER, "/jobs", chat_id=GROUP, chat_type="supergroup"), "岗位",
                   chat=GROUP)
        me = await served.bot.get_me()
        member = {"user": {"id": me.id, "is_bot": True, "first_name": "Mishu"}}
        update = {
            "update_id": 990002,
            "my_chat_member": {
                "chat": {"id": GROUP, "type": "supergroup", "title": "g"}, "date": 1,
                "from": {"id": WORKER, "is_bot": False, "first_name": "x"},
                "old_chat_member": {**member, "status": "member"},
                "new_chat_member": {**member, "status": "kicked", "until_date": 0},
            },
        }
        await served.dispatcher.feed_raw_update(served.bot, update)
        async with served.app.db.session() as session:
            group = (await session.execute(select(ChatGroup))).scalar_one()
        assert group.active is False


EMPLOYER = 700101
ADMIN = 700102


class TestEmployerPostsAdminApproves:
    """An enterprise's contact binds with the bureau's code and submits a posting by typing and pressing; the admin
    gets it through the outbox (delivered to Telegram) and approves it with the button; the employer is told."""

    async def deliver(self, served: Served) -> None:
        """One pass of the outbox worker (one worker for the whole test: a second would split the chats with it)."""
        from bot.channels.telegram.sender import TelegramSender
        from bot.delivery import Delivery

        if not hasattr(self, "delivery"):
            self.delivery = Delivery(served.app.db, TelegramSender(served.bot), served.app.settings)
        report = await self.delivery.run_once()
        assert report.sent >= 1, report

    async def test_post_and_approve_with_the_button(self, served: Served) -> None:
        from storage.models import Enterprise, Posting
        from storage.queries.employers import create_code, shown_code
        from storage.queries.roles import grant

        async with served.app.db.session() as session:
            await grant(session, "telegram", str(ADMIN), "admin", name="何建平")
            enterprise = (await session.execute(select(Enterprise).order_by(Enterprise.id).limit(1))).scalar_one()
            code, _ = await create_code(session, enterprise, now=datetime.now(UTC), days=3)
        e = EMPLOYER
        await step(served, e, served.say(e, f"/employer {shown_code(code)}"), "绑定成功")
        await step(served, e, served.say(e, "发布岗位"), "岗位名称")
        await step(served, e, served.say(e, "明前茶采摘工"), "采茶工")
        await step(served, e, served.press(e, "对，是采茶工"), "招几个人")
        await step(served, e, served.say(e, "30人"), "工资")
        await step(served, e, served.say(e, "计件，月均3500元"), "地点")
        await step(served, e, served.press(e, "和单位一样"), "要求")
        await step(served, e, served.say(e, "18-55岁，身体健康"), "待遇")
        await step(served, e, served.press(e, "无"), "联系")
        contact = {"phone_number": "+8613912345678", "user_id": e, "first_name": "王经理"}
        await step(served, e, served.emulator.send_message(e, contact=contact), "截止")
        summary = await step(served, e, served.press(e, "长期招聘"), "请核对")
        assert "13912345678" in summary and "18–55岁" in summary
        await step(served, e, served.press(e, "提交审核"), "已提交")
        async with served.app.db.session() as session:
            posting = (await session.execute(select(Posting).order_by(Posting.id.desc()).limit(1))).scalar_one()
        assert posting.status == "pending" and posting.title == "明前茶采摘工"

        before = await served.count(ADMIN)
        await self.deliver(served)
        [review] = await served.next_messages(ADMIN, before)
        assert "请审核" in review["text"] and "明前茶采摘工" in review["text"]
        await step(served, ADMIN, served.press(ADMIN, "通过并发布"), "已发布")
        async with served.app.db.session() as session:
            assert (await session.get(Posting, posting.id)).status == "open"  # type: ignore[union-attr]

        before = await served.count(EMPLOYER)
        await self.deliver(served)
        [told] = await served.next_messages(EMPLOYER, before)
        assert "审核通过" in told["text"]
        await step(served, ADMIN, served.press(ADMIN, "通过并发布"), "失效")  # pressed again: acts once
