"""Benchmark the NLU: training and load time, parse latency, held-out macro-F1, and SMP2017-ECDT task 1 macro-F1.

`python -m bench nlu --against REV` instead compares this tree with revision REV in one run: both versions are
trained in worker processes (bench/_nlu_worker.py) that take turns parsing, so they share the machine's load;
entity P/R/F1 per kind and intent macro-F1 on every held-out file, 5-fold cross-validation on this tree's
training data, parse p50/p99 and training time, old and new side by side.
"""

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
TEST_DATA = ROOT / "tests" / "nlu" / "data"
HELDOUT = TEST_DATA / "heldout.yml"
# The files entity figures are reported on, when present (heldout_entities.yml is written blind, on its own branch).
ENTITY_FILES = ("dev.yml", "heldout.yml", "entities_dev.yml", "heldout_entities.yml")
TODAY = date(2026, 3, 2)
ROUNDS = 20  # the held-out texts and the SMP test texts, repeated, for a p99 over thousands of parses


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _cold_load_s(model: Path, root: Path = ROOT) -> float:
    """Seconds for a fresh interpreter to import the package and load the cached model (what `mishu` pays)."""
    code = (
        "import time, sys; t = time.perf_counter(); from nlu.engine import NLU; "
        f"NLU.load({str(model)!r}).parse('你好'); print(time.perf_counter() - t)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
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


def _texts(heldout: list) -> list[str]:
    """The parse-latency texts: the held-out file and, when the research data is there, SMP2017's test texts."""
    texts = [ex.text for ex in heldout]
    folder = shared_data("smp2017-ecdt-task1")
    if folder is not None:
        texts += [json.loads(line)["text"] for line in (folder / "test.jsonl").read_text(encoding="utf-8").splitlines()
                  if line.strip()]
    return texts


class _Worker:
    """A bench/_nlu_worker.py process for one version of the nlu package."""

    def __init__(self, root: Path) -> None:
        self.process = subprocess.Popen([sys.executable, str(ROOT / "bench" / "_nlu_worker.py"), str(root)],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=root)
        self.ready = json.loads(self.process.stdout.readline())

    def ask(self, **command: object) -> dict:
        self.process.stdin.write(json.dumps(command, ensure_ascii=False) + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=60)


def _row(name: str, report: dict) -> str:
    e = report["entities"]
    return f"{name}: P {e['precision']:.3f} R {e['recall']:.3f} F1 {e['f1']:.3f} (n={e['support']})"


def compare(rev: str, *, cross_validate: bool = True) -> int:
    """Old (REV) and new (this tree) side by side; the last line is one JSON object of named figures."""
    from nlu.rasa_format import load_data

    files = [TEST_DATA / name for name in ENTITY_FILES if (TEST_DATA / name).exists()]
    texts = _texts(load_data(HELDOUT).examples)
    figures: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        old_root = Path(tmp)
        archive = subprocess.run(["git", "archive", rev, "nlu"], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(old_root)], input=archive, check=True)
        workers = {}
        for version, root in (("old", old_root), ("new", ROOT)):
            workers[version] = _Worker(root)
            figures[f"{version}_train_s"] = round(workers[version].ready["train_s"], 2)
            print(f"{version}: {workers[version].ready['package']} trained in "
                  f"{workers[version].ready['train_s']:.1f} s", file=sys.stderr)
        try:
            for path in files:
                key = path.stem
                for version, worker in workers.items():
                    report = worker.ask(do="evaluate", file=str(path))
                    print(f"{version} {_row(path.name, report)}; intent macro-F1 {report['intent_macro_f1']:.3f}; "
                          + ", ".join(f"{k} {v['precision']:.2f}/{v['recall']:.2f}/{v['f1']:.2f}"
                                      for k, v in report["per_entity"].items()), file=sys.stderr)
                    figures[f"{version}_{key}_entity_precision"] = round(report["entities"]["precision"], 4)
                    figures[f"{version}_{key}_entity_recall"] = round(report["entities"]["recall"], 4)
                    figures[f"{version}_{key}_entity_f1"] = round(report["entities"]["f1"], 4)
                    figures[f"{version}_{key}_intent_macro_f1"] = round(report["intent_macro_f1"], 4)
                    figures[f"{version}_{key}_per_entity_f1"] = {k: round(v["f1"], 3)
                                                                for k, v in report["per_entity"].items()}
            models = {version: Path(tmp) / f"{version}.pkl" for version in workers}
            for version, worker in workers.items():
                figures[f"{version}_model_kb"] = round(worker.ask(do="save", path=str(models[version]))["bytes"] / 1024)
            cold: dict[str, list[float]] = {version: [] for version in workers}
            for _ in range(5):  # a fresh process importing the package and loading the model, in turns
                for version in workers:
                    cold[version].append(_cold_load_s(models[version], old_root if version == "old" else ROOT))
            for version, values in cold.items():
                figures[f"{version}_cold_load_s"] = round(statistics.median(values), 3)
                print(f"{version}: model {figures[f'{version}_model_kb']} KB, fresh process to a ready model "
                      f"{figures[f'{version}_cold_load_s']} s (median of 5)", file=sys.stderr)
            latencies: dict[str, list[float]] = {version: [] for version in workers}
            for _ in range(ROUNDS):  # turns: each round of parses runs old, then new, on the same texts
                for version, worker in workers.items():
                    latencies[version] += worker.ask(do="parse", texts=texts)["latencies"]
            for version, values in latencies.items():
                figures[f"{version}_parse_p50_ms"] = round(statistics.median(values) * 1000, 3)
                figures[f"{version}_parse_p99_ms"] = round(_percentile(values, 0.99) * 1000, 3)
                print(f"{version}: {len(values)} parses, p50 {figures[f'{version}_parse_p50_ms']} ms, "
                      f"p99 {figures[f'{version}_parse_p99_ms']} ms", file=sys.stderr)
            if cross_validate:
                for version, worker in workers.items():
                    report = worker.ask(do="cross_validate", data=str(ROOT / "nlu" / "data"), folds=5)
                    print(f"{version} {_row('5-fold CV on this tree’s nlu/data', report)}; intent macro-F1 "
                          f"{report['intent_macro_f1']:.3f}", file=sys.stderr)
                    figures[f"{version}_cv_entity_precision"] = round(report["entities"]["precision"], 4)
                    figures[f"{version}_cv_entity_recall"] = round(report["entities"]["recall"], 4)
                    figures[f"{version}_cv_entity_f1"] = round(report["entities"]["f1"], 4)
                    figures[f"{version}_cv_intent_macro_f1"] = round(report["intent_macro_f1"], 4)
        finally:
            for worker in workers.values():
                worker.close()
    print(json.dumps(figures, ensure_ascii=False))
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["--against"] and len(argv) >= 2:
        return compare(argv[1], cross_validate="--no-cv" not in argv)
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

    texts = _texts(heldout)
    folder = shared_data("smp2017-ecdt-task1")
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
        "heldout_entity_f1": round(report["entities"]["f1"], 4),
        "smp2017_macro_f1": smp,
    }))
    return 0
