"""A small county for tests about buttons: postings, secretaries, an admin and two registered workers, and an
assistant whose NLU knows the few sentences those tests type; `twin` is the same person on a second device."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from bot.harness import Conversation
from flows.assistant import Assistant
from flows.messages import reply_from_dict
from flows.posting_review import ask_admins
from flows.push import PushPolicy, push_posting
from flows.turn import FlowSettings
from storage.db import Database
from storage.models import ChannelIdentity, Enterprise, OutboxMessage, Person, Posting, WorkerProfile
from storage.queries.employers import posting_with_enterprise
from storage.states import Role
from tests.conftest import NOW
from tests.factories import add_people, add_postings
from tests.flows.test_push import add_worker
from tests.scripted_nlu import ScriptedNLU

SETTINGS = FlowSettings()
SCRIPT: dict[str, str | tuple[str, dict[str, object]]] = {
    "有没有采茶的工作": ("job_search", {"job_category": "采茶工"}),
    "去东莞": ("transport_question", {"location": "东莞"}),
    "有什么培训": "training_question",
    "我找到工作了": "report_employed",
    "退订": "unsubscribe",
    "我要登记": "register",
    "找人工": "human_handoff",
    "老板欠我三个月工资": "wage_arrears",
}


@dataclass
class World:
    db: Database
    assistant: Assistant
    ids: dict[str, int]

    def chat(self, user: str) -> Conversation:
        return Conversation(self.assistant, user_id=user, now=NOW)


async def make_world(db: Database) -> World:
    """Postings (add_postings), sec1/sec2/admin1 and workers (add_people) who want tea-picking work."""
    await add_postings(db, NOW.date())
    ids = await add_people(db, registered_at=NOW - timedelta(days=3))
    async with db.session() as session:
        for key in ("worker1", "worker2"):
            (await session.get(WorkerProfile, ids[key])).wanted_categories = ["采茶工"]  # type: ignore[union-attr]
    return World(db, Assistant(db, ScriptedNLU(dict(SCRIPT)), SETTINGS), ids)


def twin(chat: Conversation) -> Conversation:
    """The same person on a second device, looking at the same screen."""
    return Conversation(chat.assistant, user_id=chat.user_id, channel=chat.channel, now=chat.now, last=list(chat.last))


# --- employers ---------------------------------------------------------------------------------------------

SUBMITTED = {"job_category": "采茶工", "township": "双福镇", "openings": 5, "salary_min": 120, "salary_unit": "day",
             "contact_name": "刘会计", "contact_phone": "13800001111", "submitted_at": NOW}


async def employer_postings(w: World, *statuses: str) -> list[int]:
    """An employer 'boss' of a tea company and its postings in these states, sent by them."""
    async with w.db.session() as session:
        tea = Enterprise(name="峨眉山云尖茶业有限公司", township="双福镇")
        session.add(tea)
        await session.flush()
        boss = Person(role=Role.EMPLOYER, name="刘会计", phone="13800001111", enterprise_id=tea.id)
        boss.identities.append(ChannelIdentity(channel="terminal", external_id="boss", chat_id="boss"))
        session.add(boss)
        await session.flush()
        postings = [Posting(enterprise_id=tea.id, title=f"明前茶采摘工{n}", status=status, submitted_by_id=boss.id,
                            **SUBMITTED) for n, status in enumerate(statuses)]
        session.add_all(postings)
        await session.flush()
        return [posting.id for posting in postings]


async def review_message(w: World) -> Conversation:
    """admin1 looking at the review message of a pending posting (sent through the outbox)."""
    (posting_id,) = await employer_postings(w, "pending")
    async with w.db.session() as session:
        posting = await posting_with_enterprise(session, posting_id)
        assert posting is not None and await ask_admins(session, posting, now=NOW, default_language="zh-hans") == 1
    admin = w.chat("admin1")
    await admin.inbox(due_only=False)
    return admin


async def phone_share_mid_form(w: World) -> Conversation:
    """A worker applies for an employer's posting from its push while another form is open: the question whether
    the employer may see their phone comes as buttons (可以 / 不用了), one decision."""
    (posting_id,) = await employer_postings(w, "open")
    await add_worker(w.db, "pushed", secretary=w.ids["sec1"])
    await push_posting(w.db, posting_id, NOW, PushPolicy())
    async with w.db.session() as session:
        message = (await session.execute(select(OutboxMessage).where(OutboxMessage.chat_id == "pushed"))).scalar_one()
    chat = Conversation(w.assistant, user_id="pushed", now=NOW + timedelta(minutes=5))
    await chat.say("/profile")
    await chat.press("身份证号")  # a form is open
    chat.last = [reply_from_dict(message.payload)]
    await chat.press("我要报名")
    assert "手机号" in chat.text() and "可以" in chat.text(), chat.text()
    return chat
