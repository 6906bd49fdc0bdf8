"""The bureau's intents on phrasings the model never saw (tests/nlu/data/bureau_heldout.yml)."""

from __future__ import annotations

from pathlib import Path

from nlu import NLU
from nlu.rasa_format import load_data
from tests.nlu.conftest import TODAY

HELDOUT = Path(__file__).parent / "data" / "bureau_heldout.yml"


def test_bureau_intents_on_unseen_phrasings(nlu: NLU) -> None:
    examples = load_data(HELDOUT).examples
    trained = {e.text for e in load_data(Path("nlu/data")).examples}
    assert not [e.text for e in examples if e.text in trained]
    report = nlu.evaluate(examples, today=TODAY)
    per_intent = report["per_intent"]
    print({name: round(per_intent[name]["f1"], 3) for name in ("bureau_info", "other_service")},
          round(report["intent_macro_f1"], 3))
    assert per_intent["bureau_info"]["f1"] >= 0.85, report["confusions"]
    assert per_intent["other_service"]["f1"] >= 0.85, report["confusions"]
