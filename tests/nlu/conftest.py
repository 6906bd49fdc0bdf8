"""Fixtures for the NLU tests: the model trained from nlu/data, as `load_nlu()` gives it (trained at most once, then
kept in the cache by a fingerprint of the data and the NLU's code, like `trained_nlu`), saved under pytest's tmp for
the tests that load a model file. Training itself is tested on small data in test_cli.py."""

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
    """Loaded from model_path as a product would; an object of its own (not `trained_nlu`'s)."""
    load_nlu().save(model_path)
    return load_nlu(model_path=model_path)
