"""The parse contract: shape, offsets into the text as typed, helpers, and odd input that must never raise."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from nlu import NLU, Entity, Parse, load_nlu
from tests.nlu.conftest import TODAY


class TestShape:
    def test_as_rasa_has_exactly_rasas_keys(self, nlu: NLU) -> None:
        result = nlu.parse("有没得采茶的活路", today=TODAY).as_rasa()
        assert set(result) == {"text", "intent", "intent_ranking", "entities"}
        assert set(result["intent"]) == {"name", "confidence"}
        assert all(set(row) == {"name", "confidence"} for row in result["intent_ranking"])
        assert all(set(e) == {"entity", "value", "start", "end", "extractor"} for e in result["entities"])
        json.dumps(result, ensure_ascii=False)  # serialisable as is

    def test_ranking_is_sorted_and_led_by_the_intent(self, nlu: NLU) -> None:
        parse = nlu.parse("我想报名学电焊", today=TODAY)
        confidences = [c for _, c in parse.intent_ranking]
        assert confidences == sorted(confidences, reverse=True)
        assert parse.intent == parse.intent_ranking[0][0] == "training_enroll"
        assert 0.0 <= parse.confidence <= 1.0

    def test_tea_picking_in_sichuanese(self, nlu: NLU) -> None:
        text = "有没得采茶的活路"
        parse = nlu.parse(text, today=TODAY)
        assert parse.intent == "job_search"
        job = parse.entity("job_category")
        assert isinstance(job, Entity) and job.value == "采茶工"
        assert text[job.start:job.end].startswith("采茶")

    def test_helpers(self, nlu: NLU) -> None:
        parse = nlu.parse("想去绍兴或者东莞进厂", today=TODAY)
        assert parse.values("location") == ["绍兴", "东莞"]
        assert parse.entity("phone") is None
        assert isinstance(parse, Parse)


class TestEnglishTopics:
    """English questions go by their topic word, not by the shape they share with help or chit-chat ("what …
    do you offer", "is there a …")."""

    @pytest.mark.parametrize(
        ("text", "intent"),
        [
            ("is there a coach this Saturday?", "transport_question"),
            ("is there a bus to Ningbo next week", "transport_question"),
            ("which training courses do you offer?", "training_question"),
            ("what jobs do you offer", "job_search"),
            ("what services do you offer", "help"),
            ("are you a bot", "bot_challenge"),
        ],
    )
    def test_topic_word_decides(self, nlu: NLU, text: str, intent: str) -> None:
        assert nlu.parse(text, today=TODAY).intent == intent


class TestOffsets:
    @pytest.mark.parametrize(
        ("text", "entity", "surface", "value"),
        [
            ("有沒得採茶的活路", "job_category", "採茶", "采茶工"),  # traditional characters
            ("穩崗補貼咋個申請", "policy", "穩崗補貼", "稳岗返还"),
            ("我的電話是１３８１２３４５６７８", "phone", "１３８１２３４５６７８", "13812345678"),  # full-width
            ("就業(yè)補貼，我在双福住，電話13912345678", "phone", "13912345678", "13912345678"),
            ("😀😀想去　绍兴　打工！！！", "location", "绍兴", "绍兴"),
            ("就业（jiù yè）：想学电焊", "training", "电焊", "电焊"),
            ("双福这边有没有活路", "location", "双福", "双福镇"),
        ],
    )
    def test_offsets_index_the_text_as_typed(self, nlu: NLU, text: str, entity: str, surface: str, value: str) -> None:
        found = [e for e in nlu.parse(text, today=TODAY).entities if e.entity == entity]
        assert found, f"no {entity} in {text!r}"
        assert text[found[0].start:found[0].end].startswith(surface[:2])
        assert surface in text[found[0].start:found[0].end] or text[found[0].start:found[0].end] in surface
        assert found[0].value == value

    def test_salary_offsets_cover_the_chinese_numerals(self, nlu: NLU) -> None:
        text = "想找月薪五千以上的活路"
        salary = nlu.parse(text, today=TODAY).entity("salary")
        assert salary is not None and salary.value == {"min": 5000, "max": None, "unit": "month"}
        assert "五千" in text[salary.start:salary.end]

    def test_date_is_relative_to_today(self, nlu: NLU) -> None:
        text = "明天去绍兴的车几点走"
        parse = nlu.parse(text, today=TODAY)
        day = parse.entity("date")
        assert day is not None and day.value == "2026-03-03" and text[day.start:day.end] == "明天"
        assert parse.intent == "transport_question"

    def test_lunar_date_offsets_cover_the_characters_typed(self, nlu: NLU) -> None:
        text = "正月十五過後有沒得去廣東的車"
        day = nlu.parse(text, today=date(2026, 11, 29)).entity("date")
        assert day is not None and day.value == "2027-02-20" and text[day.start:day.end] == "正月十五"


class TestOddInput:
    @pytest.mark.parametrize(
        "text",
        [
            "",
            "   ",
            "😀🎉👍",
            "\x00\x07\x1b[31m\u200b\ufeff",
            "工作" * 5000,
            "a" * 10_000,
            "Hello 你好 こんにちは 안녕 привет 🙂 123",
            "[采茶](job_category)",
            "！！！？？？。。。",
            "\n\t\r",
            "\ud800",
        ],
    )
    def test_always_a_parse(self, nlu: NLU, text: str) -> None:
        parse = nlu.parse(text, today=TODAY)
        assert isinstance(parse, Parse) and isinstance(parse.intent, str)
        for e in parse.entities:
            assert 0 <= e.start <= e.end <= len(text)
        json.dumps(parse.as_rasa(), ensure_ascii=False)

    @pytest.mark.parametrize("text", ["", "😀😀", "   "])
    def test_nothing_to_understand_falls_back(self, nlu: NLU, text: str) -> None:
        assert nlu.parse(text, today=TODAY).intent == "nlu_fallback"



class TestFallback:
    def test_below_the_threshold_is_nlu_fallback_and_keeps_the_ranking(self, nlu: NLU, model_path: Path) -> None:
        confident = nlu.parse("你好，我想问下", today=TODAY).intent_ranking[0][1]
        strict = load_nlu(model_path=model_path, fallback_threshold=confident + 0.001, ambiguity_margin=0.0)
        parse = strict.parse("你好，我想问下", today=TODAY)
        assert parse.intent == "nlu_fallback"
        assert parse.intent_ranking and parse.intent_ranking[0][0] != "nlu_fallback"
        assert parse.intent_ranking == nlu.parse("你好，我想问下", today=TODAY).intent_ranking

    def test_ambiguity_margin(self, model_path: Path) -> None:
        # With a margin of 1 every parse is too close to its runner-up.
        loose = load_nlu(model_path=model_path, fallback_threshold=0.0, ambiguity_margin=1.0)
        assert loose.parse("有没得采茶的活路", today=TODAY).intent == "nlu_fallback"

    def test_cached_model_is_reused(self, nlu: NLU, model_path: Path) -> None:
        assert model_path.exists()
        again = load_nlu(model_path=model_path)
        assert again.fingerprint == nlu.fingerprint
