"""Reader and writer of Rasa's YAML NLU training data (version "3.1"): intents, entities, synonyms, lookups, regexes."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

RASA_VERSION = "3.1"
# [text](entity), [text](entity:value), [text]{"entity": ..., "value": ...}
_ANNOTATION = re.compile(r"\[(?P<text>[^\[\]]+)\](?:\((?P<short>[^()]+)\)|(?P<json>\{[^{}]*\}))")


class NLUDataError(ValueError):
    """A training-data file is malformed; the message is `file:line: what is wrong`."""


@dataclass
class EntitySpan:
    """An entity annotated in an example: offsets into the example's plain text."""

    entity: str
    start: int
    end: int
    value: Any
    text: str


@dataclass
class Example:
    """One training example: plain text, its intent and annotated entities."""

    text: str
    intent: str
    entities: list[EntitySpan] = field(default_factory=list)


@dataclass
class TrainingData:
    """Everything a set of Rasa NLU files holds."""

    examples: list[Example] = field(default_factory=list)
    synonyms: dict[str, list[str]] = field(default_factory=dict)  # canonical value → surface forms
    lookups: dict[str, list[str]] = field(default_factory=dict)
    regexes: dict[str, list[str]] = field(default_factory=dict)

    def merge(self, other: TrainingData) -> None:
        self.examples.extend(other.examples)
        for value, items in other.synonyms.items():
            self.synonyms.setdefault(value, []).extend(items)
        for name, items in other.lookups.items():
            self.lookups.setdefault(name, []).extend(items)
        for name, items in other.regexes.items():
            self.regexes.setdefault(name, []).extend(items)

    @property
    def intents(self) -> list[str]:
        return sorted({ex.intent for ex in self.examples})


class _LineLoader(yaml.SafeLoader):
    """A YAML loader that remembers the line of each mapping, so errors can say where."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    # The 1-based line where each value's text begins: a block scalar (`|`) starts on the line after its key.
    mapping["__lines__"] = {
        key.value: value.start_mark.line + (2 if getattr(value, "style", None) in ("|", ">") else 1)
        for key, value in node.value if isinstance(key, yaml.ScalarNode)
    }
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def parse_annotated(text: str, where: str = "<text>") -> tuple[str, list[EntitySpan]]:
    """`[采茶](job_category)的活路` → plain text and entity spans; raises NLUDataError on bad annotations."""
    plain: list[str] = []
    spans: list[EntitySpan] = []
    pos = 0
    for match in _ANNOTATION.finditer(text):
        plain.append(text[pos:match.start()])
        start = sum(len(p) for p in plain)
        surface = match.group("text")
        if match.group("short"):
            entity, _, value = match.group("short").partition(":")
            value = value or surface
        else:
            try:
                spec = json.loads(match.group("json"))
            except json.JSONDecodeError as exc:
                raise NLUDataError(f"{where}: bad entity JSON {match.group('json')!r}: {exc.msg}") from None
            if not isinstance(spec, dict) or "entity" not in spec:
                raise NLUDataError(f"{where}: entity JSON needs an \"entity\" key: {match.group('json')!r}")
            # A value may be structured (a salary dict); strings stay strings.
            entity, value = spec["entity"], spec.get("value", surface)
        entity = entity.strip()
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", entity):
            raise NLUDataError(f"{where}: bad entity name {entity!r}")
        plain.append(surface)
        spans.append(EntitySpan(entity, start, start + len(surface), value, surface))
        pos = match.end()
    plain.append(text[pos:])
    result = "".join(plain)
    if "[" in result and "](" in text[pos:]:
        raise NLUDataError(f"{where}: unclosed entity annotation")
    return result, spans


def _items(block: dict[str, Any], key: str, path: Path) -> list[tuple[int, str]]:
    """The `- item` lines of a block's `examples`, each with its line number in the file."""
    raw = block.get("examples")
    if not isinstance(raw, str):
        raise NLUDataError(f"{path}:{block.get('__line__', 0)}: {key} needs `examples: |` with one `- item` a line")
    first = block.get("__lines__", {}).get("examples", block.get("__line__", 0) + 1)
    items = []
    for offset, line in enumerate(raw.splitlines()):
        line = line.strip()
        if not line:
            continue
        if not line.startswith("- "):
            raise NLUDataError(f"{path}:{first + offset}: an example must start with '- ', got {line[:30]!r}")
        items.append((first + offset, line[2:].strip()))
    return items


def load_file(path: Path) -> TrainingData:
    """Read one Rasa NLU YAML file."""
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 0
        raise NLUDataError(f"{path}:{line}: invalid YAML: {exc.problem}") from None
    except UnicodeDecodeError:
        raise NLUDataError(f"{path}:1: not UTF-8 text") from None
    if doc is None:
        return TrainingData()
    if not isinstance(doc, dict):
        raise NLUDataError(f"{path}:1: expected a mapping with `version` and `nlu`")
    version = doc.get("version")
    if version is not None and str(version) != RASA_VERSION and not str(version).startswith("3"):
        raise NLUDataError(f"{path}:1: unsupported version {version!r} (expected \"{RASA_VERSION}\")")
    blocks = doc.get("nlu", [])
    if not isinstance(blocks, list):
        raise NLUDataError(f"{path}:{doc.get('__line__', 1)}: `nlu` must be a list")
    data = TrainingData()
    for block in blocks:
        if not isinstance(block, dict):
            raise NLUDataError(f"{path}:{doc.get('__line__', 1)}: each `nlu` item must be a mapping")
        line = block.get("__line__", 0)
        where = f"{path}:{line}"
        kinds = [k for k in ("intent", "synonym", "lookup", "regex") if k in block]
        if len(kinds) != 1:
            raise NLUDataError(f"{where}: expected exactly one of intent/synonym/lookup/regex")
        kind = kinds[0]
        name = block[kind]
        if not isinstance(name, str) or not name.strip():
            raise NLUDataError(f"{where}: `{kind}` needs a name")
        numbered = _items(block, kind, path)
        items = [item for _, item in numbered]
        if kind == "intent":
            for number, item in numbered:
                text, spans = parse_annotated(item, f"{path}:{number}")
                if not text.strip():
                    raise NLUDataError(f"{path}:{number}: empty example")
                data.examples.append(Example(text, name, spans))
        elif kind == "synonym":
            data.synonyms.setdefault(name, []).extend(items)
        elif kind == "lookup":
            data.lookups.setdefault(name, []).extend(items)
        else:
            for number, item in numbered:
                try:
                    re.compile(item)
                except re.error as exc:
                    raise NLUDataError(f"{path}:{number}: bad regex {item!r}: {exc}") from None
            data.regexes.setdefault(name, []).extend(items)
    return data


def load_data(path: Path) -> TrainingData:
    """Read one file, or every *.yml / *.yaml file under a directory (sorted, so results are stable)."""
    path = Path(path)
    if path.is_dir():
        data = TrainingData()
        for file in sorted([*path.rglob("*.yml"), *path.rglob("*.yaml")]):
            data.merge(load_file(file))
        return data
    if not path.exists():
        raise NLUDataError(f"{path}:0: no such file or directory")
    return load_file(path)


def annotate(example: Example) -> str:
    """An example back in Rasa's inline annotation syntax."""
    out, pos = [], 0
    for span in sorted(example.entities, key=lambda s: s.start):
        out.append(example.text[pos:span.start])
        surface = example.text[span.start:span.end]
        if span.value == surface:
            out.append(f"[{surface}]({span.entity})")
        else:
            spec = json.dumps({"entity": span.entity, "value": span.value}, ensure_ascii=False)
            out.append(f"[{surface}]{spec}")
        pos = span.end
    out.append(example.text[pos:])
    return "".join(out)


def _block(kind: str, name: str, items: Iterable[str]) -> str:
    lines = "".join(f"    - {item}\n" for item in items)
    return f"- {kind}: {name}\n  examples: |\n{lines}"


def dump_data(data: TrainingData) -> str:
    """Training data as a Rasa "3.1" YAML document."""
    parts = [f'version: "{RASA_VERSION}"\nnlu:\n']
    by_intent: dict[str, list[str]] = {}
    for ex in data.examples:
        by_intent.setdefault(ex.intent, []).append(annotate(ex))
    for intent, items in by_intent.items():
        parts.append(_block("intent", intent, items))
    for value, items in data.synonyms.items():
        parts.append(_block("synonym", value, items))
    for name, items in data.lookups.items():
        parts.append(_block("lookup", name, items))
    for name, items in data.regexes.items():
        parts.append(_block("regex", name, items))
    return "".join(parts)


def write_data(data: TrainingData, path: Path) -> None:
    """Write training data to one Rasa YAML file."""
    Path(path).write_text(dump_data(data), encoding="utf-8")
