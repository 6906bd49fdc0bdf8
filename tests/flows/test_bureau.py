"""The bureau's own facts in chat: offices, hours, holidays, township stations — simplified, traditional, English.

Conversations go through the real trained NLU (as in `mishu chat`) against the demo bureau file, at moments
the installed holiday calendar covers (2025–2026), and one it does not (2027).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.harness import Conversation
from flows.assistant import Assistant
from flows.messages import ChatType
from storage.bureau_file import BureauFileError, load_bureau_file
from storage.db import Database
from storage.demo.reference import BUREAU_FILE
from storage.queries.bureau import bureau_facts, replace_bureau_facts
from tests.flows.factories import add_person

LOCAL = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A local (Asia/Shanghai) wall-clock moment, as the UTC time the assistant is given."""
    return datetime(year, month, day, hour, minute, tzinfo=LOCAL).astimezone(UTC)


async def _import_demo_file(db: Database) -> None:
    async with db.session() as session:
        await replace_bureau_facts(session, load_bureau_file(BUREAU_FILE), now=at(2026, 1, 1))


@pytest.fixture
async def assistant(sqlite_db: Database, trained_nlu) -> Assistant:  # type: ignore[no-untyped-def]
    await _import_demo_file(sqlite_db)
    await add_person(sqlite_db, "shuangfu", name="李四", township="双福镇", registered=True)
    return Assistant(sqlite_db, trained_nlu)


def chat_at(assistant: Assistant, moment: datetime, user: str = "visitor") -> Conversation:
    return Conversation(assistant, user_id=user, now=moment)


class TestWhereAndWhen:
    async def test_where_is_the_bureau_and_when_does_it_open(self, assistant: Assistant) -> None:
        chat = chat_at(assistant, at(2026, 9, 15, 10))
        await chat.say("你们人社局在哪里，几点上班")
        assert chat.handled_as == "bureau_info"
        text = chat.text()
        for words in ("峨眉山市人社局政务服务中心人社窗口", "名山南路 88 号", "工作日 9:00–12:00、14:00–17:30",
                      "今天正在办公", "0833-5520333", "12333", "演示数据"):
            assert words in text
        maps = [b.url for reply in chat.last for row in reply.buttons for b in row if b.url]
        assert maps and all(url.startswith("https://uri.amap.com/marker?position=") for url in maps)

    async def test_at_lunch_it_says_when_the_counter_opens_again(self, assistant: Assistant) -> None:
        chat = chat_at(assistant, at(2026, 9, 15, 12, 30))
        await chat.say("人社局几点上班")
        assert "现在午休，14:00 开门" in chat.text()

    async def test_on_a_sunday_it_says_closed_and_the_next_opening(self, assistant: Assistant) -> None:
        chat = chat_at(assistant, at(2026, 9, 13, 10))  # Sunday 13 September 2026
        await chat.say("你们人社局在哪里")
        assert "今天不上班（周末休息），下一次是明天（9月14日(周一)） 9:00–12:00、14:00–17:30" in chat.text()

    async def test_tomorrow_on_a_national_day_holiday(self, assistant: Assistant) -> None:
        chat = chat_at(assistant, at(2026, 9, 30, 16))
        await chat.say("明天办公吗")
        text = chat.text()
        assert "明天（10月1日(周四)）不上班（国庆节放假）" in text
        assert "下一个上班日是10月8日(周四)" in text

    async def test_saturday_that_is_a_make_up_working_day(self, assistant: Assistant) -> None:
        chat = chat_at(assistant, at(2026, 10, 5, 9))  # Monday in the National Day break
        await chat.say("周六上班吗")
        assert "10月10日(周六)是国庆节的调休上班日，正常上班：9:00–12:00、14:00–17:30。" in chat.text()

    async def test_an_ordinary_saturday_is_closed(self, assistant: Assistant) -> None:
        chat = chat_at(assistant, at(2026, 9, 15, 10))
        await chat.say("周六上班吗")
        assert "9月19日(周六)不上班（周末休息）。下一个上班日是9月20日(周日)" in chat.text()  # 20th: make-up day


class TestHolidays:
    async def test_national_day_break_with_its_make_up_days(self, assistant: Assistant) -> None:
        chat = chat_at(assistant, at(2026, 9, 15, 10))
        await chat.say("国庆节上班吗")
        text = chat.text()
        assert "国庆节放假：10月1日(周四)至10月7日(周三)，共 7 天；9月20日(周日)、10月10日(周六)调休上班。" in text
        assert "人社局10月8日(周四)起正常上班" in text

    async def test_new_years_day(self, assistant: Assistant) -> None:
        chat = chat_at(assistant, at(2025, 12, 10, 10))
        await chat.say("元旦放几天假")
        assert "元旦放假：1月1日(周四)至1月3日(周六)，共 3 天；1月4日(周日)调休上班。" in chat.text()

    async def test_when_work_starts_after_the_spring_festival(self, assistant: Assistant) -> None:
        chat = chat_at(assistant, at(2026, 1, 20, 10))
        await chat.say("春节什么时候开始上班")
        text = chat.text()
        assert "春节放假：2月15日(周日)至2月23日(周一)，共 9 天" in text
        assert "人社局2月24日(周二)起正常上班" in text

    async def test_during_the_break_it_says_so(self, assistant: Assistant) -> None:
        chat = chat_at(assistant, at(2026, 10, 3, 10))
        await chat.say("国庆节上班吗")
        assert chat.text().startswith("现在正在放国庆节假。")

    async def test_a_year_the_calendar_does_not_know_gives_the_statutory_days(self, assistant: Assistant) -> None:
        chat = chat_at(assistant, at(2026, 12, 3, 10))
        await chat.say("元旦放几天假")
        text = chat.text()
        assert "还没有收录" in text and "元旦 1 月 1 日放假 1 天" in text and "12333" in text


class TestSpecialDays:
    async def test_a_closed_working_day_names_the_office_and_the_reason(self, assistant: Assistant) -> None:
        chat = chat_at(assistant, at(2026, 12, 15, 10))
        await chat.say("12月18号你们上班吗")
        text = chat.text()
        assert "峨眉山市人社局政务服务中心人社窗口：12月18日(周五)不上班（社保系统升级" in text
        assert "峨眉山市就业服务管理局（就业超市）：12月18日(周五)上班：8:30–12:00、13:30–17:30。" in text

    async def test_an_opened_saturday_beyond_the_calendar(self, assistant: Assistant) -> None:
        chat = chat_at(assistant, at(2027, 2, 24, 10))
        await chat.say("周六上班吗")
        text = chat.text()
        assert "就业超市）：2月27日(周六)开门：9:00–12:00（春风行动周末服务" in text
        assert "人社窗口：2月27日(周六)不上班（周末休息）" in text


class TestStations:
    async def test_a_named_township_gets_its_station(self, assistant: Assistant) -> None:
        chat = chat_at(assistant, at(2026, 9, 15, 10))
        await chat.say("双福镇的服务站在哪")
        text = chat.text()
        assert "双福镇劳动保障服务站" in text and "双福镇便民服务中心一楼劳动保障窗口" in text
        assert "政务服务中心人社窗口" not in text

    async def test_the_nearest_station_is_the_workers_own(self, assistant: Assistant) -> None:
        chat = chat_at(assistant, at(2026, 9, 15, 10), user="shuangfu")
        await chat.say("最近的服务站在哪")
        assert "🏢 **双福镇劳动保障服务站**" in chat.text()

    async def test_the_nearest_station_of_someone_unknown_asks_where_they_live(self, assistant: Assistant) -> None:
        chat = chat_at(assistant, at(2026, 9, 15, 10))
        await chat.say("最近的服务站在哪")
        assert "您在哪个镇（街道）" in chat.text()

    async def test_a_registered_worker_also_hears_of_their_station(self, assistant: Assistant) -> None:
        chat = chat_at(assistant, at(2026, 9, 15, 10), user="shuangfu")
        await chat.say("人社局在哪里")
        assert "离您近的：双福镇劳动保障服务站" in chat.text()

    async def test_a_township_without_a_station_is_said_so(self, sqlite_db: Database, trained_nlu) -> None:  # type: ignore[no-untyped-def]
        facts = load_bureau_file(BUREAU_FILE)
        without = replace(facts, offices=tuple(o for o in facts.offices if o.township != "双福镇"))
        async with sqlite_db.session() as session:
            await replace_bureau_facts(session, without, now=at(2026, 1, 1))
        await add_person(sqlite_db, "shuangfu", name="李四", township="双福镇", registered=True)
        chat = chat_at(Assistant(sqlite_db, trained_nlu), at(2026, 9, 15, 10), user="shuangfu")
        await chat.say("最近的服务站在哪")
        text = chat.text()
        assert text.startswith("双福镇的服务站还没有登记，先告诉您人社局的：")
        assert "政务服务中心人社窗口" in text

    async def test_in_a_group_no_one_is_told_their_township(self, assistant: Assistant) -> None:
        chat = Conversation(assistant, user_id="shuangfu", chat_type=ChatType.GROUP, chat_id="g1",
                            now=at(2026, 9, 15, 10))
        await chat.say("人社局在哪里", addressed=True)
        assert "政务服务中心人社窗口" in chat.text() and "离您近的" not in chat.text()


class TestOtherLanguages:
    async def test_traditional(self, assistant: Assistant) -> None:
        chat = chat_at(assistant, at(2026, 9, 15, 10))
        await chat.say("你們人社局在哪裡，幾點上班")
        text = chat.text()
        assert "峨眉山市人社局政務服務中心人社窗口" in text and "名山南路 88 號" in text
        assert "今天正在辦公" in text and "人社服務熱線 12333" in text
        await chat.say("國慶節上班嗎")
        assert "國慶節放假：10月1日(週四)至10月7日(週三)，共 7 天" in chat.text()
        await chat.say("雙福鎮的服務站在哪")
        assert "雙福鎮勞動保障服務站" in chat.text()

    async def test_english_labels_around_chinese_names(self, assistant: Assistant) -> None:
        chat = chat_at(assistant, at(2026, 9, 15, 12, 30))
        await chat.say("where is your office")
        text = chat.text()
        assert "峨眉山市人社局政务服务中心人社窗口" in text  # names stay as the signs and maps write them
        assert "Working days 9:00–12:00, 14:00–17:30" in text and "Lunch break now, opens again at 14:00" in text
        await chat.say("is the office open during national day")
        assert "National Day holiday: Thu 1 Oct to Wed 7 Oct, 7 days off" in chat.text()
        assert "The bureau is open again from Thu 8 Oct" in chat.text()


class TestWithoutABureauFile:
    async def test_it_gives_the_hotline_from_the_configuration(self, sqlite_db: Database, trained_nlu) -> None:  # type: ignore[no-untyped-def]
        chat = chat_at(Assistant(sqlite_db, trained_nlu), at(2026, 9, 15, 10))
        await chat.say("你们人社局在哪里")
        assert "还没有录入" in chat.text() and "12333" in chat.text()


class TestTheBureauFile:
    async def test_import_replaces_and_reads_back(self, any_db: Database) -> None:
        facts = load_bureau_file(BUREAU_FILE)
        async with any_db.session() as session:
            counts = await replace_bureau_facts(session, facts, now=at(2026, 1, 1))
            again = await replace_bureau_facts(session, facts, now=at(2026, 1, 2))
        assert counts == again == {"offices": 2, "stations": 18, "services": 14, "special_days": 3}
        async with any_db.session() as session:
            stored = await bureau_facts(session)
            upcoming = await bureau_facts(session, special_days_from=date(2027, 1, 1))
        assert stored == facts
        assert upcoming is not None and [d.day for d in upcoming.special_days] == [date(2027, 2, 27),
                                                                                    date(2027, 3, 6)]

    def test_every_problem_is_reported_with_where_it_is(self, tmp_path: Path) -> None:
        path = tmp_path / "bureau.yaml"
        path.write_text(
            "name: 某县人社局\nhotline: '12333'\nhours: {open: '09:00', close: '08:00'}\n"
            "offices:\n  - {key: hall, name: 大厅, address: 某路1号, phone: '1', hours: {open: '9点', close: '17:00'},"
            " colour: red}\n"
            "stations:\n  - {name: 某镇服务站, address: 镇上, phone: '2'}\n"
            "services:\n  - {name: 社保卡, offices: [nowhere]}\n"
            "special_days:\n  - {date: 2026-13-01, open: true}\n  - {date: 2026-10-10, open: maybe}\n",
            encoding="utf-8",
        )
        with pytest.raises(BureauFileError) as error:
            load_bureau_file(path)
        problems = "\n".join(error.value.problems)
        for expected in ("hours: 'close' is not after 'open'", "offices #1: '9点' is not a time like 09:00",
                         "offices #1: unknown field 'colour'", "stations #1: 'township' is missing",
                         "services #1: office 'nowhere' is not among the offices' keys",
                         "special_days #1: 'date'", "special_days #2: 'open' should be true"):
            assert expected in problems, problems
        assert all(line.startswith("bureau.yaml: ") for line in error.value.problems)

    def test_the_cli_checks_and_imports(self, tmp_path: Path) -> None:
        from typer.testing import CliRunner

        from bot.cli import app

        url = f"sqlite:///{tmp_path / 'cli.db'}"
        runner = CliRunner()
        checked = runner.invoke(app, ["import", "bureau", str(BUREAU_FILE), "--db", url, "--dry-run"])
        assert checked.exit_code == 0 and "2 offices, 18 stations" in checked.output
        runner.invoke(app, ["db", "upgrade", "--db", url])
        imported = runner.invoke(app, ["import", "bureau", str(BUREAU_FILE), "--db", url])
        assert imported.exit_code == 0, imported.output
        assert "bureau: 2 offices, 18 stations, 14 services, 3 special days" in imported.output
