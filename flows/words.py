"""Chinese words by jieba: one dictionary per process, shared by policy search and job search (loaded on first
use, about a second; policy names are added to it so 稳岗返还 stays one word)."""

from __future__ import annotations

import threading

import jieba

jieba.setLogLevel(60)
_TOKENIZER = jieba.Tokenizer()
_LOCK = threading.Lock()  # jieba's dictionary is lazily loaded and mutated by add_word


def cut(text: str, *, search: bool = False) -> list[str]:
    """The words of a run of Chinese text (search mode also gives the shorter words inside long ones)."""
    with _LOCK:
        if search:
            return list(_TOKENIZER.cut_for_search(text, HMM=False))
        return list(_TOKENIZER.cut(text, HMM=False))


def add_word(word: str, freq: int = 50_000) -> None:
    with _LOCK:
        _TOKENIZER.add_word(word, freq=freq)
