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
6. From a document the parser flagged as broken (`broken`), a version that only lost most
   of the stored text → SEEN, the stored version kept (as `previous`, with why in `kept`):
   a transfer that broke off mid-entry is no edit. "Only lost": its title is the stored one
   or a start of it (or the link, standing in for a title the cut took), its text adds
   nothing (a start of the stored text, or only stored sentences, the last perhaps cut),
   and it is less than half as long. From a well-formed document, such a loss is an edit.
7. Otherwise → REVISED, with the stored version as `previous`.

Must not import anything from the project except bot.models.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from bot.models import Change, ChangeKind, Item, KnownItem

_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+")


def decide(
    items: Iterable[Item], known: Mapping[str, KnownItem], *, first_poll: bool,
    broken: bool = False,
) -> list[Change]:
    changes: list[Change] = []
    done: set[str] = set()
    for item in items:
        if item.key in done:
            continue
        done.add(item.key)
        changes.append(_decide_one(item, known.get(item.key), first_poll=first_poll,
                                   broken=broken))
    return changes


def _decide_one(item: Item, known: KnownItem | None, *, first_poll: bool,
                broken: bool) -> Change:
    if known is None:
        return Change(ChangeKind.BASELINE if first_poll else ChangeKind.NEW, item)
    stored = known.item
    if stored is None or item.content_hash == stored.content_hash:
        return Change(ChangeKind.SEEN, item)
    if item.content_hash in known.hashes:
        return Change(ChangeKind.SEEN, item)
    if known.sources and item.source_id not in known.sources:
        return Change(ChangeKind.SEEN, item)
    if broken and only_lost(stored, item):
        why = "the feed is malformed and this version only lacks most of the stored text"
        return Change(ChangeKind.SEEN, item, previous=stored, kept=why)
    return Change(ChangeKind.REVISED, item, previous=stored)


def only_lost(stored: Item, got: Item) -> bool:
    """`got` says nothing `stored` does not, and lacks most of its text (rule 6)."""
    old, new = _flat(stored.text), _flat(got.text)
    if len(new) * 2 >= len(old):
        return False
    title = _flat(got.title)
    if not (_flat(stored.title).startswith(title) or title == got.url):
        return False
    if old.startswith(new):
        return True
    olds = _sentences(old)
    *whole, last = _sentences(new)
    return all(s in olds for s in whole) and any(s.startswith(last) for s in olds)


def _flat(text: str) -> str:
    return " ".join(text.split())


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_BREAK.split(text) if s] or [""]
