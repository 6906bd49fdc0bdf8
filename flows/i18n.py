"""Message catalogues (simplified, traditional, English) and choosing the reply language.

Texts live in `flows/locales/<lang>/<topic>.yaml` (one file per topic, merged at load; top-level keys
of different files must not collide); code only names keys. A key missing from a catalogue falls
back to simplified Chinese, and a key missing everywhere is a bug that fails loudly in tests.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from opencc import OpenCC

LANGUAGES = ("zh-hans", "zh-hant", "en")
DEFAULT = "zh-hans"
_LOCALES = Path(__file__).resolve().parent / "locales"
_t2s = OpenCC("t2s")


@cache
def catalogue(language: str) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for path in sorted((_LOCALES / language).glob("*.yaml")):
        for key, value in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items():
            if key in merged:
                raise ValueError(f"{path}: top-level key '{key}' is already defined in another {language} file")
            merged[key] = value
    return merged


def _lookup(language: str, key: str) -> Any:
    node: Any = catalogue(language)
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def t(key: str, language: str = DEFAULT, **values: Any) -> str:
    """The text for `key` in `language`, with `{name}` placeholders filled from `values`."""
    text = _lookup(language, key)
    if text is None:
        text = _lookup(DEFAULT, key)
    if text is None:
        raise KeyError(f"message '{key}' is in no catalogue")
    if isinstance(text, list):
        text = "\n".join(text)
    return str(text).format(**values) if values else str(text)


def detect_language(text: str) -> str | None:
    """The script a message is written in, or None when it does not tell (digits, emoji, one word)."""
    han = [ch for ch in text if "\u4e00" <= ch <= "\u9fff"]
    if han:
        simplified = _t2s.convert("".join(han))
        changed = sum(1 for a, b in zip(han, simplified, strict=True) if a != b)
        return "zh-hant" if changed else "zh-hans"
    letters = sum(ch.isascii() and ch.isalpha() for ch in text)
    return "en" if letters >= 2 else None
