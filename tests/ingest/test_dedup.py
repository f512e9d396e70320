"""Dedup decisions: new / revised / seen / baseline, table-driven, pure."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.ingest.dedup import decide
from bot.models import ChangeKind, Item, KnownItem


def item(key: str = "k1", h: str = "h1", source: str = "ice-breaking",
         published: datetime | None = None) -> Item:
    return Item(key=key, source_id=source, url=f"https://x.gov/{key}", title=f"title {key}",
                text="text", published=published or datetime(2026, 2, 6, tzinfo=UTC),
                content_hash=h, agency="ice", jurisdiction="federal")


def known(it: Item, *hashes: str, sources: tuple[str, ...] = ("ice-breaking",)) -> KnownItem:
    return KnownItem(item=it, hashes=frozenset({it.content_hash, *hashes}),
                     sources=frozenset(sources))


def kinds(changes: list) -> list[ChangeKind]:
    return [c.kind for c in changes]


def test_unknown_items_are_new() -> None:
    assert kinds(decide([item("a"), item("b")], {}, first_poll=False)) == [ChangeKind.NEW] * 2


def test_first_poll_records_silently() -> None:
    assert kinds(decide([item("a")], {}, first_poll=True)) == [ChangeKind.BASELINE]


def test_same_key_twice_in_one_batch_counts_once() -> None:
    assert len(decide([item("a"), item("a", h="h2")], {}, first_poll=False)) == 1


def test_unchanged_item_is_seen_even_when_redated() -> None:
    stored = item()
    redated = item(published=datetime(2026, 2, 9, tzinfo=UTC))
    assert kinds(decide([redated], {"k1": known(stored)}, first_poll=False)) == [ChangeKind.SEEN]


def test_changed_text_is_a_revision_with_the_previous_version() -> None:
    stored = item()
    [change] = decide([item(h="h2")], {"k1": known(stored)}, first_poll=False)
    assert change.kind is ChangeKind.REVISED and change.previous == stored


def test_reverted_edit_is_not_a_new_revision() -> None:
    stored = item(h="h2")
    changes = decide([item(h="h1")], {"k1": known(stored, "h1")}, first_poll=False)
    assert kinds(changes) == [ChangeKind.SEEN]


def test_other_feeds_variant_is_not_a_revision() -> None:
    stored = item(source="ice-breaking")
    variant = item(h="h-ero", source="ice-ero")
    assert kinds(decide([variant], {"k1": known(stored)}, first_poll=False)) == [ChangeKind.SEEN]


def test_tombstoned_key_never_returns() -> None:
    tomb = KnownItem(item=None, hashes=frozenset({"h1"}))
    assert kinds(decide([item(h="h9")], {"k1": tomb}, first_poll=False)) == [ChangeKind.SEEN]
