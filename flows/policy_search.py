"""Rank policies (and their FAQ entries) for a worker's or employer's question: BM25 over jieba words and bigrams.

Pure and in-memory: the knowledge base is a few dozen policies, so an index is rebuilt in milliseconds
whenever staff change a file, and a search costs well under a millisecond. Written by hand (no rank_bm25
or search engine) because the scoring needs field weights, a hint from the NLU and a confidence that
the conversation flows can act on, which off-the-shelf BM25 packages don't expose.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from opencc import OpenCC

from flows.words import add_word, cut
from storage.policy_files import PolicyDoc

# Field weights: names and the way people phrase questions say most about which policy is meant;
# the long procedural texts mention many policies' words in passing and would blur the ranking.
FIELD_WEIGHTS: dict[str, float] = {
    "key": 4.0,
    "title": 3.0,
    "aliases": 3.0,
    "faq_questions": 2.0,
    "summary": 1.0,
    "key_points": 1.0,
    "eligibility": 1.0,
    "how_to_apply": 0.5,
    "faq_answers": 0.5,
}
BIGRAM_WEIGHT = 0.5  # bigrams catch words jieba splits differently (dialect, typos) without dominating
FAQ_SHARE = 0.5  # how much the best FAQ question's score adds to its policy's score
HINT_BOOST = 0.6  # fraction of the best raw score added to the policy the NLU named
NAME_BOOST = 0.3  # the same for a policy whose name or alias appears verbatim in the question
OTHER_AUDIENCE = 0.7  # a worker may still ask about an employer policy: down-weight, don't exclude
EXPIRED = 0.75  # an ended measure answers only when asked for specifically; in-force ones come first
MIN_SCORE = 10.0  # calibrated on tests/data/policy_questions.yaml: off-topic chat stays below
MIN_COVERAGE = 0.2  # share of the question's (idf-weighted) words the top policy contains
MAX_SECOND_RATIO = 0.8  # the runner-up must be clearly behind for the answer to be confident

# Sichuanese (and general colloquial) words → Mandarin, applied before tokenising. Longest first.
DIALECT: dict[str, str] = {
    "啥子": "什么",
    "咋个": "怎么",
    "啷个": "怎么",
    "咋子": "怎么",
    "咋": "怎么",
    "啥": "什么",
    "莫得": "没有",
    "没得": "没有",
    "晓得": "知道",
    "要得": "可以",
    "巴适": "好",
    "安逸": "好",
    "好多钱": "多少钱",
    "好多": "多少",
    "活路": "工作",
    "找活": "找工作",
    "打工": "务工",
    "耍起": "失业",
    "歇菜": "失业",
    "着炒了": "被辞退",
    "遭开除": "被辞退",
    "遭辞退": "被辞退",
    "遭炒": "被辞退",
    "遭": "被",
    "噻": "",
    "嘛": "",
    "哇": "",
}
_DIALECT_RE = re.compile("|".join(sorted(map(re.escape, DIALECT), key=len, reverse=True)))

# Words that say nothing about which policy is meant: question words, particles, pronouns.
STOPWORDS = frozenset(
    """的 了 吗 呢 吧 啊 呀 么 是 有 在 和 与 及 或 我 你 他 她 我们 你们 他们 咱 咱们 这 那 这个 那个 个 一 一下
    什么 怎么 怎么样 怎样 如何 哪 哪里 哪儿 哪些 哪个 多少 几 能 能不能 可以 可不可以 可 会 要 想 请问 请 问 问一下
    没有 不 就 都 时候 一点 点 些 东西 事 事情 办法 咋办 怎么办 也 还 又 才 给 让 把 被 对 从 到 去 来 上 下 里 中 吗 嗯 哦 喔 呗 知道 现在 还有 有没有 是不是 没
    the a an is are am do does did i we you my our your what how can could to of for in on and or it this that
    there any me please""".split()
)

_T2S = OpenCC("t2s")
_CJK = re.compile(r"[\u3400-\u9fff]+")
_LATIN = re.compile(r"[a-z][a-z0-9\-']*|\d+")


def normalize_query(text: str) -> str:
    """Traditional → simplified, full-width → half-width, lower case, dialect words → Mandarin."""
    text = unicodedata.normalize("NFKC", text or "")
    text = _T2S.convert(text).lower()
    return _DIALECT_RE.sub(lambda m: DIALECT[m.group(0)], text)


def _stem(word: str) -> str:
    # Plural/gerund endings only: enough for "subsidies" ~ "subsidy", "loans" ~ "loan" in a small vocabulary.
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def features(text: str, *, normalized: bool = False) -> Counter[str]:
    """Weighted terms of a text: jieba search-mode words, CJK character bigrams, stemmed Latin words."""
    if not normalized:
        text = normalize_query(text)
    out: Counter[str] = Counter()
    for run in _CJK.findall(text):
        for word in cut(run, search=True):
            if word not in STOPWORDS:
                out[word] += 1.0
        for a, b in zip(run, run[1:], strict=False):
            gram = a + b
            if gram not in STOPWORDS:
                out["\u00b7" + gram] += BIGRAM_WEIGHT  # marked so a bigram never collides with a jieba word
    for word in _LATIN.findall(text):
        if word not in STOPWORDS:
            out[_stem(word)] += 1.0
    return out


def add_words(words: Iterable[str]) -> None:
    """Teach jieba policy names so 稳岗返还 stays one token instead of 稳岗 + 返还."""
    for word in words:
        word = normalize_query(word).strip()
        if _CJK.fullmatch(word) and len(word) >= 2:
            add_word(word)


class _BM25:
    """Okapi BM25 over weighted term frequencies (BM25F-style: field weight multiplies the count)."""

    def __init__(self, docs: list[Counter[str]], k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = k1, b
        self.n = len(docs)
        lengths = [sum(d.values()) for d in docs]
        avg = (sum(lengths) / self.n) if self.n else 1.0
        self.norm = [k1 * (1 - b + b * length / (avg or 1.0)) for length in lengths]
        self.postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, doc in enumerate(docs):
            for term, tf in doc.items():
                self.postings[term].append((i, tf))
        self.idf = {
            t: math.log(1 + (self.n - len(p) + 0.5) / (len(p) + 0.5)) for t, p in self.postings.items()
        }

    def scores(self, query: Counter[str]) -> tuple[dict[int, float], dict[int, float], float]:
        """(score per doc, idf-weighted matched query weight per doc, total idf-weighted query weight)."""
        scores: dict[int, float] = defaultdict(float)
        matched: dict[int, float] = defaultdict(float)
        total = 0.0
        for term, qw in query.items():
            idf = self.idf.get(term)
            if idf is None:
                # Unknown words still count in the total: a question mostly about something else is not a match.
                total += qw * math.log(1 + (self.n + 0.5) / 0.5)
                continue
            total += qw * idf
            for i, tf in self.postings[term]:
                scores[i] += qw * idf * tf * (self.k1 + 1) / (tf + self.norm[i])
                matched[i] += qw * idf
        return scores, matched, total


@dataclass(frozen=True, slots=True)
class PolicyHit:
    """One ranked answer candidate: the policy key, its score, the best FAQ entry, and whether to trust it."""

    key: str
    score: float
    faq_index: int | None
    confident: bool


class PolicyIndex:
    """Search structure over policies; build with `build` (policy files) or `build_from_texts` (plain documents)."""

    def __init__(
        self,
        keys: list[str],
        audiences: list[str],
        names: list[frozenset[str]],
        docs: list[Counter[str]],
        faq_docs: list[Counter[str]],
        faq_owner: list[tuple[int, int]],
        policies: dict[str, PolicyDoc],
    ):
        self.keys = keys
        self.audiences = audiences
        self.names = names
        self.policies = policies
        self.ends: list[dt.date | None] = [policies[k].effective_to if k in policies else None for k in keys]
        self._docs = _BM25(docs)
        self._faq = _BM25(faq_docs) if faq_docs else None
        self._faq_owner = faq_owner

    def __len__(self) -> int:
        return len(self.keys)

    @classmethod
    def build(cls, docs: list[PolicyDoc]) -> PolicyIndex:
        """Index policy documents: weighted fields per policy, plus each FAQ question on its own."""
        add_words(name for doc in docs for name in (doc.key, *doc.aliases))
        units: list[Counter[str]] = []
        faq_units: list[Counter[str]] = []
        faq_owner: list[tuple[int, int]] = []
        for i, doc in enumerate(docs):
            fields = {
                "key": [doc.key],
                "title": [doc.title],
                "aliases": list(doc.aliases),
                "faq_questions": [f.question for f in doc.faq],
                "summary": [doc.summary],
                "key_points": list(doc.key_points),
                "eligibility": list(doc.eligibility),
                "how_to_apply": list(doc.how_to_apply),
                "faq_answers": [f.answer for f in doc.faq],
            }
            unit: Counter[str] = Counter()
            for field, texts in fields.items():
                weight = FIELD_WEIGHTS[field]
                for text in texts:
                    for term, tf in features(text).items():
                        unit[term] += weight * tf
            units.append(unit)
            for j, entry in enumerate(doc.faq):
                faq_units.append(features(entry.question) + _scaled(features(entry.answer), 0.3))
                faq_owner.append((i, j))
        names = [frozenset(normalize_query(n).strip() for n in (d.key, *d.aliases)) for d in docs]
        return cls(
            keys=[d.key for d in docs],
            audiences=[d.audience for d in docs],
            names=names,
            docs=units,
            faq_docs=faq_units,
            faq_owner=faq_owner,
            policies={d.key: d for d in docs},
        )

    @classmethod
    def build_from_texts(cls, items: Iterable[tuple[str, str]], *, title_chars: int = 0) -> PolicyIndex:
        """Index plain (key, text) documents, e.g. a crawl of policy releases; no FAQ, no audience.

        `title_chars` > 0 gives the opening characters (where a release states its title) the title weight.
        """
        keys: list[str] = []
        units: list[Counter[str]] = []
        for key, text in items:
            text = normalize_query(text)
            unit = features(text, normalized=True)
            if title_chars:
                unit += _scaled(features(text[:title_chars], normalized=True), FIELD_WEIGHTS["title"] - 1)
            keys.append(key)
            units.append(unit)
        return cls(keys, ["both"] * len(keys), [frozenset()] * len(keys), units, [], [], {})

    def search(
        self,
        query: str,
        *,
        policy_hint: str | None = None,
        audience: str | None = None,
        limit: int = 3,
        today: dt.date | None = None,
    ) -> list[PolicyHit]:
        """Best policies for `query`, best first.

        `policy_hint` is the NLU's `policy` entity, `audience` the asker (worker | employer), `today` the date
        against which expired policies are ranked below in-force ones (default: the system date).
        """
        text = normalize_query(query)
        terms = features(text, normalized=True)
        raw, matched, total = self._docs.scores(terms)
        scores = dict(raw)
        best_faq: dict[int, tuple[float, int]] = {}
        if self._faq is not None:
            faq_scores, _, _ = self._faq.scores(terms)
            for u, s in faq_scores.items():
                owner, j = self._faq_owner[u]
                if s > best_faq.get(owner, (0.0, -1))[0]:
                    best_faq[owner] = (s, j)
            for owner, (s, _) in best_faq.items():
                scores[owner] = scores.get(owner, 0.0) + FAQ_SHARE * s
        hinted = self._hinted(policy_hint)
        named = self._named(text)
        top_raw = max(scores.values(), default=0.0)
        for i in hinted:
            scores[i] = scores.get(i, 0.0) + HINT_BOOST * max(top_raw, MIN_SCORE)
        for i in named:
            scores[i] = scores.get(i, 0.0) + NAME_BOOST * max(top_raw, MIN_SCORE)
        if audience in ("worker", "employer"):
            for i in scores:
                if self.audiences[i] not in (audience, "both"):
                    scores[i] *= OTHER_AUDIENCE
        today = today or dt.date.today()
        for i in scores:
            end = self.ends[i]
            if end is not None and end < today and i not in hinted:
                scores[i] *= EXPIRED
        ranked = sorted((i for i in scores if scores[i] > 0), key=lambda i: (-scores[i], i))
        hits: list[PolicyHit] = []
        for rank, i in enumerate(ranked[:limit]):
            confident = False
            if rank == 0:
                second = scores[ranked[1]] if len(ranked) > 1 else 0.0
                coverage = matched.get(i, 0.0) / total if total else 0.0
                # Named by the NLU or, alone, by the asker: the question is about that policy however short it is.
                confident = i in hinted or named == {i} or (
                    scores[i] >= MIN_SCORE and coverage >= MIN_COVERAGE and second <= MAX_SECOND_RATIO * scores[i]
                )
            faq = best_faq.get(i)
            hits.append(PolicyHit(self.keys[i], round(scores[i], 4), faq[1] if faq else None, confident))
        return hits

    def _named(self, text: str) -> set[int]:
        """Policies whose key or alias the question spells out, longest name winning (技能培训补贴 ⊂ 线上…)."""
        found = [(n, i) for i, names in enumerate(self.names) for n in names if len(n) >= 3 and n in text]
        return {i for n, i in found if not any(n != m and n in m and j != i for m, j in found)}

    def _hinted(self, hint: str | None) -> set[int]:
        if not hint:
            return set()
        hint = normalize_query(hint).strip()
        exact = {i for i, names in enumerate(self.names) if hint in names}
        if exact:
            return exact
        # The NLU may give a near-canonical form (稳岗补贴 vs 稳岗返还 is an alias; 稳岗 alone is a prefix).
        return {i for i, names in enumerate(self.names) if any(hint in n or n in hint for n in names if len(n) > 1)}


def _scaled(counter: Counter[str], factor: float) -> Counter[str]:
    return Counter({k: v * factor for k, v in counter.items()})
