"""The multi-turn dialogue set (tests/data/dialogues/*.yaml) is well-formed; its pass rate is measured by
`python -m bench dialogues`, not asserted here."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from opencc import OpenCC

from bench.dialogues import (
    DIALOGUES,
    DialogueFormatError,
    Step,
    check_turn,
    load_dialogues,
    parse_dialogues,
    simplified_leaks,
)

S2T = OpenCC("s2t")
# What a turn may be expected to be handled as: SPEC §4 intents, the bureau's facts, services not handled here,
# the fallback, cancelling a form, and form or button turns ("form:register", "button:job.apply").
SPEC_INTENTS = {
    "greet", "goodbye", "thanks", "affirm", "deny", "help", "bot_challenge", "job_search", "job_apply", "register",
    "update_profile", "report_employed", "policy_question", "training_question", "training_enroll",
    "transport_question", "wage_arrears", "human_handoff", "subscribe", "unsubscribe", "out_of_scope",
}
KNOWN_INTENTS = SPEC_INTENTS | {"bureau_info", "other_service", "nlu_fallback", "cancel"}


@pytest.fixture(scope="module")
def dialogues():
    return load_dialogues(DIALOGUES)


class TestTheSet:
    def test_enough_dialogues_in_every_language(self, dialogues):
        per_language = Counter(d.lang for d in dialogues)
        assert len(dialogues) >= 90
        for language in ("zh-hant", "sichuanese", "en"):
            assert per_language[language] >= 12, per_language

    def test_one_theme_per_file_and_unique_ids(self, dialogues):
        files = sorted(DIALOGUES.glob("*.yaml"))
        assert len(files) >= 5
        ids = [d.id for d in dialogues]
        assert len(ids) == len(set(ids))

    def test_two_to_five_turns_each(self, dialogues):
        assert all(2 <= len(d.turns) <= 5 for d in dialogues)

    def test_expected_intents_are_known(self, dialogues):
        for dialogue in dialogues:
            for step in dialogue.turns:
                for intent in step.intent:
                    assert (intent in KNOWN_INTENTS or intent.startswith(("form:", "button:"))), (dialogue.id, intent)

    def test_traditional_dialogues_expect_traditional_words(self, dialogues):
        for dialogue in dialogues:
            if dialogue.lang != "zh-hant":
                continue
            for step in dialogue.turns:
                for word in (*step.contains, *step.any_of, *step.excludes):
                    assert not simplified_leaks(word), (dialogue.id, word)

    def test_follow_ups_are_checked_on_data(self, dialogues):
        """Most dialogues check a later turn on what it shows, not only on its intent."""
        checked = [d for d in dialogues if any(s.contains or s.any_of for s in d.turns[1:])]
        assert len(checked) >= 0.7 * len(dialogues)


class TestTheLoader:
    def _parse(self, text: str):
        return parse_dialogues(yaml.safe_load(text), "example.yaml")

    GOOD = """
dialogues:
  - id: a
    lang: zh-hans
    turns:
      - say: 有没有采茶的工作
        intent: job_search
      - press: 2
        contains: 采茶
"""

    def test_a_good_file(self):
        [dialogue] = self._parse(self.GOOD)
        assert dialogue.user == "worker"
        assert dialogue.turns[0] == Step(say="有没有采茶的工作", intent=("job_search",))
        assert dialogue.turns[1] == Step(press=2, contains=("采茶",))

    @pytest.mark.parametrize("change, message", [
        (("intent: job_search", "intnet: job_search"), "unknown turn key"),
        (("lang: zh-hans", "lang: zh-cn"), "'lang'"),
        (("lang: zh-hans", "lang: zh-hans\n    user: admin"), "'user'"),
        (("      - press: 2\n        contains: 采茶\n", ""), "2 to 5 turns"),
        (("      - press: 2\n", "      - press: 2\n        say: 好\n"), "exactly one of"),
        (("        contains: 采茶\n", ""), "at least one expectation"),
        (("contains: 采茶", "contains: []"), "non-empty list"),
    ])
    def test_malformed_files_are_refused(self, change, message):
        with pytest.raises(DialogueFormatError, match=message):
            self._parse(self.GOOD.replace(*change))

    def test_ids_are_unique_across_files(self, tmp_path: Path):
        (tmp_path / "one.yaml").write_text(self.GOOD, encoding="utf-8")
        (tmp_path / "two.yaml").write_text(self.GOOD, encoding="utf-8")
        with pytest.raises(DialogueFormatError, match="also used in one.yaml"):
            load_dialogues(tmp_path)


class TestCheckingATurn:
    def test_intent_and_words(self):
        step = Step(intent=("job_search",), contains=("符溪镇",), excludes=("客运中心",), any_of=("采茶", "制茶"))
        assert check_turn(step, "job_search", "符溪镇：采茶工（按斤计酬）", "zh-hans") == []
        problems = check_turn(step, "transport_question", "近期没有去符溪镇的专车。胜利街道汽车客运中心", "zh-hans")
        assert len(problems) == 3

    def test_case_is_ignored(self):
        assert check_turn(Step(contains=("ok",)), "", "OK then", "en") == []

    def test_a_traditional_reply_must_be_wholly_traditional(self):
        step = Step(contains=("雙福鎮",))
        assert check_turn(step, "job_search", "為您找到 12 個崗位（雙福鎮、採茶工）", "zh-hant") == []
        [problem] = check_turn(step, "job_search", "為您找到 12 個崗位（雙福鎮、采茶工）", "zh-hant")
        assert "采茶工" in problem
        assert check_turn(step, "job_search", "雙福鎮", "zh-hant", labels=["找工作（双福镇）"])

    def test_taiwan_forms_are_traditional_too(self):
        assert simplified_leaks("您的就業秘書會在群裡通知") == []
        assert simplified_leaks("您的就业秘书") == ["您的就业秘书"]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF) | st.sampled_from(" ，。1a"),
               max_size=30))
def test_text_converted_to_traditional_has_no_leaks(text):
    assert simplified_leaks(S2T.convert(text)) == []
