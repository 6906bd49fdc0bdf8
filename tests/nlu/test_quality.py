"""Model quality on the held-out file, and the shape of the shipped training data."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from nlu import NLU
from nlu.normalise import normalise
from nlu.rasa_format import load_data
from tests.nlu.conftest import HELDOUT, TODAY

INTENTS = (
    "greet goodbye thanks affirm deny help bot_challenge job_search job_apply register update_profile report_employed "
    "policy_question training_question training_enroll transport_question wage_arrears human_handoff subscribe "
    "unsubscribe out_of_scope bureau_info other_service"
).split()
NEWER_INTENTS = {"bureau_info", "other_service"}
ENTITIES = {"job_category", "location", "salary", "policy", "training", "phone", "date", "job_attribute", "order", "age"}
POLICIES = ("稳岗返还 社保免减缓 公益性岗位 一次性吸纳就业补贴 创业担保贷款 职业培训补贴 失业保险金 以工代训补贴 返乡创业补贴 交通补贴 "
            "就业见习补贴 灵活就业社保补贴 失业补助金 求职创业补贴 技能提升补贴").split()
TRAININGS = "采茶技术 制茶技术 电焊 家政服务 电工 厨师 养老护理 电商直播 挖掘机驾驶 农业种植".split()
DEMO = Path(__file__).resolve().parents[2] / "storage" / "demo"


@pytest.fixture(scope="module")
def report(nlu: NLU) -> dict:
    return nlu.evaluate(load_data(HELDOUT).examples, today=TODAY)


class TestHeldOut:
    def test_intent_macro_f1(self, report: dict) -> None:
        assert report["intent_macro_f1"] >= 0.95, report["confusions"]

    def test_entity_precision_recall_f1(self, report: dict) -> None:
        # Measured 1.000 / 0.983 / 0.991 (docs/BENCHMARKS.md, "Entities"); before issue #12: 0.914 each.
        errors = [e for e in report["errors"] if "gold" not in e]
        assert report["entities"]["precision"] >= 0.97, errors
        assert report["entities"]["recall"] >= 0.95, errors
        assert report["entities"]["f1"] >= 0.96, errors

    def test_heldout_is_independent_of_the_training_data(self, nlu: NLU) -> None:
        """Written without seeing nlu/data; only everyday short phrases (你好, 退订) coincide with it."""
        trained = {normalise(e.text).text for e in load_data(Path("nlu/data")).examples}
        held = load_data(HELDOUT).examples
        same = [e for e in held if normalise(e.text).text in trained]
        assert len(same) <= 0.2 * len(held), [e.text for e in same]
        counts = Counter(e.intent for e in held)
        # Written before bureau_info and other_service existed: those two have their own file (test_bureau.py).
        assert set(counts) == set(INTENTS) - NEWER_INTENTS and min(counts.values()) >= 4
        unseen = [e for e in held if e not in same]
        report = nlu.evaluate(unseen, today=TODAY)
        # The strict measure: only phrasings the model never saw (docs/BENCHMARKS.md records both figures).
        print(f"held-out: {len(held)} examples; {len(unseen)} unseen phrasings, macro-F1 "
              f"{report['intent_macro_f1']:.3f}, entity F1 {report['entities']['f1']:.3f}")
        assert report["intent_macro_f1"] >= 0.95, report["confusions"]
        assert report["entities"]["f1"] >= 0.96


class TestEntityFiles:
    """Entity precision and recall on the other labelled files, at what was measured less a small margin.

    dev.yml is a regression set; entities_dev.yml was written from the demo county's vocabulary before nlu/data
    was read, and used to check that removing spurious entities kept recall (so it is not a blind test);
    heldout_entities.yml is the blind one.
    """

    @pytest.mark.parametrize(
        ("name", "precision", "recall", "f1"),
        [
            ("dev.yml", 0.95, 0.95, 0.95),  # measured 0.975 / 0.975 / 0.975 (before: 0.950 each)
            ("entities_dev.yml", 0.97, 0.96, 0.97),  # measured 0.991 / 0.986 / 0.989 (before: 0.941 each)
            # Written blind on another branch; measured once when the work was done, never tuned to:
            # 0.990 / 0.927 / 0.958 (before: 0.947 / 0.900 / 0.923).
            ("heldout_entities.yml", 0.97, 0.90, 0.93),
        ],
    )
    def test_thresholds(self, nlu: NLU, name: str, precision: float, recall: float, f1: float) -> None:
        report = nlu.evaluate(load_data(HELDOUT.parent / name).examples, today=TODAY)
        errors = [e for e in report["errors"] if "gold" not in e]
        assert report["entities"]["precision"] >= precision, errors
        assert report["entities"]["recall"] >= recall, errors
        assert report["entities"]["f1"] >= f1, errors


@pytest.fixture(scope="module")
def data():  # type: ignore[no-untyped-def]
    return load_data(Path("nlu/data"))


class TestTrainingData:
    def test_every_intent_has_fifty_examples(self, data) -> None:
        counts = Counter(e.intent for e in data.examples)
        assert set(counts) == set(INTENTS)
        assert min(counts.values()) >= 50, counts

    def test_entities_are_the_contracts(self, data) -> None:
        used = {s.entity for e in data.examples for s in e.entities}
        assert used == ENTITIES

    def test_canonical_job_categories_and_places(self, data) -> None:
        categories = yaml.safe_load((DEMO / "job_categories.yaml").read_text(encoding="utf-8"))
        geography = yaml.safe_load((DEMO / "geography.yaml").read_text(encoding="utf-8"))
        assert set(categories) <= set(data.lookups["job_category"])
        places = set(data.lookups["location"])
        assert set(geography["townships"]) <= places
        assert {v for t in geography["townships"].values() for v in t["villages"]} <= places
        assert set(geography["destinations"]) <= places
        values = {s.value for e in data.examples for s in e.entities if s.entity == "job_category"}
        values |= {v for v, items in data.synonyms.items() if v in categories}
        assert {v for v in values if v in categories}, "job_category values are canonical names"

    def test_policies_and_trainings_are_known(self, data) -> None:
        assert set(POLICIES) <= set(data.lookups["policy"])
        assert set(TRAININGS) <= set(data.lookups["training"])

    def test_a_phone_regex(self, data) -> None:
        assert data.regexes.get("phone")


class TestValuesAreCanonical:
    @pytest.mark.parametrize(
        ("text", "entity", "value"),
        [
            ("穩崗補貼咋個申請", "policy", "稳岗返还"),
            ("社保缓交咋个弄", "policy", "社保免减缓"),
            ("想学挖机", "training", "挖掘机驾驶"),
            ("有没得进厂的活路", "job_category", "普工"),
            ("双福有活路没", "location", "双福镇"),
            ("想去广东打工", "location", "广东"),
            ("我電話是13812345678", "phone", "13812345678"),
        ],
    )
    def test_value(self, nlu: NLU, text: str, entity: str, value: str) -> None:
        assert value in nlu.parse(text, today=TODAY).values(entity)
