"""Row <-> model mapping for developing stories, shared by the store backends.

A story is stored as a head (`stories`: id, title, created, updated) and a timeline
(`story_items`: one row per item, numbered by `position`). Reading a `Story` puts the two back
together with what the timeline's items say: their sources and agencies (from `items`) and the
names of their places (from `item_tags`), each distinct, in timeline order. A pruned item
keeps its key in the timeline but no longer adds a source, an agency or a place.

Pure functions over rows indexed by column name. Must not import bot.ingest, bot.channels or
bot.delivery.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.models import Story, StoryLink
from bot.store.rows import Row, from_db_time, to_db_time

STORY_COLUMNS = ("id", "title", "created", "updated")
LINK_COLUMNS = ("story_id", "item_key", "role", "score", "responds_to", "lag_seconds")


def story_params(story: Story) -> dict[str, Any]:
    """Named parameters for a story head. Its item keys, sources, agencies and places are
    not stored with it: they are read from the timeline."""
    return {
        "id": story.id,
        "title": story.title,
        "created": to_db_time(story.created),
        "updated": to_db_time(story.updated),
    }


def link_params(link: StoryLink, added_at: str) -> dict[str, Any]:
    return {
        "story_id": link.story_id,
        "item_key": link.item_key,
        "role": link.role,
        "score": link.score,
        "responds_to": link.responds_to,
        "lag_seconds": link.lag_seconds,
        "added_at": added_at,
    }


def row_to_link(row: Row) -> StoryLink:
    return StoryLink(
        story_id=row["story_id"],
        item_key=row["item_key"],
        role=row["role"],
        score=row["score"],
        responds_to=row["responds_to"],
        lag_seconds=row["lag_seconds"],
    )


def rows_to_stories(
    heads: Iterable[Row], members: Iterable[Row], places: Iterable[Row]
) -> list[Story]:
    """Stories, in the order of `heads` (STORY_COLUMNS). `members`: (story_id, item_key,
    source_id, agency) in timeline order, source and agency NULL for a pruned item; `places`:
    (story_id, name) in timeline order."""
    timelines: dict[str, _Timeline] = defaultdict(_Timeline)
    for row in members:
        timeline = timelines[row["story_id"]]
        timeline.keys.append(row["item_key"])
        if row["source_id"] is not None:
            timeline.sources[row["source_id"]] = None
            timeline.agencies[row["agency"]] = None
    for row in places:
        timelines[row["story_id"]].places[row["name"]] = None
    return [timelines[head["id"]].story(head) for head in heads]


@dataclass
class _Timeline:
    """What a story's items say, gathered in timeline order (dicts as ordered sets)."""

    keys: list[str] = field(default_factory=list)
    sources: dict[str, None] = field(default_factory=dict)
    agencies: dict[str, None] = field(default_factory=dict)
    places: dict[str, None] = field(default_factory=dict)

    def story(self, head: Row) -> Story:
        created, updated = from_db_time(head["created"]), from_db_time(head["updated"])
        assert created is not None and updated is not None  # NOT NULL columns
        return Story(
            id=head["id"],
            title=head["title"],
            item_keys=tuple(self.keys),
            created=created,
            updated=updated,
            sources=tuple(self.sources),
            agencies=tuple(self.agencies),
            places=tuple(self.places),
        )
