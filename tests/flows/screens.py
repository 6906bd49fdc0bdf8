"""A small county for tests about buttons: postings, secretaries, an admin and two registered workers, and an
assistant whose NLU knows the few sentences those tests type; `twin` is the same person on a second device."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.harness import Conversation
from flows.assistant import Assistant
from flows.turn import FlowSettings
from storage.db import Database
from storage.models import WorkerProfile
from tests.conftest import NOW
from tests.factories import add_people, add_postings
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
