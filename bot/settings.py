"""One typed settings object from config.yaml plus `MISHU_…` environment variables.

Environment beats file; the file is the single place defaults live, so a missing key is an error that
names the key and the file instead of a silent default. Secrets come only from the environment.
"""

from __future__ import annotations

import os
from datetime import time
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from storage.states import FollowUpKind

PROJECT_ROOT = Path(__file__).resolve().parents[1]


class ConfigError(Exception):
    """The configuration cannot be used; the message is one line a person can act on."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DatabaseSettings(_Section):
    url: str
    echo: bool


class BureauSettings(_Section):
    name: str
    hotline: str


class LanguageSettings(_Section):
    default: Literal["zh-hans", "zh-hant", "en"]


class NluSettings(_Section):
    fallback_threshold: float = Field(ge=0, le=1)
    ambiguity_margin: float = Field(ge=0, le=1)
    group_threshold: float = Field(ge=0, le=1)
    model_dir: str


class ConversationSettings(_Section):
    form_timeout_minutes: int = Field(gt=0)
    page_size: int = Field(gt=0, le=10)
    button_ttl_hours: int = Field(gt=0)
    context_minutes: int = Field(gt=0)
    case_quiet_minutes: int = Field(gt=0)


class WebhookSettings(_Section):
    url: str
    # The old place of the HTTP server's address, still read when `web.listen_host`/`web.listen_port` are absent.
    listen_host: str | None = None
    listen_port: int | None = None
    path: str
    health_path: str


class TelegramSettings(_Section):
    mode: Literal["polling", "webhook"]
    api_base: str
    username: str
    webhook: WebhookSettings


class RolesSettings(_Section):
    admins: list[int]


class EmployerSettings(_Section):
    code_days: int = Field(gt=0, le=365)
    bind_attempts_per_day: int = Field(gt=0)


class OutboxSettings(_Section):
    per_bot_per_second: float = Field(gt=0)
    per_chat_per_second: float = Field(gt=0)
    per_group_per_minute: float = Field(gt=0)
    retry_base_seconds: float = Field(gt=0)
    max_attempts: int = Field(gt=0)
    retry_max_seconds: float = Field(gt=0)
    batch_size: int = Field(gt=0)
    pace_fraction: float = Field(gt=0, le=1)
    max_in_flight: int = Field(gt=0)
    claim_lease_seconds: float = Field(gt=0)
    request_timeout_seconds: float = Field(gt=0)
    poll_seconds: float = Field(gt=0)
    heartbeat_seconds: float = Field(gt=0)
    at_most_once: list[str]


class HoursRange(_Section):
    start: time
    end: time

    def contains(self, moment: time) -> bool:
        """Whether a local time lies in the range; a range may wrap midnight (22:00–08:00)."""
        if self.start <= self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


class PushSettings(_Section):
    max_per_opening: float = Field(gt=0)
    daily_cap_per_worker: int = Field(ge=0)
    quiet_hours: HoursRange
    prioritise_hardest_hit: bool
    min_score: float = Field(ge=0, le=1)
    daily_run_at: time
    pause_days: int = Field(gt=0)
    duplicate_window_days: int = Field(ge=0)
    lookback_days: int = Field(gt=0)
    distance_zero_km: float = Field(gt=0)
    digest_max_items: int = Field(gt=0)


class FollowUpSettings(_Section):
    first_after_days: int = Field(gt=0)
    seeking_every_days: int = Field(gt=0)
    stability_after_days: int = Field(gt=0)
    ask_worker_first: list[FollowUpKind]
    worker_answer_hours: float = Field(gt=0)
    escalate_after_working_days: int = Field(gt=0)
    worry_after_seeking_answers: int = Field(gt=0)
    working_hours: HoursRange
    digest_at: time

    @field_validator("ask_worker_first")
    @classmethod
    def _cadenced(cls, kinds: list[FollowUpKind]) -> list[FollowUpKind]:
        if not set(kinds) <= FollowUpKind.CADENCED:
            raise ValueError(f"the worker is asked first only for {', '.join(sorted(FollowUpKind.CADENCED))} check-ins")
        return kinds


class LockoutSettings(_Section):
    account_failures: int = Field(gt=0)
    client_failures: int = Field(gt=0)
    backoff_seconds: float = Field(gt=0)
    backoff_max_seconds: float = Field(gt=0)


class WebSettings(_Section):
    """The HTTP server of every web channel (console, webhook, /healthz) and the staff console's sign-in."""

    listen_host: str | None = None
    listen_port: int | None = Field(default=None, ge=0, le=65535)
    public_url: str
    with_polling: bool
    session_hours: float = Field(gt=0)
    idle_minutes: float = Field(gt=0)
    invite_hours: float = Field(gt=0)
    secure_cookies: Literal["auto", "always", "never"]
    trusted_proxies: list[str]
    page_size: int = Field(gt=0, le=500)
    figures_cache_seconds: float = Field(ge=0)
    lockout: LockoutSettings


class SearchSettings(_Section):
    """Job search on the shelf: how often the per-token counts are folded (PostgreSQL)."""

    token_fold_seconds: float = Field(gt=0)


class CannedReply(_Section):
    label: str = Field(min_length=1, max_length=20)
    text: str = Field(min_length=1, max_length=1000)


class CasesSettings(_Section):
    """Requests for a person (hand-offs, wage arrears): the console's canned replies."""

    canned_replies: list[CannedReply]


class LoggingSettings(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"]

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value


class Settings(BaseSettings):
    """Everything configurable. Build it with `load_settings()`, which explains errors in one line."""

    model_config = SettingsConfigDict(env_prefix="MISHU_", env_nested_delimiter="__", extra="forbid")

    database: DatabaseSettings
    timezone: str
    bureau: BureauSettings
    language: LanguageSettings
    nlu: NluSettings
    conversation: ConversationSettings
    telegram: TelegramSettings
    roles: RolesSettings
    employers: EmployerSettings
    outbox: OutboxSettings
    push: PushSettings
    followups: FollowUpSettings
    web: WebSettings
    search: SearchSettings
    cases: CasesSettings
    logging: LoggingSettings

    # Secrets: environment only (see settings_customise_sources); never in config.yaml.
    telegram_token: str | None = Field(default=None, exclude=True)
    webhook_secret: str | None = Field(default=None, exclude=True)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The file's values arrive as init kwargs; the environment is listed first so it wins.
        return (env_settings, init_settings)


    @property
    def http_address(self) -> tuple[str, int]:
        """Where the one HTTP server listens: `web.listen_*`, else the webhook's old keys, else 127.0.0.1:8081."""
        hook = self.telegram.webhook
        host = self.web.listen_host or hook.listen_host or "127.0.0.1"
        port = self.web.listen_port if self.web.listen_port is not None else hook.listen_port
        return host, port if port is not None else 8081

    @property
    def console_url(self) -> str:
        """The console's address as staff reach it: `web.public_url`, else the server's own address."""
        if self.web.public_url:
            return self.web.public_url.rstrip("/")
        host, port = self.http_address
        return f"http://{'127.0.0.1' if host in ('0.0.0.0', '::', '') else host}:{port}/console"


SECRET_KEYS = {"telegram_token", "webhook_secret"}


def config_path() -> Path:
    """Which config file is used: $MISHU_CONFIG, else ./config.yaml, else the project's own."""
    if os.environ.get("MISHU_CONFIG"):
        return Path(os.environ["MISHU_CONFIG"])
    local = Path.cwd() / "config.yaml"
    return local if local.is_file() else PROJECT_ROOT / "config.yaml"


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the config file {path}: {exc.strerror or exc}") from exc
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ConfigError(f"{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the config file must be a mapping of sections")
    for secret in SECRET_KEYS:
        if secret in data:
            raise ConfigError(f"{path}: '{secret}' is a secret; set MISHU_{secret.upper()} in the environment")
    return data


def _explain(error: ValidationError, path: Path) -> str:
    first = error.errors()[0]
    key = ".".join(str(part) for part in first["loc"])
    env = "MISHU_" + "__".join(str(part) for part in first["loc"]).upper()
    if first["type"] == "missing":
        return f"config key '{key}' is missing: add it to {path} or set {env}"
    if first["type"] == "extra_forbidden":
        return f"config key '{key}' in {path} is unknown (a typo?)"
    return f"config key '{key}' is invalid ({first['msg']}): fix it in {path} or set {env}"


def load_settings(path: Path | None = None, **overrides: Any) -> Settings:
    """Read the config file, apply environment overrides and `overrides`; raise ConfigError on problems."""
    path = path or config_path()
    data = _read_yaml(path)
    for dotted, value in overrides.items():
        section, _, key = dotted.partition("__")
        if key:
            data.setdefault(section, {})[key] = value
        else:
            data[section] = value
    secrets = {key: os.environ.get(f"MISHU_{key.upper()}") for key in SECRET_KEYS}
    try:
        return Settings(**data, **secrets)
    except ValidationError as exc:
        raise ConfigError(_explain(exc, path)) from exc
