"""/console in the chat: a staff member asks the bot for a one-time sign-in link to the web console."""

from __future__ import annotations

import dataclasses

from bot.harness import Conversation
from flows.assistant import Assistant
from flows.messages import ChatType
from flows.signin import InviteStatus, check_invite
from flows.turn import FlowSettings
from storage.db import Database
from tests.conftest import NOW
from tests.factories import add_people
from tests.scripted_nlu import ScriptedNLU

SETTINGS = dataclasses.replace(FlowSettings(), console_url="https://mishu.example.gov.cn/console")


async def test_a_secretary_gets_a_link_that_works_once_in_private_only(sqlite_db: Database) -> None:
    await add_people(sqlite_db, registered_at=NOW)
    assistant = Assistant(sqlite_db, ScriptedNLU(), SETTINGS)
    chat = Conversation(assistant, user_id="sec1", now=NOW)
    [reply] = await chat.say("/console")
    assert "https://mishu.example.gov.cn/console/invite/" in reply.text and "24 小时" in reply.text
    token = reply.text.split("/invite/")[1].split()[0]
    async with sqlite_db.session() as session:
        check = await check_invite(session, token, now=NOW)
    assert check.status == InviteStatus.OK and check.person is not None and check.person.name == "王秘书"

    group = Conversation(assistant, user_id="sec1", chat_type=ChatType.GROUP, chat_id="g1", now=NOW)
    [refused] = await group.say("/console")
    assert "/invite/" not in refused.text

    worker = Conversation(assistant, user_id="worker1", now=NOW)
    replies = await worker.say("/console")
    assert all("/invite/" not in r.text for r in replies)


async def test_without_a_console_address_the_secretary_is_told(sqlite_db: Database) -> None:
    await add_people(sqlite_db, registered_at=NOW)
    assistant = Assistant(sqlite_db, ScriptedNLU(), FlowSettings())
    [reply] = await Conversation(assistant, user_id="admin1", now=NOW).say("/console")
    assert "web.public_url" in reply.text
