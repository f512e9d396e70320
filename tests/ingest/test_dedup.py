"""Dedup decisions: new / revised / seen / baseline, table-driven, pure."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

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


STORED_TEXT = ("ICE arrested 120 people in Operation Highway Sentinel. The operation ran for two "
               "weeks in California. Officers also seized 14 trucks and 3 weapons.")
URL = "https://x.gov/k1"


def version(title: str = "title k1", text: str = STORED_TEXT) -> Item:
    base = item()
    return Item(key=base.key, source_id=base.source_id, url=URL, title=title, text=text,
                published=base.published, content_hash=f"{title}|{text}", agency="ice",
                jurisdiction="federal")


@pytest.mark.parametrize(
    ("got", "broken", "expected"),
    [
        # The transfer broke off inside the entry: the text is gone, or cut mid-sentence.
        (version(text=""), True, ChangeKind.SEEN),
        (version(text="ICE arrested 120 people in Operation Highway Sent"), True, ChangeKind.SEEN),
        (version(title="title", text=""), True, ChangeKind.SEEN),  # cut inside the title
        (version(title=URL, text=""), True, ChangeKind.SEEN),  # the title lost: link stands in
        # Only stored sentences (a teaser instead of the full text), the last one cut.
        (version(text="The operation ran for two weeks in California. Officers al"), True,
         ChangeKind.SEEN),
        # The same losses from a well-formed document are real edits.
        (version(text=""), False, ChangeKind.REVISED),
        (version(text="ICE arrested 120 people in Operation Highway Sent"), False,
         ChangeKind.REVISED),
        # From a broken document, anything that adds or changes words is still an edit ...
        (version(text="ICE arrested 121 people."), True, ChangeKind.REVISED),
        (version(title="Corrected title k1", text=""), True, ChangeKind.REVISED),
        (version(text=STORED_TEXT + " Updated Feb. 12."), True, ChangeKind.REVISED),
        # ... and so is a loss of less than half the text (a trimmed last sentence).
        (version(text=STORED_TEXT.rsplit(" Officers", 1)[0]), True, ChangeKind.REVISED),
    ],
)
def test_a_broken_feed_cutting_text_short_is_no_revision(
    got: Item, broken: bool, expected: ChangeKind
) -> None:
    stored = version()
    [change] = decide([got], {"k1": known(stored)}, first_poll=False, broken=broken)
    assert change.kind is expected
    assert change.previous == stored  # kept, or replaced: either way the stored one is named
    assert bool(change.kept) is (expected is ChangeKind.SEEN)
