"""Understanding workers' messages: intents and entities from Rasa-format training data (SPEC §4)."""

from nlu.engine import NLU, Entity, Parse, load_nlu

__all__ = ["NLU", "Entity", "Parse", "load_nlu"]
