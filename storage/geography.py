"""The county's townships and villages, and the canonical job categories, read from the shipped YAML files."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

_DEMO = Path(__file__).resolve().parent / "demo"


@cache
def _geography() -> dict[str, Any]:
    return yaml.safe_load((_DEMO / "geography.yaml").read_text(encoding="utf-8")) or {}


def county() -> str:
    return str(_geography().get("county", ""))


def townships() -> list[str]:
    """The county's townships in the order the bureau lists them."""
    return list(_geography().get("townships", {}))


def villages(township: str) -> list[str]:
    """The villages (and urban communities) of one township; empty for an unknown township."""
    entry = _geography().get("townships", {}).get(township) or {}
    return list(entry.get("villages", []))


@cache
def job_categories() -> dict[str, list[str]]:
    """Canonical job category → the colloquial names workers type for it."""
    data = yaml.safe_load((_DEMO / "job_categories.yaml").read_text(encoding="utf-8")) or {}
    return {str(name): [str(alias) for alias in aliases or []] for name, aliases in data.items()}
