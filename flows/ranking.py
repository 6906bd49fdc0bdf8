"""What a worker asked for in a job question (`SearchCriteria`): read once from the NLU's parse, then searched for
in the database (storage/queries/search.py), carried in buttons and the dialogue context as a dict."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from flows.free_text import search_words
from storage.attributes import canonical
from storage.vocabulary import canonical_job_category, geography

ORDERS = ("relevance", "pay", "near", "newest")


@dataclass(frozen=True)
class SearchCriteria:
    """What a job question asked for, from the NLU's entities and the words no entity took."""

    categories: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    min_pay: float | None = None  # in `pay_unit`
    pay_unit: str = "month"
    attributes: tuple[str, ...] = ()  # canonical job attributes (storage/attributes.py), all wanted
    age: int | None = None  # the asker's age, when the question says it ("我55了")
    any_age: bool = False  # the worker asked to see postings whatever their age limits
    words: tuple[str, ...] = ()  # free text (flows/free_text.py)
    order: str = "relevance"  # one of ORDERS

    @classmethod
    def from_entities(cls, entities: Iterable[Any], words: Iterable[str] = ()) -> SearchCriteria:
        categories: list[str] = []
        places: list[str] = []
        attributes: list[str] = []
        min_pay: float | None = None
        unit = "month"
        age: int | None = None
        order = "relevance"
        for entity in entities:
            value = entity.value
            if entity.entity == "job_category" and value not in categories:
                categories.append(str(value))
            elif entity.entity == "location" and value not in places:
                places.append(str(value))
            elif entity.entity == "salary" and isinstance(value, dict):
                min_pay = value.get("min") or value.get("max")
                unit = value.get("unit") or "month"
            elif entity.entity == "job_attribute" and canonical(str(value)) and value not in attributes:
                attributes.append(str(value))
            elif entity.entity == "age" and isinstance(value, int):
                age = value
            elif entity.entity == "order" and value in ORDERS:
                order = str(value)
        return cls(tuple(categories), tuple(places), min_pay, unit, tuple(attributes), age, False, tuple(words),
                   order)

    @classmethod
    def from_parse(cls, parse: Any) -> SearchCriteria:
        """The criteria of a parsed question: its entities, and the words left once they are cut out."""
        if parse is None:
            return cls()
        entities = list(parse.entities)
        words = search_words(parse.text, [(int(e.start), int(e.end)) for e in entities])
        criteria = cls.from_entities(entities)
        # a word that names what an entity already says (its span missed) is not free text
        said = {*criteria.categories, *criteria.places}
        words = tuple(w for w in words if canonical_job_category(w) not in said and geography().township_of(w)
                      not in said and w not in said)
        return replace(criteria, words=words)

    def without(self, condition: str) -> SearchCriteria:
        """The same criteria with one condition dropped ("attribute:包吃住", "places", "age" …)."""
        if condition.startswith("attribute:"):
            name = condition.split(":", 1)[1]
            return replace(self, attributes=tuple(a for a in self.attributes if a != name))
        changes: dict[str, Any] = {"categories": {"categories": ()}, "places": {"places": ()},
                                   "pay": {"min_pay": None}, "age": {"age": None, "any_age": True},
                                   "words": {"words": ()}}.get(condition, {})
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe (button arguments, dialogue context)."""
        return {"categories": list(self.categories), "places": list(self.places), "min_pay": self.min_pay,
                "pay_unit": self.pay_unit, "attributes": list(self.attributes), "age": self.age,
                "any_age": self.any_age, "words": list(self.words), "order": self.order}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SearchCriteria:
        """Criteria saved by `to_dict`; unknown or malformed parts fall back to the defaults."""
        min_pay, age, order = data.get("min_pay"), data.get("age"), data.get("order")
        return cls(
            categories=tuple(str(v) for v in data.get("categories") or ()),
            places=tuple(str(v) for v in data.get("places") or ()),
            min_pay=float(min_pay) if isinstance(min_pay, int | float) else None,
            pay_unit=str(data.get("pay_unit") or "month"),
            attributes=tuple(str(v) for v in data.get("attributes") or () if canonical(str(v))),
            age=age if isinstance(age, int) else None,
            any_age=bool(data.get("any_age")),
            words=tuple(str(v) for v in data.get("words") or ()),
            order=order if order in ORDERS else "relevance",
        )
