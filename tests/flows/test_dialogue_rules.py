"""The dialogue rules without a database: what a message does given the context (flows/dialogue.py).

Parses are written out here (entities with their spans) so each rule is checked on its own; the conversations
in test_dialogue.py check the same rules through the real NLU.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.dialogue import (
    MAX_CHATS,
    Context,
    Move,
    Shown,
    read_context,
    refine,
    residual,
    resolve,
    store_context,
)
from flows.ranking import SearchCriteria

NOW = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)


@dataclass
class E:
    entity: str
    value: Any
    start: int = 0
    end: int = 0


@dataclass
class P:
    text: str
    intent: str
    confidence: float = 0.9
    entities: list[E] = field(default_factory=list)


def parse(text: str, intent: str, confidence: float = 0.9, **named: Any) -> P:
    """A parse whose entities span the first occurrence of their surface: `location=("符溪镇", "符溪镇")`."""
    entities = []
    for kind, (surface, value) in named.items():
        start = text.find(surface)
        assert start >= 0, (surface, text)
        entities.append(E(kind, value, start, start + len(surface)))
    return P(text, intent, confidence, entities)


def jobs(seen: int = 3, **more: Any) -> Context:
    criteria = SearchCriteria(categories=("采茶工",)).to_dict()
    return Context("jobs", criteria, NOW, Shown("jobs", (11, 12, 13, 14, 15, 16), seen), **more)


BUSES = Context("bus", {"location": ["浙江"]}, NOW, Shown("bus", (1, 2), 2))
COURSES = Context("training", {}, NOW, Shown("training", (5, 6, 7), 3))


class TestRefinements:
    def test_only_a_place_refines_the_job_search(self) -> None:
        result = resolve(parse("符溪镇的呢", "transport_question", 0.54, location=("符溪镇", "符溪镇")), jobs(),
                         "transport_question")
        assert result.move is Move.REFINE and result.intent == "job_search"
        assert result.criteria is not None and result.criteria["places"] == ["符溪镇"]
        assert result.criteria["categories"] == ["采茶工"]  # the rest of the question is kept

    def test_better_pay_in_a_job_conversation_is_an_order_not_wage_arrears(self) -> None:
        message = parse("工资高点的", "wage_arrears", 0.99, order=("工资高点", "pay"))
        result = resolve(message, jobs(), "wage_arrears")
        assert result.move is Move.REFINE and result.criteria is not None and result.criteria["order"] == "pay"

    def test_better_pay_with_nothing_before_is_a_job_search(self) -> None:
        message = parse("工资高点的", "wage_arrears", 0.99, order=("工资高点", "pay"))
        assert resolve(message, None, "wage_arrears").intent == "job_search"

    def test_unpaid_wages_stay_wage_arrears(self) -> None:
        assert resolve(parse("老板拖欠我工资不给", "wage_arrears", 0.99), jobs(), "wage_arrears").move is Move.NEW

    def test_a_question_about_another_topic_is_new(self) -> None:
        message = parse("符溪镇有车吗", "transport_question", 0.95, location=("符溪镇", "符溪镇"))
        assert resolve(message, jobs(), "transport_question").move is Move.NEW

    def test_a_policy_named_in_a_job_conversation_is_a_new_question(self) -> None:
        message = parse("稳岗补贴怎么申请", "policy_question", 0.99, policy=("稳岗补贴", "稳岗返还"),
                        attribute=("怎么申请", "how"))
        assert resolve(message, jobs(), "policy_question").move is Move.NEW

    def test_the_topics_own_nouns_do_not_make_a_new_question(self) -> None:
        message = parse("双福镇的活呢", "job_search", 0.7, location=("双福镇", "双福镇"))
        assert resolve(message, jobs(), "job_search").move is Move.REFINE

    def test_a_date_refines_buses_but_not_jobs(self) -> None:
        message = parse("明天的呢", "out_of_scope", 0.8, date=("明天", "2026-03-03"))
        bus = resolve(message, BUSES, "out_of_scope")
        assert bus.move is Move.REFINE and bus.criteria == {"location": ["浙江"], "date": "2026-03-03"}
        assert resolve(message, jobs(), "out_of_scope").move is Move.NEW

    def test_job_attributes_add_up(self) -> None:
        criteria, changed = refine("jobs", SearchCriteria(attributes=("包吃住",)).to_dict(),
                                   [E("job_attribute", "五险")])
        assert criteria["attributes"] == ["包吃住", "五险"] and changed == ("job_attribute",)

    def test_more_pages_on(self) -> None:
        assert resolve(parse("还有吗", "job_search", 0.6, more=("还有吗", "more")), jobs(), "job_search").move \
            is Move.MORE

    def test_what_to_bring_asks_about_the_buses_shown(self) -> None:
        result = resolve(parse("要带啥子东西", "nlu_fallback", 0.45, attribute=("带啥子", "requirements")), BUSES,
                         "nlu_fallback")
        assert result.move is Move.ASK and result.attribute == "requirements" and result.intent == "transport_question"


    def test_a_whole_question_of_the_same_topic_replaces_it(self) -> None:
        """"有没有工厂的活" names the topic's noun without a follow-up mark: a new search, not 工厂 in the old place."""
        whole = parse("有没有工厂的活", "job_search", 0.99, job_category=("工厂", "普工"))
        assert resolve(whole, jobs(), "job_search").move is Move.NEW
        follow = parse("工厂的活呢", "job_search", 0.9, job_category=("工厂", "普工"))
        assert resolve(follow, jobs(), "job_search").move is Move.REFINE


    def test_a_place_with_a_pickup_question_picks_buses_not_a_destination(self) -> None:
        message = parse("罗目能上车不", "transport_question", 0.99, location=("罗目", "罗目镇"), attribute=("上车", "place"))
        result = resolve(message, BUSES, "transport_question")
        assert result.move is Move.ASK and result.attribute == "place" and result.criteria == {"location": ["罗目镇"]}

    def test_a_yes_no_tag_asks_nothing_new_but_a_negation_does(self) -> None:
        assert residual("有车没得", [], "bus") == "" and residual("要钱不", [], "bus") == "钱"
        assert residual("不要双福镇", [E("location", "双福镇", 2, 5)], "jobs") == "不"

    def test_a_course_topic_named_either_way_replaces_both(self) -> None:
        criteria, _ = refine("training", {"training": ["采茶技术"]}, [E("job_category", "制茶工")])
        assert criteria == {"job_category": ["制茶工"]}

    @pytest.mark.parametrize("context", [None, "jobs"])
    def test_a_course_and_nothing_else_is_a_training_question(self, context: str | None) -> None:
        """The classifier reads 有没得…的 as a job search; a message that only names a course is about training."""
        message = parse("有没得采茶的班", "job_search", 1.0, training=("采茶", "采茶技术"))
        result = resolve(message, jobs() if context else None, "job_search")
        assert result.move is Move.NEW and result.intent == "training_question"
        english = parse("any tea picking courses?", "job_search", 0.55, training=("tea picking", "采茶技术"))
        assert resolve(english, None, "job_search").intent == "training_question"

    def test_a_course_after_courses_refines_the_catalogue(self) -> None:
        message = parse("电焊的课程呢", "job_search", 0.99, training=("电焊", "电焊"))
        result = resolve(message, COURSES, "job_search")
        assert result.move is Move.REFINE and result.criteria == {"training": ["电焊"]}

    def test_a_course_in_a_job_question_leaves_it_a_job_search(self) -> None:
        message = parse("电焊培训过的，有没有电焊工的活", "job_search", 0.99, training=("电焊培训", "电焊"),
                        job_category=("电焊工", "电焊工"))
        assert resolve(message, None, "job_search").intent == "job_search"

    def test_enrolling_in_a_course_stays_an_enrolment(self) -> None:
        message = parse("报采茶的班", "job_apply", 0.9, act=("报", "act"), training=("采茶", "采茶技术"))
        assert resolve(message, None, "job_apply").intent == "training_enroll"

    def test_what_the_nlu_cannot_place_after_a_policy_is_asked_about_it(self) -> None:
        read = Context("policy", {}, NOW, Shown("policy", ("创业担保贷款",), 1), focus="创业担保贷款")
        assert resolve(parse("现在还能申请不", "nlu_fallback", 0.45), read, "nlu_fallback").intent == "policy_question"
        assert resolve(parse("谢谢", "thanks", 0.99), read, "thanks").intent == "thanks"

    def test_a_how_much_taken_for_help_after_a_policy_is_asked_about_it(self) -> None:
        read = Context("policy", {}, NOW, Shown("policy", ("创业担保贷款",), 1), focus="创业担保贷款")
        asked = parse("how much can I borrow?", "help", 0.96, attribute=("how much", "pay"))
        assert resolve(asked, read, "help").intent == "policy_question"
        assert resolve(parse("what can you do?", "help", 0.96), read, "help").intent == "help"


class TestTheBureau:
    ASKED = Context("bureau", {}, NOW)

    def test_a_follow_up_the_nlu_cannot_place_asks_the_same_of_another_day(self) -> None:
        result = resolve(parse("那清明节呢", "nlu_fallback", 0.45), self.ASKED, "nlu_fallback")
        assert result.move is Move.REFINE and result.intent == "bureau_info"

    def test_a_complete_question_is_new(self) -> None:
        assert resolve(parse("有没有采茶的工作", "job_search", 0.99), self.ASKED, "job_search").move is Move.NEW
        assert resolve(parse("你是谁", "nlu_fallback", 0.45), self.ASKED, "nlu_fallback").move is Move.NEW


class TestCases:
    CASE = Context("case", {"kind": "wage_arrears"}, NOW, focus=42)

    @pytest.mark.parametrize("intent", ["wage_arrears", "nlu_fallback", "out_of_scope"])
    def test_more_about_the_case_adds_to_it(self, intent: str) -> None:
        result = resolve(parse("欠了三个月了", intent, 0.9), self.CASE, intent)
        assert result.move is Move.ADD and result.item == 42 and result.intent == "wage_arrears"

    def test_another_question_after_a_case_is_new(self) -> None:
        assert resolve(parse("谢谢", "thanks", 0.99), self.CASE, "thanks").move is Move.NEW


class TestUndo:
    def test_not_this_goes_back_to_the_criteria_before(self) -> None:
        before = SearchCriteria(categories=("采茶工",)).to_dict()
        result = resolve(parse("不是这个", "deny", 0.99, ordinal=("这个", "this")), jobs(previous=before), "deny")
        assert result.move is Move.UNDO and result.criteria == before

    def test_not_this_with_nothing_to_undo_asks_again(self) -> None:
        result = resolve(parse("不对", "deny", 0.99), jobs(), "deny")
        assert result.move is Move.UNDO and result.criteria is None

    def test_a_correction_replaces_the_slot(self) -> None:
        message = parse("不对，要双福镇的", "deny", 0.9, location=("双福镇", "双福镇"))
        result = resolve(message, jobs(previous=SearchCriteria(categories=("采茶工",)).to_dict()), "deny")
        assert result.move is Move.REFINE and result.criteria is not None and result.criteria["places"] == ["双福镇"]

    def test_no_dot_two_is_a_number_not_a_no(self) -> None:
        result = resolve(parse("no. 2", "deny", 0.99, ordinal=("no. 2", 2)), jobs(), "deny")
        assert result.move is Move.REFER and result.item == 12


class TestReferences:
    @pytest.mark.parametrize(("value", "item"), [(1, 11), (3, 13), ("last", 13)])
    def test_a_number_names_an_item_shown(self, value: int | str, item: int) -> None:
        result = resolve(parse("第几个", "job_apply", 0.9, ordinal=("第几个", value)), jobs(), "job_apply")
        assert result.move is Move.REFER and result.item == item and not result.act

    def test_after_paging_numbers_count_from_the_top(self) -> None:
        """Decided: "第4个" after "more" is the 4th overall, the first of the second page."""
        result = resolve(parse("第4个", "job_apply", 0.9, ordinal=("第4个", 4)), jobs(seen=6), "job_apply")
        assert result.item == 14

    def test_a_number_not_shown_yet_is_out_of_range(self) -> None:
        result = resolve(parse("第5个", "job_apply", 0.9, ordinal=("第5个", 5)), jobs(seen=3), "job_apply")
        assert result.problem == "out_of_range"

    def test_apply_to_a_number_acts(self) -> None:
        result = resolve(parse("我要报第一个", "job_apply", 0.99, ordinal=("第一个", 1)), jobs(), "job_apply")
        assert result.act and result.item == 11 and result.intent == "job_apply"

    def test_details_of_a_number_do_not_act(self) -> None:
        message = parse("第二个详细说说", "job_apply", 0.93, ordinal=("第二个", 2), attribute=("详细说说", "details"))
        result = resolve(message, jobs(), "job_apply")
        assert result.move is Move.REFER and not result.act and result.item == 12

    def test_enrol_after_a_course_was_looked_at(self) -> None:
        context = Context("training", {}, NOW, Shown("training", (5, 6, 7), 3), focus=6)
        result = resolve(parse("我要报名", "job_apply", 0.82, act=("报名", "act")), context, "job_apply")
        assert result.act and result.item == 6 and result.intent == "training_enroll"

    def test_enrol_with_several_shown_and_none_looked_at_asks_which(self) -> None:
        result = resolve(parse("我要报名", "job_apply", 0.82, act=("报名", "act")), COURSES, "job_apply")
        assert result.problem == "which"

    def test_asking_about_one_of_several_policies_asks_which(self) -> None:
        choices = Context("policy", {}, NOW, Shown("policy", ("稳岗返还", "社保免减缓"), 2))
        result = resolve(parse("要什么材料", "policy_question", 0.6, attribute=("材料", "requirements")), choices,
                         "policy_question")
        assert result.problem == "which"

    def test_a_number_with_nothing_shown(self) -> None:
        assert resolve(parse("第一个", "job_apply", 0.99, ordinal=("第一个", 1)), None, "job_apply").problem \
            == "no_list"

    def test_this_as_a_hesitation_is_not_a_reference(self) -> None:
        message = parse("那个，有没有去浙江的车", "transport_question", 0.99, ordinal=("那个", "this"),
                        location=("浙江", "浙江"))
        assert resolve(message, jobs(), "transport_question").move is Move.NEW

    def test_a_second_that_is_also_a_date_is_an_item_when_the_list_has_one(self) -> None:
        message = P("二号", "out_of_scope", 0.5, [E("date", "2026-04-02", 0, 2), E("ordinal", 2, 0, 2)])
        assert resolve(message, jobs(), "out_of_scope").item == 12
        short = Context("bus", {}, NOW, Shown("bus", (1,), 1))
        assert resolve(message, short, "out_of_scope").move is Move.REFINE  # no 2nd bus: the 2nd of the month


class TestStorage:
    def test_contexts_are_kept_per_chat_and_expire(self) -> None:
        stored = store_context({}, "u1", jobs())
        stored = store_context(stored, "-100", BUSES)
        assert read_context(stored, "u1", NOW + timedelta(minutes=29), 30).topic == "jobs"  # type: ignore[union-attr]
        assert read_context(stored, "-100", NOW, 30).topic == "bus"  # type: ignore[union-attr]
        assert read_context(stored, "u1", NOW + timedelta(minutes=31), 30) is None
        assert read_context(store_context(stored, "u1", None), "u1", NOW, 30) is None

    def test_only_the_newest_chats_are_kept(self) -> None:
        stored: dict[str, Any] = {}
        for n in range(MAX_CHATS + 3):
            stored = store_context(stored, f"chat{n}", Context("jobs", {}, NOW + timedelta(minutes=n)))
        assert len(stored) == MAX_CHATS and f"chat{MAX_CHATS + 2}" in stored and "chat0" not in stored

    def test_a_damaged_value_is_no_context(self) -> None:
        for value in ({"u1": {"topic": "nope"}}, {"u1": "x"}, {"u1": {"topic": "jobs", "at": "later"}}, None, []):
            assert read_context(value, "u1", NOW, 30) is None  # type: ignore[arg-type]

    def test_round_trip(self) -> None:
        context = jobs(seen=6, focus=12, previous={"categories": []})
        assert Context.from_dict(context.to_dict()) == context


def test_residual_keeps_only_what_is_new() -> None:
    assert residual("有没有双福镇的活呢？", [E("location", "双福镇", 3, 6)], "jobs") == ""
    assert residual("双福镇有车吗", [E("location", "双福镇", 0, 3)], "jobs") == "车"


# --- any message after any list -------------------------------------------------------------------------

KINDS = ["location", "job_category", "salary", "date", "ordinal", "order", "attribute", "more", "act",
         "job_attribute", "age", "policy", "training", "phone"]
VALUES: dict[str, Any] = {
    "location": st.sampled_from(["符溪镇", "双福镇", "浙江"]), "job_category": st.sampled_from(["采茶工", "普工"]),
    "salary": st.just({"min": 5000, "max": None, "unit": "month"}), "date": st.sampled_from(["2026-03-03", "x"]),
    "ordinal": st.one_of(st.integers(min_value=1, max_value=99), st.sampled_from(["last", "this"])),
    "order": st.sampled_from(["pay", "near", "newest", "cheap"]),
    "attribute": st.sampled_from(["requirements", "seats", "time", "place", "pay", "contact", "how", "details"]),
    "more": st.just("more"), "act": st.just("act"), "job_attribute": st.sampled_from(["包吃住", "五险"]),
    "age": st.integers(min_value=16, max_value=80),
    "policy": st.just("稳岗返还"), "training": st.just("电焊"), "phone": st.just("13800001111"),
}
INTENTS = ["job_search", "job_apply", "training_question", "training_enroll", "transport_question",
           "policy_question", "wage_arrears", "deny", "affirm", "thanks", "nlu_fallback", "out_of_scope"]


@st.composite
def parses(draw: st.DrawFn) -> P:
    text = draw(st.text(max_size=30))
    entities = []
    for kind in draw(st.lists(st.sampled_from(KINDS), max_size=4)):
        start = draw(st.integers(min_value=0, max_value=len(text)))
        end = draw(st.integers(min_value=start, max_value=len(text)))
        entities.append(E(kind, draw(VALUES[kind]), start, end))
    return P(text, draw(st.sampled_from(INTENTS)), draw(st.floats(min_value=0, max_value=1)), entities)


@st.composite
def contexts(draw: st.DrawFn) -> Context | None:
    topic = draw(st.sampled_from(["jobs", "training", "bus", "policy", "case", None]))
    if topic is None:
        return None
    items = tuple(draw(st.lists(st.integers(min_value=1, max_value=500), max_size=8, unique=True)))
    seen = draw(st.integers(min_value=0, max_value=len(items)))
    focus = draw(st.sampled_from([None, *items]))
    previous = draw(st.sampled_from([None, {}, {"places": ["双福镇"]}]))
    return Context(topic, {}, NOW, Shown(topic, items, seen), focus, previous)


@settings(max_examples=500, deadline=None)
@given(parses(), contexts())
def test_any_message_after_any_list_is_read_one_way_or_another(message: P, context: Context | None) -> None:
    result = resolve(message, context, message.intent)
    assert result.intent
    if result.move is Move.NEW:
        return
    if result.problem is None and result.move is Move.REFER:
        # A reference names an item the person was shown, or the one they looked at.
        assert context is not None and context.shown is not None
        assert result.item in context.shown.items[: context.shown.seen] or result.item == context.focus
    if result.move is not Move.REFER or result.problem is None:
        assert result.topic == (context.topic if context else None)
