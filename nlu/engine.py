"""The NLU engine: the configured pipeline trained on Rasa data, its parse result, caching and evaluation."""

from __future__ import annotations

import hashlib
import pickle
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from nlu import components
from nlu.components import FALLBACK_INTENT, Component, Message
from nlu.rasa_format import Example, TrainingData, load_data
from nlu.spans import resolve_overlaps

PACKAGE = Path(__file__).resolve().parent
DEFAULT_DATA = PACKAGE / "data"
DEFAULT_CONFIG = PACKAGE / "config.yml"
_CODE_FILES = ("components.py", "engine.py", "normalise.py", "salary.py", "dates.py", "ages.py", "rasa_format.py",
               "config.yml", "boundaries.py", "senses.py", "spans.py", "lunar.py", "ordinals.py",
               "orders.py")


@dataclass
class Entity:
    """One entity: `start`/`end` index the text as the user typed it."""

    entity: str
    value: Any
    start: int
    end: int
    extractor: str


@dataclass
class Parse:
    """What the NLU understood of one message (Rasa's parse shape via `as_rasa`)."""

    text: str
    intent: str
    confidence: float
    intent_ranking: list[tuple[str, float]] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)

    def entity(self, name: str) -> Entity | None:
        """The first entity of this kind, or None."""
        return next((e for e in self.entities if e.entity == name), None)

    def values(self, name: str) -> list[Any]:
        """The values of every entity of this kind, in text order."""
        return [e.value for e in self.entities if e.entity == name]

    def as_rasa(self) -> dict[str, Any]:
        """`{"text", "intent": {"name", "confidence"}, "intent_ranking": [...], "entities": [...]}`."""
        return {
            "text": self.text,
            "intent": {"name": self.intent, "confidence": self.confidence},
            "intent_ranking": [{"name": name, "confidence": conf} for name, conf in self.intent_ranking],
            "entities": [
                {"entity": e.entity, "value": e.value, "start": e.start, "end": e.end, "extractor": e.extractor}
                for e in self.entities
            ],
        }


def read_pipeline(config: Path = DEFAULT_CONFIG) -> list[tuple[str, dict[str, Any]]]:
    """The pipeline file as (component name, options) pairs."""
    doc = yaml.safe_load(config.read_text(encoding="utf-8"))
    steps = []
    for step in doc["pipeline"]:
        options = dict(step)
        name = options.pop("name")
        if name not in components.REGISTRY:
            raise ValueError(f"{config}: unknown component {name!r}")
        steps.append((name, {k: tuple(v) if isinstance(v, list) else v for k, v in options.items()}))
    return steps


def fingerprint(data_dir: Path, config: Path = DEFAULT_CONFIG) -> str:
    """A hash of the training data and the code that turns it into a model."""
    digest = hashlib.sha256()
    files = sorted([*Path(data_dir).rglob("*.yml"), *Path(data_dir).rglob("*.yaml")]) if Path(data_dir).is_dir() \
        else [Path(data_dir)]
    for path in [*files, config, *(PACKAGE / name for name in _CODE_FILES)]:
        digest.update(str(path.name).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


class NLU:
    """A trained pipeline: `parse` one text, `evaluate` many examples."""

    def __init__(self, pipeline: list[Component], fingerprint: str = "") -> None:
        self.pipeline = pipeline
        self.fingerprint = fingerprint

    @classmethod
    def train(cls, data: TrainingData, config: Path = DEFAULT_CONFIG, fingerprint: str = "") -> NLU:
        """Train every component in order; each sees the examples as processed by the parts before it."""
        pipeline = [components.REGISTRY[name](**options) for name, options in read_pipeline(config)]
        messages = [Message(text=ex.text, intent=ex.intent) for ex in data.examples]
        for component in pipeline:
            component.train(data, messages)
        return cls(pipeline, fingerprint)

    @property
    def fallback(self) -> components.FallbackClassifier | None:
        return next((c for c in self.pipeline if isinstance(c, components.FallbackClassifier)), None)

    def parse(self, text: str, *, today: date | None = None) -> Parse:
        """Understand one message; never raises on odd input (empty, huge, emoji, control characters)."""
        text = text if isinstance(text, str) else str(text)
        message = Message(text=text, today=today)
        for component in self.pipeline:
            component.process(message)
        norm = message.norm
        entities = []
        for found in message.entities:
            start, end = norm.original_span(found.start, found.end)
            entities.append(Entity(found.entity, found.value, start, end, found.extractor))
        entities = resolve_overlaps(entities)
        ranking = [(name, round(conf, 4)) for name, conf in message.ranking]
        intent = message.intent or FALLBACK_INTENT
        if intent == FALLBACK_INTENT:
            # Like Rasa's FallbackClassifier, the fallback's confidence is the threshold it fell below.
            confidence = self.fallback.config["threshold"] if self.fallback else 0.0
        else:
            confidence = ranking[0][1]
        return Parse(text, intent, confidence, ranking, entities)

    def evaluate(self, examples: list[Example], *, today: date | None = None) -> dict[str, Any]:
        """Intent accuracy, macro-F1, per-intent report, confusion pairs and entity P/R/F1 on labelled examples."""
        from nlu.evaluation import evaluate

        return evaluate(self, examples, today=today)

    def save(self, path: Path) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL))
        tmp.replace(path)  # atomic, so a concurrent reader never sees half a model

    @staticmethod
    def load(path: Path) -> NLU:
        return pickle.loads(Path(path).read_bytes())


def default_model_path(fp: str) -> Path:
    return Path.home() / ".cache" / "mishu" / f"nlu-{fp}.pkl"


def load_nlu(
    data_dir: Path | None = None,
    model_path: Path | None = None,
    *,
    fallback_threshold: float = 0.45,
    ambiguity_margin: float = 0.08,
) -> NLU:
    """The cached model when it matches the data and code fingerprint, else a freshly trained (and saved) one."""
    data_dir = Path(data_dir) if data_dir else DEFAULT_DATA
    fp = fingerprint(data_dir)
    path = Path(model_path) if model_path else default_model_path(fp)
    nlu: NLU | None = None
    if path.exists():
        try:
            cached = NLU.load(path)
            if isinstance(cached, NLU) and cached.fingerprint == fp:
                nlu = cached
        except Exception:  # noqa: BLE001 — a stale or corrupt cache is simply retrained
            nlu = None
    if nlu is None:
        nlu = NLU.train(load_data(data_dir), fingerprint=fp)
        try:
            nlu.save(path)
        except OSError:
            pass  # a read-only home still gets a working model, only not a cached one
    if nlu.fallback is not None:
        nlu.fallback.config.update(threshold=fallback_threshold, ambiguity_threshold=ambiguity_margin)
    return nlu


def timed_train(data_dir: Path) -> tuple[NLU, float]:
    """Train from a directory and say how long it took (for the CLI and the benchmark)."""
    started = time.perf_counter()
    nlu = NLU.train(load_data(data_dir), fingerprint=fingerprint(data_dir))
    return nlu, time.perf_counter() - started
