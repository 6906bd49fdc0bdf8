"""Understanding workers' messages: intents and entities from Rasa-format training data (SPEC §4).

The engine (and scikit-learn under it) is imported when one of these names is first used, so a command that
needs only a light part of the package (`nlu.dates`, `nlu.normalise` …) starts without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nlu.engine import NLU, Entity, Parse, load_nlu

__all__ = ["NLU", "Entity", "Parse", "load_nlu"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from nlu import engine

        return getattr(engine, name)
    raise AttributeError(f"module 'nlu' has no attribute {name!r}")
