"""What an alert says, gathered from the store: the item, its grounded summary, its story,
and — for a development — what is new relative to what THIS subscriber already received.

The dispatcher calls `ViewBuilder(alert)`; rendering (bot.channels.render) turns the view into
platform messages. Summaries are cached per item version: a release sent to ten thousand
people is summarised once. The item and its story are kept for `FRESH` seconds, so a fan-out
reads them once per moment, not once per subscriber (an alert about another version of the
item reads it again; a story a second old is news enough). Must not import bot.ingest.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping

from bot.channels.render import AlertView
from bot.models import Alert, Item, Story, StoryLink, Summary
from bot.reading.items import items_of
from bot.store import Store
from bot.stories.responses import describe_lag
from bot.stories.timeline import development_note, revision_note

Summarize = Callable[[str, str], Awaitable[Summary]]
CACHE = 512  # item versions whose summary is kept, and items whose story is kept
FRESH = 2.0  # seconds an item and its story read from the store are used again
Found = tuple[Item, StoryLink | None, Story | None]


class ViewBuilder:
    def __init__(self, store: Store, summarize: Summarize, source_names: Mapping[str, str],
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._store = store
        self._summarize = summarize
        self._names = dict(source_names)
        self._mono = monotonic
        self._summaries: dict[tuple[str, str], Summary] = {}
        self._recent: dict[str, tuple[float, asyncio.Future[Found | None]]] = {}

    async def __call__(self, alert: Alert) -> AlertView | None:
        found = await self._item_and_story(alert)
        if found is None:
            return None
        item, link, story = found
        if alert.kind == "bulk":  # a flood notice: about the source, worded when rendered
            return AlertView(kind="bulk", title="", summary="", notes=(), url="",
                             source_name=self._names.get(item.source_id, item.source_id),
                             agency=item.agency, published=None, reasons=alert.reasons,
                             changed=alert.changed)
        notes: list[str] = []
        if alert.kind == "revision":
            notes = await self._revision_notes(item)
        elif alert.kind == "development" and link is not None and story is not None:
            earlier = await self._already_received(alert, story.item_keys)
            notes = development_note(item, link, story, earlier)[1:]  # story title shown apart
        response = (describe_lag(link.lag_seconds, item.agency)
                    if link and link.role == "response" and link.lag_seconds is not None
                    else None)
        summary = await self._summary(item)
        return AlertView(
            kind=alert.kind, title=item.title, summary=summary.text, notes=tuple(notes),
            url=item.url, source_name=self._names.get(item.source_id, item.source_id),
            agency=item.agency, published=item.published, reasons=alert.reasons,
            story_title=story.title if story and len(story.item_keys) > 1 else None,
            response_note=response, story_id=alert.story_id,
        )

    async def _item_and_story(self, alert: Alert) -> Found | None:
        """The item and its story, read once for everyone asking within FRESH seconds —
        including those asking while the read is under way (they share it)."""
        now = self._mono()
        kept = self._recent.get(alert.item_key)
        if kept is None or now - kept[0] >= FRESH:
            if len(self._recent) >= CACHE:
                self._recent.pop(next(iter(self._recent)))
            kept = (now, asyncio.ensure_future(self._read(alert.item_key)))
            self._recent[alert.item_key] = kept
        try:
            found = await asyncio.shield(kept[1])
        except Exception:
            self._recent.pop(alert.item_key, None)  # a failed read is not kept
            raise
        if found is not None and found[0].content_hash != alert.content_hash:
            return await self._read(alert.item_key)  # another version: as stored now
        return found

    async def _read(self, key: str) -> Found | None:
        item = await self._store.item(key)
        if item is None:
            return None
        link = await self._store.story_of(item.key)
        story = await self._store.story(link.story_id) if link else None
        return item, link, story

    async def _summary(self, item: Item) -> Summary:
        key = (item.key, item.content_hash)
        if key not in self._summaries:
            if len(self._summaries) >= CACHE:
                self._summaries.pop(next(iter(self._summaries)))
            self._summaries[key] = await self._summarize(item.title, item.text)
        return self._summaries[key]

    async def _revision_notes(self, item: Item) -> list[str]:
        revisions = await self._store.revisions(item.key)
        if not revisions:
            return []
        last = revisions[-1]
        previous = Item(key=item.key, source_id=item.source_id, url=item.url, title=last.title,
                        text=last.text, published=item.published,
                        content_hash=last.content_hash, agency=item.agency,
                        jurisdiction=item.jurisdiction)
        return revision_note(previous, item)

    async def _already_received(self, alert: Alert, story_keys: tuple[str, ...]) -> list[Item]:
        """The story's earlier items this subscriber was sent (not everything published)."""
        assert alert.story_id is not None
        sent = set(await self._store.sent_items(alert.subscriber_id, alert.story_id))
        return await items_of(self._store, (k for k in story_keys
                                            if k in sent and k != alert.item_key))

