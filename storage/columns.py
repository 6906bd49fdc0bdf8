"""Column types that make SQLite and PostgreSQL store the same text: lengths kept, NUL and lone surrogates dropped.

PostgreSQL refuses a value longer than its VARCHAR(n) (the whole transaction fails: a Telegram full name of 129
characters used to fail every message of that person) and a NUL character anywhere; SQLite stores both. Every
text column of the models is one of these types, so a value is cut to the column's length and cleaned when it
is bound — for ORM writes, Core INSERT/UPDATE statements and comparisons alike (a lookup by an over-long value
finds the row stored from that same value). A test checks that no model column escapes them.
"""

from __future__ import annotations

import logging
import re
from enum import StrEnum
from typing import Any

from sqlalchemy import String, Text, TypeDecorator

log = logging.getLogger(__name__)

# NUL (PostgreSQL refuses it in text) and UTF-16 surrogates without a pair (no encoding can send them).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(value: str, length: int | None = None) -> str:
    """The text as every backend stores it: unstorable characters dropped, cut to `length` characters."""
    if _UNSTORABLE.search(value):
        value = _UNSTORABLE.sub("", value)
    if length is not None and len(value) > length:
        # Only sizes: the value may be personal data.
        log.info("a value of %d characters was cut to its column's %d", len(value), length)
        value = value[:length]
    return value


class BoundedString(TypeDecorator[str]):
    """VARCHAR(n) that never refuses a value: longer text is cut to n characters (on every backend)."""

    impl = String
    cache_ok = True

    def __init__(self, length: int) -> None:
        super().__init__(length)
        self.length = length

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        return storable(value, self.length) if isinstance(value, str) else value


class CleanText(TypeDecorator[str]):
    """TEXT with the characters PostgreSQL refuses dropped, as SQLite would then store it too."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        return storable(value) if isinstance(value, str) else value


class TokenList(CleanText):
    """Space-separated search tokens, stored without empty ones: PostgreSQL splits them on single spaces into its
    index's lexemes (storage/shelf.py PG_DOCUMENT_OF), and an empty lexeme is an error there ("lexeme array may not
    contain empty strings"), so runs of spaces and blank text are written as the tokens they hold."""

    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        value = super().process_bind_param(value, dialect)
        return " ".join(token for token in value.split(" ") if token) if isinstance(value, str) else value


class EnumString(BoundedString):
    """VARCHAR(n) holding a member of a StrEnum: any other value is refused as it is bound — in a write and in a
    query alike, so a state or role the vocabulary does not know fails the test that uses it."""

    cache_ok = True

    def __init__(self, enum: type[StrEnum], length: int) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        if value is None or value not in self.enum._value2member_map_:
            return value  # a value written by an older version is shown, not a reason to fail reading
        return self.enum(value)
