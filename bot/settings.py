"""TOML file + environment (for secrets) → one frozen, validated `Settings`.

`load_settings(path, environ)` is called once, by the composition root; the result is passed
down, never kept in a global. A bad value raises `ConfigError` naming the key, the value and
what is allowed. Secrets (tokens, passwords) may come from the environment and are redacted by
`redacted()` for `alertbot check-config`.

Nothing is coerced (strict models): `timeout = "20"` or `builtin_sources = "no"` is refused,
not guessed at. Every number is finite and bounded on both sides; addresses are parsed for
real (bot.config.values). One class per section: a new key goes into its section's class.

Must not import anything from the project except bot.config, bot.models, bot.errors,
bot.ingest.catalog (the built-in sources are data) and the subscriptions gazetteer (to check
jurisdictions).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.config.explain import explain, hide_password
from bot.config.reading import read_toml
from bot.config.values import (
    Array,
    HeaderText,
    HostPort,
    HttpAddress,
    OptionalHttpAddress,
    StorageUrl,
    Token,
)
from bot.errors import ConfigError
from bot.ingest.catalog import BUILTIN_SOURCES
from bot.models import ListingSelectors, Source

SECRET_ENV = {
    ("telegram", "token"): "TELEGRAM_BOT_TOKEN",
    ("discord", "token"): "DISCORD_BOT_TOKEN",
    ("email", "password"): "ALERTBOT_SMTP_PASSWORD",
    ("summaries", "llm_api_key"): "ALERTBOT_LLM_API_KEY",
}
DEFAULT_USER_AGENT = "alertbot/0.1 (+https://github.com/alertbot/alertbot; newsroom alert service)"
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
WEEK = 7 * 24 * 3600.0  # the longest wait between two polls of a source (seconds)
MAX_TIMEOUT = 300.0  # the longest request deadline (seconds)
MAX_BODY_BYTES = 200_000_000
MAX_RETENTION_DAYS = 36_500  # 100 years
# Telegram user ids have at most 52 significant bits.
MAX_TELEGRAM_ID = 2**53 - 1


class _Section(BaseModel):
    # strict: no value is coerced; allow_inf_nan=False: inf and nan are never a setting.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class StorageSettings(_Section):
    url: StorageUrl = "sqlite:///alertbot.db"
    retention_days: int = Field(default=365, ge=1, le=MAX_RETENTION_DAYS)


class PollingSettings(_Section):
    floor: float = Field(default=60.0, gt=0, le=WEEK)
    ceiling: float = Field(default=3600.0, gt=0, le=WEEK)
    default_interval: float = Field(default=300.0, gt=0, le=WEEK)
    jitter: float = Field(default=0.1, ge=0, lt=1)
    unhealthy_after: int = Field(default=5, ge=1, le=1000)
    timeout: float = Field(default=20.0, gt=0, le=MAX_TIMEOUT)
    max_body_bytes: int = Field(default=5_000_000, ge=1024, le=MAX_BODY_BYTES)
    max_redirects: int = Field(default=5, ge=0, le=20)
    per_host_concurrency: int = Field(default=2, ge=1, le=16)
    concurrency: int = Field(default=8, ge=1, le=64)
    user_agent: HeaderText = Field(default=DEFAULT_USER_AGENT, min_length=1, max_length=500)
    builtin_sources: bool = True
    disabled_sources: Array[str] = ()
    # The adaptive pace (bot/ingest/schedule.py, rule 2); false = every source at its interval.
    adaptive: bool = True
    developing_interval: float = Field(default=60.0, gt=0, le=86400)
    developing_for: float = Field(default=10800.0, ge=60, le=7 * 86400)
    quiet_after: float = Field(default=172800.0, ge=3600, le=90 * 86400)
    quiet_factor: float = Field(default=4.0, ge=1, le=100)
    night_factor: float = Field(default=3.0, ge=1, le=100)
    night_start: int = Field(default=23, ge=0, le=23)
    night_end: int = Field(default=6, ge=0, le=23)
    # A refresh with more NEW + REVISED items than this is a flood: recorded, not announced
    # (bot.ingest.flood); subscribers get one notice each ("notice") or nothing ("silent").
    max_alerting_changes: int = Field(default=25, ge=1, le=100_000)
    on_flood: Literal["silent", "notice"] = "silent"

    @model_validator(mode="after")
    def _ordered(self) -> PollingSettings:
        if self.floor > self.ceiling:
            raise ValueError(
                f"floor ({self.floor}) must not exceed ceiling ({self.ceiling}); "
                "floor is the shortest wait between polls, ceiling the longest"
            )
        # Only an interval the operator wrote is held to the range: the default one is
        # simply clamped by the schedule when floor or ceiling move past it.
        if "default_interval" in self.model_fields_set:
            check_interval("default_interval", self.default_interval, self)
        return self


def check_interval(key: str, interval: float, polling: PollingSettings) -> None:
    """An interval outside floor..ceiling would be silently clamped: refuse it instead."""
    if not polling.floor <= interval <= polling.ceiling:
        raise ValueError(
            f"{key} = {interval:g} is outside [polling] floor..ceiling "
            f"({polling.floor:g}..{polling.ceiling:g}): no source is polled more often than "
            "the floor or less often than the ceiling; change the interval or the range")


class SelectorSettings(_Section):
    link_pattern: str | None = None
    item: str | None = None
    title: str | None = None
    date: str | None = None
    max_pages: int = Field(default=1, ge=1, le=20)

    @field_validator("link_pattern")
    @classmethod
    def _regex(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                re.compile(v)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression: {exc}") from None
        return v


class SourceSettings(_Section):
    id: str
    kind: Literal["feed", "html"] = "feed"
    url: HttpAddress
    agency: str = Field(min_length=1)
    jurisdiction: str = "federal"
    name: str = ""
    interval: float | None = Field(default=None, gt=0, le=WEEK)
    enabled: bool = True
    full_text: bool = False
    selectors: SelectorSettings | None = None
    timezone: str = ""  # IANA name; empty = the jurisdiction's zone

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not _ID_RE.match(v):
            raise ValueError("use lower-case letters, digits, '-', '_' or '.', at most 64")
        return v

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        if v:
            try:
                ZoneInfo(v)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError("unknown time zone: use an IANA name such as "
                                 '"America/Los_Angeles" (or leave it out)') from None
        return v

    @model_validator(mode="after")
    def _html_needs_selectors(self) -> SourceSettings:
        sel = self.selectors
        if self.kind == "html" and (sel is None or not (sel.link_pattern or sel.item)):
            raise ValueError(
                'kind = "html" needs [sources.selectors] with link_pattern or item'
            )
        return self

    def to_source(self) -> Source:
        sel = self.selectors
        return Source(
            id=self.id, kind=self.kind, url=self.url, agency=self.agency.lower(),
            jurisdiction=self.jurisdiction, name=self.name or self.id, interval=self.interval,
            enabled=self.enabled, full_text=self.full_text,
            selectors=ListingSelectors(**sel.model_dump()) if sel else None,
            timezone=self.timezone,
        )


class SubscriptionSettings(_Section):
    max_query_length: int = Field(default=300, ge=20, le=2000)
    max_terms: int = Field(default=20, ge=1, le=100)
    max_subscriptions: int = Field(default=50, ge=1, le=1000)
    # Extra synonym groups on top of the reviewed table, e.g. [["detainer", "hold request"]].
    synonyms: Array[Array[str]] = ()

    @field_validator("synonyms")
    @classmethod
    def _groups(cls, v: tuple[tuple[str, ...], ...]) -> tuple[tuple[str, ...], ...]:
        for group in v:
            if len({g.strip().lower() for g in group if g.strip()}) < 2:
                raise ValueError(f"each group needs two or more different terms, got {list(group)}")
        return v


class SummarySettings(_Section):
    # An OpenAI-compatible endpoint for summaries, off when empty. Its output must pass the
    # same grounding check as the extractive summary, or the extractive one is used.
    llm_base_url: OptionalHttpAddress = ""
    llm_model: str = ""
    llm_api_key: Token = ""  # or env ALERTBOT_LLM_API_KEY
    llm_timeout: float = Field(default=30.0, gt=0, le=300)

    @model_validator(mode="after")
    def _complete(self) -> SummarySettings:
        if self.llm_base_url and not self.llm_model:
            raise ValueError("llm_base_url is set but llm_model is empty: name the model")
        return self


class LogSettings(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["text", "json"] = "text"


class WebSettings(_Section):
    listen: HostPort = ""  # "127.0.0.1:8080"; empty = no web server
    public_url: OptionalHttpAddress = ""


class TelegramSettings(_Section):
    token: Token = ""
    base_url: HttpAddress = "https://api.telegram.org/bot"
    # Telegram user ids allowed /stats
    operators: Array[Annotated[int, Field(ge=1, le=MAX_TELEGRAM_ID)]] = ()


class DiscordSettings(_Section):
    token: Token = ""


class EmailSettings(_Section):
    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    from_: str = Field(default="", alias="from")
    username: str = ""
    password: str = ""


class Settings(_Section):
    storage: StorageSettings = StorageSettings()
    polling: PollingSettings = PollingSettings()
    sources: Array[SourceSettings] = ()
    subscriptions: SubscriptionSettings = SubscriptionSettings()
    summaries: SummarySettings = SummarySettings()
    log: LogSettings = LogSettings()
    web: WebSettings = WebSettings()
    telegram: TelegramSettings = TelegramSettings()
    discord: DiscordSettings = DiscordSettings()
    email: EmailSettings = EmailSettings()

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        seen: set[str] = set()
        for n, s in enumerate(self.sources):
            if s.id in seen:
                raise ValueError(f"source id {s.id!r} appears twice in [[sources]]")
            seen.add(s.id)
            if s.interval is not None:
                check_interval(f"sources.{n}.interval", s.interval, self.polling)
        return self

    def effective_sources(self) -> tuple[Source, ...]:
        """Built-ins (unless switched off) overlaid by [[sources]] with the same id."""
        by_id: dict[str, Source] = {}
        if self.polling.builtin_sources:
            by_id.update({s.id: s for s in BUILTIN_SOURCES})
        for s in self.sources:
            by_id[s.id] = s.to_source()
        disabled = set(self.polling.disabled_sources)
        return tuple(s for s in by_id.values() if s.enabled and s.id not in disabled)


def load_settings(path: str | Path | None, environ: Mapping[str, str]) -> Settings:
    """Read `path` (None = all defaults) and overlay secrets from `environ`."""
    data: dict[str, Any] = {}
    if path is not None:
        data = read_toml(Path(path))
    overlay = {**{place: environ.get(env) for place, env in SECRET_ENV.items()},
               ("storage", "url"): environ.get("ALERTBOT_STORAGE_URL")}
    for (section, key), value in overlay.items():
        # A section that is not a table stays as written: validation says what is wrong.
        if value and isinstance(data.setdefault(section, {}), dict):
            data[section][key] = value
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        where = f"{path}: " if path else ""
        raise ConfigError(explain(exc, Settings, where, secrets=set(SECRET_ENV))) from None
    _check_disabled_ids(settings)
    _check_jurisdictions(settings)
    return settings


def _check_jurisdictions(settings: Settings) -> None:
    """A source's jurisdiction must be a place the gazetteer knows: items fall back to it."""
    from subscriptions.gazetteer import UnknownPlace, load_gazetteer

    gazetteer = load_gazetteer()
    for n, s in enumerate(settings.sources):
        try:
            gazetteer.resolve(s.jurisdiction)
        except UnknownPlace as exc:
            raise ConfigError(f"sources.{n}.jurisdiction = {s.jurisdiction!r}: {exc} "
                              '(use "federal" or a state name)') from None


def _check_disabled_ids(settings: Settings) -> None:
    known = {s.id for s in BUILTIN_SOURCES} | {s.id for s in settings.sources}
    for sid in settings.polling.disabled_sources:
        if sid not in known:
            raise ConfigError(
                f"polling.disabled_sources: unknown source id {sid!r}; "
                f"known ids: {', '.join(sorted(known))}"
            )


def redacted(settings: Settings) -> dict[str, Any]:
    """The effective configuration as plain data, with every secret replaced."""
    data = settings.model_dump(by_alias=True, mode="json")
    for section, key in SECRET_ENV:
        if data.get(section, {}).get(key):
            data[section][key] = "<redacted>"
    data["storage"]["url"] = hide_password(data["storage"]["url"])
    data["effective_sources"] = [s.id for s in settings.effective_sources()]
    return data
