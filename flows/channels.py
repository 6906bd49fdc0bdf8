"""What each channel accepts in one message, declared once: the outbox (`notify`), the channels' renderers and
the flows that must fit something into one message (a case notice) all read it from here.

A text longer than its channel takes is split at line ends, then at sentence ends, then anywhere, and a reply's
buttons go with its last part; a flow that would need more than `MAX_PARTS` messages refuses instead.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from flows.messages import Reply

# More parts than this is not a message any more: the flow asks for something shorter.
MAX_PARTS = 5
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;…])|(?<=\. )")


@dataclass(frozen=True)
class ChannelRules:
    """One channel's limits: `max_text` in its own `unit` (None: no limit)."""

    name: str
    max_text: int | None
    unit: Literal["utf16", "utf8", "chars"] = "chars"

    def measure(self, text: str) -> int:
        if self.unit == "utf16":  # Telegram counts UTF-16 code units (an emoji outside the BMP is two)
            return len(text.encode("utf-16-le")) // 2
        if self.unit == "utf8":
            return len(text.encode("utf-8"))
        return len(text)

    def fits(self, text: str) -> bool:
        return self.max_text is None or self.measure(text) <= self.max_text

    def too_long(self, text: str) -> bool:
        """More than `MAX_PARTS` messages: a flow refuses such a text rather than send a stream of parts."""
        return self.max_text is not None and len(self.split(text)) > MAX_PARTS

    @property
    def characters(self) -> int | None:
        """Roughly how many Chinese characters one message holds (for telling a person the limit)."""
        if self.max_text is None:
            return None
        return self.max_text // 3 if self.unit == "utf8" else self.max_text

    @property
    def most_characters(self) -> int | None:
        """Roughly how many Chinese characters `MAX_PARTS` messages hold."""
        return None if self.characters is None else MAX_PARTS * self.characters

    def split(self, text: str) -> list[str]:
        """`text` in parts that each fit, cut at line ends where possible, else at sentence ends, else anywhere."""
        if self.max_text is None or self.fits(text):
            return [text]
        return split_text(text, self.max_text, self.measure)


CHANNELS: dict[str, ChannelRules] = {
    # Bot API sendMessage: 1-4096 characters of text after entity parsing.
    "telegram": ChannelRules("telegram", 4096, "utf16"),
    # WeChat official account customer-service text message: at most 2048 bytes.
    "wechat": ChannelRules("wechat", 2048, "utf8"),
    "terminal": ChannelRules("terminal", None),
}
_UNLIMITED = ChannelRules("unlimited", None)


def rules_for(channel: str) -> ChannelRules:
    """The rules of a channel (a channel with no declared limit, such as tests' own, takes anything)."""
    return CHANNELS.get(channel, _UNLIMITED)


def too_long_for(text: str, channels: Iterable[str]) -> ChannelRules | None:
    """The strictest of these channels that cannot take `text` as one message, or None when they all can (a
    broadcast is one message for everyone: it is refused rather than sent in pieces)."""
    narrow = [rules for rules in {rules_for(channel) for channel in channels} if not rules.fits(text)]
    return min(narrow, key=lambda rules: rules.characters or 0) if narrow else None


def split_text(text: str, limit: int, measure: Callable[[str], int] = len) -> list[str]:
    """Pack `text` into as few parts of at most `limit` (by `measure`) as line ends, sentence ends and, for an
    endless run of characters, plain cuts allow; nothing is lost but the line breaks the parts were cut at."""
    pieces: list[tuple[str, bool]] = []  # (piece, starts a line)
    for line in text.split("\n"):
        if measure(line) <= limit:
            pieces.append((line, True))
            continue
        sentences = [s for s in _SENTENCE_END.split(line) if s]
        cut = [piece for sentence in sentences for piece in
               (_cut(sentence, limit, measure) if measure(sentence) > limit else [sentence])]
        pieces.extend((piece, i == 0) for i, piece in enumerate(cut))
    parts: list[str] = []
    current: str | None = None
    for piece, starts_line in pieces:
        candidate = piece if current is None else current + ("\n" if starts_line else "") + piece
        if current is not None and measure(candidate) > limit:
            parts.append(current)
            candidate = piece
        current = candidate
    if current is not None:
        parts.append(current)
    return [part for part in parts if part.strip()] or [text[:limit]]


def _cut(text: str, limit: int, measure: Callable[[str], int]) -> list[str]:
    """Cut a run with no sentence end into pieces that fit (never inside a surrogate pair: we cut characters)."""
    pieces, current = [], ""
    for char in text:
        if current and measure(current + char) > limit:
            pieces.append(current)
            current = ""
        current += char
    return [*pieces, current] if current else pieces


def split_reply(reply: Reply, rules: ChannelRules) -> list[Reply]:
    """A reply as the messages the channel takes: the text in parts, its buttons and keyboard on the last one,
    an edit only of the first."""
    texts = rules.split(reply.text)
    if len(texts) == 1:
        return [reply]
    first = [dataclasses.replace(reply, text=text, buttons=[], request_contact=None, remove_keyboard=False)
             for text in texts[:-1]]
    first[1:] = [dataclasses.replace(part, edit=False) for part in first[1:]]
    return [*first, dataclasses.replace(reply, text=texts[-1], edit=False)]


def fit_lines(head: Sequence[str], items: Sequence[str], rules: ChannelRules, omitted: Callable[[int], str]) -> str:
    """`head`, then as many of the last `items` as fit in one message (the newest kept, the oldest dropped and
    counted by `omitted(n)`; an item too long even alone is shortened with "…")."""
    head_text = "\n".join(head)
    kept: list[str] = []
    for item in reversed(items):
        dropped = len(items) - len(kept) - 1
        lines = [head_text, *([omitted(dropped)] if dropped else []), item, *reversed(kept)]
        if rules.fits("\n".join(lines)):
            kept.append(item)
            continue
        if not kept:  # the newest alone is too long: keep as much of it as fits
            room = [head_text, *([omitted(dropped)] if dropped else []), ""]
            kept.append(_shorten(item, rules, "\n".join(room)))
        break
    dropped = len(items) - len(kept)
    return "\n".join([head_text, *([omitted(dropped)] if dropped else []), *reversed(kept)])


def _shorten(item: str, rules: ChannelRules, before: str) -> str:
    low, high = 0, len(item)
    while low < high:  # the longest prefix that fits after `before`
        middle = (low + high + 1) // 2
        if rules.fits(before + item[:middle] + "…"):
            low = middle
        else:
            high = middle - 1
    return item[:low] + "…"
