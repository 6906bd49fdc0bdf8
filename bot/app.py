"""Wiring: settings → database → NLU → assistant, shared by every `mishu` command and channel.

The flows are imported where the assistant or its settings are made, not with this module: the commands that only
open the database (`mishu stats`, `mishu user grant` …) start without them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.settings import Settings
from storage.db import Database
from storage.migrate import ensure_schema

if TYPE_CHECKING:
    from flows.assistant import Assistant, Understanding
    from flows.turn import FlowSettings


def flow_settings(settings: Settings) -> FlowSettings:
    """The part of the configuration flows read."""
    from flows.followups import rules_of
    from flows.push import PushPolicy
    from flows.turn import FlowSettings

    return FlowSettings(
        bureau_name=settings.bureau.name,
        hotline=settings.bureau.hotline,
        default_language=settings.language.default,
        timezone=settings.timezone,
        fallback_threshold=settings.nlu.fallback_threshold,
        ambiguity_margin=settings.nlu.ambiguity_margin,
        group_threshold=settings.nlu.group_threshold,
        form_timeout_minutes=settings.conversation.form_timeout_minutes,
        page_size=settings.conversation.page_size,
        button_ttl_hours=settings.conversation.button_ttl_hours,
        context_minutes=settings.conversation.context_minutes,
        case_quiet_minutes=settings.conversation.case_quiet_minutes,
        bot_username=settings.telegram.username,
        console_url=settings.console_url,
        console_invite_hours=settings.web.invite_hours,
        followups=rules_of(settings),
        push=PushPolicy.coerce(settings),
        employer_code_days=settings.employers.code_days,
        employer_bind_attempts=settings.employers.bind_attempts_per_day,
        token_fold_seconds=settings.search.token_fold_seconds,
    )


def load_understanding(settings: Settings) -> Understanding:
    """The NLU engine, trained from nlu/data and cached on disk (retrained by itself when the data changes)."""
    from nlu import load_nlu

    model_path = Path(settings.nlu.model_dir).expanduser() / "nlu.pkl" if settings.nlu.model_dir else None
    return load_nlu(
        model_path=model_path,
        fallback_threshold=settings.nlu.fallback_threshold,
        ambiguity_margin=settings.nlu.ambiguity_margin,
    )


@dataclass
class App:
    settings: Settings
    db: Database
    assistant: Assistant

    async def close(self) -> None:
        await self.db.dispose()


async def open_database(settings: Settings, *, create_if_empty: bool = False) -> Database:
    """Connect and check the schema (refusing an outdated one with the command to run)."""
    db = Database(settings.database.url, echo=settings.database.echo)
    try:
        await ensure_schema(db, create_if_empty=create_if_empty)
    except Exception:
        await db.dispose()
        raise
    return db


async def build_app(settings: Settings, *, create_if_empty: bool = False) -> App:
    from flows.assistant import Assistant

    db = await open_database(settings, create_if_empty=create_if_empty)
    assistant = Assistant(db, load_understanding(settings), flow_settings(settings))
    return App(settings=settings, db=db, assistant=assistant)
