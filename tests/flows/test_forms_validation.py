"""What a step accepts, as classes: names, yes/no with negation, dates in a window, bounded counts, places, and
re-asks that say what is expected (a message with values never breaks the turn)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from storage.db import Database
from storage.queries.people import person_by_identity
from tests.flows.forms_walk import ENTRIES, Env, make_env, position, walk

BY_NAME = {entry.name: entry for entry in ENTRIES}


async def _at(env: Env, entry: str, k: int) -> Any:
    walked = await walk(env, BY_NAME[entry], k)
    return walked


async def _asked_again(env: Env, walked: Any, expected: str) -> None:
    chat = walked.chat
    assert expected in chat.text(), chat.text()
    assert chat.last[-1].text == walked.question
    assert (await position(env, chat)).step == walked.at.step


class TestRegistrationSteps:
    @pytest.mark.parametrize("typed", ["88", "火箭工程师", "😀", "0"])
    async def test_an_unknown_job_category_is_asked_again(self, sqlite_db: Database, trained_nlu: Any,
                                                          typed: str) -> None:
        """It used to raise TypeError (Invalid got the message's values as keywords) and kill the turn."""
        env = await make_env(sqlite_db, trained_nlu)
        walked = await _at(env, "register", 5)
        await walked.chat.say(typed)
        await _asked_again(env, walked, "没认出")

    @pytest.mark.parametrize("typed", ["😀", "我要登记", "12345", "好的", "a", "采茶", "王😀芳"])
    async def test_what_is_not_a_name_is_asked_again(self, sqlite_db: Database, trained_nlu: Any,
                                                     typed: str) -> None:
        env = await make_env(sqlite_db, trained_nlu)
        walked = await _at(env, "register", 1)
        await walked.chat.say(typed)
        await _asked_again(env, walked, "请告诉我姓名")

    async def test_a_name_said_in_a_sentence_is_kept_without_it(self, sqlite_db: Database, trained_nlu: Any) -> None:
        env = await make_env(sqlite_db, trained_nlu)
        walked = await _at(env, "register", 1)
        await walked.chat.say("我叫王芳")
        assert "手机号" in walked.chat.text()
        walked.chat.last = []
        await walked.chat.say("/cancel")
        await walk(env, BY_NAME["register"], 0)  # a fresh run does not remember it
        async with sqlite_db.session() as session:
            person = await person_by_identity(session, walked.chat.channel, walked.chat.user_id)
            assert person is not None and person.name in ("", None)

    @pytest.mark.parametrize(("typed", "origin"), [("没有外出", None), ("没", None), ("不是", None),
                                                   ("一直在家", None), ("省内", "省内"), ("从广东回来的", "广东")])
    async def test_returnee_answers(self, sqlite_db: Database, trained_nlu: Any, typed: str,
                                    origin: str | None) -> None:
        env = await make_env(sqlite_db, trained_nlu)
        walked = await _at(env, "register", 8)
        await walked.chat.say(typed)
        assert "登记好了" in walked.chat.text()
        async with sqlite_db.session() as session:
            person = await person_by_identity(session, walked.chat.channel, walked.chat.user_id)
            assert person is not None and person.profile is not None
            assert (person.profile.is_returnee, person.profile.returnee_origin) == (origin is not None, origin)

    @pytest.mark.parametrize(("typed", "expected"), [("没听懂", "请回复序号"), ("有没得补贴", "接着刚才的登记"),
                                                     ("是", "省外还是省内")])
    async def test_text_with_没_or_a_bare_yes_is_not_an_origin(self, sqlite_db: Database, trained_nlu: Any,
                                                               typed: str, expected: str) -> None:
        env = await make_env(sqlite_db, trained_nlu)
        walked = await _at(env, "register", 8)
        await walked.chat.say(typed)
        await _asked_again(env, walked, expected)

    @pytest.mark.parametrize(("typed", "expected"), [("9999年1月1号", "太远"), ("2030年1月1号", "太远"),
                                                     ("昨天", "已经过去"), ("2026-13-45", "没看懂")])
    async def test_start_dates_outside_the_window(self, sqlite_db: Database, trained_nlu: Any, typed: str,
                                                  expected: str) -> None:
        env = await make_env(sqlite_db, trained_nlu)
        walked = await _at(env, "register", 7)
        await walked.chat.say(typed)
        await _asked_again(env, walked, expected)

    async def test_a_start_date_within_two_years_is_kept(self, sqlite_db: Database, trained_nlu: Any) -> None:
        env = await make_env(sqlite_db, trained_nlu)
        walked = await _at(env, "register", 7)
        await walked.chat.say("2027年5月1号")
        assert "外出务工返乡" in walked.chat.text()
        await walked.chat.say("没有外出")
        async with sqlite_db.session() as session:
            person = await person_by_identity(session, walked.chat.channel, walked.chat.user_id)
            assert person is not None and person.profile is not None
            assert person.profile.available_from == date(2027, 5, 1)

    @pytest.mark.parametrize("typed", ["高桥", "采茶工", "有没有采茶的工作", "12", "😀"])
    async def test_what_is_not_a_village_is_asked_again(self, sqlite_db: Database, trained_nlu: Any,
                                                        typed: str) -> None:
        env = await make_env(sqlite_db, trained_nlu)
        walked = await _at(env, "register", 4)
        await walked.chat.say(typed)
        assert walked.chat.last[-1].text == walked.question
        assert (await position(env, walked.chat)).step == "village"

    async def test_a_daily_rate_is_read_as_monthly_pay(self, sqlite_db: Database, trained_nlu: Any) -> None:
        env = await make_env(sqlite_db, trained_nlu)
        walked = await _at(env, "register", 6)
        await walked.chat.say("一天150")
        assert "什么时候可以上岗" in walked.chat.text()


class TestConsent:
    @pytest.mark.parametrize(("typed", "expected"), [("没问题", "怎么称呼"), ("嗯嗯", "怎么称呼"), ("不", "不登记也可以"),
                                                     ("没听懂", "同意")])
    async def test_yes_no_at_consent(self, sqlite_db: Database, trained_nlu: Any, typed: str,
                                     expected: str) -> None:
        env = await make_env(sqlite_db, trained_nlu)
        walked = await _at(env, "register", 0)
        await walked.chat.say(typed)
        assert expected in walked.chat.text()


class TestCounts:
    @pytest.mark.parametrize("typed", ["0", "5", "-1", "99999999999999999999", "两三个", "很多"])
    async def test_seats_outside_one_to_four_are_asked_again(self, sqlite_db: Database, trained_nlu: Any,
                                                              typed: str) -> None:
        env = await make_env(sqlite_db, trained_nlu)
        walked = await _at(env, "booking", 0)
        await walked.chat.say(typed)
        await _asked_again(env, walked, "1 到 4 之间的数字")

    async def test_a_confirmation_that_is_neither_yes_nor_no(self, sqlite_db: Database, trained_nlu: Any) -> None:
        env = await make_env(sqlite_db, trained_nlu)
        walked = await _at(env, "booking", 1)
        await walked.chat.say("没听懂")
        await _asked_again(env, walked, "请回复“确认”")
        await walked.chat.say("不")
        assert "已取消" in walked.chat.text()


class TestStaffSteps:
    @pytest.mark.parametrize("typed", ["123", "😀", "好的"])
    async def test_an_employer_needs_a_name(self, sqlite_db: Database, trained_nlu: Any, typed: str) -> None:
        env = await make_env(sqlite_db, trained_nlu)
        walked = await _at(env, "checkin.employer", 0)
        await walked.chat.say(typed)
        await _asked_again(env, walked, "请输入单位名称")

    async def test_an_unknown_audience_says_why(self, sqlite_db: Database, trained_nlu: Any) -> None:
        env = await make_env(sqlite_db, trained_nlu)
        walked = await _at(env, "broadcast", 1)
        await walked.chat.say("township=火星")
        await _asked_again(env, walked, "火星")
