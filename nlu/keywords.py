"""A stop-gap keyword matcher with the NLU's parse shape, used until the trained engine is in place."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

_CATEGORIES = Path(__file__).resolve().parents[1] / "storage" / "demo" / "job_categories.yaml"

_INTENT_WORDS: list[tuple[str, tuple[str, ...]]] = [
    ("greet", ("你好", "您好", "hello", "hi", "早上好", "在吗")),
    ("goodbye", ("再见", "拜拜", "bye")),
    ("thanks", ("谢谢", "感谢", "thank")),
    ("help", ("帮助", "help", "能做什么", "菜单")),
    ("bot_challenge", ("机器人", "are you a bot", "真人")),
    ("job_search", ("工作", "活路", "岗位", "招工", "job", "上班", "事做")),
]


@dataclass
class KeywordEntity:
    entity: str
    value: Any
    start: int
    end: int
    extractor: str = "keywords"


@dataclass
class KeywordParse:
    text: str
    intent: str
    confidence: float
    intent_ranking: list[tuple[str, float]] = field(default_factory=list)
    entities: list[KeywordEntity] = field(default_factory=list)


class KeywordNLU:
    """Finds an intent by keywords and job categories by their colloquial names."""

    def __init__(self) -> None:
        categories = yaml.safe_load(_CATEGORIES.read_text(encoding="utf-8"))
        names = [(alias, canon) for canon, aliases in categories.items() for alias in [canon, *aliases]]
        self._categories = sorted(names, key=lambda pair: -len(pair[0]))

    def parse(self, text: str, **_: Any) -> KeywordParse:
        lowered = text.lower()
        entities: list[KeywordEntity] = []
        for alias, canon in self._categories:
            at = lowered.find(alias.lower())
            if at >= 0 and not any(e.start <= at < e.end for e in entities):
                entities.append(KeywordEntity("job_category", canon, at, at + len(alias)))
        intent = next((name for name, words in _INTENT_WORDS if any(w in lowered for w in words)), None)
        if intent is None and entities:
            intent = "job_search"
        if intent is None:
            return KeywordParse(text, "nlu_fallback", 0.0)
        return KeywordParse(text, intent, 0.9, [(intent, 0.9)], entities)
