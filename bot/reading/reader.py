"""`Reading`: the read models built from the store, each in a bounded number of reads however
large it is (a story of 300 items is three reads, /latest three).

The composition root builds one `Reading` and hands it to the CLI and the chat commands
(through bot.queries, which adapts it to the chat's `Queries`); /healthz, which must answer
when the store does not, builds from the same pure `bot.reading.health`. Deciding is left to
the pure parts; this module only reads and assembles.

Must not import bot.channels, bot.delivery, bot.web or bot.app.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from bot.ingest import schedule
from bot.models import Alert, Item, Source, Story
from bot.reading.health import sources_health
from bot.reading.models import LatestStory, SourceHealth, Stats, StoryInfo, StoryMember, StoryPage
from bot.store import Store

ERROR_CHARS = 120  # of a source's error in /stats


class Reading:
    def __init__(self, store: Store, sources: Sequence[Source], policy: schedule.PollPolicy,
                 clock: Callable[[], datetime]) -> None:
        self._store = store
        self._sources = tuple(sources)
        self._policy = policy
        self._clock = clock

    async def sources(self) -> list[SourceHealth]:
        """Every configured source's health, in the configuration's order: one read."""
        states = await self._store.source_states()
        return sources_health(self._sources, states, self._policy, self._clock())

    async def stats(self) -> Stats:
        health = await self.sources()
        subscribers = {b.id for _, b in await self._store.active_subscriptions()}
        failed = sorted((h for h in health if h.last_error), key=_last_attempt, reverse=True)
        return Stats(sources=len(health), healthy_sources=sum(h.healthy for h in health),
                     subscribers=len(subscribers), queue=await self._store.outbox_counts(),
                     last_errors=tuple(f"{h.id}: {h.last_error}"[:ERROR_CHARS] for h in failed))

    async def latest(self, channel: str, address: str, n: int) -> list[LatestStory]:
        """The n stories most recently matched for this chat, newest first."""
        sub = await self._store.subscriber(channel, address)
        return await self.latest_for(sub.id, n) if sub is not None else []

    async def latest_for(self, subscriber_id: int, n: int) -> list[LatestStory]:
        """The n stories most recently matched for a subscriber, newest first, each once
        (by its latest alert). Reads the items of n stories at once; only when some were
        pruned, the next ones (twice as many each time)."""
        newest: dict[str, Alert] = {}
        for alert in reversed(await self._store.alerts_of(subscriber_id)):
            newest.setdefault(alert.story_id or alert.item_key, alert)
        candidates = list(newest.values())
        out: list[LatestStory] = []
        start, window = 0, n
        while len(out) < n and start < len(candidates):
            batch = candidates[start : start + window]
            found = await self._store.items(a.item_key for a in batch)
            out += [_latest(a, found[a.item_key]) for a in batch if a.item_key in found]
            start, window = start + window, window * 2
        return out[:n]

    async def stories(self, limit: int = 20) -> list[Story]:
        """The developing stories, most recently updated first: one read."""
        return await self._store.stories(limit=limit)

    async def story_page(self, story_id: str) -> StoryPage | None:
        """The story and its timeline with each member's item: three reads however long."""
        story = await self._store.story(story_id)
        if story is None:
            return None
        links = await self._store.story_links(story.id)
        found = await self._store.items(lk.item_key for lk in links)
        return StoryPage(story, tuple(StoryMember(lk, found.get(lk.item_key)) for lk in links))

    async def story_info(self, story_id: str) -> StoryInfo | None:
        """The story as a chat button needs it (the first item's address): two reads."""
        story = await self._store.story(story_id)
        if story is None:
            return None
        first = await self._store.items(story.item_keys[:1])
        url = first[story.item_keys[0]].url if first else ""
        return StoryInfo(story.id, story.title, url, story.places, story.agencies)


def _latest(alert: Alert, item: Item) -> LatestStory:
    return LatestStory(alert.story_id or "", item.title, item.url,
                       alert.created_at or item.published)


def _last_attempt(health: SourceHealth) -> float:
    return health.last_attempt.timestamp() if health.last_attempt else float("-inf")
