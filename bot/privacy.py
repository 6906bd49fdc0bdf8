"""Masking personal data (mainland mobile and ID numbers) in every log line, whoever logs it and however.

Masking happens where a log record is made (`logging.setLogRecordFactory`), so it reaches every logger and
every handler — ours, aiogram's, and SQLAlchemy's own echo handler with its bound parameters — in every entry
point: importing `bot` installs it (`install_masking`), before any command, channel or web page runs.
`setup_logging` then gives the process one handler at the configured level (with the same filter on it, for
records made by code that replaced the factory), and routes SQL logging through it when `database.echo` is on.

What is masked: 11-digit mobiles (138 1234 5678, 138-1234-5678, 138.1234.5678, +86-138…, full-width
１３８…), 18-digit resident ID numbers (last character a digit or X) and 15-digit old ones, with spaces, dashes
or dots between digits, in half or full width.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from typing import Any, TextIO

_D = "[0-9０-９]"  # a digit, half or full width
_S = r"[ \t\-.·－．]{0,3}"  # what people put between digits
_NOT_BEFORE = r"(?<![0-9０-９])"
_NOT_AFTER = r"(?![0-9０-９XxＸｘ])"

_ID_18 = re.compile(_NOT_BEFORE + _D + f"(?:{_S}{_D}){{16}}{_S}[0-9０-９XxＸｘ]" + _NOT_AFTER)
_ID_15 = re.compile(_NOT_BEFORE + _D + f"(?:{_S}{_D}){{14}}" + _NOT_AFTER)
_MOBILE = re.compile(
    _NOT_BEFORE
    + r"(?P<prefix>(?:[+＋]|00|００)?[8８][6６]" + _S + ")?"
    + f"(?P<number>[1１]{_S}[3-9３-９](?:{_S}{_D}){{9}})"
    + _NOT_AFTER
)


def _plain(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch.isalnum()).upper()


def _mask_id(match: re.Match[str]) -> str:
    plain = _plain(match.group(0))
    return f"{plain[:6]}{'*' * (len(plain) - 10)}{plain[-4:]}"


def _mask_mobile(match: re.Match[str]) -> str:
    plain = _plain(match.group("number"))
    return f"{match.group('prefix') or ''}{plain[:3]}****{plain[-4:]}"


def mask(text: str) -> str:
    """`13812345678` → `138****5678`; `510181199001011234` → `510181********1234`; also spaced, dotted,
    with +86, in full-width digits; 15-digit ID numbers → `510181*****1234`."""
    text = _ID_18.sub(_mask_id, text)
    text = _ID_15.sub(_mask_id, text)
    return _MOBILE.sub(_mask_mobile, text)


def mask_record(record: logging.LogRecord) -> None:
    """Rewrite a record in place: its message (arguments merged in), traceback and stack masked."""
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: logging reports it when the record is emitted
        return
    masked = mask(message)
    if masked != message or record.args:
        record.msg, record.args = masked, None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = mask(record.exc_text)
    if record.stack_info:
        record.stack_info = mask(record.stack_info)


class MaskingFilter(logging.Filter):
    """Masks each record before a handler formats it (for records made outside the masking factory)."""

    def filter(self, record: logging.LogRecord) -> bool:
        mask_record(record)
        return True


def install_masking() -> None:
    """Mask every log record where it is made, for every logger of the process (idempotent)."""
    current = logging.getLogRecordFactory()
    if getattr(current, "masks_personal_data", False):
        return

    def masked_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = current(*args, **kwargs)
        mask_record(record)
        return record

    masked_record.masks_personal_data = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(masked_record)


def setup_logging(level: str = "INFO", stream: TextIO | None = None, *, sql: bool = False) -> logging.Handler:
    """Log to stderr (or `stream`) at `level`, personal numbers masked in every record, libraries' included;
    with `sql`, SQLAlchemy's statements and parameters go to the same (masked) handler."""
    install_masking()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(MaskingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Alembic narrates its plugin set-up at INFO whenever a command opens the database: noise unless debugging.
    logging.getLogger("alembic").setLevel(logging.DEBUG if root.level <= logging.DEBUG else logging.WARNING)
    sql_logger = logging.getLogger("sqlalchemy.engine")
    sql_logger.setLevel(logging.INFO if sql else logging.WARNING)
    for own in sql_logger.handlers[:]:  # an echo handler of its own would bypass ours
        sql_logger.removeHandler(own)
    sql_logger.propagate = True
    return handler
