"""Benchmark the NLU: training and load time, parse latency, held-out macro-F1, and SMP2017-ECDT task 1 macro-F1."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from bench._shared import shared_data

ROOT = Path(__file__).resolve().parents[1]
HELDOUT = ROOT / "tests" / "nlu" / "data" / "heldout.yml"
TODAY = date(2026, 3, 2)
ROUNDS = 20  # the held-out texts and the SMP test texts, repeated, for a p99 over thousands of parses


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _cold_load_s(model: Path) -> float:
    """Seconds for a fresh interpreter to import the package and load the cached model (what `mishu` pays)."""
    code = (
        "import time, sys; t = time.perf_counter(); from nlu.engine import NLU; "
        f"NLU.load({str(model)!r}).parse('你好'); print(time.perf_counter() - t)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return float(result.stdout.strip().splitlines()[-1])


def _smp2017(folder: Path) -> float:
    """Train the same pipeline on SMP2017 train.jsonl (converted to Rasa YAML in a temp dir), macro-F1 on test."""
    from sklearn.metrics import f1_score

    from nlu.engine import NLU
    from nlu.rasa_format import Example, TrainingData, write_data

    def rows(name: str) -> list[dict]:
        return [json.loads(line) for line in (folder / name).read_text(encoding="utf-8").splitlines() if line.strip()]

    train = TrainingData(examples=[Example(r["text"], r["label"]) for r in rows("train.jsonl") if r["text"].strip()])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "smp2017.yml"
        write_data(train, path)  # through the Rasa format, as a team bringing its data would
        from nlu.rasa_format import load_data

        started = time.perf_counter()
        nlu = NLU.train(load_data(path))
        print(f"smp2017: trained on {len(train.examples)} examples in {time.perf_counter() - started:.1f} s",
              file=sys.stderr)
    test = rows("test.jsonl")
    # The top-ranked intent is scored: SMP has no fallback class, so abstaining would only count as wrong.
    predicted = [nlu.parse(r["text"]).intent_ranking[0][0] for r in test]
    return float(f1_score([r["label"] for r in test], predicted, average="macro"))


def main(argv: list[str]) -> int:
    from nlu.engine import DEFAULT_DATA, NLU, fingerprint
    from nlu.rasa_format import load_data

    print("training on nlu/data ...", file=sys.stderr)
    started = time.perf_counter()
    data = load_data(DEFAULT_DATA)
    nlu = NLU.train(data, fingerprint=fingerprint(DEFAULT_DATA))
    train_s = time.perf_counter() - started
    print(f"trained {len(data.examples)} examples in {train_s:.1f} s", file=sys.stderr)

    with tempfile.TemporaryDirectory() as tmp:
        model = Path(tmp) / "nlu.pkl"
        nlu.save(model)
        started = time.perf_counter()
        NLU.load(model)
        load_s = time.perf_counter() - started
        cold_s = _cold_load_s(model)
    print(f"model load {load_s * 1000:.0f} ms (fresh process incl. imports: {cold_s:.2f} s)", file=sys.stderr)

    heldout = load_data(HELDOUT).examples
    report = nlu.evaluate(heldout, today=TODAY)
    print(f"held-out: macro-F1 {report['intent_macro_f1']:.3f}, entity F1 {report['entities']['f1']:.3f}",
          file=sys.stderr)

    texts = [ex.text for ex in heldout]
    folder = shared_data("smp2017-ecdt-task1")
    if folder is not None:
        texts += [json.loads(line)["text"] for line in (folder / "test.jsonl").read_text(encoding="utf-8").splitlines()
                  if line.strip()]
    latencies = []
    for _ in range(ROUNDS):
        for text in texts:
            begun = time.perf_counter()
            nlu.parse(text, today=TODAY)
            latencies.append(time.perf_counter() - begun)
    print(f"{len(latencies)} parses", file=sys.stderr)

    smp = None
    if folder is not None:
        print("smp2017-ecdt-task1 ...", file=sys.stderr)
        smp = round(_smp2017(folder), 4)

    print(json.dumps({
        "parse_p50_ms": round(statistics.median(latencies) * 1000, 3),
        "parse_p99_ms": round(_percentile(latencies, 0.99) * 1000, 3),
        "parses_per_s": round(len(latencies) / sum(latencies)),
        "train_s": round(train_s, 2),
        "load_s": round(load_s, 3),
        "heldout_macro_f1": round(report["intent_macro_f1"], 4),
        "smp2017_macro_f1": smp,
    }))
    return 0
