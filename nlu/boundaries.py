"""Word boundaries for lookup matches: jieba's segmentation, with its dictionary cut down at training time.

A name found by string matching is only a mention when the text's words agree: 保安 is not in 确保安全
(确保/安全), 种地 not in 这种地方 (这种/地方), 销售 not in 销售额, 司机 not in 公司机关. jieba decides this well,
but loading its 349,000-word dictionary costs about a second per process. So the model keeps only the words
that can decide a boundary of a known name: every dictionary word that contains a name, every word that starts
with the tail of a name or ends with its head (above a small frequency), every word inside those or inside a
name, and the single characters; the names join with the weight jieba's `add_word` gives domain words. At parse time the same
maximum-probability route jieba computes (its `calc`, without HMM) runs over the message's CJK runs.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections.abc import Iterable
from pathlib import Path

_HAN = re.compile(r"[\u4e00-\u9fff]+")
NAME_FREQ = 2000  # what nlu.components.JiebaTokenizer gives domain words, so both tokenisers agree


def _jieba_dictionary() -> dict[str, int]:
    """jieba's main dictionary (word → frequency), read from the installed package's dict.txt."""
    import jieba

    path = Path(jieba.__file__).resolve().parent / "dict.txt"
    words: dict[str, int] = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            parts = line.split()
            if len(parts) >= 2:
                words[parts[0]] = int(parts[1])
    return words


class WordBoundaries:
    """Where jieba would put word boundaries in a text, for the purpose of checking a name's span."""

    def __init__(self, freq: dict[str, int], total: int) -> None:
        self.freq = freq
        self.log_total = math.log(total)
        lengths: dict[str, set[int]] = {}
        for word in freq:
            if len(word) > 1:
                lengths.setdefault(word[0], set()).add(len(word))
        self.lengths = {first: tuple(sorted(sizes)) for first, sizes in lengths.items()}

    @classmethod
    def build(cls, names: Iterable[str], *, min_freq: int = 20, dictionary: dict[str, int] | None = None
              ) -> WordBoundaries:
        """The cut-down dictionary for these names (only CJK names matter; latin ones have spaces)."""
        full = dictionary if dictionary is not None else _jieba_dictionary()
        names = sorted({n for n in names if _HAN.fullmatch(n)})
        heads = {n[:k] for n in names for k in range(1, len(n))}
        tails = {n[k:] for n in names for k in range(1, len(n))}
        keep: set[str] = {w for w in full if len(w) == 1}
        by_name = set(names)
        starts, ends = {t[0] for t in tails}, {h[-1] for h in heads}
        for word, count in full.items():
            size = len(word)
            if size > 2 and any(word[i:j] in by_name for i in range(size - 1) for j in range(i + 2, size + 1)
                                if j - i < size):
                keep.add(word)  # contains a name: 销售额, 直播间, 上海滩
            elif size > 1 and count >= min_freq and (word[0] in starts or word[-1] in ends) and any(
                    word[:k] in tails or word[k:] in heads for k in range(1, size)):
                keep.add(word)  # crosses a name's edge: 确保 | 安全 around 保安
        # Words inside the kept ones and inside the names (培训 in 种植培训), so that the route near a name is the
        # one the whole dictionary would give.
        inner = {w[i:j] for w in keep | by_name if len(w) > 2 for i in range(len(w)) for j in range(i + 2, len(w) + 1)}
        freq = {w: full[w] for w in keep | (inner & full.keys())}
        total = sum(full.values())
        for name in names:
            total += NAME_FREQ - full.get(name, 0)
            freq[name] = NAME_FREQ
        return cls(freq, total)

    def _route(self, text: str) -> list[int]:
        """jieba's `calc`: the best end of the word starting at each position (unknown characters stand alone)."""
        n = len(text)
        best: list[tuple[float, int]] = [(0.0, 0)] * (n + 1)
        for i in range(n - 1, -1, -1):
            options = [(math.log(self.freq.get(text[i]) or 1) - self.log_total + best[i + 1][0], i + 1)]
            for size in self.lengths.get(text[i], ()):
                count = self.freq.get(text[i:i + size]) if i + size <= n else None
                if count:
                    options.append((math.log(count) - self.log_total + best[i + size][0], i + size))
            best[i] = max(options)
        return [end for _, end in best[:n]]

    def words(self, text: str) -> list[tuple[int, int]]:
        """The (start, end) of each word of the CJK runs in text, as jieba would cut them."""
        spans = []
        for run in _HAN.finditer(text):
            route = self._route(run.group())
            i = 0
            while i < len(route):
                spans.append((run.start() + i, run.start() + route[i]))
                i = route[i]
        return spans

    def cut(self, text: str) -> Cut:
        """The text's words, ready to be asked about spans."""
        return Cut(text, self.words(text))


class Cut:
    """One text cut into words: which word, if any, stops a span from being words of its own."""

    def __init__(self, text: str, words: list[tuple[int, int]]) -> None:
        self.text = text
        self.starts = [s for s, _ in words]
        self.words = words

    def blocker(self, start: int, end: int) -> str | None:
        """The word that straddles an edge of text[start:end] or contains it, or None when the span is words.

        The segmentation knows the names too, so of two names that overlap (小工 | 工厂 in 小工厂) the one on
        jieba's route is the word and the other is blocked.
        """
        i = max(bisect_right(self.starts, start) - 1, 0)
        while i < len(self.words) and self.words[i][0] < end:
            s, e = self.words[i]
            crosses = s < start < e or s < end < e
            contains = s <= start and end <= e and (s, e) != (start, end)
            if crosses or contains:
                return self.text[s:e]
            i += 1
        return None
