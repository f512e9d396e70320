"""What the chat-command tests share: the real SubscriptionService over a real SQLite store,
and `MemoryQueries`, an in-memory `Queries` (the composition root will implement it over the
store) whose stories, sources and stats a test sets directly."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from bot.channels.chat import LatestStory, SourceHealth, Stats, StoryInfo
from bot.channels.commands import Commands
from bot.store import Store
from subscriptions.gazetteer import Gazetteer, load_gazetteer
from subscriptions.models import Subscriber
from subscriptions.query import Limits
from subscriptions.service import SubscriptionService
from subscriptions.terms import load_synonyms

NOW = datetime(2026, 2, 6, 18, 30, tzinfo=UTC)
SOURCES = {"ice": "ICE", "dhs": "DHS", "ice-breaking": "ICE breaking news"}
STORY = StoryInfo("s-0123456789ab", "ICE <detainer> & Ventura County",
                  "https://www.ice.gov/news/releases/1", places=("Ventura County",),
                  agencies=("ice",))


@dataclass
class MemoryQueries:
    store: Store
    stories: dict[str, StoryInfo] = field(default_factory=lambda: {STORY.id: STORY})
    recent: dict[str, list[LatestStory]] = field(default_factory=dict)  # by address
    source_list: list[SourceHealth] = field(default_factory=list)
    stats_value: Stats = field(default_factory=lambda: Stats(0, 0, 0))
    held: dict[str, int] = field(default_factory=dict)  # address -> alerts held while paused
    quiet: dict[str, str] = field(default_factory=dict)  # address -> quiet hours
    broken: bool = False  # every call raises, as a store that went away would

    async def subscriber(self, channel: str, address: str) -> Subscriber | None:
        self._check()
        found = await self.store.subscriber(channel, address)
        if found is not None and address in self.quiet:
            found = replace(found, quiet_hours=self.quiet[address])
        return found

    async def latest(self, channel: str, address: str, n: int) -> list[LatestStory]:
        return self.recent.get(address, [])[:n]

    async def sources(self) -> list[SourceHealth]:
        return list(self.source_list)

    async def stats(self) -> Stats:
        return self.stats_value

    async def story(self, story_id: str) -> StoryInfo | None:
        return self.stories.get(story_id)

    async def set_preferences(
        self, channel: str, address: str, *, now: datetime, lang: str | None = None,
        timezone: str | None = None, quiet_hours: str | None = None,
        digest_at: str | None = None,
    ) -> Subscriber:
        found = await self.store.ensure_subscriber(channel, address, now, lang or "en")
        await self.store.update_subscriber(
            replace(found, lang=lang or found.lang, timezone=timezone or found.timezone,
                    digest_at=digest_at or found.digest_at))
        if quiet_hours is not None:
            self.quiet[address] = quiet_hours
        updated = await self.subscriber(channel, address)
        assert updated is not None
        return updated

    async def resume_held(self, channel: str, address: str, held_for: str | None = None) -> int:
        return self.held.pop(address, 0)

    def _check(self) -> None:
        if self.broken:
            raise OSError("database is locked")


def make_commands(store: Store, gazetteer: Gazetteer | None = None
                  ) -> tuple[Commands, SubscriptionService, MemoryQueries]:
    gaz = gazetteer or load_gazetteer()
    service = SubscriptionService(store, gaz, load_synonyms(), limits=Limits(max_subscriptions=3),
                                  sources=SOURCES)
    queries = MemoryQueries(store)
    return Commands(service, gaz, queries), service, queries
