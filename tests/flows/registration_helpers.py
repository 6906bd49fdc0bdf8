"""Test data for the registration, apply and account flows: secretaries with coverage, an observer, a script."""

from __future__ import annotations

from sqlalchemy import select

from flows.assistant import Assistant
from storage.db import Database
from storage.models import ChannelIdentity, OutboxMessage, Person, SecretaryCoverage
from tests.scripted_nlu import ScriptedNLU

SCRIPT: dict[str, str | tuple[str, dict[str, object]]] = {
    "我要登记": "register",
    "有没有采茶的工作": ("job_search", {"job_category": "采茶工"}),
    "有没有厨师的活路": ("job_search", {"job_category": "厨师"}),
    "我要报名": "job_apply",
    "报第一个": ("job_apply", {"ordinal": 1}),
    "改资料": "update_profile",
    "我找到工作了": "report_employed",
    "订阅": "subscribe",
    "退订": "unsubscribe",
}


def scripted() -> ScriptedNLU:
    return ScriptedNLU(dict(SCRIPT))


async def add_staff(db: Database) -> dict[str, int]:
    """王秘书 covers 双福镇 and 绥山镇, 李秘书 covers 双福镇, 张秘书 covers nothing; observer 赵 in 双福村."""
    ids: dict[str, int] = {}
    async with db.session() as session:
        for key, name, role, towns, village in (
            ("wang", "王秘书", "secretary", ["双福镇", "绥山镇"], None),
            ("li", "李秘书", "secretary", ["双福镇"], None),
            ("zhang", "张秘书", "secretary", [], None),
            ("zhao", "赵观察员", "observer", [], "双福村"),
        ):
            person = Person(role=role, name=name, township="双福镇" if village else None, village=village)
            person.identities.append(ChannelIdentity(channel="terminal", external_id=key, chat_id=key))
            session.add(person)
            await session.flush()
            for town in towns:
                session.add(SecretaryCoverage(secretary_id=person.id, township=town))
            ids[key] = person.id
    return ids


async def outbox_for(assistant: Assistant, person_id: int) -> list[OutboxMessage]:
    async with assistant.db.session() as session:
        stmt = select(OutboxMessage).where(OutboxMessage.person_id == person_id).order_by(OutboxMessage.id)
        return list((await session.execute(stmt)).scalars())
