"""The demo county's reference data read from YAML: geography, job categories, employers, job texts, staff."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
POLICY_FOLDER = HERE / "policies"
BUREAU_FILE = HERE / "bureau.yaml"  # the bureau's offices, stations, hotline, services (demo data)
LOCAL = ZoneInfo("Asia/Shanghai")
COUNTY = "峨眉山市"
TRAINING_TOPICS = ("采茶技术", "制茶技术", "电焊", "家政服务", "电工", "厨师", "养老护理", "电商直播", "挖掘机驾驶", "农业种植")


def _read(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@cache
def geography() -> dict[str, Any]:
    return _read(HERE / "geography.yaml")


@cache
def job_categories() -> tuple[str, ...]:
    return tuple(_read(HERE / "job_categories.yaml"))


@cache
def data(name: str) -> Any:
    """One file of storage/demo/data/ (enterprises, jobs, people, services)."""
    return _read(DATA / f"{name}.yaml")


def townships() -> dict[str, list[str]]:
    """Township → its villages, in the order of geography.yaml."""
    return {name: list(info["villages"]) for name, info in geography()["townships"].items()}


def destinations() -> dict[str, str]:
    """Destination city → province."""
    return dict(geography()["destinations"])


def local_time(day: date, at: str | time) -> datetime:
    """A wall-clock time in the county on `day`, as a UTC datetime."""
    clock = at if isinstance(at, time) else time.fromisoformat(at)
    return datetime.combine(day, clock, LOCAL).astimezone(UTC)


def days(n: int) -> timedelta:
    return timedelta(days=n)
