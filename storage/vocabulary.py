"""The county's fixed vocabularies: townships and villages, destinations, canonical job categories."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

_DEMO = Path(__file__).resolve().parent / "demo"


@dataclass(frozen=True)
class Township:
    name: str
    lat: float
    lon: float
    villages: tuple[str, ...]


@dataclass(frozen=True)
class Geography:
    county: str
    townships: dict[str, Township]
    destinations: dict[str, str]  # city → province

    def township_of(self, text: str) -> str | None:
        """The canonical township for '双福镇', '双福', or None."""
        text = text.strip()
        if text in self.townships:
            return text
        for name in self.townships:
            short = name.removesuffix("街道").removesuffix("镇").removesuffix("乡")
            if text == short or (len(short) >= 2 and text.startswith(short)):
                return name
        return None


@cache
def geography() -> Geography:
    data = yaml.safe_load((_DEMO / "geography.yaml").read_text(encoding="utf-8"))
    townships = {
        name: Township(name, float(info["lat"]), float(info["lon"]), tuple(info.get("villages", ())))
        for name, info in data["townships"].items()
    }
    return Geography(data["county"], townships, dict(data.get("destinations", {})))


def county() -> str:
    return geography().county


def townships() -> list[str]:
    """The county's townships in the order the bureau lists them."""
    return list(geography().townships)


def villages(township: str) -> list[str]:
    """The villages (and urban communities) of one township; empty for an unknown township."""
    found = geography().townships.get(township)
    return list(found.villages) if found else []


@cache
def job_categories() -> dict[str, tuple[str, ...]]:
    """Canonical job category → the colloquial names people use for it."""
    data = yaml.safe_load((_DEMO / "job_categories.yaml").read_text(encoding="utf-8"))
    return {name: tuple(aliases or ()) for name, aliases in data.items()}


def canonical_job_category(text: str) -> str | None:
    """'采茶' → '采茶工'; an unknown name → None."""
    text = text.strip().lower()
    categories = job_categories()
    for name, aliases in categories.items():
        if text == name.lower() or text in (a.lower() for a in aliases):
            return name
    return None
