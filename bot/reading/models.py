"""The read models: what the CLI, chat commands, /healthz and the web pages show, as frozen
values. Each is defined once here and built by `bot.reading.reader` (the health of a source
by the pure `bot.reading.health`); how each surface words it is its own business.

Imports only bot.models: the channels use these values without reaching the store.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.models import Item, Story, StoryLink


class Health(enum.StrEnum):
    """Where a source stands, worst last."""

    NEVER_POLLED = "never_polled"  # no poll recorded yet
    HEALTHY = "healthy"  # its last poll worked
    FAILING = "failing"  # failed polls in a row, fewer than [polling] unhealthy_after
    UNHEALTHY = "unhealthy"  # at least [polling] unhealthy_after failed polls in a row
    DISABLED = "disabled"  # its address answered 410 Gone: not polled until told to


class Wait(enum.StrEnum):
    """Why a failing source's next check is later than its interval."""

    RETRY_AFTER = "retry_after"  # the server asked (Retry-After)
    BACKOFF = "backoff"  # failed polls in a row: each wait longer than the last


@dataclass(frozen=True, kw_only=True)
class SourceHealth:
    """One source as `alertbot sources`, /sources, /stats and /healthz show it."""

    id: str
    name: str  # the name users see ("ICE news releases"), else the id
    state: Health
    kind: str = ""  # feed | html
    agency: str = ""
    failures: int = 0  # failed polls in a row
    last_outcome: str | None = None  # bot.models.Outcome value of the last poll
    last_attempt: datetime | None = None
    last_success: datetime | None = None
    last_error: str | None = None  # why the last poll failed (None once one works)
    next_check: datetime | None = None  # None: never polled, or disabled
    waiting: Wait | None = None  # set while a failing source waits longer than its interval
    disabled_since: datetime | None = None  # the first 410 Gone, while disabled
    held_back: int = 0  # changes its last flood held back, until it announces normally
    held_back_at: datetime | None = None

    @property
    def healthy(self) -> bool:
        """What /healthz, /metrics and /stats count: neither unhealthy nor disabled."""
        return self.state not in (Health.UNHEALTHY, Health.DISABLED)


@dataclass(frozen=True)
class Stats:
    """What /stats shows an operator."""

    sources: int
    healthy_sources: int
    subscribers: int
    queue: Mapping[str, int] = field(default_factory=dict)  # outbox alerts by state
    last_errors: tuple[str, ...] = ()  # newest first, already short


@dataclass(frozen=True)
class LatestStory:
    """A story recently matched for a subscriber (/latest)."""

    story_id: str
    title: str
    url: str
    when: datetime | None  # when it was matched (or published)


@dataclass(frozen=True)
class StoryInfo:
    """A story as a chat button needs it: no timeline, one item read."""

    id: str
    title: str
    url: str = ""
    places: tuple[str, ...] = ()  # place names, as the gazetteer spells them
    agencies: tuple[str, ...] = ()  # agency ids usable with from: ("ice")


@dataclass(frozen=True)
class StoryMember:
    """One place in a story's timeline: how the item joined, and the item (None once pruned:
    it keeps its place, but has no text to show)."""

    link: StoryLink
    item: Item | None


@dataclass(frozen=True)
class StoryPage:
    """A story whole: its head and its timeline, in order (`alertbot story`, a web page)."""

    story: Story
    members: tuple[StoryMember, ...]

    @property
    def timeline(self) -> list[tuple[Item, StoryLink]]:
        """The members whose item is still stored, in timeline order."""
        return [(m.item, m.link) for m in self.members if m.item is not None]

