"""The NLU's trainable parts, Rasa graph-component style: each has defaults, `train` and `process`."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from nlu.ages import find_ages
from nlu.boundaries import Cut, WordBoundaries
from nlu.dates import find_dates
from nlu.normalise import Normalised, normalise
from nlu.orders import find_orders, find_pay_questions
from nlu.ordinals import find_ordinals
from nlu.rasa_format import TrainingData
from nlu.salary import find_salaries, pay_context
from nlu.senses import HOME_INTENTS, Senses, has_cue

FALLBACK_INTENT = "nlu_fallback"
# Entities that say how a message continues the conversation rather than what it asks about (flows/dialogue.py).
CUE_ENTITIES = ("ordinal", "order", "attribute", "more", "act")


@dataclass
class FoundEntity:
    """An entity found in the normalised text; spans index the normalised text until the end of the pipeline."""

    entity: str
    value: Any
    start: int
    end: int
    extractor: str


@dataclass
class Message:
    """What flows through the pipeline: the text and everything learned about it."""

    text: str
    today: date | None = None
    intent: str | None = None  # the gold intent while training
    norm: Normalised | None = None
    tokens: list[str] = field(default_factory=list)
    features: Any = None
    ranking: list[tuple[str, float]] = field(default_factory=list)
    entities: list[FoundEntity] = field(default_factory=list)


class Component(ABC):
    """A pipeline part: configured by defaults plus overrides, trained on data, applied to one message."""

    defaults: ClassVar[dict[str, Any]] = {}

    def __init__(self, **config: Any) -> None:
        unknown = set(config) - set(self.defaults)
        if unknown:
            raise ValueError(f"{type(self).__name__}: unknown option(s) {sorted(unknown)}")
        self.config = {**self.defaults, **config}

    def train(self, data: TrainingData, messages: list[Message]) -> None:
        """Learn from the training data; `messages` are the examples already processed by earlier parts."""
        for message in messages:
            self.process(message)

    @abstractmethod
    def process(self, message: Message) -> None:
        """Add this part's output (features, intent, entities) to the message."""


class Normaliser(Component):
    """Traditional → simplified, full-width → half-width, pinyin annotations and emoji out, numerals to digits."""

    def process(self, message: Message) -> None:
        message.norm = normalise(message.text)


_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?|\d+(?:\.\d+)?|[\u4e00-\u9fff]|[^\s\w]", re.IGNORECASE)


class CharTokenizer(Component):
    """Latin words and numbers as tokens, each CJK character a token (no dictionary to load)."""

    def process(self, message: Message) -> None:
        message.tokens = _TOKEN.findall(message.norm.text)


class JiebaTokenizer(Component):
    """Words by jieba with the domain's names added to its dictionary (loaded once per process)."""

    defaults: ClassVar[dict[str, Any]] = {"lookups": ("job_category", "location", "policy", "training")}
    _words: ClassVar[set[str]] = set()

    def train(self, data: TrainingData, messages: list[Message]) -> None:
        self.words = sorted({normalise(w).text for name in self.config["lookups"] for w in data.lookups.get(name, [])})
        self.ready = False
        super().train(data, messages)

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "ready": False}

    def _ensure_words(self) -> None:
        import jieba

        # jieba's dictionary is process-wide: add the domain words once, whatever model is loaded.
        new = [w for w in self.words if w not in JiebaTokenizer._words]
        for word in new:
            jieba.add_word(word, freq=2000)
        JiebaTokenizer._words.update(new)
        jieba.initialize()

    def process(self, message: Message) -> None:
        import jieba

        if not self.ready:
            self._ensure_words()
            self.ready = True
        message.tokens = [t for t in jieba.lcut(message.norm.text) if t.strip()]


def _as_is(tokens: list[str]) -> list[str]:
    """The analyser for already-made token n-grams (a module function, so the model pickles)."""
    return tokens


class _Space:
    """One tf-idf feature space (vocabulary and idf) fitted by sklearn, applied to one message without it.

    sklearn's `transform` costs ~0.5 ms a call for one short text; a dictionary lookup costs a few µs.
    """

    def __init__(self, vectorizer: TfidfVectorizer) -> None:
        self.vocabulary: dict[str, int] = {str(k): int(v) for k, v in vectorizer.vocabulary_.items()}
        self.idf = vectorizer.idf_.astype(np.float64)
        self.size = len(self.idf)

    def vector(self, grams: list[str]) -> tuple[np.ndarray, np.ndarray]:
        counts = Counter(i for i in (self.vocabulary.get(g) for g in grams) if i is not None)
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        index = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        values = (1.0 + np.log(tf)) * self.idf[index]  # sublinear tf, as fitted
        return index, values / np.linalg.norm(values)


class NgramFeaturizer(Component):
    """Sparse tf-idf features: character n-grams of the normalised text plus token n-grams.

    `message.features` is a pair (indices, values) into the concatenated feature space.
    """

    defaults: ClassVar[dict[str, Any]] = {"char_ngrams": (1, 3), "word_ngrams": (1, 2), "use_tokens": True,
                                          "max_chars": 2000}

    def train(self, data: TrainingData, messages: list[Message]) -> None:
        lo, hi = self.config["char_ngrams"]
        chars = TfidfVectorizer(analyzer="char", ngram_range=(lo, hi), sublinear_tf=True, lowercase=False)
        chars.fit([self._padded(m) for m in messages])
        self.chars = _Space(chars)
        self.words = None
        if self.config["use_tokens"]:
            lo, hi = self.config["word_ngrams"]
            words = TfidfVectorizer(analyzer=_as_is, sublinear_tf=True, lowercase=False)
            words.fit([self._grams(m.tokens, lo, hi) for m in messages])
            self.words = _Space(words)
        self.size = self.chars.size + (self.words.size if self.words else 0)
        for message in messages:
            self.process(message)

    def _padded(self, message: Message) -> str:
        # Start and end markers let short replies (好, 不) differ from the same character inside a sentence;
        # a very long message is cut, since its first lines carry what it is about.
        return f"^{message.norm.text[: self.config['max_chars']]}$"

    @staticmethod
    def _grams(tokens: list[str], lo: int, hi: int) -> list[str]:
        return [" ".join(tokens[i:i + n]) for n in range(lo, hi + 1) for i in range(len(tokens) - n + 1)]

    def process(self, message: Message) -> None:
        text = self._padded(message)
        lo, hi = self.config["char_ngrams"]
        grams = [text[i:i + n] for n in range(lo, hi + 1) for i in range(len(text) - n + 1)]
        index, values = self.chars.vector(grams)
        if self.words is not None:
            lo, hi = self.config["word_ngrams"]
            w_index, w_values = self.words.vector(self._grams(message.tokens[: self.config["max_chars"]], lo, hi))
            index = np.concatenate([index, w_index + self.chars.size])
            values = np.concatenate([values, w_values])
        message.features = (index, values)


def _matrix(messages: list[Message], size: int) -> sparse.csr_matrix:
    rows = [np.full(len(m.features[0]), i) for i, m in enumerate(messages)]
    return sparse.csr_matrix(
        (np.concatenate([m.features[1] for m in messages]), (np.concatenate(rows), np.concatenate(
            [m.features[0] for m in messages]))), shape=(len(messages), size))


class LinearIntentClassifier(Component):
    """Multinomial logistic regression over the features; its probabilities give the ranking.

    Trained with sklearn; applied with numpy alone (weights of the features present, summed), which keeps a
    parse well under a millisecond.
    """

    defaults: ClassVar[dict[str, Any]] = {"C": 20.0, "ranking_length": 10, "max_iter": 300, "tol": 1e-3,
                                          "calibration_folds": 2}

    def _fit(self, x: Any, y: list[str]) -> LogisticRegression:
        model = LogisticRegression(C=self.config["C"], max_iter=self.config["max_iter"], tol=self.config["tol"])
        return model.fit(x, y)

    def train(self, data: TrainingData, messages: list[Message]) -> None:
        size = max((int(m.features[0].max()) + 1 for m in messages if len(m.features[0])), default=1)
        x = _matrix(messages, size)
        y = [m.intent for m in messages]
        model = self._fit(x, y)
        self.labels = [str(label) for label in model.classes_]
        coef, bias = model.coef_, model.intercept_
        if len(self.labels) == 2:
            # Two intents: sklearn keeps one row (the second class's log-odds); softmax over [0, score] is the same.
            coef, bias = np.vstack([np.zeros_like(coef), coef]), np.concatenate([[0.0], bias])
        self.weights = np.ascontiguousarray(coef.T)  # features × intents
        self.bias = bias.copy()
        self.temperature = self._temperature(x, y)

    def _temperature(self, x: Any, y: list[str]) -> float:
        """Temperature scaling on out-of-fold scores: the raw probabilities run under-confident (in 4-fold
        cross-validation, 0.35 meant 61 % right), which would send many right answers to the fallback."""
        folds = self.config["calibration_folds"]
        counts = Counter(y)
        if folds < 2 or min(counts.values()) < folds or len(counts) < 2:
            return 1.0
        from sklearn.model_selection import StratifiedKFold

        scores, gold = [], []
        labels = np.array(y)
        for train, test in StratifiedKFold(folds, shuffle=True, random_state=0).split(x, labels):
            model = self._fit(x[train], labels[train].tolist())
            columns = [list(model.classes_).index(label) if label in model.classes_ else -1 for label in self.labels]
            raw = model.decision_function(x[test])
            if raw.ndim == 1:
                raw = np.column_stack([np.zeros_like(raw), raw])
            full = np.full((len(test), len(self.labels)), -1e9)
            for j, column in enumerate(columns):
                if column >= 0:
                    full[:, j] = raw[:, column]
            scores.append(full)
            gold.extend(self.labels.index(label) for label in labels[test])
        logits, target = np.vstack(scores), np.array(gold)

        def nll(t: float) -> float:
            z = logits / t
            z = z - z.max(axis=1, keepdims=True)
            return float(-(z[np.arange(len(z)), target] - np.log(np.exp(z).sum(axis=1))).mean())

        # A coarse-to-fine search is enough for one parameter and needs no optimiser.
        grid = np.exp(np.linspace(np.log(0.2), np.log(5.0), 41))
        best = min(grid, key=nll)
        fine = best * np.exp(np.linspace(-0.1, 0.1, 21))
        return float(min(fine, key=nll))

    def process(self, message: Message) -> None:
        index, values = message.features if message.features is not None else (np.zeros(0, dtype=int), np.zeros(0))
        known = index < len(self.weights)
        index, values = index[known], values[known]
        if message.norm is None or not message.norm.text.strip() or not len(index):
            # Nothing left after normalisation (emoji only, blanks) or nothing known: no intent to rank.
            message.ranking = [(label, 0.0) for label in self.labels[: self.config["ranking_length"]]]
            return
        scores = (values @ self.weights[index] + self.bias) / getattr(self, "temperature", 1.0)
        probs = np.exp(scores - scores.max())
        probs /= probs.sum()
        order = np.argsort(-probs)[: self.config["ranking_length"]]
        message.ranking = [(self.labels[i], float(probs[i])) for i in order]


class FallbackClassifier(Component):
    """Like Rasa's: below the threshold, or too close to the runner-up, the intent is nlu_fallback."""

    defaults: ClassVar[dict[str, Any]] = {"threshold": 0.45, "ambiguity_threshold": 0.08}

    def train(self, data: TrainingData, messages: list[Message]) -> None:
        """Nothing to learn: training keeps the gold intents."""

    def process(self, message: Message) -> None:
        ranking = message.ranking
        top = ranking[0][1] if ranking else 0.0
        second = ranking[1][1] if len(ranking) > 1 else 0.0
        if top < self.config["threshold"] or top - second < self.config["ambiguity_threshold"]:
            message.intent = FALLBACK_INTENT
        else:
            message.intent = ranking[0][0]


class RegexEntityExtractor(Component):
    """Entities from the data's regexes (phone numbers); matches must not sit inside a longer number.

    Values of the `compact` kinds lose their blanks and dashes: 138 1234 5678 is 13812345678.
    """

    defaults: ClassVar[dict[str, Any]] = {"compact": ("phone",)}

    def train(self, data: TrainingData, messages: list[Message]) -> None:
        self.patterns = [(name, re.compile(rf"(?<![0-9])(?:{p})(?![0-9])")) for name, items in data.regexes.items()
                         for p in items]

    def process(self, message: Message) -> None:
        for name, pattern in self.patterns:
            for m in pattern.finditer(message.norm.text):
                value = re.sub(r"[\s-]", "", m.group(0)) if name in self.config["compact"] else m.group(0)
                message.entities.append(FoundEntity(name, value, m.start(), m.end(), "RegexEntityExtractor"))


class Gazetteer:
    """Names of the lookup tables and of annotated examples, normalised, each with the entity kinds it can be."""

    def __init__(self, data: TrainingData, entities: tuple[str, ...], min_length: int) -> None:
        kinds: dict[str, set[str]] = defaultdict(set)
        for name in entities:
            for item in data.lookups.get(name, []):
                kinds[normalise(item).text].add(name)
        for example in data.examples:
            for span in example.entities:
                if span.entity in entities:
                    kinds[normalise(span.text).text].add(span.entity)
        self.min_length = min_length
        self.kinds = {k: sorted(v) for k, v in kinds.items() if len(k) >= min_length}
        # The lengths of the names starting with each character, longest first: a position tries only those.
        lengths: dict[str, set[int]] = defaultdict(set)
        for name in self.kinds:
            lengths[name[0]].add(len(name))
        self.lengths = {first: tuple(sorted(sizes, reverse=True)) for first, sizes in lengths.items()}

    def candidates(self, text: str, i: int) -> Iterator[tuple[int, int, str]]:
        """The names starting at text[i], longest first (latin names only as whole words, or with a plural s:
        "electricians", "welders")."""
        for length in self.lengths.get(text[i], ()):
            surface = text[i:i + length]
            if len(surface) < length or surface not in self.kinds:
                continue
            end = i + length
            if surface[0].isascii() and surface[0].isalpha():
                before = text[i - 1] if i else " "
                if before.isascii() and before.isalnum():
                    continue
                if text[end:end + 1] == "s" and surface[-1].isalpha() and surface[-1] != "s":
                    end += 1
                after = text[end] if end < len(text) else " "
                if after.isascii() and after.isalnum():
                    continue
            yield i, end, surface

    def matches(self, text: str) -> list[tuple[int, int, str]]:
        """Longest matches, left to right, without overlaps."""
        found = []
        i = 0
        while i < len(text):
            here = next(self.candidates(text, i), None)
            if here:
                found.append(here)
                i = here[1] - 1
            i += 1
        return found


class LookupFeaturizer(Component):
    """Rasa's lookup-table features: which kinds of name a message contains, and whether it is little else.

    A worker who types only 采茶 or 保安 wants work in that trade; character n-grams alone cannot tell that
    from the few such one-word examples, but "the message is a job category" generalises to every category
    in the lookup tables. Features are appended after the n-gram space.
    """

    defaults: ClassVar[dict[str, Any]] = {"entities": ("job_category", "location", "policy", "training"),
                                          "min_length": 2, "whole_message": 0.6, "weight": 0.5}

    def train(self, data: TrainingData, messages: list[Message]) -> None:
        self.gazetteer = Gazetteer(data, tuple(self.config["entities"]), self.config["min_length"])
        self.offset = max((int(m.features[0].max()) + 1 for m in messages if len(m.features[0])), default=0)
        names = [f"{prefix}:{kind}" for kind in self.config["entities"] for prefix in ("has", "whole")]
        self.index = {name: self.offset + i for i, name in enumerate(names)}
        for message in messages:
            self.process(message)

    def process(self, message: Message) -> None:
        text = message.norm.text[:2000]
        letters = sum(ch.isalnum() for ch in text)
        covered: Counter = Counter()
        for start, end, surface in self.gazetteer.matches(text):
            for kind in self.gazetteer.kinds[surface]:
                covered[kind] += sum(ch.isalnum() for ch in text[start:end])
        if not covered:
            return
        extra = [self.index[f"has:{kind}"] for kind in covered]
        extra += [self.index[f"whole:{kind}"] for kind, n in covered.items()
                  if n >= self.config["whole_message"] * letters]
        index, values = message.features
        message.features = (np.concatenate([index, np.array(extra, dtype=np.int64)]),
                            np.concatenate([values, np.full(len(extra), self.config["weight"])]))


class LookupEntityExtractor(Component):
    """Longest matches of lookup-table entries and annotated examples that are words of the text (jieba's
    boundaries, `nlu.boundaries`) and meant as entities (`nlu.senses`: cues, ambiguous words, the intent)."""

    defaults: ClassVar[dict[str, Any]] = {"entities": ("job_category", "location", "policy", "training"),
                                          "min_length": 2, "word_boundaries": True, "ambiguous": {},
                                          "cue_at_home": ("job_category",),
                                          # A dictionary word that is a name plus one of these is still the name
                                          # (家政公司, 电子厂), whatever jieba's dictionary says.
                                          "generic_suffixes": ("公司", "厂", "场", "行业", "师傅", "人员", "工人",
                                                               "岗位", "工作", "技术", "培训", "班")}

    def train(self, data: TrainingData, messages: list[Message]) -> None:
        self.gazetteer = Gazetteer(data, tuple(self.config["entities"]), self.config["min_length"])
        self.boundaries = WordBoundaries.build(self.gazetteer.kinds) if self.config["word_boundaries"] else None
        self.senses = Senses.from_config(self.config["ambiguous"], lambda name: normalise(name).text,
                                         self.config["cue_at_home"])
        usage: dict[tuple[str, str], Counter] = defaultdict(Counter)
        for example in data.examples:
            for span in example.entities:
                if span.entity in self.config["entities"]:
                    surface = normalise(span.text).text
                    usage[(surface, example.intent)][span.entity] += 1
                    usage[(surface, "*")][span.entity] += 1
                    usage[("*", example.intent)][span.entity] += 1
        self.usage = dict(usage)
        # A name the annotators left unmarked under an intent (厂里 in "厂里欠我工资") is not wanted there:
        # count, per intent, how often each name occurs without an annotation (more than once, and more often
        # than with one, so that one forgotten annotation does not silence a name).
        self.unmarked: Counter = Counter()
        for example in data.examples:
            norm = normalise(example.text)
            for start, end, surface in self.words(norm.text):
                o_start, o_end = norm.original_span(start, end)
                if not any(s.start < o_end and o_start < s.end for s in example.entities):
                    self.unmarked[(surface, example.intent)] += 1

    def _is_word(self, cut: Cut, start: int, end: int) -> bool:
        blocker = cut.blocker(start, end)
        if blocker is None:
            return True
        surface = cut.text[start:end]
        return blocker.startswith(surface) and blocker[len(surface):] in self.config["generic_suffixes"]

    def words(self, text: str) -> list[tuple[int, int, str]]:
        """Names that are words of the text: the longest at each position whose edges are word boundaries."""
        found = []
        cut: Cut | None = None  # the text's words, cut when a CJK name is first found
        i = 0
        while i < len(text):
            for start, end, surface in self.gazetteer.candidates(text, i):
                if self.boundaries is not None and "\u4e00" <= text[start] <= "\u9fff":
                    cut = cut or self.boundaries.cut(text)
                    if not self._is_word(cut, start, end):
                        continue
                found.append((start, end, surface))
                i = end - 1
                break
            i += 1
        return found

    def _choose(self, surface: str, options: list[str], intent: str | None) -> str:
        if len(options) == 1:
            return options[0]
        for key in ((surface, intent), ("*", intent), (surface, "*")):
            counts = self.usage.get(key)
            if counts:
                best = max(options, key=lambda kind: counts.get(kind, 0))
                if counts.get(best, 0):
                    return best
        return options[0]

    def process(self, message: Message) -> None:
        top = message.ranking[0][0] if message.ranking else None
        text = message.norm.text
        for start, end, surface in self.words(text):
            options = self.gazetteer.kinds[surface]
            marked = sum(self.usage.get((surface, top), {}).values())
            unmarked = self.unmarked.get((surface, top), 0)
            if unmarked > max(marked, 1) and not any(
                    has_cue(text, start, end, kind) for kind in options):
                continue
            kind = self.senses.kind(text, start, end, options, top,
                                    lambda options, surface=surface: self._choose(surface, options, top))
            if kind is not None:
                message.entities.append(FoundEntity(kind, surface, start, end, "LookupEntityExtractor"))


class SalaryExtractor(Component):
    """Salary mentions parsed to {"min", "max", "unit"}: amounts that are pay by the words around them, or
    amounts the words leave open (有没有4000的) in a message about work; a debt, a fee or a fare is no salary."""

    defaults: ClassVar[dict[str, Any]] = {"intents": HOME_INTENTS["job_category"]}

    def train(self, data: TrainingData, messages: list[Message]) -> None:
        """Rules only."""

    def process(self, message: Message) -> None:
        top = message.ranking[0][0] if message.ranking else None
        phones = [e for e in message.entities if e.entity == "phone"]
        for m in find_salaries(message.norm.text):
            pay = pay_context(message.norm.text, m)
            if pay is False or pay is None and top not in self.config["intents"]:
                continue
            if not _overlaps(phones, m.start, m.end):
                message.entities.append(FoundEntity("salary", m.value, m.start, m.end, "SalaryExtractor"))


class DateExtractor(Component):
    """Dates to ISO strings relative to the message's today (Asia/Shanghai by default)."""

    def train(self, data: TrainingData, messages: list[Message]) -> None:
        """Rules only."""

    def process(self, message: Message) -> None:
        numbers = [e for e in message.entities if e.entity in ("phone", "salary")]
        for m in find_dates(message.norm.text, message.today):
            if not _overlaps(numbers, m.start, m.end):
                message.entities.append(FoundEntity("date", m.value, m.start, m.end, "DateExtractor"))


class OrdinalExtractor(Component):
    """References to a listed item (第一个, 二号, 最后那个, 这个, "the first one") as `ordinal`: 1, 2 … or
    "last" / "this". A 2号 that is also a date stays a date (one entity per span): the dialogue rules read it as
    an item when the list shown has one (flows/dialogue.py)."""

    def train(self, data: TrainingData, messages: list[Message]) -> None:
        """Rules only."""

    def process(self, message: Message) -> None:
        numbers = [e for e in message.entities if e.entity in ("phone", "salary", "age")]
        for m in find_ordinals(message.norm.text):
            if not _overlaps(numbers, m.start, m.end):
                message.entities.append(FoundEntity("ordinal", m.value, m.start, m.end, "OrdinalExtractor"))


class CueEntityExtractor(Component):
    """Words that refine or continue the last question, from the data's lookup tables (nlu/data/dialogue.yml):
    `order` (离家近 → near), `attribute` (要带啥 → requirements), `more` (还有吗).

    Longest matches, skipping what another extractor already named (社保补贴 stays a policy). Booking a number of
    seats (订两个位子, 要3张票) is an `act` whatever the number, not a question about seats. An order by pay or
    by distance is a combination of word classes rather than a list of phrases (工资最高, 钱多点, 待遇最好,
    "pays the most", 离家最近: nlu/orders.py), found before the tables; so is a question about pay (工资高不高,
    待遇咋样: the attribute pay)."""

    defaults: ClassVar[dict[str, Any]] = {"entities": tuple(e for e in CUE_ENTITIES if e != "ordinal"),
                                          "min_length": 2}

    def train(self, data: TrainingData, messages: list[Message]) -> None:
        self.gazetteer = Gazetteer(data, tuple(self.config["entities"]), self.config["min_length"])

    def process(self, message: Message) -> None:
        taken = [e for e in message.entities if e.entity not in self.config["entities"]]
        if "act" in self.config["entities"]:
            for m in _BOOK_SEATS.finditer(message.norm.text):
                if not _overlaps(taken, m.start(), m.end()):
                    booking = FoundEntity("act", m.group(0), m.start(), m.end(), "CueEntityExtractor")
                    message.entities.append(booking)
                    taken.append(booking)
        # Pay asked about or asked for is read around what other extractors named: in 采茶工钱高的 the job takes 工,
        # the order is 钱高.
        outside = list(message.norm.text)
        for entity in taken:
            outside[entity.start:entity.end] = " " * (entity.end - entity.start)
        if "attribute" in self.config["entities"]:
            for start, end in find_pay_questions("".join(outside)):
                if not _overlaps(taken, start, end):
                    found = FoundEntity("attribute", "pay", start, end, "CueEntityExtractor")
                    message.entities.append(found)
                    taken.append(found)
        if "order" in self.config["entities"]:
            for order in find_orders("".join(outside)):
                if not _overlaps(taken, order.start, order.end):
                    found = FoundEntity("order", order.value, order.start, order.end, "CueEntityExtractor")
                    message.entities.append(found)
                    taken.append(found)
        for start, end, surface in self.gazetteer.matches(message.norm.text):
            if any(e.start < end and start < e.end for e in taken):
                continue
            for kind in self.gazetteer.kinds[surface]:
                message.entities.append(FoundEntity(kind, surface, start, end, "CueEntityExtractor"))


_BOOK_SEATS = re.compile(r"(?:预订|预定|订|定|要|买)\s*[0-9一二两三四五六七八九十]{1,3}\s*(?:个|张)?\s*(?:座位|位子|座|位|张?票)")


class AgeExtractor(Component):
    """The asker's own age ("我55了", "五十多岁") as `age`: an int (nlu/ages.py)."""

    def train(self, data: TrainingData, messages: list[Message]) -> None:
        """Rules only."""

    def process(self, message: Message) -> None:
        numbers = [e for e in message.entities if e.entity in ("phone", "salary", "date")]
        for m in find_ages(message.norm.text):
            if not _overlaps(numbers, m.start, m.end):
                message.entities.append(FoundEntity("age", m.value, m.start, m.end, "AgeExtractor"))


def _overlaps(entities: list[FoundEntity], start: int, end: int) -> bool:
    return any(e.start < end and start < e.end for e in entities)


class EntitySynonymMapper(Component):
    """Surface forms to canonical values (采茶的活路 → 采茶工; 穩崗補貼 → 稳岗返还), per entity kind.

    Rasa's synonyms are global, but 电焊 is a training topic of its own and also a name of the job 电焊工;
    so a synonym applies to an entity only when its canonical value is one of that entity's values: in its lookup
    table or annotations, and not a name of another of its values (电焊 is a name of the job 电焊工, so 焊工 in a
    job question is 电焊工, in a course question 电焊). Synonyms whose value belongs to no entity apply to all.

    A course named by its trade (采茶的培训, 茶叶加工的班, 保姆培训) is the course topic that shares the most names
    with the trade's job category (采茶 names both 采茶工 and 采茶技术), else the job category itself.
    """

    def train(self, data: TrainingData, messages: list[Message]) -> None:
        owners: dict[str, set[str]] = defaultdict(set)
        for name, items in data.lookups.items():
            for item in items:
                owners[normalise(item).text].add(name)
        for example in data.examples:
            for span in example.entities:
                if isinstance(span.value, str):
                    owners[normalise(span.value).text].add(span.entity)
        names: dict[str, set[str]] = defaultdict(set)
        for name, items in data.lookups.items():
            names[name].update(normalise(item).text for item in items)
        blocks = {normalise(v).text: {normalise(x).text for x in items} for v, items in data.synonyms.items()}
        values = {normalise(v).text: v for v in data.synonyms}

        def share(value: str, kind: str) -> float:
            return len(blocks[value] & names[kind]) / max(len(blocks[value]), 1)

        def canonical(kind: str) -> set[str]:
            """The kind's values: not a name of another of its values (电焊 of 电焊工), unless the two name each
            other and it has more of the kind's names (护工 is a job with 养老护理 among its names, 养老护理 a
            training with 护工 among its names)."""
            mine = [v for v in blocks if kind in owners.get(v, ())]
            return {v for v in mine if not any(
                v in blocks[other] and not (other in blocks[v] and share(v, kind) >= share(other, kind))
                for other in mine if other != v)}

        kinds_of = {kind for kinds in owners.values() for kind in kinds}
        values_of = {kind: canonical(kind) for kind in kinds_of}
        self.maps: dict[str, dict[str, str]] = defaultdict(dict)
        for value, surfaces in data.synonyms.items():
            key = normalise(value).text
            for kind in owners.get(key) or {"*"}:
                if kind != "*" and key not in values_of[kind]:
                    continue
                for surface in surfaces:
                    self.maps[kind][normalise(surface).text] = value
        for example in data.examples:
            for span in example.entities:
                if isinstance(span.value, str) and span.value != span.text:
                    self.maps[span.entity].setdefault(normalise(span.text).text, span.value)
        self.maps = dict(self.maps)
        self.course_of_trade: dict[str, str] = {}
        for trade in values_of.get("job_category", ()):
            called = blocks[trade] | {trade}
            shared = {topic: len(called & (blocks[topic] | {topic})) for topic in values_of.get("training", ())}
            best = max(shared, key=lambda topic: (shared[topic], topic), default=None)
            if best is not None and shared[best]:
                self.course_of_trade[values[trade]] = values[best]

    def _course(self, surface: str) -> str:
        """The course topic a training entity names: its own synonym, else the course of the trade it names (保姆 →
        家政 → 家政服务); a value that is itself a name of another course (家政) becomes that course."""
        own = self.maps.get("training", {})
        value = own.get(surface)
        if value is None:
            trade = self.maps.get("job_category", {}).get(surface, surface)
            value = self.course_of_trade.get(trade, self.maps.get("*", {}).get(surface, trade))
        value = self.course_of_trade.get(value, value)
        return own.get(value, value)

    def process(self, message: Message) -> None:
        general = self.maps.get("*", {})
        for entity in message.entities:
            if entity.entity == "training" and isinstance(entity.value, str):
                entity.value = self._course(entity.value)
            elif isinstance(entity.value, str):
                own = self.maps.get(entity.entity, {})
                entity.value = own.get(entity.value, general.get(entity.value, entity.value))


REGISTRY: dict[str, type[Component]] = {cls.__name__: cls for cls in (
    Normaliser, CharTokenizer, JiebaTokenizer, NgramFeaturizer, LookupFeaturizer, LinearIntentClassifier,
    FallbackClassifier,
    RegexEntityExtractor, LookupEntityExtractor, SalaryExtractor, DateExtractor, AgeExtractor, OrdinalExtractor,
    CueEntityExtractor, EntitySynonymMapper,
)}
