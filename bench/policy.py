"""Benchmark policy retrieval: the demo knowledge base on its question set, and BM25 on the 2020 NCP policy QA data."""

from __future__ import annotations

import datetime as dt
import json
import statistics
import time
from pathlib import Path

import yaml

from bench._shared import shared_data
from flows.policy_search import PolicyIndex, add_words
from storage.policy_files import load_policy_files

ROOT = Path(__file__).resolve().parents[1]
POLICIES = ROOT / "storage" / "demo" / "policies"
QUESTIONS = ROOT / "tests" / "data" / "policy_questions.yaml"
ROUNDS = 10  # repeat the question set so p99 rests on ~900 searches, not 90
TODAY = dt.date(2026, 11, 28)  # the reference date of the demo knowledge base (which policies are expired)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def knowledge_base() -> dict[str, float]:
    """Top-1/top-3 accuracy and search latency of the demo knowledge base on tests/data/policy_questions.yaml."""
    add_words(["初始化"])  # loads jieba's dictionary now, so build time is the index's own cost
    docs = load_policy_files(POLICIES)
    start = time.perf_counter()
    index = PolicyIndex.build(docs)
    build_ms = (time.perf_counter() - start) * 1000
    questions = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))["questions"]
    top1 = top3 = confident = confident_right = 0
    latencies: list[float] = []
    for round_no in range(ROUNDS):
        for item in questions:
            start = time.perf_counter()
            hits = index.search(item["q"], audience=item.get("audience"), today=TODAY)
            latencies.append((time.perf_counter() - start) * 1000)
            if round_no:
                continue
            keys = [h.key for h in hits]
            top1 += keys[:1] == [item["key"]]
            top3 += item["key"] in keys
            if hits and hits[0].confident:
                confident += 1
                confident_right += keys[0] == item["key"]
    n = len(questions)
    print(f"knowledge base: {len(docs)} policies, index built in {build_ms:.1f} ms")
    print(f"  {n} questions: top-1 {top1 / n:.3f}, top-3 {top3 / n:.3f}")
    print(f"  confident on {confident / n:.3f} of them, of which right {confident_right / max(confident, 1):.3f}")
    print(f"  search latency over {len(latencies)} searches: p50 {statistics.median(latencies):.3f} ms, "
          f"p99 {_percentile(latencies, 0.99):.3f} ms")
    return {
        "kb_policies": len(docs),
        "kb_questions": n,
        "kb_top1": round(top1 / n, 4),
        "kb_top3": round(top3 / n, 4),
        "kb_confident": round(confident / n, 4),
        "kb_confident_precision": round(confident_right / max(confident, 1), 4),
        "kb_build_ms": round(build_ms, 2),
        "search_p50_ms": round(statistics.median(latencies), 4),
        "search_p99_ms": round(_percentile(latencies, 0.99), 4),
    }


def _jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def ncp(folder: Path) -> dict[str, float]:
    """Document retrieval on the DataFountain 2020 policy QA data: question → the policy release that answers it."""
    documents = _jsonl(folder / "policy_docs_subset.jsonl")
    start = time.perf_counter()
    index = PolicyIndex.build_from_texts(((d["docid"], d["text"]) for d in documents), title_chars=40)
    build_s = time.perf_counter() - start
    known = set(index.keys)
    sets: dict[str, list[tuple[str, str]]] = {"local": [], "employment": []}
    for name in ("local_train_with_context.jsonl", "local_dev_with_context.jsonl"):
        sets["local"] += [(r["question"], r["docid"]) for r in _jsonl(folder / name) if r["docid"] in known]
    sets["employment"] = [
        (r["question"], r["docid"]) for r in _jsonl(folder / "employment_subset_qa.jsonl") if r["docid"] in known
    ]
    # The two sources overlap (the same QA pair can be in both); count each question–document pair once.
    combined = sorted(set(sets["local"]) | set(sets["employment"]))
    print(f"ncp-policies-qa-2020: {len(documents)} documents indexed in {build_s:.2f} s")
    figures: dict[str, float] = {}
    latencies: list[float] = []
    for name, pairs in (*sets.items(), ("all", combined)):
        at1 = at5 = 0
        for question, docid in pairs:
            start = time.perf_counter()
            keys = [h.key for h in index.search(question, limit=5)]
            latencies.append((time.perf_counter() - start) * 1000)
            at1 += keys[:1] == [docid]
            at5 += docid in keys
        n = len(pairs)
        print(f"  {name}: {n} questions, recall@1 {at1 / n:.3f}, recall@5 {at5 / n:.3f}")
        prefix = "ncp" if name == "all" else f"ncp_{name}"
        figures |= {
            f"{prefix}_questions": n,
            f"{prefix}_recall_at_1": round(at1 / n, 4),
            f"{prefix}_recall_at_5": round(at5 / n, 4),
        }
    print(f"  search latency over 599 documents: p50 {statistics.median(latencies):.2f} ms, "
          f"p99 {_percentile(latencies, 0.99):.2f} ms")
    figures |= {
        "ncp_documents": len(documents),
        "ncp_build_s": round(build_s, 2),
        "ncp_search_p50_ms": round(statistics.median(latencies), 3),
        "ncp_search_p99_ms": round(_percentile(latencies, 0.99), 3),
    }
    return figures


def main(argv: list[str]) -> int:
    """Print progress and, last, one JSON object of the figures."""
    figures = knowledge_base()
    folder = shared_data("ncp-policies-qa-2020")
    if folder is not None:
        figures |= ncp(folder)
    print(json.dumps(figures, ensure_ascii=False))
    return 0
