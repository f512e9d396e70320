"""Batch item reads: a timeline's items in one store read, not one read per item.

Used by everything that walks a story's items (the story page, the tracker's start, the
console's development notes, an alert's "what you already got"). Imports only bot.models and
the Store protocol: bot.delivery uses it without reaching bot.ingest.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.models import Item
from bot.store import Store


async def items_of(store: Store, keys: Iterable[str]) -> list[Item]:
    """The stored items of `keys`, in that order (pruned or unknown ones left out): one read."""
    wanted = list(keys)
    found = await store.items(wanted)
    return [found[k] for k in wanted if k in found]
