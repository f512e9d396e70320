"""What record_refresh really records, decided from what is stored: one pure rule for every
backend, so they agree on it and the caller learns it (the changes it is handed were decided
before the transaction, and another source may have stored the same release meanwhile).

Given, read inside the write transaction, the current content hash of every key the changes
name (None for a tombstone; absent when the key is unknown):
- REVISED of a stored key whose hash differs: stays REVISED.
- REVISED whose hash is the stored one (another feed carried the same edit first): SEEN.
- NEW/BASELINE of an unknown key: stays. Of a stored key (a second source raced): SEEN.
- REVISED of an unknown key: NEW, so the release is not lost.
- Anything about a tombstoned key: SEEN (the store writes nothing for it).
Revisions are applied before inserts, as the backends run them, and a key repeated in one
batch sees the effect of its earlier changes.

Annotations (places, matches) are stored only with what is recorded NEW or REVISED: see
`annotated`. `check_annotations` refuses, before any write, annotations of nothing carried.

Pure: no I/O. Must not import bot.ingest, bot.channels or bot.delivery.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.models import Annotations, Change, ChangeKind

TOMBSTONE = None


def recorded(changes: Sequence[Change], stored: Mapping[str, str | None]) -> tuple[Change, ...]:
    """The changes as they will be written (see the module doc)."""
    current = dict(stored)
    kinds = [ChangeKind.SEEN] * len(changes)
    for n, change in enumerate(changes):
        key, new_hash = change.item.key, change.item.content_hash
        if change.kind is ChangeKind.REVISED and current.get(key) not in (TOMBSTONE, new_hash):
            current[key] = new_hash
            kinds[n] = ChangeKind.REVISED
    for n, change in enumerate(changes):
        key = change.item.key
        if change.kind is not ChangeKind.SEEN and key not in current:
            current[key] = change.item.content_hash
            kinds[n] = ChangeKind.NEW if change.kind is ChangeKind.REVISED else change.kind
    return tuple(
        change if change.kind is kind else Change(kind, change.item)
        for change, kind in zip(changes, kinds, strict=True)
    )


def check_annotations(changes: Sequence[Change], annotations: Annotations) -> None:
    """ValueError when an annotation is about something the refresh does not carry: a tag of
    a key no change names, a match of a version (key + content hash) no change holds. Such a
    row could only come from a caller's bug, and dropping it quietly would lose an alert."""
    versions = {(c.item.key, c.item.content_hash) for c in changes}
    keys = {key for key, _ in versions}
    for tag in annotations.tags:
        if tag.item_key not in keys:
            raise ValueError(
                f"tag {tag.place_id!r} of item {tag.item_key!r}: no change carries that key"
            )
    for match in annotations.matches:
        if (match.item_key, match.content_hash) not in versions:
            raise ValueError(
                f"match of subscription {match.subscription_id} with item {match.item_key!r} "
                f"version {match.content_hash[:12]!r}: no change carries that version"
            )


def annotated(changes: Sequence[Change], annotations: Annotations) -> Annotations:
    """The annotations to store with `changes` as recorded: tags of the keys recorded NEW or
    REVISED, and matches of exactly the versions recorded so. A NEW that another source
    stored first comes back as SEEN: the winner recorded that release's matches."""
    versions = {(c.item.key, c.item.content_hash) for c in changes if c.kind in _ANNOTATED}
    keys = {key for key, _ in versions}
    return Annotations(
        tags=tuple(t for t in annotations.tags if t.item_key in keys),
        matches=tuple(m for m in annotations.matches if (m.item_key, m.content_hash) in versions),
    )


_ANNOTATED = (ChangeKind.NEW, ChangeKind.REVISED)
