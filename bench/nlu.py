"""NLU benchmark: parse latency, training and load time, held-out macro-F1, and SMP2017-ECDT task 1 macro-F1."""

from __future__ import annotations

import json
import os
import platform
import random
import statistics
import tempfile
import time
from pathlib import Path

from bench._shared import shared_data

ROOT = Path(__file__).resolve().parents[1]
HELDOUT = ROOT / "tests" / "nlu" / "data" / "heldout.yml"


def _smp2017(folder: Path) -> dict[str, float]:
    """Train the same engine on SMP2017 train.jsonl (as Rasa YAML in a temp dir) and score test.jsonl."""
    from sklearn.metrics import f1_score

    from nlu.engine import NLU
    from nlu.rasa_format import Example, TrainingData, load_data, write_data

    def read(name: str) -> list[tuple[str, str]]:
        rows = [json.loads(line) for line in (folder / name).read_text(encoding="utf-8").splitlines() if line.strip()]
        return [(row["text"], row["label"]) for row in rows]

    train_rows, test_rows = read("train.jsonl"), read("test.jsonl")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "smp2017.yml"
        # Brackets would read as entity annotations; the data set has none, so they are dropped.
        examples = [Example(text.replace("[", " ").replace("]", " ").strip() or "?", label)
                    for text, label in train_rows]
        write_data(TrainingData(examples=examples), path)
        started = time.perf_counter()
        nlu = NLU.train(load_data(path))
        train_s = time.perf_counter() - started
    # Closed-set classification: the top-ranked intent, not the fallback, is the answer.
    predicted = [nlu.parse(text).intent_ranking[0][0] for text, _ in test_rows]
    gold = [label for _, label in test_rows]
    accuracy = sum(p == g for p, g in zip(predicted, gold, strict=True)) / len(gold)
    return {"macro_f1": float(f1_score(gold, predicted, average="macro")), "accuracy": accuracy,
            "train_s": train_s, "train_n": len(train_rows), "test_n": len(test_rows)}


def main(argv: list[str]) -> int:
    from nlu import load_nlu
    from nlu.engine import DEFAULT_DATA, NLU, fingerprint, timed_train
    from nlu.rasa_format import load_data

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    print(f"machine: nproc={os.cpu_count()}, {cpu}, Python {platform.python_version()}")
    nlu, train_s = timed_train(DEFAULT_DATA)
    print(f"train: {len(load_data(DEFAULT_DATA).examples)} examples in {train_s:.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        model = Path(tmp) / "nlu.pkl"
        nlu.save(model)
        started = time.perf_counter()
        loaded = NLU.load(model)
        load_s = time.perf_counter() - started
        # load_nlu adds the fingerprint check (hashing data and code) on top of unpickling.
        started = time.perf_counter()
        assert load_nlu(model_path=model).fingerprint == fingerprint(DEFAULT_DATA)
        load_nlu_s = time.perf_counter() - started
    print(f"load: unpickle {load_s * 1000:.0f} ms, load_nlu with fingerprint check {load_nlu_s * 1000:.0f} ms")

    texts = [ex.text for ex in load_data(HELDOUT).examples]
    texts += ["有没得采茶的活路", "穩崗補貼怎麼領", "我想去绍兴进厂，工资五千以上，电话13812345678", "明天有去东莞的包车不",
              "", "😀😀😀", "好", "老板欠了我三个月工资，一天150块，包工头跑了" * 3]
    random.Random(0).shuffle(texts)
    for text in texts:  # warm-up: first-use caches
        loaded.parse(text)
    timings = []
    for _ in range(10):
        for text in texts:
            started = time.perf_counter()
            loaded.parse(text)
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    p50 = statistics.median(timings)
    p99 = timings[int(len(timings) * 0.99) - 1]
    per_s = len(timings) / (sum(timings) / 1000)
    print(f"parse: {len(timings)} parses, p50 {p50:.2f} ms, p99 {p99:.2f} ms, {per_s:.0f}/s")

    report = loaded.evaluate(load_data(HELDOUT).examples)
    print(f"held-out: {report['examples']} examples, intent accuracy {report['intent_accuracy']:.3f}, "
          f"macro-F1 {report['intent_macro_f1']:.3f}, entity F1 {report['entities']['f1']:.3f}")

    smp_f1 = None
    folder = shared_data("smp2017-ecdt-task1")
    if folder is not None:
        smp = _smp2017(folder)
        smp_f1 = round(smp["macro_f1"], 4)
        print(f"smp2017-ecdt task 1: train {smp['train_n']} in {smp['train_s']:.1f} s, test {smp['test_n']}: "
              f"macro-F1 {smp['macro_f1']:.4f}, accuracy {smp['accuracy']:.4f}")
    print(json.dumps({
        "parse_p50_ms": round(p50, 3), "parse_p99_ms": round(p99, 3), "parses_per_s": round(per_s),
        "train_s": round(train_s, 2), "load_s": round(load_nlu_s, 3),
        "heldout_macro_f1": round(report["intent_macro_f1"], 4), "smp2017_macro_f1": smp_f1,
    }))
    return 0
