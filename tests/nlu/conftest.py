"""Fixtures for the NLU tests: one model trained from nlu/data per test session, cached under pytest's tmp."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from nlu import NLU, load_nlu

HERE = Path(__file__).resolve().parent
HELDOUT = HERE / "data" / "heldout.yml"
# A Monday, so weekday arithmetic is easy to read in the expectations.
TODAY = date(2026, 3, 2)


@pytest.fixture(scope="session")
def model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("nlu") / "model.pkl"


@pytest.fixture(scope="session")
def nlu(model_path: Path) -> NLU:
    return load_nlu(model_path=model_path)
