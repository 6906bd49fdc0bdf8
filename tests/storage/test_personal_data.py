"""/forget is complete by construction: the registry covers the schema, and after a person with everything is
forgotten, a dump of the whole database (every table, every column) holds neither their name, nor their phone
in any format, nor their ID number — on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, MetaData, select, text

from bot.harness import Conversation
from flows.assistant import Assistant
from flows.checkins import run_due_scan, send_digests
from flows.push import PushPolicy, push_posting
from flows.turn import FlowSettings
from flows.workcal import is_working_day
from storage.columns import BoundedString, CleanText
from storage.db import Database
from storage.models import Base, Case, Enterprise, FollowUp, Person, Posting
from storage.personal_data import NOT_PERSONAL, REGISTRY, identifiers, masked
from storage.queries.followups import secretary_loads
from storage.queries.training import training_offer
from storage.queries.transport import departure
from storage.states import FollowUpState
from tests.conftest import NOW
from tests.factories import add_postings
from tests.flows.factories import add_departure, add_person, add_training
from tests.flows.registration_helpers import SCRIPT
from tests.flows.test_registration import load_worker, register
from tests.scripted_nlu import ScriptedNLU

NAME, NAME_TRADITIONAL = "刘大姐", "劉大姐"
PHONE = "13812345678"
ID_NUMBER = "511181199003071230"  # a valid resident ID number (GB 11643 check character)
ZONE = ZoneInfo("Asia/Shanghai")


class TestTheRegistryCoversTheSchema:
    def test_every_table_is_listed_once(self) -> None:
        registered = {holding.table.__tablename__ for holding in REGISTRY}
        tables = set(Base.metadata.tables)
        assert registered.isdisjoint(NOT_PERSONAL)
        assert tables == registered | set(NOT_PERSONAL), "a table is in neither REGISTRY nor NOT_PERSONAL"

    def test_every_text_column_of_a_personal_table_is_wiped_or_kept_for_a_reason(self) -> None:
        unlisted = []
        for name in {holding.table.__tablename__ for holding in REGISTRY}:
            holdings = [h for h in REGISTRY if h.table.__tablename__ == name]
            if any(h.delete for h in holdings):
                continue  # the rows go, every column with them
            covered = {c for h in holdings for c in (*h.values, *h.keeps)}
            for column in Base.metadata.tables[name].columns:
                if isinstance(column.type, BoundedString | CleanText | JSON) and column.name not in covered:
                    unlisted.append(f"{name}.{column.name}")
        assert unlisted == []


class TestMasking:
    def test_the_phone_in_any_format_the_id_and_the_name_in_both_scripts(self) -> None:
        person = Person(name=NAME, phone=PHONE, id_number=ID_NUMBER)
        pattern = identifiers(person)
        assert pattern is not None
        typed = ["138 1234 5678", "138-1234-5678", "138.1234.5678", "+86 138 1234 5678", "１３８１２３４５６７８",
                 "８６-13812345678", "5111811990030712 30", "511181199003071230", NAME, NAME_TRADITIONAL]
        for words in typed:
            assert masked(f"她是{words}。", pattern) == "她是***。", words
        assert masked({"a": [f"x {PHONE}"]}, pattern) == {"a": ["x ***"]}
        assert masked("13812345679 刘大", pattern) == "13812345679 刘大"  # others' numbers and names stay


# --- the whole story, then the dump ---------------------------------------------------------------------


def _script() -> ScriptedNLU:
    nlu = ScriptedNLU(dict(SCRIPT))
    nlu.add("有没有采茶培训", "training_question", training="采茶技术")
    nlu.add("去东莞的车几号走", "transport_question", location="东莞")
    nlu.add("找人工", "human_handoff")
    return nlu


def local(day: int, hour: int) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=ZONE).astimezone(UTC)


async def _people_places(db: Database) -> dict[str, int]:
    await add_postings(db, NOW.date())
    ids = {
        "secretary": await add_person(db, "sec", role="secretary", name="王秘书", covers=("双福镇",)),
        "admin": await add_person(db, "admin", role="admin", name="管理员"),
        "observer": await add_person(db, "obs", role="observer", name="赵观察员"),
        "other": await add_person(db, "w2", name="李四", phone="13912345678", township="双福镇", registered=True),
        "training": await add_training(db, "春茶采摘技术培训", "采茶技术", NOW + timedelta(days=5), capacity=2),
        "bus": await add_departure(db, "东莞", "广东", NOW + timedelta(days=6), seats=3),
    }
    return ids


async def _dump(db: Database) -> list[tuple[str, str, str]]:
    """(table, column, text) for every cell of every table in the database (not only the models' tables)."""
    metadata = MetaData()
    async with db.engine.connect() as conn:
        await conn.run_sync(lambda sync: metadata.reflect(sync))
        cells = []
        for table in metadata.sorted_tables:
            for row in (await conn.execute(select(table))).mappings():
                for column, value in row.items():
                    if value is None:
                        continue
                    shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
                    if isinstance(value, str) and value[:1] in "[{":
                        try:  # JSON stored as text: read what it says, escapes undone
                            shown = json.dumps(json.loads(value), ensure_ascii=False)
                        except ValueError:
                            pass
                    cells.append((table.name, column, shown))
        count = (await conn.execute(text("SELECT count(*) FROM person"))).scalar_one()
        assert count >= 5
    return cells


def _found(cells: list[tuple[str, str, str]]) -> list[str]:
    """Cells holding the name (either script), the phone or the ID number in any spacing, width or case."""
    hits = []
    for table, column, shown in cells:
        plain = unicodedata.normalize("NFKC", shown)
        digits = re.sub(r"[\s\-.·]", "", plain).upper()
        for what, found in (("name", NAME in plain or NAME_TRADITIONAL in plain), ("phone", PHONE in digits),
                            ("id number", ID_NUMBER in digits)):
            if found:
                hits.append(f"{what} in {table}.{column}: {shown[:120]}")
    return hits


async def test_nothing_of_a_forgotten_person_is_left_anywhere(any_db: Database) -> None:
    ids = await _people_places(any_db)
    assistant = Assistant(any_db, _script(), FlowSettings())
    worker = Conversation(assistant, user_id="w1", display_name="刘大姐 (Liu)", now=NOW)
    secretary = Conversation(assistant, user_id="sec", now=NOW)
    admin = Conversation(assistant, user_id="admin", now=NOW)

    # Registration (typed phone) and the ID number typed in the profile, then the secretary reads the new
    # worker's card: a message already sent.
    await register(worker, phone="138 1234 5678")
    assert "登记好了" in worker.text()
    assert NAME in "\n".join(r.text for r in await secretary.inbox(due_only=False))
    person = await load_worker(any_db, "w1")
    await worker.say("改资料")
    await worker.press("身份证号")
    await worker.say(f"{ID_NUMBER[:6]} {ID_NUMBER[6:14]} {ID_NUMBER[14:]}")  # typed, checked, stored
    assert (await load_worker(any_db, "w1")).id_number == ID_NUMBER

    # An application, a training place, a bus seat, a pushed posting.
    await worker.say("有没有采茶的工作")
    await worker.press("我要报名")
    await worker.say("有没有采茶培训")
    await worker.press("我要报名")
    await worker.say("去东莞的车几号走")
    await worker.press("我要订座")
    await worker.press("1")
    await worker.press("确认订座")
    async with any_db.session() as session:
        tea = (await session.execute(select(Enterprise).where(Enterprise.name == "双福茶叶专业合作社"))).scalar_one()
        fresh = Posting(enterprise_id=tea.id, title="夏茶采摘工", job_category="采茶工", township="双福镇", openings=5,
                        salary_min=130, salary_unit="day", deadline=NOW.date() + timedelta(days=30))
        session.add(fresh)
        await session.flush()
        fresh_id = fresh.id
    assert (await push_posting(any_db, fresh_id, NOW, PushPolicy())).queued >= 1
    async with any_db.session() as session:
        left_seats = (await departure(session, ids["bus"])).seats_left
        left_places = (await training_offer(session, ids["training"])).seats_left
    assert (left_seats, left_places) == (2, 1)

    # A hand-off with recent chat holding the phone (full width) and the ID number; the secretary replies by
    # name, and writes a note with the phone in another format.
    await worker.say(f"我的身份证是{ID_NUMBER}，电话１３８ １２３４ ５６７８")
    await worker.say("找人工")
    async with any_db.session() as session:
        case_id = (await session.execute(select(Case.id))).scalar_one()
    await secretary.say(f"/reply {case_id} {NAME}您好，明天带身份证来社保所")
    await secretary.say(f"/worker {person.id}")
    await secretary.press("加备注")
    await secretary.say("她的新号码 138.1234.5678")
    assert "备注已保存" in secretary.text()

    # Check-ins left unanswered until they escalate; the morning digest lists her.
    moment = local(5, 10)
    for day in range(5, 20):
        for hour in (10, 15):
            moment = local(day, hour)
            await run_due_scan(any_db, now=moment, settings=FlowSettings(), claimer="t")
        async with any_db.session() as session:
            states = set((await session.execute(select(FollowUp.state))).scalars())
        if FollowUpState.ESCALATED in states:
            break
    assert FollowUpState.ESCALATED in states
    later = moment + timedelta(days=1)
    while not is_working_day(later.astimezone(ZONE).date()):
        later += timedelta(days=1)
    later = datetime.combine(later.astimezone(ZONE).date(), time(8, 40), ZONE).astimezone(UTC)
    assert await send_digests(any_db, now=later, settings=FlowSettings()) == 1
    for chat in (worker, secretary, admin):
        chat.now = later
    await admin.say("/overdue")
    assert NAME in admin.text()

    # /forget.
    await worker.say("/forget")
    await worker.press("确定删除")
    assert "已删除" in worker.text()

    # Nothing about her is delivered any more, she is off every list, her places are given back.
    assert not [r for r in await secretary.inbox(due_only=False) if NAME in r.text or PHONE in r.text]
    assert not [r for r in await admin.inbox(due_only=False) if NAME in r.text]
    assert not await worker.inbox(due_only=False)
    for chat in (secretary, admin):
        await chat.say("/overdue")
        assert NAME not in chat.text() and f"#{person.id}" not in chat.text()
    async with any_db.session() as session:
        assert (await departure(session, ids["bus"])).seats_left == 3
        assert (await training_offer(session, ids["training"])).seats_left == 2
        assert (await secretary_loads(session)).get(ids["secretary"]) == 0
        open_left = (await session.execute(
            select(FollowUp).where(FollowUp.worker_id == person.id, FollowUp.state.in_(sorted(FollowUpState.OPEN)))
        )).scalars().all()
        assert open_left == []

    # The whole database, every table and column.
    cells = await _dump(any_db)
    assert _found(cells) == []
    # The check itself can fail: the other worker's phone is still there.
    assert any("13912345678" in shown for _, _, shown in cells)
