"""Scores the multi-turn conversations of tests/data/context_dialogues.yaml on the demo county, turn by turn.

Each dialogue runs in its own copy of one demo database, through the same assistant as `mishu chat`, with the
real NLU. `python -m tests.flows.context_set` prints each failed turn and, last, one JSON line of rates.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.harness import Conversation
from flows.assistant import Assistant
from flows.messages import ChatType
from flows.turn import FlowSettings
from storage.db import Database
from storage.demo import load_demo
from storage.migrate import upgrade
from tests.conftest import NOW

DIALOGUES = Path(__file__).resolve().parents[1] / "data" / "context_dialogues.yaml"
SETTINGS = FlowSettings(bot_username="mishu_bot")


@dataclass
class Outcome:
    name: str
    turns: int = 0
    passed_turns: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.turns == self.passed_turns


def load_dialogues(path: Path = DIALOGUES) -> list[dict[str, Any]]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def check_turn(turn: dict[str, Any], text: str, handled_as: str, replies: int) -> list[str]:
    """What is wrong with one turn's answer (nothing: the turn passed)."""
    problems = []
    if "as" in turn and handled_as != turn["as"]:
        problems.append(f"handled as {handled_as!r}, wanted {turn['as']!r}")
    for wanted in turn.get("has", []):
        if not any(option in text for option in str(wanted).split("|")):
            problems.append(f"lacks {wanted!r}")
    for unwanted in turn.get("lacks", []):
        if str(unwanted) in text:
            problems.append(f"has {unwanted!r}")
    if "replies" in turn and replies != turn["replies"]:
        problems.append(f"{replies} replies, wanted {turn['replies']}")
    return problems


async def demo_template(folder: Path) -> Path:
    path = folder / "demo.db"
    db = Database(f"sqlite:///{path}")
    await upgrade(db)
    await load_demo(db, today=NOW.astimezone(SETTINGS.zone).date())
    await db.dispose()
    return path


async def run_dialogue(template: Path, folder: Path, number: int, dialogue: dict[str, Any], nlu: Any) -> Outcome:
    path = folder / f"d{number}.db"
    shutil.copyfile(template, path)
    db = Database(f"sqlite:///{path}")
    try:
        assistant = Assistant(db, nlu, SETTINGS)
        group = dialogue.get("chat") == "group"
        chat = Conversation(
            assistant, user_id="worker1" if dialogue.get("who") == "registered" else f"new{number}", now=NOW,
            chat_type=ChatType.GROUP if group else ChatType.PRIVATE, chat_id="-100777" if group else None,
        )
        outcome = Outcome(dialogue["name"])
        for turn in dialogue["turns"]:
            outcome.turns += 1
            if "press" in turn:
                await chat.press(turn["press"])
            else:
                await chat.say(turn["say"], addressed=group)
            problems = check_turn(turn, chat.text(), chat.handled_as, len(chat.last))
            if problems:
                outcome.failures.append(f"{turn.get('say', turn.get('press'))}: {'; '.join(problems)}")
            else:
                outcome.passed_turns += 1
        return outcome
    finally:
        await db.dispose()


async def score(nlu: Any, dialogues: list[dict[str, Any]] | None = None) -> list[Outcome]:
    dialogues = dialogues if dialogues is not None else load_dialogues()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        template = await demo_template(folder)
        return [await run_dialogue(template, folder, i, d, nlu) for i, d in enumerate(dialogues)]


def rates(outcomes: list[Outcome]) -> dict[str, float | int]:
    turns = sum(o.turns for o in outcomes)
    return {
        "dialogues": len(outcomes),
        "turns": turns,
        "dialogue_success": round(sum(o.passed for o in outcomes) / max(len(outcomes), 1), 3),
        "turn_success": round(sum(o.passed_turns for o in outcomes) / max(turns, 1), 3),
    }


def main() -> int:
    from nlu import load_nlu

    outcomes = asyncio.run(score(load_nlu()))
    for outcome in outcomes:
        for failure in outcome.failures:
            print(f"✗ {outcome.name}: {failure}")
    print(json.dumps(rates(outcomes), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
