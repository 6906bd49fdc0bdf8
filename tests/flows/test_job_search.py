"""Job search as workers ask, through the harness with the trained NLU: attributes, age, near home, free text,
why each result fits, what to do when nothing fits, and bad input."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.harness import Conversation
from flows.assistant import Assistant
from flows.push import PushPolicy, push_posting
from storage.db import Database
from storage.models import ChannelIdentity, Enterprise, Person, Posting, WorkerProfile
from tests.conftest import NOW

TODAY = NOW.date()


def _posting(enterprise: Enterprise, title: str, category: str, township: str | None, **fields: Any) -> Posting:
    fields.setdefault("deadline", TODAY + timedelta(days=20))
    fields.setdefault("salary_min", 3000)
    fields.setdefault("city", "峨眉山市" if township else "绍兴")
    fields.setdefault("province", "四川" if township else "浙江")
    return Posting(enterprise_id=enterprise.id, title=title, job_category=category, township=township, **fields)


async def add_shelf(db: Database) -> None:
    """Tea in 双福镇 (日结, seasonal), a road site in 符溪镇 (日结 零工, 包吃住, under 50), a factory in 绍兴 (包吃住,
    18-45), a hotel in 峨山街道 (包吃), a warehouse in 大为镇 (no limits), a closed and an unapproved posting."""
    async with db.session() as session:
        tea = Enterprise(name="双福茶叶专业合作社", township="双福镇", city="峨眉山市")
        road = Enterprise(name="峨汉高速第三标段", township="符溪镇", city="峨眉山市")
        dye = Enterprise(name="绍兴柯桥纺织印染有限公司", city="绍兴", province="浙江")
        hotel = Enterprise(name="红珠山宾馆", township="峨山街道", city="峨眉山市")
        store = Enterprise(name="大为物流仓库", township="大为镇", city="峨眉山市")
        session.add_all([tea, road, dye, hotel, store])
        await session.flush()
        for posting in (
            _posting(tea, "春茶采摘工", "采茶工", "双福镇", salary_min=120, salary_max=160, salary_unit="day",
                     benefits="日结工资，包午饭", requirements="年龄18-65岁", seasonal=True),
            _posting(road, "路基施工小工", "建筑工", "符溪镇", salary_min=200, salary_unit="day",
                     benefits="日结，包吃住", description="零工，干完就结", requirements="50岁以下"),
            _posting(dye, "印染车间普工", "普工", None, salary_min=5000, salary_max=6500,
                     benefits="包吃住，五险", requirements="18-45岁，能适应两班倒"),
            _posting(hotel, "客房服务员", "服务员", "峨山街道", salary_min=2800, benefits="包吃"),
            _posting(store, "仓库搬运工", "搬运工", "大为镇", salary_min=4000, description="长期稳定"),
            _posting(hotel, "去年的厨师岗位", "厨师", "峨山街道", status="closed"),
            _posting(hotel, "待审核的保安", "保安", "峨山街道", status="pending"),
        ):
            session.add(posting)
            await session.flush()


async def add_worker(db: Database, *, township: str = "双福镇", born: int | None = 1971,
                     wanted: list[str] | None = None) -> int:
    async with db.session() as session:
        person = Person(role="worker", name="刘大姐", township=township, phone="13812345678")
        person.identities.append(ChannelIdentity(channel="terminal", external_id="w1", chat_id="w1"))
        session.add(person)
        await session.flush()
        session.add(WorkerProfile(person_id=person.id, status="seeking", birth_year=born, consent_at=NOW,
                                  consent_how="self", registered_at=NOW, wanted_categories=["采茶工"],
                                  wanted_attributes=wanted or []))
        return person.id


@pytest.fixture
async def assistant(sqlite_db: Database, trained_nlu) -> Assistant:  # type: ignore[no-untyped-def]
    await add_shelf(sqlite_db)
    return Assistant(sqlite_db, trained_nlu)


def found(chat: Conversation) -> int:
    match = re.search(r"为您找到 (\d+) 个岗位", chat.text())
    assert match, chat.text()
    return int(match.group(1))


def cards(chat: Conversation) -> list[str]:
    return [r.text for r in chat.last if r.text.startswith("**")]


class TestWhatWorkersAsk:
    async def test_daily_pay_odd_jobs(self, assistant: Assistant) -> None:
        chat = Conversation(assistant, user_id="u1", now=NOW)
        await chat.say("日结的零工有没有")
        assert found(chat) == 1
        [card] = cards(chat)
        assert "路基施工小工" in card and "✓ 日结 · 临时工" in card

    async def test_board_and_lodging_factory_work(self, assistant: Assistant) -> None:
        chat = Conversation(assistant, user_id="u1", now=NOW)
        await chat.say("包吃住的普工")
        assert found(chat) == 1
        [card] = cards(chat)
        assert "印染车间普工" in card and "包吃住" in card.split("✓")[1]

    async def test_an_attribute_said_alone_after_a_search(self, assistant: Assistant) -> None:
        chat = Conversation(assistant, user_id="u1", now=NOW)
        await chat.say("日结的零工有没有")
        await chat.say("包吃住的")
        assert found(chat) == 2  # a new question: the road site and the factory, both with board and lodging
        shown = cards(chat)
        assert {"路基施工小工", "印染车间普工"} == {t for t in ("路基施工小工", "印染车间普工") if any(t in c for c in shown)}
        assert all("包吃住" in card.split("✓")[1] for card in shown)

    async def test_near_home_orders_by_distance_from_the_workers_township(self, assistant: Assistant) -> None:
        await add_worker(assistant.db, township="双福镇", born=None)
        chat = Conversation(assistant, user_id="w1", now=NOW)
        await chat.say("离家近的")
        shown = cards(chat)
        assert found(chat) == 5
        assert "春茶采摘工" in shown[0] and "就在双福镇" in shown[0]
        km = [int(k) for k in re.findall(r"离双福镇 (\d+) 公里", chat.text())]
        assert km == sorted(km) and km, chat.text()

    async def test_near_home_without_a_township_says_so(self, assistant: Assistant) -> None:
        chat = Conversation(assistant, user_id="u2", now=NOW)
        await chat.say("离家近的")
        assert "还不知道您住在哪个乡镇" in chat.text() and found(chat) == 5

    async def test_an_age_said_leaves_out_postings_that_would_not_take_it(self, assistant: Assistant) -> None:
        chat = Conversation(assistant, user_id="u1", now=NOW)
        await chat.say("我55了有没有活")
        assert found(chat) == 3  # not the site (under 50) nor the factory (18-45)
        assert "按您说的 55 岁" in chat.text()
        assert "路基施工小工" not in chat.text() and "印染车间普工" not in chat.text()

    async def test_the_registered_age_is_used_and_said(self, assistant: Assistant) -> None:
        await add_worker(assistant.db, born=1971)  # 55 in 2026
        chat = Conversation(assistant, user_id="w1", now=NOW)
        await chat.say("有没有活")
        assert found(chat) == 3 and "按您登记的年龄（55 岁）" in chat.text()

    async def test_free_text_searches_the_whole_posting(self, assistant: Assistant) -> None:
        chat = Conversation(assistant, user_id="u1", now=NOW)
        await chat.say("有没有印染厂的活")
        assert found(chat) == 1 and "印染车间普工" in chat.text()

    async def test_who_a_person_is_never_filters(self, assistant: Assistant) -> None:
        chat = Conversation(assistant, user_id="u1", now=NOW)
        await chat.say("有没有搬运的活")
        plain = found(chat)
        await chat.say("有没有搬运的活，只要男的")
        assert found(chat) == plain == 1


class TestNothingFits:
    async def test_says_what_removed_them_and_a_typed_number_drops_it(self, assistant: Assistant) -> None:
        chat = Conversation(assistant, user_id="u1", now=NOW)
        await chat.say("双福镇包吃住的采茶工")
        text = chat.text()
        assert "暂时没有同时符合" in text
        assert "1. 去掉“包吃住”：有 1 个岗位" in text
        assert "有新岗位通知我" in text and "回复数字" in text
        await chat.say("1")
        assert found(chat) == 1 and "春茶采摘工" in chat.text()

    async def test_the_drop_button_works_too(self, assistant: Assistant) -> None:
        chat = Conversation(assistant, user_id="u1", now=NOW)
        await chat.say("双福镇包吃住的采茶工")
        await chat.press("去掉")
        assert "春茶采摘工" in chat.text()

    async def test_subscribing_keeps_the_attributes_for_pushes(self, assistant: Assistant) -> None:
        person_id = await add_worker(assistant.db)
        chat = Conversation(assistant, user_id="w1", now=NOW)
        await chat.say("双福镇包吃住的采茶工")
        await chat.say("2")
        assert "已开启新岗位提醒" in chat.text() and "包吃住" in chat.text()
        async with assistant.db.session() as session:
            profile = await session.get(WorkerProfile, person_id)
            assert profile is not None and profile.wanted_attributes == ["包吃住"]

    async def test_another_message_after_the_offer_is_a_new_question(self, assistant: Assistant) -> None:
        chat = Conversation(assistant, user_id="u1", now=NOW)
        await chat.say("双福镇包吃住的采茶工")
        await chat.say("有没有服务员的工作")
        assert found(chat) == 1 and "客房服务员" in chat.text()
        await chat.say("1")  # the offer was for one message only
        assert "为您找到" not in chat.text()


class TestBadInput:
    async def test_only_stop_words_is_a_search_without_text(self, assistant: Assistant) -> None:
        chat = Conversation(assistant, user_id="u1", now=NOW)
        await chat.say("有没有啥子工作嘛")
        assert found(chat) == 5

    async def test_a_2000_character_question(self, assistant: Assistant) -> None:
        chat = Conversation(assistant, user_id="u1", now=NOW)
        await chat.say("有没有采茶的工作" + "我家里有老人要照顾所以想找个近点的活路" * 105)
        assert chat.text() and len(chat.text()) < 5000

    async def test_closed_and_unapproved_postings_never_reach_search_or_push(self, assistant: Assistant) -> None:
        await add_worker(assistant.db, born=1990)
        chat = Conversation(assistant, user_id="u1", now=NOW)
        for question in ("有没有厨师的工作", "有没有保安的工作"):
            await chat.say(question)
            assert "去年的厨师岗位" not in chat.text() and "待审核的保安" not in chat.text()
        async with assistant.db.session() as session:
            hidden = (await session.execute(select(Posting.id).where(Posting.status != "open"))).scalars().all()
        for posting_id in hidden:
            report = await push_posting(assistant.db, posting_id, NOW, PushPolicy())
            assert not report.open and report.queued == 0


class TestPushHonoursWantedAttributes:
    async def test_a_worker_who_wants_daily_pay_only_gets_postings_that_pay_daily(self, sqlite_db: Database) -> None:
        await add_shelf(sqlite_db)
        await add_worker(sqlite_db, wanted=["日结"])
        async with sqlite_db.session() as session:
            tea = (await session.execute(select(Enterprise).where(Enterprise.name == "双福茶叶专业合作社"))).scalar_one()
            monthly = _posting(tea, "茶园管护工", "采茶工", "双福镇", salary_min=3000)
            daily = _posting(tea, "明前茶采茶工", "采茶工", "双福镇", salary_min=150, salary_unit="day",
                             benefits="当天结算")
            session.add_all([monthly, daily])
            await session.flush()
            ids = monthly.id, daily.id
        reports = [await push_posting(sqlite_db, posting_id, NOW, PushPolicy()) for posting_id in ids]
        assert [r.queued for r in reports] == [0, 1]


