"""TOML file + environment (for secrets) → one frozen, validated `Settings`.

`load_settings(path, environ)` is called once, by the composition root; the result is passed
down, never kept in a global. A bad value raises `ConfigError` naming the key, the value and
what is allowed. Secrets (tokens, passwords) may come from the environment and are redacted by
`redacted()` for `alertbot check-config`.

Must not import anything from the project except bot.models, bot.errors, bot.ingest.catalog
(the built-in sources are data) and the subscriptions gazetteer (to check jurisdictions).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

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


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StorageSettings(_Section):
    url: str = "sqlite:///alertbot.db"
    retention_days: int = Field(default=365, ge=1)

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, v: str) -> str:
        if not v.startswith(("sqlite://", "postgresql://", "postgres://")):
            raise ValueError("expected sqlite:///path/to/file.db or postgresql://user@host/db")
        return v


class PollingSettings(_Section):
    floor: float = Field(default=60.0, gt=0)
    ceiling: float = Field(default=3600.0, gt=0)
    default_interval: float = Field(default=300.0, gt=0)
    jitter: float = Field(default=0.1, ge=0, lt=1)
    unhealthy_after: int = Field(default=5, ge=1)
    timeout: float = Field(default=20.0, gt=0)
    max_body_bytes: int = Field(default=5_000_000, ge=1024)
    max_redirects: int = Field(default=5, ge=0, le=20)
    per_host_concurrency: int = Field(default=2, ge=1, le=16)
    concurrency: int = Field(default=8, ge=1, le=64)
    user_agent: str = Field(default=DEFAULT_USER_AGENT, min_length=1)
    builtin_sources: bool = True
    disabled_sources: tuple[str, ...] = ()
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
        return self


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
    url: str
    agency: str = Field(min_length=1)
    jurisdiction: str = "federal"
    name: str = ""
    interval: float | None = Field(default=None, gt=0)
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

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        if not re.match(r"^https?://[^\s/]+", v):
            raise ValueError("expected an absolute http:// or https:// address")
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
    synonyms: tuple[tuple[str, ...], ...] = ()

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
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: str = ""  # or env ALERTBOT_LLM_API_KEY
    llm_timeout: float = Field(default=30.0, gt=0, le=300)

    @model_validator(mode="after")
    def _complete(self) -> SummarySettings:
        if self.llm_base_url and not self.llm_model:
            raise ValueError("llm_base_url is set but llm_model is empty: name the model")
        if self.llm_base_url and not re.match(r"^https?://", self.llm_base_url):
            raise ValueError("llm_base_url must start with http:// or https://")
        return self


class LogSettings(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["text", "json"] = "text"


class WebSettings(_Section):
    listen: str = ""  # "127.0.0.1:8080"; empty = no web server
    public_url: str = ""

    @field_validator("listen")
    @classmethod
    def _host_port(cls, v: str) -> str:
        if v and not re.match(r"^[\w.\-\[\]:]+:\d{1,5}$", v):
            raise ValueError("expected host:port, e.g. 127.0.0.1:8080 (or empty to disable)")
        return v


class TelegramSettings(_Section):
    token: str = ""
    base_url: str = "https://api.telegram.org/bot"
    operators: tuple[int, ...] = ()  # Telegram user ids allowed /stats


class DiscordSettings(_Section):
    token: str = ""


class EmailSettings(_Section):
    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    from_: str = Field(default="", alias="from")
    username: str = ""
    password: str = ""


class Settings(_Section):
    storage: StorageSettings = StorageSettings()
    polling: PollingSettings = PollingSettings()
    sources: tuple[SourceSettings, ...] = ()
    subscriptions: SubscriptionSettings = SubscriptionSettings()
    summaries: SummarySettings = SummarySettings()
    log: LogSettings = LogSettings()
    web: WebSettings = WebSettings()
    telegram: TelegramSettings = TelegramSettings()
    discord: DiscordSettings = DiscordSettings()
    email: EmailSettings = EmailSettings()

    @model_validator(mode="after")
    def _unique_ids(self) -> Settings:
        seen: set[str] = set()
        for s in self.sources:
            if s.id in seen:
                raise ValueError(f"source id {s.id!r} appears twice in [[sources]]")
            seen.add(s.id)
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
        data = _read_toml(Path(path))
    for (section, key), env_name in SECRET_ENV.items():
        if environ.get(env_name):
            data.setdefault(section, {})[key] = environ[env_name]
    if environ.get("ALERTBOT_STORAGE_URL"):
        data.setdefault("storage", {})["url"] = environ["ALERTBOT_STORAGE_URL"]
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_explain(exc, path)) from None
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


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"config file {path} not found (copy config.example.toml)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def _check_disabled_ids(settings: Settings) -> None:
    known = {s.id for s in BUILTIN_SOURCES} | {s.id for s in settings.sources}
    for sid in settings.polling.disabled_sources:
        if sid not in known:
            raise ConfigError(
                f"polling.disabled_sources: unknown source id {sid!r}; "
                f"known ids: {', '.join(sorted(known))}"
            )


def _explain(exc: ValidationError, path: str | Path | None) -> str:
    """One line per problem: key = value: what is allowed."""
    where = f"{path}: " if path else ""
    lines = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"]) or "(top level)"
        value = err.get("input")
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key (check the spelling against config.example.toml)"
        shown = "" if isinstance(value, dict) else f" = {value!r}"
        lines.append(f"{where}{key}{shown}: {msg}")
    return "invalid configuration:\n  " + "\n  ".join(lines)


def redacted(settings: Settings) -> dict[str, Any]:
    """The effective configuration as plain data, with every secret replaced."""
    data = settings.model_dump(by_alias=True, mode="json")
    for section, key in SECRET_ENV:
        if data.get(section, {}).get(key):
            data[section][key] = "<redacted>"
    data["storage"]["url"] = re.sub(r"://([^:/@]+):[^@/]+@", r"://\1:<redacted>@",
                                    data["storage"]["url"])
    data["effective_sources"] = [s.id for s in settings.effective_sources()]
    return data
