"""Load the bureau's own facts from its YAML file: offices, township stations, hotline, services, special days.

One file is the whole truth (`mishu import bureau FILE` replaces what was imported before), written by
staff: every problem is reported as `file: where: what is wrong`, and nothing is imported until all are
fixed. The demo county's file is storage/demo/bureau.yaml; README.zh-CN explains the fields.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml

from storage.states import OfficeKind

_TIME = re.compile(r"^([01]?\d|2[0-3])[:：]([0-5]\d)$")
_TOP = frozenset({"name", "hotline", "hotline_hours", "notice", "hours", "offices", "stations", "services",
                  "special_days"})
_OFFICE_KEYS = frozenset({"key", "name", "township", "address", "phone", "location", "map", "hours", "services",
                          "note"})
_SERVICE_KEYS = frozenset({"name", "en", "aliases", "offices", "stations", "hotline", "elsewhere", "bring"})
_DAY_KEYS = frozenset({"date", "open", "hours", "offices", "note"})


class _Loader(yaml.SafeLoader):
    """Dates stay text until checked here, so 2026-13-01 is reported as a problem instead of crashing the load."""


_Loader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


class BureauFileError(ValueError):
    """The bureau file is invalid; each line of the message reads `file: where: what is wrong`."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Hours:
    """Opening hours of one day: open to close, with an optional lunch break in between."""

    open: dt.time
    close: dt.time
    lunch: tuple[dt.time, dt.time] | None = None

    @property
    def sessions(self) -> list[tuple[dt.time, dt.time]]:
        """The stretches the counter is staffed: morning and afternoon, or one stretch without a break."""
        if self.lunch is None:
            return [(self.open, self.close)]
        return [(self.open, self.lunch[0]), (self.lunch[1], self.close)]

    def as_dict(self) -> dict[str, Any]:
        lunch = f"{self.lunch[0]:%H:%M}-{self.lunch[1]:%H:%M}" if self.lunch else None
        return {"open": f"{self.open:%H:%M}", "close": f"{self.close:%H:%M}", "lunch": lunch}


@dataclass(frozen=True, slots=True)
class Office:
    """The bureau's service hall (kind `office`) or a township's service station (kind `station`)."""

    key: str
    kind: OfficeKind
    name: str
    township: str
    address: str
    phone: str
    map_url: str
    lat: float | None
    lon: float | None
    hours: Hours
    services: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True, slots=True)
class Service:
    """A service of the bureau's world the assistant does not handle itself, and where a person gets it."""

    name: str
    en: str
    aliases: tuple[str, ...]
    offices: tuple[str, ...]  # keys of the offices that handle it
    stations: bool  # every township station handles it too
    hotline: str  # where to phone (the bureau's hotline unless another department's)
    elsewhere: str  # another department that handles it, said first (医保局, 税务局 …); "" when the bureau does
    bring: str


@dataclass(frozen=True, slots=True)
class SpecialDay:
    """A day the offices depart from the calendar: closed on a working day, or open on a day off."""

    day: dt.date
    open: bool
    hours: Hours | None  # on an open day; None = the office's usual hours
    offices: tuple[str, ...]  # keys; empty = every office and station
    note: str

    def applies_to(self, office_key: str) -> bool:
        return not self.offices or office_key in self.offices


@dataclass(frozen=True, slots=True)
class BureauFacts:
    """Everything the bureau said about itself in its file."""

    name: str
    hotline: str
    hotline_hours: str
    notice: str  # shown under every answer (the demo file says its data is made up)
    offices: tuple[Office, ...]
    services: tuple[Service, ...]
    special_days: tuple[SpecialDay, ...]

    @property
    def halls(self) -> list[Office]:
        return [o for o in self.offices if o.kind == OfficeKind.OFFICE]

    @property
    def stations(self) -> list[Office]:
        return [o for o in self.offices if o.kind == OfficeKind.STATION]

    def station_of(self, township: str) -> Office | None:
        return next((o for o in self.stations if o.township == township), None)

    def office(self, key: str) -> Office | None:
        return next((o for o in self.offices if o.key == key), None)

    def handling(self, service: Service) -> list[Office]:
        """The bureau's own offices that handle `service` (stations only when all of them do)."""
        return [o for o in self.halls if o.key in service.offices]


def map_link(lat: float, lon: float, name: str) -> str:
    """A map link that opens in any phone's browser (Amap's URI API: no key, no app needed)."""
    return f"https://uri.amap.com/marker?position={lon:.5f},{lat:.5f}&name={quote(name)}"


class _Reader:
    """Collects every problem of one file instead of stopping at the first."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[str] = []

    def problem(self, where: str, what: str) -> None:
        self.problems.append(f"{self.path.name}: {where}: {what}")

    def text(self, data: dict[str, Any], key: str, where: str, *, required: bool = True) -> str:
        value = data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problem(where, f"'{key}' is missing")
            return ""
        if isinstance(value, (dict, list)):
            self.problem(where, f"'{key}' should be text")
            return ""
        return str(value).strip()

    def texts(self, data: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
        value = data.get(key) or []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.problem(where, f"'{key}' should be a list")
            return ()
        return tuple(str(v).strip() for v in value if str(v).strip())

    def unknown(self, data: dict[str, Any], known: frozenset[str], where: str) -> None:
        for key in data:
            if key not in known:
                self.problem(where, f"unknown field '{key}' (known: {', '.join(sorted(known))})")

    def time(self, value: Any, where: str) -> dt.time | None:
        if isinstance(value, int) and not isinstance(value, bool):  # YAML 1.1 reads 09:00 as 540 (minutes)
            value = f"{value // 60:02d}:{value % 60:02d}"
        match = _TIME.match(str(value).strip()) if value is not None else None
        if match is None:
            self.problem(where, f"'{value}' is not a time like 09:00")
            return None
        return dt.time(int(match[1]), int(match[2]))

    def span(self, value: Any, where: str) -> tuple[dt.time, dt.time] | None:
        parts = re.split(r"\s*[-–~～至到]\s*", str(value).strip()) if value is not None else []
        if len(parts) != 2:
            self.problem(where, f"'{value}' is not a span like 12:00-14:00")
            return None
        start, end = self.time(parts[0], where), self.time(parts[1], where)
        if start is None or end is None:
            return None
        if end <= start:
            self.problem(where, f"'{value}' ends before it starts")
            return None
        return start, end

    def hours(self, value: Any, where: str, default: Hours | None) -> Hours | None:
        if value is None:
            if default is None:
                self.problem(where, "'hours' is missing (give it here or once at the top of the file)")
            return default
        if isinstance(value, str):  # "09:00-17:30"
            span = self.span(value, where)
            return Hours(span[0], span[1]) if span else None
        if not isinstance(value, dict):
            self.problem(where, "'hours' should be like {open: '09:00', close: '17:30', lunch: '12:00-14:00'}")
            return None
        for key in value:
            if key not in ("open", "close", "lunch"):
                self.problem(where, f"unknown field 'hours.{key}' (known: open, close, lunch)")
        start, end = self.time(value.get("open"), where), self.time(value.get("close"), where)
        lunch = self.span(value["lunch"], where) if value.get("lunch") else None
        if start is None or end is None:
            return None
        if end <= start:
            self.problem(where, "'close' is not after 'open'")
            return None
        if lunch is not None and not (start < lunch[0] and lunch[1] < end):
            self.problem(where, "the lunch break is not between 'open' and 'close'")
            return None
        return Hours(start, end, lunch)

    def location(self, data: dict[str, Any], where: str) -> tuple[float | None, float | None]:
        value = data.get("location")
        if value is None:
            return None, None
        try:
            lat, lon = (float(v) for v in value)
        except (TypeError, ValueError):
            self.problem(where, "'location' should be [latitude, longitude], e.g. [29.600, 103.496]")
            return None, None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            self.problem(where, f"'location' {value} is not [latitude, longitude]")
            return None, None
        return lat, lon


def _office(reader: _Reader, data: Any, kind: OfficeKind, where: str, default: Hours | None) -> Office | None:
    if not isinstance(data, dict):
        reader.problem(where, "should be a mapping of fields")
        return None
    reader.unknown(data, _OFFICE_KEYS, where)
    name = reader.text(data, "name", where)
    township = reader.text(data, "township", where, required=kind == OfficeKind.STATION)
    key = reader.text(data, "key", where, required=kind == OfficeKind.OFFICE) or township
    lat, lon = reader.location(data, where)
    map_url = reader.text(data, "map", where, required=False)
    if map_url and not map_url.startswith(("https://", "http://")):
        reader.problem(where, f"'map' should be a web link, not '{map_url}'")
    if not map_url and lat is not None and lon is not None:
        map_url = map_link(lat, lon, name)
    office = Office(
        key=key, kind=kind, name=name, township=township, address=reader.text(data, "address", where),
        phone=reader.text(data, "phone", where), map_url=map_url, lat=lat, lon=lon,
        hours=reader.hours(data.get("hours"), where, default) or Hours(dt.time(9), dt.time(17)),
        services=reader.texts(data, "services", where), note=reader.text(data, "note", where, required=False),
    )
    return office


def _service(reader: _Reader, data: Any, where: str, hotline: str, keys: set[str]) -> Service | None:
    if not isinstance(data, dict):
        reader.problem(where, "should be a mapping of fields")
        return None
    reader.unknown(data, _SERVICE_KEYS, where)
    offices = reader.texts(data, "offices", where)
    for key in offices:
        if key not in keys:
            reader.problem(where, f"office '{key}' is not among the offices' keys ({', '.join(sorted(keys))})")
    return Service(
        name=reader.text(data, "name", where), en=reader.text(data, "en", where, required=False),
        aliases=reader.texts(data, "aliases", where), offices=offices, stations=bool(data.get("stations", False)),
        hotline=reader.text(data, "hotline", where, required=False) or hotline,
        elsewhere=reader.text(data, "elsewhere", where, required=False),
        bring=reader.text(data, "bring", where, required=False),
    )


def _special_day(reader: _Reader, data: Any, where: str, keys: set[str]) -> SpecialDay | None:
    if not isinstance(data, dict):
        reader.problem(where, "should be a mapping of fields")
        return None
    reader.unknown(data, _DAY_KEYS, where)
    day = data.get("date")
    if isinstance(day, str):
        try:
            day = dt.date.fromisoformat(day.strip())
        except ValueError:
            day = None
    if not isinstance(day, dt.date):
        reader.problem(where, f"'date' {data.get('date')!r} is not a date like 2026-10-10")
        return None
    if not isinstance(data.get("open"), bool):
        reader.problem(where, "'open' should be true (open on a day off) or false (closed on a working day)")
        return None
    offices = reader.texts(data, "offices", where)
    for key in offices:
        if key not in keys:
            reader.problem(where, f"office '{key}' is not among the offices' keys")
    hours = reader.hours(data["hours"], where, None) if data.get("hours") is not None else None
    return SpecialDay(day=day, open=data["open"], hours=hours, offices=offices,
                      note=reader.text(data, "note", where, required=False))


def _listed(reader: _Reader, data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key) or []
    if not isinstance(value, list):
        reader.problem(key, "should be a list")
        return []
    return value


def load_bureau_file(path: Path) -> BureauFacts:
    """Read and check the bureau file; raises BureauFileError listing every problem."""
    reader = _Reader(path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise BureauFileError([f"{path.name}: cannot be read: {exc}"]) from exc
    if not isinstance(data, dict):
        raise BureauFileError([f"{path.name}: should be a mapping with name, hotline, offices, stations …"])
    reader.unknown(data, _TOP, "top level")
    default = reader.hours(data["hours"], "hours", None) if data.get("hours") is not None else None
    offices: list[Office] = []
    for i, item in enumerate(_listed(reader, data, "offices"), 1):
        if (office := _office(reader, item, OfficeKind.OFFICE, f"offices #{i}", default)) is not None:
            offices.append(office)
    for i, item in enumerate(_listed(reader, data, "stations"), 1):
        if (office := _office(reader, item, OfficeKind.STATION, f"stations #{i}", default)) is not None:
            offices.append(office)
    if not any(o.kind == OfficeKind.OFFICE for o in offices):
        reader.problem("offices", "at least one office is needed (the bureau's service hall)")
    keys: set[str] = set()
    for office in offices:
        if office.key in keys:
            reader.problem(office.key, "two offices or stations have this key (or township)")
        keys.add(office.key)
    hotline = reader.text(data, "hotline", "top level")
    services: list[Service] = []
    for i, item in enumerate(_listed(reader, data, "services"), 1):
        if (service := _service(reader, item, f"services #{i}", hotline, keys)) is not None:
            services.append(service)
    days: list[SpecialDay] = []
    for i, item in enumerate(_listed(reader, data, "special_days"), 1):
        if (special := _special_day(reader, item, f"special_days #{i}", keys)) is not None:
            days.append(special)
    name = reader.text(data, "name", "top level")
    hotline_hours = reader.text(data, "hotline_hours", "top level", required=False)
    notice = reader.text(data, "notice", "top level", required=False)
    if reader.problems:
        raise BureauFileError(reader.problems)
    return BureauFacts(
        name=name, hotline=hotline, hotline_hours=hotline_hours, notice=notice, offices=tuple(offices),
        services=tuple(services), special_days=tuple(sorted(days, key=lambda d: d.day)),
    )
