"""The message catalogues read the same through libyaml's loader (flows/i18n.py uses it when PyYAML has it) as
through PyYAML's pure-Python safe loader."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from flows.i18n import _LOADER, catalogue

LOCALES = Path(__file__).resolve().parents[2] / "flows" / "locales"


@pytest.mark.parametrize("language", ["zh-hans", "zh-hant", "en"])
def test_every_catalogue_file_reads_as_the_safe_loader_reads_it(language: str) -> None:
    files = sorted((LOCALES / language).glob("*.yaml"))
    assert files
    merged = {}
    for path in files:
        text = path.read_text(encoding="utf-8")
        fast = yaml.load(text, Loader=_LOADER)
        assert fast == yaml.safe_load(text), path.name
        merged.update(fast or {})
    assert catalogue(language) == merged


def test_the_fast_loader_is_a_safe_one() -> None:
    with pytest.raises(yaml.YAMLError):
        yaml.load("!!python/object/apply:os.system ['true']", Loader=_LOADER)
