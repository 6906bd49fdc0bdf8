"""Score the multi-turn dialogue set (tests/data/dialogues/*.yaml) through the same engine as `mishu chat`.

`python -m bench dialogues [PATH …] [--only ID …] [--verbose]` loads the demo county into a fresh temporary SQLite
database (dated from `NOW`, a Monday of the tea season), trains or loads the real NLU, and plays every dialogue as a
fresh person on a copy of that database: `flows.assistant.Assistant` driven by `bot.harness.Conversation` with the
terminal channel's settings (`bot.app.flow_settings` of the project's config). Each turn is scored on what it was
handled as and on data words in the replies; a traditional-character dialogue also fails a turn whose reply has
simplified characters in it. Failures are printed (dialogue, turn, expected and got), then, last, one JSON object:
dialogues, turns, turn_success, dialogue_success and the same per language.

The file format (one theme per file):

    dialogues:
      - id: tea-then-township
        lang: zh-hans          # zh-hans | zh-hant | sichuanese | en
        user: worker           # worker (a new, unregistered person) | registered (the demo's worker1)
        turns:
          - say: 有没有采茶的工作
            intent: job_search          # handled_as: a string or a list of acceptable ones
            contains: [采茶]            # all must appear in the replies (case-insensitive)
          - say: 符溪镇的呢
            intent: job_search
            contains: [符溪镇]
            excludes: [客运中心]         # none may appear
            any_of: [采茶工, 采茶]        # at least one must appear
          - press: 2                     # a button of the previous replies, by number or a part of its label
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

import yaml

ROOT = Path(__file__).resolve().parents[1]
DIALOGUES = ROOT / "tests" / "data" / "dialogues"
# The moment every dialogue is played at, in the bureau's time zone: the demo county is dated from its day, so
# "明天", "这周六" and the buses' days are the same on every run.
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
TURN_GAP = timedelta(seconds=40)  # a person's next message comes a little later
LANGUAGES = ("zh-hans", "zh-hant", "sichuanese", "en")
USERS = {"worker": None, "registered": "worker1"}  # None: a new terminal user, unknown to the database
NEW_USER = "dialogue-user"
DIALOGUE_KEYS = frozenset({"id", "lang", "user", "turns", "note"})
TURN_KEYS = frozenset({"say", "press", "intent", "contains", "excludes", "any_of", "note"})
MIN_TURNS, MAX_TURNS = 2, 5
REPLY_LINES = 4  # lines of the reply shown with a failure


class DialogueFormatError(ValueError):
    """A dialogue file is malformed; the message names the file and the dialogue."""


@dataclass(frozen=True)
class Step:
    """One turn: what the person does and what must follow."""

    say: str | None = None
    press: str | int | None = None
    intent: tuple[str, ...] = ()
    contains: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    any_of: tuple[str, ...] = ()

    @property
    def action(self) -> str:
        return f"press {self.press!r}" if self.press is not None else repr(self.say)


@dataclass(frozen=True)
class Dialogue:
    id: str
    lang: str
    user: str
    turns: tuple[Step, ...]
    source: str = ""


# --- loading ------------------------------------------------------------------------------------------


def _strings(value: Any, where: str, key: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(i, str | int) and str(i) for i in items):
        raise DialogueFormatError(f"{where}: '{key}' must be a string or a non-empty list of strings")
    return tuple(str(i) for i in items)


def _step(raw: Any, where: str) -> Step:
    if not isinstance(raw, dict):
        raise DialogueFormatError(f"{where}: a turn must be a mapping")
    unknown = set(raw) - TURN_KEYS
    if unknown:
        raise DialogueFormatError(f"{where}: unknown turn key(s) {sorted(unknown)}; known: {sorted(TURN_KEYS)}")
    if ("say" in raw) == ("press" in raw):
        raise DialogueFormatError(f"{where}: a turn has exactly one of 'say' and 'press'")
    say = raw.get("say")
    if say is not None and (not isinstance(say, str | int) or not str(say).strip()):
        raise DialogueFormatError(f"{where}: 'say' must be a non-empty text")
    press = raw.get("press")
    if press is not None and not (isinstance(press, int) and press >= 1 or isinstance(press, str) and press.strip()):
        raise DialogueFormatError(f"{where}: 'press' is a button number from 1 or a part of its label")
    checks = {key: _strings(raw[key], where, key) if key in raw else () for key in
              ("intent", "contains", "excludes", "any_of")}
    if not any(checks.values()):
        raise DialogueFormatError(f"{where}: a turn needs at least one expectation (intent, contains, …)")
    return Step(say=None if say is None else str(say), press=press, **checks)


def parse_dialogues(data: Any, source: str) -> list[Dialogue]:
    """The dialogues of one file's parsed YAML; raises DialogueFormatError on anything malformed."""
    if not isinstance(data, dict) or set(data) != {"dialogues"} or not isinstance(data["dialogues"], list):
        raise DialogueFormatError(f"{source}: the file must hold one key, 'dialogues', with a list")
    dialogues = []
    for number, raw in enumerate(data["dialogues"], start=1):
        where = f"{source}: dialogue {number}"
        if not isinstance(raw, dict):
            raise DialogueFormatError(f"{where}: must be a mapping")
        if isinstance(raw.get("id"), str) and raw["id"].strip():
            where = f"{source}: dialogue '{raw['id']}'"
        else:
            raise DialogueFormatError(f"{where}: needs an 'id'")
        unknown = set(raw) - DIALOGUE_KEYS
        if unknown:
            raise DialogueFormatError(f"{where}: unknown key(s) {sorted(unknown)}; known: {sorted(DIALOGUE_KEYS)}")
        if raw.get("lang") not in LANGUAGES:
            raise DialogueFormatError(f"{where}: 'lang' must be one of {', '.join(LANGUAGES)}")
        if raw.get("user", "worker") not in USERS:
            raise DialogueFormatError(f"{where}: 'user' must be one of {', '.join(USERS)}")
        turns = raw.get("turns")
        if not isinstance(turns, list) or not MIN_TURNS <= len(turns) <= MAX_TURNS:
            raise DialogueFormatError(f"{where}: needs {MIN_TURNS} to {MAX_TURNS} turns")
        steps = tuple(_step(turn, f"{where}, turn {i}") for i, turn in enumerate(turns, start=1))
        dialogues.append(Dialogue(raw["id"], raw["lang"], raw.get("user", "worker"), steps, source))
    return dialogues


def load_dialogues(path: Path | str = DIALOGUES) -> list[Dialogue]:
    """Every dialogue of a file, or of the *.yaml files of a folder (sorted); ids must be unique."""
    path = Path(path)
    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    dialogues: list[Dialogue] = []
    for file in files:
        try:
            data = yaml.safe_load(file.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise DialogueFormatError(f"{file.name}: not valid YAML ({exc})") from exc
        dialogues += parse_dialogues(data, file.name)
    seen: dict[str, str] = {}
    for dialogue in dialogues:
        if dialogue.id in seen:
            raise DialogueFormatError(f"{dialogue.source}: id '{dialogue.id}' is also used in {seen[dialogue.id]}")
        seen[dialogue.id] = dialogue.source
    return dialogues


# --- checking one turn (pure) ------------------------------------------------------------------------------

_HAN_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")


@cache
def _converters() -> tuple[Any, dict[str, set[str]]]:
    """OpenCC s2t, and the Taiwan/Hong Kong forms of its characters that are traditional too (秘 for 祕)."""
    from opencc import OpenCC

    folder = Path(sys.modules["opencc"].__file__ or "").parent / "dictionary"
    variants: dict[str, set[str]] = {}
    for name in ("TWVariants.txt", "HKVariants.txt"):
        path = folder / name
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                standard, _, forms = line.partition("\t")
                variants.setdefault(standard, set()).update(forms.split())
    return OpenCC("s2t"), variants


def simplified_leaks(text: str) -> list[str]:
    """Words of `text` that traditional script would write otherwise (采茶工 in a traditional reply), as found."""
    s2t, variants = _converters()
    leaks = []
    for run in _HAN_RUN.finditer(text):
        original = run.group()
        converted = s2t.convert(original)
        if converted == original:
            continue
        if len(converted) != len(original):
            leaks.append(original)
            continue
        bad = [i for i, (o, c) in enumerate(zip(original, converted, strict=True))
               if o != c and o not in variants.get(c, ())]
        if bad:
            leaks.append(original if len(original) <= 12 else original[max(0, bad[0] - 3): bad[0] + 9])
    return leaks


def check_turn(step: Step, handled_as: str, text: str, lang: str, labels: Sequence[str] = ()) -> list[str]:
    """What is wrong with one turn's outcome (empty when it is right); `labels` are the buttons' (a traditional
    reply must be traditional there too)."""
    problems = []
    if step.intent and handled_as not in step.intent:
        problems.append(f"handled as {handled_as or '(nothing)'!r}, expected {' or '.join(step.intent)}")
    folded = text.casefold()
    missing = [word for word in step.contains if word.casefold() not in folded]
    if missing:
        problems.append(f"missing {missing}")
    present = [word for word in step.excludes if word.casefold() in folded]
    if present:
        problems.append(f"should not contain {present}")
    if step.any_of and not any(word.casefold() in folded for word in step.any_of):
        problems.append(f"none of {list(step.any_of)}")
    if lang == "zh-hant":
        leaks = simplified_leaks("\n".join([text, *labels]))
        if leaks:
            problems.append(f"simplified in a traditional reply: {leaks[:4]}")
    return problems


# --- playing ------------------------------------------------------------------------------------------


@dataclass
class TurnResult:
    index: int
    step: Step
    handled_as: str
    text: str
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class DialogueResult:
    dialogue: Dialogue
    turns: list[TurnResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return len(self.turns) == len(self.dialogue.turns) and all(t.ok for t in self.turns)


class Player:
    """The demo county in a template SQLite file, the real NLU, and a fresh copy of the database per dialogue."""

    def __init__(self, folder: Path, now: datetime = NOW) -> None:
        self.folder = folder
        self.now = now.astimezone(UTC)
        self.today: date = now.date()
        self.template = folder / "demo.db"
        self.settings: Any = None
        self.nlu: Any = None
        self._copies = 0

    def _url(self, path: Path) -> str:
        return f"sqlite:///{path}"

    async def prepare(self) -> None:
        from bot.app import load_understanding, open_database
        from bot.settings import load_settings
        from storage.demo import load_demo

        self.settings = load_settings(database__url=self._url(self.template))
        db = await open_database(self.settings, create_if_empty=True)
        try:
            summary = await load_demo(db, today=self.today)
        finally:
            await db.dispose()
        print(f"demo county dated {self.today}: {summary}", file=sys.stderr)
        self.nlu = load_understanding(self.settings)

    async def play(self, dialogue: Dialogue) -> DialogueResult:
        from bot.app import flow_settings
        from bot.harness import Conversation
        from flows.assistant import Assistant
        from storage.db import Database

        self._copies += 1
        copy = self.folder / f"dialogue-{self._copies}.db"
        shutil.copyfile(self.template, copy)
        db = Database(self._url(copy))
        result = DialogueResult(dialogue)
        try:
            assistant = Assistant(db, self.nlu, flow_settings(self.settings))
            chat = Conversation(assistant, user_id=USERS[dialogue.user] or NEW_USER, now=self.now)
            for index, step in enumerate(dialogue.turns, start=1):
                result.turns.append(await _play_turn(chat, index, step, dialogue.lang))
                chat.now = (chat.now or self.now) + TURN_GAP
        finally:
            await db.dispose()
            copy.unlink(missing_ok=True)
        return result


async def _play_turn(chat: Any, index: int, step: Step, lang: str) -> TurnResult:
    try:
        if step.press is not None:
            await chat.press(step.press)
        else:
            await chat.say(step.say or "")
        # As the terminal shows them after a turn: outbox messages for this person that are due (their buttons
        # join the replies' ones).
        await chat.inbox()
        text = "\n".join(reply.text for reply in chat.last)
        labels = [button.label for reply in chat.last for row in reply.buttons for button in row]
    except LookupError as exc:  # no such button
        return TurnResult(index, step, "", "", [str(exc)])
    except Exception as exc:  # noqa: BLE001 — a crash is a failed turn, and the next dialogue still runs
        return TurnResult(index, step, "", "", [f"crashed: {type(exc).__name__}: {exc}"])
    return TurnResult(index, step, chat.handled_as, text, check_turn(step, chat.handled_as, text, lang, labels))


async def play_all(dialogues: Sequence[Dialogue], now: datetime = NOW) -> list[DialogueResult]:
    """Play every dialogue on its own copy of a freshly seeded demo database."""
    with tempfile.TemporaryDirectory(prefix="mishu-dialogues-") as tmp:
        player = Player(Path(tmp), now)
        await player.prepare()
        return [await player.play(dialogue) for dialogue in dialogues]


# --- scoring ------------------------------------------------------------------------------------------


def _rates(results: Sequence[DialogueResult]) -> dict[str, float | int]:
    turns = [t for r in results for t in r.turns]
    planned = sum(len(r.dialogue.turns) for r in results)
    return {
        "dialogues": len(results),
        "turns": planned,
        "turn_success": round(sum(t.ok for t in turns) / planned, 4) if planned else 0.0,
        "dialogue_success": round(sum(r.ok for r in results) / len(results), 4) if results else 0.0,
    }


def score(results: Sequence[DialogueResult]) -> dict[str, Any]:
    """Turn and dialogue success rates, overall and per language."""
    figures: dict[str, Any] = dict(_rates(results))
    figures["by_lang"] = {
        lang: _rates([r for r in results if r.dialogue.lang == lang])
        for lang in LANGUAGES if any(r.dialogue.lang == lang for r in results)
    }
    return figures


def _first_lines(text: str, count: int = REPLY_LINES) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    shown = " ⏎ ".join(lines[:count])
    return shown + (" …" if len(lines) > count else "") if lines else "(no reply)"


def report_failures(results: Iterable[DialogueResult], out: TextIO, *, verbose: bool = False) -> None:
    for result in results:
        if result.ok and not verbose:
            continue
        d = result.dialogue
        print(f"{'ok  ' if result.ok else 'FAIL'} {d.id} [{d.lang}, {d.user}] ({d.source})", file=out)
        for turn in result.turns:
            if turn.ok and not verbose:
                continue
            step = turn.step
            expected = []
            if step.intent:
                expected.append("intent " + "|".join(step.intent))
            for key in ("contains", "excludes", "any_of"):
                if getattr(step, key):
                    expected.append(f"{key} {list(getattr(step, key))}")
            print(f"  turn {turn.index} {step.action}: {'ok' if turn.ok else '; '.join(turn.problems)}", file=out)
            print(f"    expected: {', '.join(expected)}", file=out)
            print(f"    got: {turn.handled_as or '(nothing)'} — {_first_lines(turn.text)}", file=out)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench dialogues", description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, help="dialogue files or folders (default: the whole set)")
    parser.add_argument("--only", action="append", default=[], help="play only this dialogue id (repeatable)")
    parser.add_argument("--verbose", "-v", action="store_true", help="show every turn, not only failures")
    args = parser.parse_args(argv)
    dialogues = [d for path in (args.paths or [DIALOGUES]) for d in load_dialogues(path)]
    if args.only:
        dialogues = [d for d in dialogues if d.id in set(args.only)]
    print(f"{len(dialogues)} dialogues, {sum(len(d.turns) for d in dialogues)} turns", file=sys.stderr)
    results = asyncio.run(play_all(dialogues))
    report_failures(results, sys.stdout, verbose=args.verbose)
    for source in sorted({r.dialogue.source for r in results}):
        mine = [r for r in results if r.dialogue.source == source]
        turns = [t for r in mine for t in r.turns]
        print(f"{source}: dialogues {sum(r.ok for r in mine)}/{len(mine)}, "
              f"turns {sum(t.ok for t in turns)}/{sum(len(r.dialogue.turns) for r in mine)}")
    print(json.dumps(score(results), ensure_ascii=False))
    return 0
