"""Channel limits (flows/channels.py): any text is split into parts each channel takes, nothing is lost, and a
case notice is trimmed to one message; a relayed reply is split, or refused before "已转给对方" is said."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.harness import Conversation
from flows.assistant import Assistant
from flows.channels import CHANNELS, MAX_PARTS, ChannelRules, fit_lines, rules_for, split_reply, split_text
from flows.messages import Button, Reply, reply_from_dict
from storage.db import Database
from storage.models import ChannelIdentity, OutboxMessage, Person, WorkerProfile
from tests.conftest import NOW
from tests.scripted_nlu import ScriptedNLU

TELEGRAM, WECHAT = CHANNELS["telegram"], CHANNELS["wechat"]
# Text as people type it: Chinese, Latin, emoji beyond the BMP, punctuation, line breaks.
TYPED = st.lists(
    st.sampled_from([*"采茶工资欠薪找人工。！？；，abc XYZ.!?0123456789", "😀", "👍🏻", "\n", "\n\n", "明天上午九点。"]),
    max_size=1500,
).map("".join)


class TestSplit:
    @settings(max_examples=200, deadline=None)
    @given(text=TYPED, limit=st.integers(min_value=8, max_value=400))
    def test_every_part_fits_and_nothing_is_lost(self, text: str, limit: int) -> None:
        for rules in (ChannelRules("t", limit, "utf16"), ChannelRules("w", limit, "utf8"), ChannelRules("c", limit)):
            parts = rules.split(text)
            assert all(rules.fits(part) for part in parts)
            if text.strip():
                # Only line breaks may be dropped, where a part was cut.
                assert "".join(parts).replace("\n", "") == text.replace("\n", "")
                assert all(part.strip() for part in parts)

    def test_cuts_at_line_ends_then_sentence_ends(self) -> None:
        lines = [f"第{i}行：" + "明天上午九点到镇政府门口坐车。" * 20 for i in range(12)]
        parts = split_text("\n".join(lines), 1000)
        assert all(part.startswith("第") for part in parts)  # every part begins a line: cut at line ends
        long_line = "请带好身份证。" * 400
        assert all(part.endswith("。") for part in split_text(long_line, 1000))

    def test_telegram_counts_utf16_and_wechat_bytes(self) -> None:
        assert TELEGRAM.measure("😀") == 2 and TELEGRAM.measure("采") == 1
        assert WECHAT.measure("采") == 3 and WECHAT.measure("a") == 1
        assert TELEGRAM.fits("采" * 4096) and not TELEGRAM.fits("采" * 4097)
        assert WECHAT.fits("采" * 682) and not WECHAT.fits("采" * 683)
        assert rules_for("terminal").fits("采" * 100_000) and rules_for("no such channel").max_text is None

    def test_a_reply_keeps_its_buttons_on_the_last_part(self) -> None:
        button = Button("回复", callback="t")
        parts = split_reply(Reply("好" * 9000, [[button]], edit=True), TELEGRAM)
        assert [len(p.text) for p in parts] == [4096, 4096, 808]
        assert [p.buttons for p in parts] == [[], [], [[button]]]
        assert [p.edit for p in parts] == [True, False, False]

    def test_too_long_means_more_than_max_parts(self) -> None:
        assert not WECHAT.too_long("采" * 682 * MAX_PARTS)
        assert WECHAT.too_long("采" * (682 * MAX_PARTS + 1))
        assert WECHAT.most_characters == 682 * MAX_PARTS


class TestFitLines:
    @settings(max_examples=100, deadline=None)
    @given(items=st.lists(st.text(alphabet="欠薪工资老板三个月😀 ", min_size=1, max_size=900), max_size=12))
    def test_one_message_keeping_the_newest(self, items: list[str]) -> None:
        text = fit_lines(["🙋 **张三** 请求人工服务（编号 7）"], items, TELEGRAM, lambda n: f"（更早的 {n} 条消息略）")
        assert TELEGRAM.fits(text) and text.startswith("🙋")
        if items:
            assert items[-1] in text or text.endswith("…")


# --- in the flows -------------------------------------------------------------------------------------------


async def add(db: Database, user: str, channel: str, *, role: str = "worker", secretary: int | None = None) -> int:
    async with db.session() as session:
        person = Person(role=role, name={"worker": "张三", "secretary": "王秘书"}.get(role, ""), township="双福镇")
        person.identities.append(ChannelIdentity(channel=channel, external_id=user, chat_id=user))
        if role == "worker":
            person.profile = WorkerProfile(secretary_id=secretary, wanted_categories=[])
        session.add(person)
        await session.flush()
        return person.id


LONG = [f"第{i}条：" + "老板说下个月一定发工资，可是已经拖了三个月了，家里等着用钱。" * 18 for i in range(8)]


async def outbox(db: Database, chat: str) -> list[OutboxMessage]:
    async with db.session() as session:
        stmt = select(OutboxMessage).where(OutboxMessage.chat_id == chat).order_by(OutboxMessage.id)
        return list((await session.execute(stmt)).scalars())


@pytest.fixture
async def long_case(any_db: Database) -> Assistant:
    """张三 (Telegram) wrote eight long messages, the last about his unpaid wages; 王秘书 is on Telegram too."""
    secretary = await add(any_db, "9001", "telegram", role="secretary")
    await add(any_db, "9002", "telegram", secretary=secretary)
    assistant = Assistant(any_db, ScriptedNLU({LONG[-1]: "wage_arrears"}))
    worker = Conversation(assistant, user_id="9002", channel="telegram", now=NOW)
    for text in LONG:
        await worker.say(text)
    return assistant


class TestCaseNotice:
    async def test_eight_long_messages_make_one_notice_that_fits(self, any_db: Database, long_case: Assistant) -> None:
        (notice,) = [m for m in await outbox(any_db, "9001") if m.purpose.startswith("case:")]
        text = notice.payload["text"]
        assert TELEGRAM.fits(text) and len(text) > 3000
        assert LONG[-1][:200] in text and LONG[-2][:40] in text and "更早的" in text  # the oldest gave way
        assert notice.payload["buttons"][0][0]["label"] == "回复"


class TestRelayedReplies:
    async def reply(self, db: Database, assistant: Assistant, text: str) -> Conversation:
        secretary = Conversation(assistant, user_id="9001", channel="telegram", now=NOW + timedelta(minutes=5))
        secretary.last = [reply_from_dict(m.payload) for m in await outbox(db, "9001")]
        await secretary.press("回复")
        await secretary.say(text)
        return secretary

    async def test_a_reply_longer_than_the_workers_channel_goes_in_parts(
        self, any_db: Database, long_case: Assistant
    ) -> None:
        async with any_db.session() as session:  # the worker now talks to us on WeChat
            identity = (await session.execute(
                select(ChannelIdentity).where(ChannelIdentity.external_id == "9002"))).scalar_one()
            identity.channel = "wechat"
        text = "\n".join(f"{i}. " + "请带上劳动合同和工资条，明天上午九点在镇劳动保障所等您。" * 5 for i in range(6))
        secretary = await self.reply(any_db, long_case, text)
        assert "已转给对方" in secretary.text()
        parts = await outbox(any_db, "9002")
        assert len(parts) > 1 and all(WECHAT.fits(p.payload["text"]) for p in parts)
        assert [p.purpose for p in parts][1:] == [f"{parts[0].purpose}#{n}" for n in range(2, len(parts) + 1)]
        assert "".join(p.payload["text"] for p in parts).replace("\n", "").endswith(text.replace("\n", "")[-50:])

    async def test_a_reply_too_long_even_in_parts_is_refused_before_saying_sent(
        self, any_db: Database, long_case: Assistant
    ) -> None:
        secretary = await self.reply(any_db, long_case, "好" * (TELEGRAM.max_text or 0) * MAX_PARTS)
        assert "太长" in secretary.text() and "已转给对方" not in secretary.text()
        assert await outbox(any_db, "9002") == []
        await secretary.say("明天上午给您打电话")  # the reply form is still open for a shorter one
        assert "已转给对方" in secretary.text() and len(await outbox(any_db, "9002")) == 1
