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

Pure: no I/O. Must not import bot.ingest, bot.channels or bot.delivery.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.models import Change, ChangeKind

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
