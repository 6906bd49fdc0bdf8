"""Load the policy knowledge base from YAML (or Markdown with YAML front matter) files into PolicyDoc values."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

AUDIENCES = ("worker", "employer", "both")
REQUIRED = ("key", "title", "audience", "issuer", "effective_from", "source", "summary")
LIST_FIELDS = ("aliases", "key_points", "eligibility", "how_to_apply")
OPTIONAL = ("document_number", "effective_to", "aliases", "faq")
KNOWN = frozenset(REQUIRED + LIST_FIELDS + OPTIONAL)
SUFFIXES = (".yaml", ".yml", ".md")


@dataclass(frozen=True)
class PolicyProblem:
    """What is wrong with a policy file: a catalogue key under `policy_file.` and its values (storage says what,
    the reader's channel words it: flows.imports.policy_problem_text)."""

    file: str
    key: str
    values: dict[str, Any] = field(default_factory=dict, hash=False)


class PolicyFileError(ValueError):
    """One or more policy files are invalid: every problem of every file, in file order."""

    def __init__(self, problems: list[PolicyProblem]):
        super().__init__("\n".join(f"{p.file}: {p.key} {p.values}" for p in problems))
        self.problems = problems


class _Invalid(ValueError):
    """The problems of one file, before its name is known to them."""

    def __init__(self, problems: list[tuple[str, dict[str, Any]]]):
        super().__init__("; ".join(key for key, _ in problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class FaqEntry:
    """One question a worker or employer asks about a policy, with the bureau's answer."""

    question: str
    answer: str


@dataclass(frozen=True, slots=True)
class PolicyDoc:
    """One policy of the knowledge base, as staff wrote it in its file."""

    key: str  # canonical name, also the value of the NLU `policy` entity
    title: str
    aliases: tuple[str, ...]
    audience: str  # worker | employer | both
    issuer: str
    document_number: str | None
    effective_from: dt.date
    effective_to: dt.date | None
    source: str
    summary: str
    key_points: tuple[str, ...]
    eligibility: tuple[str, ...]
    how_to_apply: tuple[str, ...]
    faq: tuple[FaqEntry, ...]
    path: str = ""  # file it came from, for error messages and staff

    def is_expired(self, today: dt.date) -> bool:
        """True once the last day of validity is behind `today` (open-ended policies never expire)."""
        return self.effective_to is not None and self.effective_to < today

    def is_pending(self, today: dt.date) -> bool:
        """True when the policy is announced but not in force yet."""
        return self.effective_from > today


def _split_front_matter(text: str) -> tuple[str, str] | None:
    """(front matter, body) of a Markdown file starting with a `---` block, or None."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        return None
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            return "\n".join(lines[1:i]), "\n".join(lines[i + 1 :]).strip()
    return None


def _read_mapping(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".md":
        parts = _split_front_matter(text)
        if parts is None:
            raise _Invalid([("markdown_front", {})])
        front, body = parts
        data = yaml.safe_load(front) or {}
        if isinstance(data, dict) and body:
            # The body is the readable text staff write; it serves as the summary unless one is given.
            if data.get("summary"):
                raise _Invalid([("summary_twice", {})])
            data["summary"] = body
    else:
        data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise _Invalid([("not_mapping", {})])
    return data


Problems = list[tuple[str, dict[str, Any]]]


def _text(data: dict[str, Any], name: str, problems: Problems) -> str:
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        problems.append(("missing", {"name": name}))
        return ""
    if not isinstance(value, str | int | float):
        problems.append(("not_text", {"name": name}))
        return ""
    return " ".join(str(value).split()) if name == "summary" else str(value).strip()


def _strings(data: dict[str, Any], name: str, problems: Problems, *, required: bool) -> tuple[str, ...]:
    value = data.get(name)
    if value is None:
        if required:
            problems.append(("missing_list", {"name": name}))
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        problems.append(("not_list", {"name": name}))
        return ()
    items = tuple(str(v).strip() for v in value if str(v).strip())
    if required and not items:
        problems.append(("empty_list", {"name": name}))
    return items


def _date(data: dict[str, Any], name: str, problems: Problems, *, required: bool) -> dt.date | None:
    value = data.get(name)
    if value is None:
        if required:
            problems.append(("missing_date", {"name": name}))
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        problems.append(("not_date", {"name": name, "value": str(value)}))
        return None


def _faq(data: dict[str, Any], problems: Problems) -> tuple[FaqEntry, ...]:
    value = data.get("faq") or []
    if not isinstance(value, list):
        problems.append(("faq_not_list", {}))
        return ()
    entries = []
    for n, item in enumerate(value, start=1):
        if not isinstance(item, dict) or not str(item.get("q") or "").strip() or not str(item.get("a") or "").strip():
            problems.append(("faq_entry", {"n": n}))
            continue
        entries.append(FaqEntry(str(item["q"]).strip(), " ".join(str(item["a"]).split())))
    return tuple(entries)


def parse_policy(data: dict[str, Any], path: str = "") -> PolicyDoc:
    """Validate one policy mapping; raises _Invalid listing every problem (without the file name)."""
    problems: Problems = []
    unknown = sorted(set(map(str, data)) - KNOWN)
    if unknown:
        # A misspelt field would otherwise be silently dropped and the answer would miss it.
        problems.append(("unknown_fields", {"fields": ", ".join(unknown), "allowed": ", ".join(sorted(KNOWN))}))
    texts = {name: _text(data, name, problems) for name in REQUIRED if name not in ("effective_from",)}
    if texts["audience"] and texts["audience"] not in AUDIENCES:
        problems.append(("audience", {"allowed": ", ".join(AUDIENCES), "value": texts["audience"]}))
    lists = {name: _strings(data, name, problems, required=name != "aliases") for name in LIST_FIELDS}
    start = _date(data, "effective_from", problems, required=True)
    end = _date(data, "effective_to", problems, required=False)
    if start and end and end < start:
        problems.append(("end_before_start", {"end": str(end), "start": str(start)}))
    faq = _faq(data, problems)
    number = data.get("document_number")
    if problems:
        raise _Invalid(problems)
    assert start is not None
    return PolicyDoc(
        key=texts["key"],
        title=texts["title"],
        aliases=lists["aliases"],
        audience=texts["audience"],
        issuer=texts["issuer"],
        document_number=str(number).strip() if number else None,
        effective_from=start,
        effective_to=end,
        source=texts["source"],
        summary=texts["summary"],
        key_points=lists["key_points"],
        eligibility=lists["eligibility"],
        how_to_apply=lists["how_to_apply"],
        faq=faq,
        path=path,
    )


def load_policy_files(folder: Path) -> list[PolicyDoc]:
    """Every policy in `folder` or the one file given (*.yaml, *.yml, *.md; README.md is documentation), sorted by file name.

    Raises PolicyFileError listing all problems at once, one `file: what is wrong` line each, so staff
    fix a batch of files in one go instead of one error per run.
    """
    folder = Path(folder)
    if folder.is_file():
        paths = [folder]
    elif folder.is_dir():
        paths = sorted(folder.iterdir())
    else:
        raise PolicyFileError([PolicyProblem(str(folder), "no_such", {})])
    docs: list[PolicyDoc] = []
    problems: list[PolicyProblem] = []
    seen: dict[str, str] = {}
    for path in paths:
        if path.suffix not in SUFFIXES or path.name.lower() == "readme.md" or not path.is_file():
            continue
        try:
            doc = parse_policy(_read_mapping(path), path.name)
        except yaml.YAMLError as exc:
            problems.append(PolicyProblem(path.name, "yaml", {"reason": " ".join(str(exc).split())}))
            continue
        except UnicodeDecodeError:
            problems.append(PolicyProblem(path.name, "not_utf8", {}))
            continue
        except _Invalid as exc:
            problems.extend(PolicyProblem(path.name, key, values) for key, values in exc.problems)
            continue
        names = (doc.key, *doc.aliases)
        for name in names:
            if name in seen and seen[name] != path.name:
                problems.append(PolicyProblem(path.name, "name_taken", {"name": name, "other": seen[name]}))
            seen.setdefault(name, path.name)
        docs.append(doc)
    if problems:
        raise PolicyFileError(problems)
    return docs
