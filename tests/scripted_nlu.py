"""A test double for the NLU in flow unit tests: exact texts map to the parse a test wants.

Flow tests then check the flow's decisions, independent of the model; end-to-end dialogue tests use the
real trained NLU instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ScriptedEntity:
    entity: str
    value: Any
    start: int = 0
    end: int = 0
    extractor: str = "scripted"


@dataclass
class ScriptedParse:
    text: str
    intent: str
    confidence: float
    entities: list[ScriptedEntity] = field(default_factory=list)
    intent_ranking: list[tuple[str, float]] = field(default_factory=list)


class ScriptedNLU:
    """`ScriptedNLU({"我要登记": "register", "采茶": ("job_search", {"job_category": "采茶工"})})`."""

    def __init__(self, script: dict[str, str | tuple[str, dict[str, Any]]] | None = None) -> None:
        self.script = dict(script or {})

    def add(self, text: str, intent: str, **entities: Any) -> None:
        self.script[text] = (intent, entities)

    def parse(self, text: str, **_: Any) -> ScriptedParse:
        entry = self.script.get(text.strip())
        if entry is None:
            return ScriptedParse(text, "nlu_fallback", 0.1)
        intent, entities = (entry, {}) if isinstance(entry, str) else entry
        found = []
        for name, value in entities.items():
            at = text.find(str(value)) if isinstance(value, str) else -1
            found.append(ScriptedEntity(name, value, max(at, 0), max(at, 0) + (len(value) if at >= 0 else 0)))
        return ScriptedParse(text, intent, 0.95, found, [(intent, 0.95)])
