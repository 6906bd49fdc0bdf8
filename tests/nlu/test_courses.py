"""A course named by its trade (采茶的培训, 茶叶加工的班, 保姆培训, "tea picking courses") is a `training` entity
valued by the course topic of that trade, whatever the frame, script or language; the same trade asked for as work
stays a job category."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opencc import OpenCC

from nlu import NLU
from tests.nlu.conftest import TODAY

TRADITIONAL = OpenCC("s2t")
# How workers name a trade, and the course topic that teaches it (written here apart from the NLU's data).
TRADES = {
    "采茶": "采茶技术", "摘茶叶": "采茶技术", "采茶叶": "采茶技术", "茶叶加工": "制茶技术", "炒茶": "制茶技术", "做茶": "制茶技术",
    "电焊": "电焊", "焊工": "电焊", "烧电焊": "电焊", "家政": "家政服务", "保姆": "家政服务", "月嫂": "家政服务",
    "养老护理": "养老护理", "护工": "养老护理", "照顾老人": "养老护理", "挖掘机": "挖掘机驾驶", "挖机": "挖掘机驾驶",
    "厨师": "厨师", "电工": "电工", "种菜": "农业种植",
}
FRAMES = ["有没有{t}的培训", "{t}培训有吗", "有没得{t}的班", "{t}的课程有没有", "{t}的课有没有", "想学{t}",
          "有{t}方面的培训吗", "{t}培训班啥时候开", "哪里可以学{t}"]
ENGLISH = {"tea picking": "采茶技术", "tea processing": "制茶技术", "welding": "电焊", "welders": "电焊",
           "housekeeping": "家政服务", "elderly care": "养老护理", "excavator": "挖掘机驾驶", "cooking": "厨师",
           "electricians": "电工"}
ENGLISH_FRAMES = ["any {t} courses?", "is there a {t} class", "I want to learn {t}", "{t} training?",
                  "any courses for {t}"]
PROPERTIES = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


class TestTradeNamedCourses:
    @PROPERTIES
    @given(trade=st.sampled_from(sorted(TRADES)), frame=st.sampled_from(FRAMES), traditional=st.booleans())
    def test_a_trade_in_a_course_question_is_its_course(self, nlu: NLU, trade: str, frame: str,
                                                        traditional: bool) -> None:
        text = frame.format(t=trade)
        text = TRADITIONAL.convert(text) if traditional else text
        assert nlu.parse(text, today=TODAY).values("training") == [TRADES[trade]], text

    @PROPERTIES
    @given(trade=st.sampled_from(sorted(ENGLISH)), frame=st.sampled_from(ENGLISH_FRAMES))
    def test_in_english_too(self, nlu: NLU, trade: str, frame: str) -> None:
        text = frame.format(t=trade)
        assert nlu.parse(text, today=TODAY).values("training") == [ENGLISH[trade]], text

    @pytest.mark.parametrize(
        ("text", "category"),
        [("有没有焊工的活", "电焊工"), ("我是学电焊的，有没有活", "电焊工"), ("找个保姆的工作", "家政"),
         ("茶叶加工厂招人吗", "制茶工"), ("any tea picking jobs", "采茶工")],
    )
    def test_the_trade_asked_for_as_work_stays_a_job(self, nlu: NLU, text: str, category: str) -> None:
        parse = nlu.parse(text, today=TODAY)
        assert parse.values("job_category") == [category] and parse.values("training") == [], text

    def test_a_trade_the_bureau_teaches_nothing_of_is_still_named(self, nlu: NLU) -> None:
        assert nlu.parse("有没有保安的培训", today=TODAY).values("training") == ["保安"]
