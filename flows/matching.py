"""Matching a posting against workers: a vectorised score (numpy) and short reasons a worker understands.

The SQL prefilter (storage/queries/push.py, over the worker_category index) keeps registered, seeking, subscribed
workers who want or know the posting's job category; here every candidate gets a score in 0..1 from category, distance, pay, availability,
age limits and (when the bureau turns it on) priority for returnees from the hardest-hit areas. Hard limits
(pay below the worker's minimum, outside the posting's age range, available too late, missing an attribute the
worker asked for when subscribing: 日结, 包吃住 …) exclude a worker.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from flows.i18n import t
from storage.attributes import mask_of, names_of
from storage.pay import monthly

GEOGRAPHY = Path(__file__).resolve().parents[1] / "storage" / "demo" / "geography.yaml"

# Score parts; they add up to 1.0 (plus the optional priority bonus, capped at 1.0).
WANTED, SKILLED = 0.45, 0.30
PLACE, PLACE_UNKNOWN, PLACE_AWAY = 0.25, 0.10, 0.10
PAY_ENOUGH, PAY_NO_MINIMUM, PAY_NEGOTIABLE = 0.20, 0.15, 0.10
AVAILABLE, AVAILABLE_SOON = 0.10, 0.03
PRIORITY = 0.05
# Someone available within this many days of the start (or by the deadline) still fits, with fewer points.
SOON_DAYS = 14


@dataclass(frozen=True)
class Geography:
    """Township seats of the county and the distances between them (km)."""

    names: tuple[str, ...]
    km: np.ndarray  # square matrix, names × names

    def index(self, township: str | None) -> int:
        try:
            return self.names.index(township) if township else -1
        except ValueError:
            return -1

    @classmethod
    def from_coordinates(cls, coordinates: dict[str, tuple[float, float]]) -> Geography:
        names = tuple(coordinates)
        lat = np.radians([coordinates[n][0] for n in names])
        lon = np.radians([coordinates[n][1] for n in names])
        dlat = lat[:, None] - lat[None, :]
        dlon = lon[:, None] - lon[None, :]
        a = np.sin(dlat / 2) ** 2 + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin(dlon / 2) ** 2
        return cls(names, 2 * 6371.0 * np.arcsin(np.sqrt(a)))


@cache
def county_geography(path: Path = GEOGRAPHY) -> Geography:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Geography.from_coordinates({name: (v["lat"], v["lon"]) for name, v in data["townships"].items()})


@dataclass(frozen=True)
class PostingFacts:
    """What matching needs of a posting."""

    id: int
    job_category: str
    township: str | None
    place: str  # township, or the city outside the county
    monthly_pay: float | None  # best monthly pay; None when negotiable or piece rate
    start: date | None
    deadline: date | None
    age_min: int | None
    age_max: int | None
    attribute_mask: int = 0  # what it offers (storage/attributes.py bits)

    @classmethod
    def of(cls, posting: Any) -> PostingFacts:
        best = posting.salary_max or posting.salary_min
        pay = None if best is None or posting.salary_unit == "piece" else monthly(best, posting.salary_unit)
        return cls(
            id=posting.id, job_category=posting.job_category, township=posting.township,
            place=posting.township or posting.city, monthly_pay=pay, start=posting.start_date,
            deadline=posting.deadline, age_min=posting.age_min, age_max=posting.age_max,
            attribute_mask=int(posting.attribute_mask or 0),
        )


@dataclass
class Candidates:
    """Workers left by the SQL prefilter, one numpy column per fact (columnar, so 1M rows score in one go)."""

    ids: np.ndarray  # int64 person ids
    wants: np.ndarray  # bool: the category is among the wanted ones
    skilled: np.ndarray  # bool: the category is among the skills
    township: np.ndarray  # int16 index into Geography.names, -1 unknown / outside
    min_pay: np.ndarray  # float64 monthly minimum, nan unknown
    available: np.ndarray  # int64 date ordinal of available-from, 0 unknown
    birth_year: np.ndarray  # int32, 0 unknown
    hardest_hit: np.ndarray  # bool
    wanted_mask: np.ndarray  # int64 bits of the attributes every pushed posting must offer (0: none asked)

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def from_rows(cls, rows: Sequence[Sequence[Any]], geo: Geography) -> Candidates:
        """Rows of (id, township, wanted (else a skill), min pay, available_from, birth_year, hardest_hit[, wanted
        attributes]), as storage/queries/push.py returns them."""
        index = {name: i for i, name in enumerate(geo.names)}
        n = len(rows)
        if n == 0:
            return cls.empty()
        rows = [tuple(r) if len(r) == 8 else (*r, None) for r in rows]
        ids, towns, wanted, pay, avail, born, hit, attributes = zip(*rows, strict=True)
        wants = np.array(wanted, dtype=bool)
        return cls(
            ids=np.array(ids, dtype=np.int64),
            wants=wants,
            skilled=~wants,
            township=np.fromiter(map(index.get, towns, [-1] * n), np.int16, n),
            min_pay=np.array(pay, dtype=np.float64),  # None becomes nan
            available=np.fromiter((a.toordinal() if a else 0 for a in avail), np.int64, n),
            birth_year=np.nan_to_num(np.array(born, dtype=np.float64)).astype(np.int32),
            hardest_hit=np.array(hit, dtype=bool),
            wanted_mask=np.fromiter((mask_of(a or ()) for a in attributes), np.int64, n),
        )

    @classmethod
    def empty(cls) -> Candidates:
        return cls(*(np.zeros(0, dtype) for dtype in (np.int64, bool, bool, np.int16, np.float64, np.int64,
                                                       np.int32, bool, np.int64)))

    def take(self, index: np.ndarray) -> Candidates:
        return Candidates(*(getattr(self, f)[index] for f in self.__dataclass_fields__))


@dataclass(frozen=True)
class MatchRules:
    """The bureau's matching settings (from config `push:`)."""

    min_score: float = 0.5
    distance_zero_km: float = 40.0
    prioritise_hardest_hit: bool = True


@dataclass(frozen=True)
class Match:
    person_id: int
    score: float
    reasons: tuple[tuple[str, dict[str, Any]], ...]


def scores(posting: PostingFacts, c: Candidates, today: date, rules: MatchRules, geo: Geography) -> np.ndarray:
    """Score every candidate (0..1); excluded ones get -1."""
    value = np.where(c.wants, WANTED, np.where(c.skilled, SKILLED, -10.0))
    p = geo.index(posting.township)
    if p >= 0:
        known = c.township >= 0
        km = geo.km[p][np.where(known, c.township, 0)]
        near = PLACE * np.clip(1 - km / rules.distance_zero_km, 0, 1)
        value += np.where(known, near, PLACE_UNKNOWN)
    else:
        value += PLACE_AWAY
    if posting.monthly_pay is None:
        value += PAY_NEGOTIABLE
    else:
        no_minimum = np.isnan(c.min_pay)
        enough = posting.monthly_pay >= np.nan_to_num(c.min_pay, nan=0.0)
        value += np.where(no_minimum, PAY_NO_MINIMUM, np.where(enough, PAY_ENOUGH, -10.0))
    start = (posting.start or today).toordinal()
    latest = max(start + SOON_DAYS, posting.deadline.toordinal() if posting.deadline else 0)
    value += np.where(c.available <= start, AVAILABLE, np.where(c.available <= latest, AVAILABLE_SOON, -10.0))
    if posting.age_min is not None or posting.age_max is not None:
        age = (posting.start or today).year - c.birth_year
        too_young = (posting.age_min is not None) & (age < (posting.age_min or 0))
        too_old = (posting.age_max is not None) & (age > (posting.age_max or 200))
        value += np.where((c.birth_year > 0) & (too_young | too_old), -10.0, 0.0)
    # a worker who asked for 日结 or 包吃住 when subscribing gets only postings that offer it
    value += np.where(c.wanted_mask & ~np.int64(posting.attribute_mask), -10.0, 0.0)
    if rules.prioritise_hardest_hit:
        value += np.where(c.hardest_hit, PRIORITY, 0.0)
    value = np.minimum(value, 1.0)
    return np.where(value < 0, -1.0, value)


def reasons(posting: PostingFacts, c: Candidates, i: int, today: date, rules: MatchRules,
            geo: Geography) -> tuple[tuple[str, dict[str, Any]], ...]:
    """Why candidate `i` fits, as catalogue keys with values (`reason_text` renders them)."""
    out: list[tuple[str, dict[str, Any]]] = []
    out.append(("wants" if c.wants[i] else "skilled", {"category": posting.job_category}))
    town = int(c.township[i])
    p = geo.index(posting.township)
    if town >= 0 and p >= 0:
        km = float(geo.km[p][town])
        if town == p:
            out.append(("same_township", {"township": geo.names[town]}))
        else:
            out.append(("distance", {"township": geo.names[town], "km": max(1, round(km))}))
    elif p < 0:
        out.append(("away", {"place": posting.place}))
    if posting.monthly_pay is not None and not math.isnan(c.min_pay[i]):
        out.append(("pay", {"pay": int(posting.monthly_pay), "minimum": int(c.min_pay[i])}))
    if c.wanted_mask[i]:
        out.append(("attributes", {"names": names_of(int(c.wanted_mask[i]))}))
    if c.available[i] and c.available[i] > today.toordinal():
        out.append(("available", {"date": date.fromordinal(int(c.available[i])).isoformat()}))
    if rules.prioritise_hardest_hit and c.hardest_hit[i]:
        out.append(("priority", {}))
    return tuple(out)


def best_matches(posting: PostingFacts, c: Candidates, today: date, rules: MatchRules, geo: Geography,
                 *, limit: int | None = None) -> list[Match]:
    """Candidates at or above the minimum score, best first (ties: lower id, i.e. registered earlier)."""
    if not len(c):
        return []
    value = scores(posting, c, today, rules, geo)
    keep = np.flatnonzero(value >= rules.min_score)
    if limit is not None and len(keep) > limit:
        # partial selection first (1M candidates never get fully sorted); ties at the cut go to lower ids
        cut = -np.partition(-value[keep], limit - 1)[limit - 1]
        above = keep[value[keep] > cut]
        tied = keep[value[keep] == cut]
        keep = np.concatenate([above, tied[np.argsort(c.ids[tied], kind="stable")][: limit - len(above)]])
    order = keep[np.lexsort((c.ids[keep], -value[keep]))]
    return [Match(int(c.ids[i]), round(float(value[i]), 4), reasons(posting, c, int(i), today, rules, geo))
            for i in order]


def reason_text(match_reasons: Sequence[tuple[str, dict[str, Any]]], language: str) -> str:
    """'你想做采茶工，住在双福镇，离岗位8公里' in the reader's language."""
    parts = []
    for key, values in match_reasons:
        if "names" in values:  # canonical attributes, in the reader's language
            labels = [t(f"search.attribute.{name}", language) for name in values["names"]]
            values = {**values, "names": t("search.list_separator", language).join(labels)}
        parts.append(t(f"matching.{key}", language, **values))
    return t("matching.separator", language).join(parts)
