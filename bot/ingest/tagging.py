"""Tag and match the items users will hear about: places they are about, who wants them.

Runs between dedup and the store write, on NEW and REVISED items only (a BASELINE is recorded
silently, a SEEN item was handled when it was new). Tags come from the subscriptions library's
gazetteer (title and text, falling back to the source's jurisdiction); matches from the
subscription index. The result is written in the same transaction as the items.

Must not import bot.channels or bot.delivery.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.models import Annotations, Change, ChangeKind, Flood, Item, ItemMatch, ItemTag, Source
from subscriptions.jurisdictions import Gazetteer, Tag, tag
from subscriptions.models import Document, Match, PlaceTag

MatchFn = Callable[[Document], list[Match]]
ANNOTATED = (ChangeKind.NEW, ChangeKind.REVISED)


def document(item: Item, tags: Sequence[Tag]) -> Document:
    """What the matcher reads of an item."""
    return Document(
        key=item.key, title=item.title, text=item.text, source_id=item.source_id,
        agency=item.agency,
        places=tuple(PlaceTag(t.place.id, t.place.name, t.matched, t.where) for t in tags),
    )


def place_tags(item: Item, gazetteer: Gazetteer) -> tuple[Tag, ...]:
    return tag(item.title, item.text, source_jurisdiction=item.jurisdiction,
               gazetteer=gazetteer)


class Annotator:
    def __init__(self, gazetteer: Gazetteer, match: MatchFn) -> None:
        self._gazetteer = gazetteer
        self._match = match

    def annotate(self, source: Source, changes: Sequence[Change],
                 flood: Flood | None = None) -> Annotations:
        """Places and matches of the NEW and REVISED items. In a `flood` (bot.ingest.flood)
        the places only, or with a notice, one match per subscriber (its first): thousands
        of items times thousands of subscribers would be millions of rows no alert needs."""
        tags: list[ItemTag] = []
        matches: list[ItemMatch] = []
        named: set[int] = set()  # subscribers a flood notice has a match for already
        for change in changes:
            if change.kind not in ANNOTATED:
                continue
            item = change.item
            found = place_tags(item, self._gazetteer)
            tags += [ItemTag(item.key, t.place.id, t.place.name, t.matched, t.where)
                     for t in found]
            if flood is not None and not flood.notice:
                continue
            for m in self._match(document(item, found)):
                if flood is not None and m.subscriber_id in named:
                    continue
                named.add(m.subscriber_id)
                matches.append(ItemMatch(item.key, item.content_hash, m.subscription_id,
                                         m.subscriber_id, tuple(r.detail for r in m.reasons)))
        return Annotations(tuple(tags), tuple(matches), flood=flood)
