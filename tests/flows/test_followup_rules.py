"""Pure follow-up rules: working days and hours (with Chinese holidays and make-up days), cadence, transitions,
worker answers, outcomes, and spreading a departing secretary's workers."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.settings import ConfigError, load_settings
from flows.assignment import spread
from flows.followups import (
    FollowUpRules,
    Step,
    after_outcome,
    answer_needs_secretary,
    next_due,
    on_due,
    rules_of,
)
from flows.workcal import (
    WorkingTime,
    add_working_days,
    add_working_hours,
    in_working_hours,
    into_working_hours,
    is_working_day,
)
from storage.models import FollowUp
from storage.states import FollowUpKind

ROOT = Path(__file__).resolve().parents[2]

ZONE = ZoneInfo("Asia/Shanghai")
HOURS = WorkingTime()
RULES = FollowUpRules()


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=ZONE).astimezone(UTC)


class TestWorkingDays:
    @pytest.mark.parametrize(
        ("day", "working"),
        [
            (date(2026, 9, 30), True),  # Wednesday before National Day
            (date(2026, 10, 1), False),  # National Day
            (date(2026, 10, 5), False),  # a Monday inside the holiday
            (date(2026, 10, 7), False),
            (date(2026, 10, 8), True),
            (date(2026, 10, 10), True),  # Saturday, a make-up working day
            (date(2026, 10, 11), False),  # an ordinary Sunday
            (date(2026, 2, 17), False),  # Spring Festival 2026
            (date(2099, 1, 5), True),  # a Monday in a year the calendar does not know: Monday–Friday
            (date(2099, 1, 10), False),
        ],
    )
    def test_holidays_and_make_up_days(self, day: date, working: bool) -> None:
        assert is_working_day(day) is working


class TestWorkingHours:
    @pytest.mark.parametrize(
        ("moment", "expected"),
        [
            (local(2026, 3, 2, 10, 0), local(2026, 3, 2, 10, 0)),  # open: unchanged
            (local(2026, 3, 2, 7, 15), local(2026, 3, 2, 9, 0)),  # before opening
            (local(2026, 3, 6, 17, 30), local(2026, 3, 9, 9, 0)),  # Friday closing time → Monday
            (local(2026, 3, 7, 11, 0), local(2026, 3, 9, 9, 0)),  # Saturday
            (local(2026, 9, 30, 18, 0), local(2026, 10, 8, 9, 0)),  # over the National Day week
            (local(2026, 10, 9, 18, 0), local(2026, 10, 10, 9, 0)),  # to the make-up Saturday
        ],
    )
    def test_into_working_hours(self, moment: datetime, expected: datetime) -> None:
        assert into_working_hours(moment, HOURS) == expected
        assert in_working_hours(into_working_hours(moment, HOURS), HOURS)

    @pytest.mark.parametrize(
        ("start", "hours", "expected"),
        [
            (local(2026, 3, 5, 16, 0), 8, local(2026, 3, 6, 15, 30)),  # 1.5 h Thursday + 6.5 h Friday
            (local(2026, 3, 6, 16, 0), 8, local(2026, 3, 9, 15, 30)),  # the weekend does not count
            (local(2026, 3, 6, 20, 0), 1, local(2026, 3, 9, 10, 0)),  # counted from the next opening
            (local(2026, 9, 30, 15, 0), 4, local(2026, 10, 8, 10, 30)),  # 2.5 h + holiday + 1.5 h
            (local(2026, 3, 2, 9, 0), 8.5, local(2026, 3, 2, 17, 30)),  # exactly one office day
        ],
    )
    def test_add_working_hours(self, start: datetime, hours: float, expected: datetime) -> None:
        assert add_working_hours(start, hours, HOURS) == expected

    @pytest.mark.parametrize(
        ("start", "days", "expected"),
        [
            (local(2026, 3, 5, 10, 0), 1, local(2026, 3, 6, 10, 0)),
            (local(2026, 3, 6, 10, 0), 1, local(2026, 3, 9, 10, 0)),
            (local(2026, 9, 30, 10, 0), 1, local(2026, 10, 8, 10, 0)),
            (local(2026, 10, 9, 10, 0), 1, local(2026, 10, 10, 10, 0)),  # make-up Saturday counts
            (local(2026, 10, 9, 10, 0), 2, local(2026, 10, 12, 10, 0)),
            (local(2026, 3, 7, 22, 0), 1, local(2026, 3, 10, 9, 0)),  # Saturday night → Monday 09:00, +1
        ],
    )
    def test_add_working_days(self, start: datetime, days: int, expected: datetime) -> None:
        assert add_working_days(start, days, HOURS) == expected


class TestCadence:
    @pytest.mark.parametrize(
        ("kind", "since", "expected"),
        [
            ("first", local(2026, 3, 2, 9, 30), local(2026, 3, 5, 9, 30)),
            ("first", local(2026, 3, 4, 15, 0), local(2026, 3, 9, 9, 0)),  # lands on Saturday → Monday
            ("first", local(2026, 9, 28, 10, 0), local(2026, 10, 8, 9, 0)),  # lands on National Day
            ("seeking", local(2026, 3, 5, 11, 0), local(2026, 3, 12, 11, 0)),
            ("stability", local(2026, 3, 5, 11, 0), local(2026, 4, 7, 9, 0)),  # 04-04 is a Saturday, 04-06 Qingming
            ("first", local(2026, 3, 2, 18, 0), local(2026, 3, 6, 9, 0)),  # after hours → next morning
        ],
    )
    def test_next_due_is_in_office_time(self, kind: str, since: datetime, expected: datetime) -> None:
        assert next_due(kind, since, RULES) == expected


def followup(state: str, kind: str = "seeking", prompts_sent: int = 0, prompted_at: datetime | None = None) -> FollowUp:
    return FollowUp(id=1, worker_id=1, kind=kind, state=state, prompts_sent=prompts_sent, prompted_at=prompted_at,
                    due_at=local(2026, 3, 5, 9, 30))


class TestOnDue:
    NOW = local(2026, 3, 5, 10, 0)  # Thursday

    def test_pending_check_in_asks_the_worker_first(self) -> None:
        step = on_due(followup("pending"), now=self.NOW, rules=RULES, worker_reachable=True, has_secretary=True)
        assert step.step == Step.ASK and step.state == "asked_worker"
        assert step.due_at == local(2026, 3, 6, 9, 30)  # 8 office hours: 7.5 Thursday + 0.5 Friday

    def test_worker_without_a_private_chat_goes_straight_to_the_secretary(self) -> None:
        step = on_due(followup("pending"), now=self.NOW, rules=RULES, worker_reachable=False, has_secretary=True)
        assert (step.step, step.reason) == (Step.PROMPT, "due")

    def test_kind_not_marked_for_asking_prompts_the_secretary(self) -> None:
        rules = FollowUpRules(ask_worker_first=("first",))
        step = on_due(followup("pending", "seeking"), now=self.NOW, rules=rules, worker_reachable=True,
                      has_secretary=True)
        assert step.step == Step.PROMPT

    def test_the_kinds_asked_first_come_from_the_config_as_members(self, tmp_path: Path) -> None:
        config = (ROOT / "config.yaml").read_text(encoding="utf-8")
        assert "  ask_worker_first: [first, seeking, stability]\n" in config
        path = tmp_path / "config.yaml"
        path.write_text(config.replace("ask_worker_first: [first, seeking, stability]", "ask_worker_first: [first]"),
                        encoding="utf-8")
        rules = rules_of(load_settings(path))
        assert rules.ask_worker_first == (FollowUpKind.FIRST,)
        assert on_due(followup("pending", "seeking"), now=self.NOW, rules=rules, worker_reachable=True,
                      has_secretary=True).step == Step.PROMPT
        # A manual check-in is a secretary's own date: the worker is never asked first for it.
        for kinds, word in (("[first, manual]", "only for first, seeking, stability"), ("[firts]", "'first'")):
            path.write_text(config.replace("ask_worker_first: [first, seeking, stability]",
                                           f"ask_worker_first: {kinds}"), encoding="utf-8")
            with pytest.raises(ConfigError, match=re.escape(word)) as refused:
                load_settings(path)
            assert "followups.ask_worker_first" in str(refused.value)

    def test_no_answer_becomes_a_prompt(self) -> None:
        step = on_due(followup("asked_worker"), now=self.NOW, rules=RULES, worker_reachable=True, has_secretary=True)
        assert (step.step, step.state, step.reason) == (Step.PROMPT, "prompted", "no_answer")
        assert step.due_at == local(2026, 3, 6, 10, 0)

    def test_unanswered_prompt_is_sent_once_more_then_escalated(self) -> None:
        first = local(2026, 3, 5, 10, 0)
        remind = on_due(followup("prompted", prompts_sent=1, prompted_at=first), now=local(2026, 3, 6, 10, 0),
                        rules=RULES, worker_reachable=True, has_secretary=True)
        assert remind.step == Step.REMIND and remind.due_at == local(2026, 3, 9, 10, 0)  # 2 working days after
        escalate = on_due(followup("prompted", prompts_sent=2, prompted_at=first), now=remind.due_at,
                          rules=RULES, worker_reachable=True, has_secretary=True)
        assert (escalate.step, escalate.state) == (Step.ESCALATE, "escalated")

    def test_no_secretary_escalates(self) -> None:
        step = on_due(followup("pending"), now=self.NOW, rules=RULES, worker_reachable=False, has_secretary=False)
        assert (step.step, step.reason) == (Step.ESCALATE, "no_secretary")

    @pytest.mark.parametrize("state", ["pending", "asked_worker", "prompted"])
    def test_overdue_by_days_gets_one_step_with_the_next_after_now(self, state: str) -> None:
        """After downtime the next deadline is counted from now, so the next tick does not act again."""
        now = local(2026, 3, 20, 10, 0)  # two weeks after the due time
        row = followup(state, prompts_sent=1 if state == "prompted" else 0, prompted_at=local(2026, 3, 5, 10, 0))
        step = on_due(row, now=now, rules=RULES, worker_reachable=True, has_secretary=True)
        assert step.due_at > now


class TestAnswersAndOutcomes:
    @pytest.mark.parametrize(
        ("answer", "streak", "expected"),
        [
            ("call_me", 0, "call_me"),
            ("seeking", 0, None),
            ("seeking", 1, None),
            ("seeking", 2, "worried"),  # third 'still seeking' in a row
            ("placed", 5, None),
            ("training", 5, None),
        ],
    )
    def test_which_answers_need_the_secretary(self, answer: str, streak: int, expected: str | None) -> None:
        assert answer_needs_secretary(answer, streak, RULES) == expected

    def test_placed_sets_a_stability_check_in(self) -> None:
        now = local(2026, 3, 5, 11, 0)
        assert after_outcome("first", "placed", now, RULES) == ("stability", next_due("stability", now, RULES))

    def test_placed_at_the_stability_check_in_ends_the_follow_up(self) -> None:
        assert after_outcome("stability", "placed", local(2026, 3, 5, 11, 0), RULES) is None

    @pytest.mark.parametrize("outcome", ["seeking", "training", "unreachable"])
    def test_other_outcomes_continue_weekly(self, outcome: str) -> None:
        now = local(2026, 3, 5, 11, 0)
        kind, due = after_outcome("first", outcome, now, RULES) or ("", now)
        assert kind == "seeking" and due - now == timedelta(days=7)


class TestSpread:
    def test_covering_secretary_first_then_lightest_load(self) -> None:
        workers = [(1, "双福镇"), (2, "双福镇"), (3, "绥山镇"), (4, "龙池镇"), (5, "龙池镇")]
        loads = {10: 5, 11: 0, 12: 1}
        covers = {10: {"双福镇"}, 12: {"绥山镇", "双福镇"}}
        plan = spread(workers, loads, covers)
        # 双福镇 is covered by 10 (load 5) and 12 (load 1): 12 takes both (1→2→3 < 5).
        assert plan[1] == 12 and plan[2] == 12
        assert plan[3] == 12  # only 12 covers 绥山镇, however loaded
        # Nobody covers 龙池镇: the lightest overall (11, load 0) then 11 again (1 < 4).
        assert plan[4] == 11 and plan[5] == 11

    def test_loads_even_out(self) -> None:
        plan = spread([(i, None) for i in range(9)], {1: 0, 2: 0, 3: 0}, {})
        counts = [list(plan.values()).count(s) for s in (1, 2, 3)]
        assert counts == [3, 3, 3]

    def test_no_secretary_left(self) -> None:
        assert spread([(1, "双福镇")], {}, {}) == {}


class TestCatalogues:
    @staticmethod
    def keys(node: object, prefix: str = "") -> set[str]:
        if not isinstance(node, dict):
            return {prefix}
        return set().union(*(TestCatalogues.keys(v, f"{prefix}.{k}" if prefix else k) for k, v in node.items()))

    @pytest.mark.parametrize("language", ["zh-hant", "en"])
    def test_every_follow_up_text_exists_in_every_language(self, language: str) -> None:
        from pathlib import Path

        import yaml

        locales = Path(__file__).resolve().parents[2] / "flows" / "locales"
        reference = yaml.safe_load((locales / "zh-hans" / "followups.yaml").read_text(encoding="utf-8"))
        other = yaml.safe_load((locales / language / "followups.yaml").read_text(encoding="utf-8"))
        assert self.keys(other) == self.keys(reference)

    @pytest.mark.parametrize("language", ["zh-hant", "en"])
    def test_placeholders_match(self, language: str) -> None:
        import string

        from flows.i18n import catalogue

        def fields(text: str) -> set[str]:
            return {name for _, name, _, _ in string.Formatter().parse(text) if name}

        def walk(node: object, other: object, key: str) -> None:
            if isinstance(node, dict):
                for k, v in node.items():
                    walk(v, other[k], f"{key}.{k}")  # type: ignore[index]
            else:
                assert fields(str(other)) == fields(str(node)), key

        for top in ("checkin", "secretary"):
            walk(catalogue("zh-hans")[top], catalogue(language)[top], top)
