"""What chat commands read beyond the subscription use cases, answered from the store.

Implements `bot.channels.chat.Queries` for the composition root, so no command handler ever
touches SQL. Every method is a few short store calls.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

from bot.channels.chat import LatestStory, SourceHealth, Stats, StoryInfo
from bot.ingest import schedule
from bot.models import Source
from bot.store import Store
from subscriptions.models import Subscriber


class StoreQueries:
    def __init__(self, store: Store, sources: Sequence[Source], policy: schedule.PollPolicy,
                 clock: Callable[[], datetime]) -> None:
        self._store = store
        self._sources = tuple(sources)
        self._policy = policy
        self._clock = clock

    async def subscriber(self, channel: str, address: str) -> Subscriber | None:
        return await self._store.subscriber(channel, address)

    async def latest(self, channel: str, address: str, n: int) -> list[LatestStory]:
        sub = await self._store.subscriber(channel, address)
        if sub is None:
            return []
        out: list[LatestStory] = []
        seen: set[str] = set()
        for alert in reversed(await self._store.alerts_of(sub.id)):  # newest first
            key = alert.story_id or alert.item_key
            if key in seen:
                continue
            seen.add(key)
            item = await self._store.item(alert.item_key)
            if item is not None:
                out.append(LatestStory(alert.story_id or "", item.title, item.url,
                                       alert.created_at or item.published))
            if len(out) >= n:
                break
        return out

    async def sources(self) -> list[SourceHealth]:
        states = await self._store.source_states()
        out = []
        for s in self._sources:
            st = states.get(s.id)
            failures = st.consecutive_failures if st else 0
            out.append(SourceHealth(
                s.id, s.name or s.id, schedule.is_healthy(failures, self._policy),
                st.last_success if st else None, st.last_error if st and failures else None))
        return out

    async def stats(self) -> Stats:
        health = await self.sources()
        subscribers = {b.id for _, b in await self._store.active_subscriptions()}
        errors = tuple(f"{h.id}: {h.last_error}"[:120] for h in health if h.last_error)
        return Stats(sources=len(health), healthy_sources=sum(h.healthy for h in health),
                     subscribers=len(subscribers), queue=await self._store.outbox_counts(),
                     last_errors=errors)

    async def story(self, story_id: str) -> StoryInfo | None:
        story = await self._store.story(story_id)
        if story is None:
            return None
        first = await self._store.item(story.item_keys[0]) if story.item_keys else None
        return StoryInfo(story.id, story.title, first.url if first else "", story.places,
                         story.agencies)

    async def set_preferences(
        self, channel: str, address: str, *, now: datetime, lang: str | None = None,
        timezone: str | None = None, quiet_hours: str | None = None,
        digest_at: str | None = None,
    ) -> Subscriber:
        sub = await self._store.ensure_subscriber(channel, address, now, lang or "en")
        changes = {k: v for k, v in (("lang", lang), ("timezone", timezone),
                                     ("quiet_hours", quiet_hours), ("digest_at", digest_at))
                   if v is not None}
        if changes:
            sub = replace(sub, **changes)
            await self._store.update_subscriber(sub)
        return sub

    async def resume_held(self, channel: str, address: str, held_for: str | None = None) -> int:
        sub = await self._store.subscriber(channel, address)
        return await self._store.release_held(sub.id, self._clock(), held_for) if sub else 0
