"""Pure rules behind the bureau's answers: holiday names, holiday breaks, an office's day, services people type."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest
import yaml
from chinese_calendar import Holiday
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.office_hours import day_plan, holiday_break, holiday_named, next_open_day, status_at
from flows.other_services import match_service
from flows.policy_search import normalize_query
from storage.bureau_file import BureauFileError, Hours, Office, SpecialDay, load_bureau_file
from storage.demo.reference import BUREAU_FILE

HALL = Office(key="hall", kind="office", name="大厅", township="胜利街道", address="某路1号", phone="1", map_url="",
              lat=None, lon=None, hours=Hours(time(9), time(17, 30), (time(12), time(14))), services=())
FACTS = load_bureau_file(BUREAU_FILE)
TYPED = st.text(alphabet=st.one_of(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
                                   st.sampled_from(list("0123456789 ，。？!abcdefghijklmnopqrstuvwxyz十一五"))),
                max_size=40)


class TestHolidayNames:
    @pytest.mark.parametrize(("text", "holiday"), [
        ("国庆节上班吗", Holiday.national_day), ("11长假放几天", Holiday.national_day),
        ("元旦放几天假", Holiday.new_years_day), ("过完年几号上班", Holiday.spring_festival),
        ("51放假吗", Holiday.labour_day), ("端午节开门不", Holiday.dragon_boat_festival),
        ("when do you reopen after the spring festival", Holiday.spring_festival),
        ("is the office open during national day", Holiday.national_day),
    ])
    def test_named(self, text: str, holiday: Holiday) -> None:
        assert holiday_named(normalize_query(text)) == holiday

    @pytest.mark.parametrize("text", ["11点上班吗", "2月11上班吗", "周六上班吗", "人社局在哪里"])
    def test_not_a_holiday(self, text: str) -> None:
        assert holiday_named(normalize_query(text)) is None

    @settings(max_examples=300, deadline=None)
    @given(TYPED)
    def test_any_text_names_at_most_one_known_holiday(self, text: str) -> None:
        assert holiday_named(normalize_query(text)) in (None, *Holiday)


class TestBreaks:
    def test_national_day_2020_with_mid_autumn(self) -> None:
        found = holiday_break(Holiday.national_day, date(2020, 9, 1))
        assert found is not None
        assert (found.first, found.last, found.days) == (date(2020, 10, 1), date(2020, 10, 8), 8)
        assert found.makeup == (date(2020, 9, 27), date(2020, 10, 10)) and found.back_to_work == date(2020, 10, 9)

    def test_a_break_going_on_is_the_one_answered(self) -> None:
        found = holiday_break(Holiday.spring_festival, date(2026, 2, 20))
        assert found is not None and found.first == date(2026, 2, 15)

    def test_a_year_the_calendar_does_not_know(self) -> None:
        assert holiday_break(Holiday.new_years_day, date(2026, 12, 3)) is None


class TestAnOfficesDay:
    def test_status_through_a_working_day(self) -> None:
        plan = day_plan(HALL, date(2026, 9, 15), ())
        assert [status_at(plan, time(h, m)).state for h, m in ((8, 0), (9, 0), (12, 30), (14, 0), (17, 30))] == \
            ["later", "open", "lunch", "open", "closed"]
        assert status_at(plan, time(12, 30)).at == time(14)

    def test_a_make_up_saturday_is_open_and_says_why(self) -> None:
        plan = day_plan(HALL, date(2026, 10, 10), ())
        assert plan.open and plan.makeup and plan.holiday == "National Day"

    def test_special_days_win_for_the_offices_they_name(self) -> None:
        closed = SpecialDay(date(2026, 9, 15), False, None, ("hall",), "系统升级")
        other = SpecialDay(date(2026, 9, 15), False, None, ("employment",), "搬家")
        plan = day_plan(HALL, date(2026, 9, 15), (closed, other))
        assert not plan.open and plan.note == "系统升级"
        assert next_open_day(HALL, date(2026, 9, 15), (closed,)).day == date(2026, 9, 16)
        assert day_plan(HALL, date(2026, 9, 15), (other,)).open


class TestServicesAsTyped:
    @pytest.mark.parametrize(("text", "service"), [
        ("医保咋个报销哦", "医保报销"), ("社保卡遭弄丢了", "社保卡补办、挂失"), ("我想查一下社保交了几年", "社保缴费记录查询、打印"),
        ("where do I get my pension", "养老金领取、待遇资格认证"), ("醫保報銷怎麼弄", "医保报销"),
    ])
    def test_found(self, text: str, service: str) -> None:
        found = match_service(normalize_query(text), FACTS.services)
        assert found is not None and found.name == service

    @pytest.mark.parametrize("text", ["有没有采茶的工作", "稳岗补贴咋个申请", "去浙江的车几号走"])
    def test_not_a_service(self, text: str) -> None:
        assert match_service(normalize_query(text), FACTS.services) is None

    @settings(max_examples=300, deadline=None)
    @given(TYPED)
    def test_any_text_gives_a_listed_service_or_none(self, text: str) -> None:
        assert match_service(normalize_query(text), FACTS.services) in (None, *FACTS.services)


class TestTheFilesTimes:
    @settings(max_examples=200, deadline=None)
    @given(value=st.one_of(st.text(max_size=12), st.integers(-5, 5000), st.none()))
    def test_any_hours_value_is_read_or_reported(self, value: object, tmp_path_factory: pytest.TempPathFactory) -> None:
        path: Path = tmp_path_factory.mktemp("bureau") / "bureau.yaml"
        path.write_text("name: 局\nhotline: '12333'\noffices:\n  - {key: hall, name: 大厅, address: 路, phone: '1'}\n",
                        encoding="utf-8")
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data["hours"] = {"open": value, "close": "17:30", "lunch": value}
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        try:
            facts = load_bureau_file(path)
        except BureauFileError as error:
            assert error.problems and all(p.startswith("bureau.yaml: ") for p in error.problems)
        else:
            assert facts.halls[0].hours.open < facts.halls[0].hours.close
