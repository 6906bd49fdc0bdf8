"""Message catalogues (simplified, traditional, English), choosing the reply language, and the reader's script.

Texts live in `flows/locales/<lang>/<topic>.yaml` (one file per topic, merged at load; top-level keys
of different files must not collide); code only names keys. A key missing from a catalogue falls
back to simplified Chinese, and a key missing everywhere is a bug that fails loudly in tests.

Data from the database (postings, enterprises, places, policies, buses) is stored in simplified
characters. `in_script` writes a whole reply in the reader's script, data included: it is called in
one place for the person speaking (`Assistant.respond`) and one for a person told later
(`flows.notify.notify`), never by a flow. Traditional uses OpenCC's `s2tw` (Taiwan standard characters,
no phrase replacement), the variant the zh-hant catalogues are written in; their text is a fixed point of
it (tests/flows/test_script.py), so converting a whole reply never turns 群 into 羣 or 秘 into 祕.
"""

from __future__ import annotations

import dataclasses
import re
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from opencc import OpenCC

if TYPE_CHECKING:
    from flows.messages import Reply

LANGUAGES = ("zh-hans", "zh-hant", "en")
DEFAULT = "zh-hans"
_LOCALES = Path(__file__).resolve().parent / "locales"
_t2s = OpenCC("t2s")
TRADITIONAL_VARIANT = "s2tw"
_s2t = OpenCC(TRADITIONAL_VARIANT)
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# OpenCC never matches a phrase across these (they are among its own separators), so converting the pieces
# between them one by one gives the same text as converting the whole, and each piece can be cached:
# catalogue lines and posting cards recur from reply to reply.
_PIECES = re.compile(r"([\s，。、；：？！…（）「」“”《》,.;:?!()]+)")


# libyaml's safe loader when PyYAML has it: the same documents (tests/flows/test_i18n_loader.py), read about eight
# times faster; every `mishu` process reads a whole catalogue for its first text.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def catalogue(language: str) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for path in sorted((_LOCALES / language).glob("*.yaml")):
        for key, value in (yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER) or {}).items():
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


def detect_language(text: str, last: str | None = None) -> str | None:
    """The script a message is written in, or None when it does not tell (digits, emoji, one word). Chinese
    written the same in both scripts (同意, 取消, 有没有) keeps the Chinese script of `last`, else simplified."""
    han = "".join(ch for ch in text if "\u4e00" <= ch <= "\u9fff")
    if han:
        if _t2s.convert(han) != han:
            return "zh-hant"
        if last == "zh-hant" and _s2t.convert(han) == han:
            return "zh-hant"
        return "zh-hans"
    letters = sum(ch.isascii() and ch.isalpha() for ch in text)
    return "en" if letters >= 2 else None


@lru_cache(maxsize=16384)
def _traditional_piece(piece: str) -> str:
    return _s2t.convert(piece)


def to_traditional(text: str) -> str:
    """`text` in traditional characters (already-traditional text comes back unchanged)."""
    if not _HAN.search(text):
        return text
    pieces = _PIECES.split(text)
    return "".join(
        _traditional_piece(piece) if index % 2 == 0 and _HAN.search(piece) else piece
        for index, piece in enumerate(pieces)
    )


def in_script(reply: Reply, language: str) -> Reply:
    """The reply as a reader of `language` sees it: for zh-hant its text and button labels in traditional
    characters (data included); other languages as written (English labels stay around Chinese data)."""
    if language != "zh-hant":
        return reply
    buttons = [
        [button if button.keep_script else dataclasses.replace(button, label=to_traditional(button.label))
         for button in row]
        for row in reply.buttons
    ]
    return dataclasses.replace(reply, text=to_traditional(reply.text), buttons=buttons)
