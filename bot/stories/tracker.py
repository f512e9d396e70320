"""The worker's view of the open stories: proposes where new items go, and learns only what
the store recorded.

Clustering itself is pure (`cluster.assign`); this class keeps its state between refreshes.
Refreshes of several sources run concurrently, so proposing and recording happen under one
lock (`async with tracker.lock`): two feeds carrying the same development at the same moment
must not both start a story. The state changes only in `commit`, after the transaction that
wrote the links succeeded — a failed write leaves the tracker as it was.

Must not import bot.store, bot.channels or bot.delivery: the composition root hands it the
stored stories at start (`load`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime

from bot.models import Item, Story, StoryLink
from bot.stories.cluster import ClusterPolicy, Features, OpenStory, assign, features
from bot.stories.cluster import open_stories_after as advance
from bot.stories.members import StoryMember
from bot.stories.responses import find_response


class StoryTracker:
    def __init__(self, policy: ClusterPolicy | None = None) -> None:
        self.policy = policy or ClusterPolicy()
        self.lock = asyncio.Lock()
        self._open: tuple[OpenStory, ...] = ()

    @property
    def open_stories(self) -> tuple[OpenStory, ...]:
        return self._open

    def load(self, stories: Iterable[tuple[Story, Sequence[Item]]], now: datetime) -> int:
        """Rebuild the open stories from the store: each story with its items in timeline
        order. Return how many are open."""
        state: list[OpenStory] = []
        for story, items in stories:
            members = tuple(features(i) for i in items)
            if members:
                state.append(OpenStory(story.id, story.title, members, story.created,
                                       story.updated))
        self._open = advance(state, [], [], now, self.policy)
        return len(self._open)

    def propose(self, items: Sequence[Item], now: datetime
                ) -> tuple[list[Features], list[StoryLink], list[Story]]:
        """Where `items` would go, and the heads of the stories they touch. Changes nothing."""
        feats = [features(i) for i in items]
        links = assign(feats, self._open, now, self.policy)
        after = {s.id: s for s in advance(self._open, feats, links, now, self.policy)}
        links = [_as_response(f, lk, after.get(lk.story_id)) for f, lk in zip(feats, links,
                                                                               strict=True)]
        heads = {lk.story_id: _head(after[lk.story_id]) for lk in links if lk.story_id in after}
        return feats, links, list(heads.values())

    def commit(self, feats: Sequence[Features], links: Sequence[StoryLink],
               recorded: set[str], now: datetime) -> None:
        """Learn the links whose items the store recorded as new."""
        kept = [(f, lk) for f, lk in zip(feats, links, strict=True) if f.key in recorded]
        self._open = advance(self._open, [f for f, _ in kept], [lk for _, lk in kept], now,
                             self.policy)


def _member(f: Features) -> StoryMember:
    return StoryMember(item_key=f.key, agency=f.agency, jurisdiction=f.jurisdiction,
                       published=f.published, title=f.title, text=f.text)


def _as_response(item: Features, link: StoryLink, story: OpenStory | None) -> StoryLink:
    """A development that answers an earlier member from the other side (California on a
    DHS release, or DHS on a Governor's statement) is marked as a response, with its lag."""
    if link.role != "development" or story is None:
        return link
    earlier = [_member(m) for m in story.members if m.key != item.key]
    answer = find_response(_member(item), earlier)
    if answer is None:
        return link
    return replace(link, role="response", responds_to=answer.responds_to,
                   lag_seconds=answer.lag_seconds)


def _head(story: OpenStory) -> Story:
    return Story(id=story.id, title=story.title, item_keys=tuple(m.key for m in story.members),
                 created=story.created, updated=story.updated)
