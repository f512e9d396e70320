"""What chat commands read or change beyond the subscription use cases, over the store.

Implements `bot.channels.chat.Queries` for the composition root, so no command handler ever
touches SQL. What it reads is `bot.reading.Reading`'s, as the CLI and /healthz read it (one
definition of source health, latest stories and a story); what it changes — a chat's
preferences, the alerts it held — is a few short store calls here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from bot.reading.models import LatestStory, SourceHealth, Stats, StoryInfo
from bot.reading.reader import Reading
from bot.store import Store
from subscriptions.models import Subscriber


class StoreQueries:
    def __init__(self, store: Store, reading: Reading, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._reading = reading
        self._clock = clock

    async def subscriber(self, channel: str, address: str) -> Subscriber | None:
        return await self._store.subscriber(channel, address)

    async def latest(self, channel: str, address: str, n: int) -> list[LatestStory]:
        return await self._reading.latest(channel, address, n)

    async def sources(self) -> list[SourceHealth]:
        return await self._reading.sources()

    async def stats(self) -> Stats:
        return await self._reading.stats()

    async def story(self, story_id: str) -> StoryInfo | None:
        return await self._reading.story_info(story_id)

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
