"""Scoring an NLU on labelled examples: intent accuracy, macro-F1, per-intent report, confusions, entity P/R/F1."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import TYPE_CHECKING, Any

from sklearn.metrics import f1_score, precision_recall_fscore_support

from nlu.normalise import normalise
from nlu.rasa_format import EntitySpan, Example

if TYPE_CHECKING:
    from nlu.engine import NLU, Entity

# Entities scored only by files that annotate them.
SCORED_WHERE_ANNOTATED = ("job_attribute", "order", "age")
# Salary and date values are computed (and dates move with today), so an annotation that gives no explicit
# value is checked by kind and position only.
_COMPUTED = ("salary", "date")


def _entity_matches(gold: EntitySpan, found: Entity) -> bool:
    if gold.entity != found.entity or not (found.start < gold.end and gold.start < found.end):
        return False
    if gold.entity in _COMPUTED and gold.value == gold.text:
        return True
    gold_value = gold.value if not isinstance(gold.value, str) else normalise(gold.value).text
    found_value = found.value if not isinstance(found.value, str) else normalise(found.value).text
    return gold_value == found_value


def evaluate(nlu: NLU, examples: list[Example], *, today: date | None = None) -> dict[str, Any]:
    """A report dict; `errors` lists every misclassified example and entity miss for inspection."""
    gold_intents, predicted = [], []
    tp = fp = fn = 0
    per_entity: dict[str, Counter] = {}
    errors: list[dict[str, Any]] = []
    # What a job asks of a worker and the asker's age are scored only by a file that annotates them: one written
    # before those entities existed cannot say whether one found is right.
    annotated = {span.entity for ex in examples for span in ex.entities}
    unscored = set(SCORED_WHERE_ANNOTATED) - annotated
    for ex in examples:
        parse = nlu.parse(ex.text, today=today)
        gold_intents.append(ex.intent)
        predicted.append(parse.intent)
        if parse.intent != ex.intent:
            errors.append({"text": ex.text, "gold": ex.intent, "predicted": parse.intent,
                           "confidence": parse.confidence})
        unmatched = [e for e in parse.entities if e.entity not in unscored]
        for gold in ex.entities:
            hit = next((f for f in unmatched if _entity_matches(gold, f)), None)
            counts = per_entity.setdefault(gold.entity, Counter())
            if hit is None:
                fn += 1
                counts["fn"] += 1
                errors.append({"text": ex.text, "missed_entity": gold.entity, "value": gold.value})
            else:
                tp += 1
                counts["tp"] += 1
                unmatched.remove(hit)
        for extra in unmatched:
            fp += 1
            per_entity.setdefault(extra.entity, Counter())["fp"] += 1
            errors.append({"text": ex.text, "extra_entity": extra.entity, "value": extra.value})
    labels = sorted(set(gold_intents))
    precision, recall, f1, support = precision_recall_fscore_support(
        gold_intents, predicted, labels=labels, zero_division=0
    )
    confusions = Counter((g, p) for g, p in zip(gold_intents, predicted, strict=True) if g != p)

    def prf(t: int, p: int, n: int) -> dict[str, float]:
        pr = t / (t + p) if t + p else 1.0
        rc = t / (t + n) if t + n else 1.0
        return {"precision": pr, "recall": rc, "f1": 2 * pr * rc / (pr + rc) if pr + rc else 0.0,
                "support": t + n}

    return {
        "examples": len(examples),
        "intent_accuracy": sum(g == p for g, p in zip(gold_intents, predicted, strict=True)) / max(len(examples), 1),
        "intent_macro_f1": float(f1_score(gold_intents, predicted, labels=labels, average="macro", zero_division=0))
        if examples else 0.0,
        "per_intent": {
            label: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
            for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
        },
        "confusions": [{"gold": g, "predicted": p, "count": c} for (g, p), c in confusions.most_common()],
        "entities": prf(tp, fp, fn),
        "per_entity": {k: prf(c["tp"], c["fp"], c["fn"]) for k, c in sorted(per_entity.items())},
        "errors": errors,
    }
