"""Dedup decision: which items are new, revised or already seen. Pure: no I/O, no clock.

Rules, in order, per item key (keys are global, so one release on several feeds is one item):

1. The same key twice in one batch counts once (the first occurrence wins).
2. Unknown key → NEW, or BASELINE on a source's first poll: the backlog of a newly added
   source is recorded silently instead of flooding subscribers.
3. A tombstoned key (pruned from the store) → SEEN: it never comes back as new.
4. Same content hash as stored → SEEN. Dates do not enter the hash, so a re-dated but
   unchanged release is SEEN, not REVISED.
5. A hash the item had before (an edit that was reverted), or a different text carried by a
   source that had not carried this item before (two ICE feeds with slightly different
   teasers) → SEEN, so one item never flip-flops into a stream of "revised" alerts.
6. Otherwise → REVISED, with the stored version as `previous`.

Must not import anything from the project except bot.models.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from bot.models import Change, ChangeKind, Item, KnownItem


def decide(
    items: Iterable[Item], known: Mapping[str, KnownItem], *, first_poll: bool
) -> list[Change]:
    changes: list[Change] = []
    done: set[str] = set()
    for item in items:
        if item.key in done:
            continue
        done.add(item.key)
        changes.append(_decide_one(item, known.get(item.key), first_poll=first_poll))
    return changes


def _decide_one(item: Item, known: KnownItem | None, *, first_poll: bool) -> Change:
    if known is None:
        return Change(ChangeKind.BASELINE if first_poll else ChangeKind.NEW, item)
    stored = known.item
    if stored is None or item.content_hash == stored.content_hash:
        return Change(ChangeKind.SEEN, item)
    if item.content_hash in known.hashes:
        return Change(ChangeKind.SEEN, item)
    if known.sources and item.source_id not in known.sources:
        return Change(ChangeKind.SEEN, item)
    return Change(ChangeKind.REVISED, item, previous=stored)
