"""Masking personal data (mainland mobile and ID numbers) in every log line."""

from __future__ import annotations

import logging
import re
from typing import TextIO

# 18-digit resident ID numbers (last char may be X) and 11-digit mainland mobiles, also with +86 and spaces/dashes.
_ID_NUMBER = re.compile(r"(?<!\d)(\d{6})\d{8}(\d{3}[\dXx])(?!\d)")
_MOBILE = re.compile(r"(?<!\d)((?:\+?86[- ]?)?1[3-9]\d)[- ]?\d{4}[- ]?(\d{4})(?!\d)")


def mask(text: str) -> str:
    """`13812345678` → `138****5678`; `510181199001011234` → `510181********1234`."""
    text = _ID_NUMBER.sub(lambda m: f"{m.group(1)}********{m.group(2)}", text)
    return _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)


class MaskingFilter(logging.Filter):
    """Rewrites each record's message with personal numbers masked, before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        return True


def setup_logging(level: str = "INFO", stream: TextIO | None = None) -> logging.Handler:
    """Log to stderr (or `stream`) with personal numbers masked in every record, libraries' included."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(MaskingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    return handler


def masked_phone(phone: str | None) -> str:
    """A phone number as the console shows it before a click: the first three and last two digits kept."""
    if not phone:
        return "-"
    digits = [i for i, ch in enumerate(phone) if ch.isdigit()]
    hidden = set(digits[3:-2]) if len(digits) > 5 else set(digits[1:])
    return "".join("*" if i in hidden else ch for i, ch in enumerate(phone))
