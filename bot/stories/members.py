"""StoryMember: the slice of an item the story deciders read (who said it, when, and what).

Shared by developments, responses and clustering so none of them has to take a whole `Item`
(or a store row) to reason about a story. Pure values; must not import bot.store,
bot.channels or bot.delivery.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.models import Item


@dataclass(frozen=True)
class StoryMember:
    """One item of a story as the deciders see it. `agency` is the source's agency id
    ("dhs", "ice", "governor", "ag"); `jurisdiction` is "federal" or a state name."""

    item_key: str
    agency: str
    jurisdiction: str
    published: datetime | None
    title: str
    text: str

    @classmethod
    def from_item(cls, item: Item) -> StoryMember:
        return cls(
            item_key=item.key,
            agency=item.agency,
            jurisdiction=item.jurisdiction,
            published=item.published,
            title=item.title,
            text=item.text,
        )
