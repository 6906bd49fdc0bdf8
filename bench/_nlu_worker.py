"""One NLU version trained and measured on request, for `python -m bench nlu --against REV`.

Run as `python bench/_nlu_worker.py ROOT`, where ROOT holds an `nlu` package (this tree, or an older revision
unpacked by the benchmark). It trains on ROOT/nlu/data, says `{"ready": …}` on stdout, then answers one JSON
command a line: evaluate a file, time parses of some texts, or cross-validate on a data folder. Two workers
(old and new) take turns, so both see the same load on a shared machine. Only the standard library and the
`nlu` package of ROOT are imported, whatever that revision's code looks like.
"""

from __future__ import annotations

import copy
import json
import random
import sys
import time
from datetime import date
from pathlib import Path

TODAY = date(2026, 3, 2)


def _canonical(nlu, examples):  # type: ignore[no-untyped-def]
    """Gold values through the model's own synonyms: training annotations give surface forms (采茶 for 采茶工)."""
    from nlu.components import EntitySynonymMapper
    from nlu.normalise import normalise

    mapper = next((c for c in nlu.pipeline if isinstance(c, EntitySynonymMapper)), None)
    maps = mapper.maps if mapper is not None else {}
    out = []
    for example in examples:
        example = copy.deepcopy(example)
        for gold in example.entities:
            if isinstance(gold.value, str) and gold.entity not in ("salary", "date"):
                value = normalise(gold.value).text
                gold.value = maps.get(gold.entity, {}).get(value, maps.get("*", {}).get(value, value))
        out.append(example)
    return out


def _summary(report: dict) -> dict:
    return {"examples": report["examples"], "intent_macro_f1": report["intent_macro_f1"],
            "entities": report["entities"], "per_entity": report["per_entity"]}


def _cross_validate(data_dir: str, folds: int) -> dict:
    from nlu.engine import NLU
    from nlu.rasa_format import TrainingData, load_data

    data = load_data(Path(data_dir))
    examples = list(data.examples)
    random.Random(0).shuffle(examples)
    totals: dict[str, dict[str, int]] = {}
    gold_intents: list[str] = []
    predicted: list[str] = []
    for k in range(folds):
        test = examples[k::folds]
        train = [e for i, e in enumerate(examples) if i % folds != k]
        nlu = NLU.train(TrainingData(train, data.synonyms, data.lookups, data.regexes))
        report = nlu.evaluate(_canonical(nlu, test), today=TODAY)
        for kind, row in report["per_entity"].items():
            counts = totals.setdefault(kind, {"tp": 0, "fp": 0, "fn": 0})
            missed = sum(1 for e in report["errors"] if e.get("missed_entity") == kind)
            counts["tp"] += row["support"] - missed
            counts["fn"] += missed
            counts["fp"] += sum(1 for e in report["errors"] if e.get("extra_entity") == kind)
        gold_intents += [e.intent for e in test]
        predicted += [nlu.parse(e.text, today=TODAY).intent for e in test]
    from sklearn.metrics import f1_score

    def prf(c: dict[str, int]) -> dict[str, float]:
        p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0
        r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0
        return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
                "support": c["tp"] + c["fn"]}

    everything = {key: sum(c[key] for c in totals.values()) for key in ("tp", "fp", "fn")}
    labels = sorted(set(gold_intents))
    return {"examples": len(examples), "entities": prf(everything),
            "per_entity": {kind: prf(c) for kind, c in sorted(totals.items())},
            "intent_macro_f1": float(f1_score(gold_intents, predicted, labels=labels, average="macro",
                                              zero_division=0))}


def main(argv: list[str]) -> int:
    root = Path(argv[0]).resolve()
    sys.path.insert(0, str(root))
    import nlu as package
    from nlu.engine import NLU, fingerprint
    from nlu.rasa_format import load_data

    data_dir = root / "nlu" / "data"
    started = time.perf_counter()
    nlu = NLU.train(load_data(data_dir), fingerprint=fingerprint(data_dir))
    print(json.dumps({"ready": True, "package": str(Path(package.__file__).parent),
                      "train_s": time.perf_counter() - started}), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        if command["do"] == "evaluate":
            examples = load_data(Path(command["file"])).examples
            answer = _summary(nlu.evaluate(examples, today=TODAY))
        elif command["do"] == "parse":
            latencies = []
            for text in command["texts"]:
                begun = time.perf_counter()
                nlu.parse(text, today=TODAY)
                latencies.append(time.perf_counter() - begun)
            answer = {"latencies": latencies}
        elif command["do"] == "save":
            nlu.save(Path(command["path"]))
            answer = {"bytes": Path(command["path"]).stat().st_size}
        elif command["do"] == "cross_validate":
            answer = _cross_validate(command["data"], command.get("folds", 5))
        else:
            answer = {"error": f"unknown command {command['do']!r}"}
        print(json.dumps(answer), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
