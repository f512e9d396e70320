"""The Store contract, continued: where alerts go. Threads (the last message about a story at a
destination), what the platforms tell us about subscribers (blocked, moved), and the migration
to schema version 4. The outbox's own moves: test_outbox_contract.py.

Runs once per entry of conftest.BACKENDS, through the Store protocol only (the shared migration
list is swapped to build a version-3 database).
"""

from __future__ import annotations

import dataclasses

import pytest

from bot.errors import StoreError
from bot.models import Annotations, Story, StoryLink
from bot.store import Store, migrations

from .conftest import (
    STALE,
    T0,
    as_of_version,
    at,
    make_item,
    make_state,
    make_subscriber,
    new,
    record_matched,
)

W1, W2 = "host-a:1", "host-b:2"


# --- threads -----------------------------------------------------------------------------------
async def test_a_thread_keeps_the_last_message_per_destination_and_story(store: Store) -> None:
    assert await store.thread("telegram", "1", "s-a") is None
    await store.save_thread("telegram", "1", "s-a", "m-1", T0)
    await store.save_thread("telegram", "1", "s-a", "m-2", at(1))
    await store.save_thread("telegram", "2", "s-a", "m-9", at(1))
    await store.save_thread("discord", "1", "s-a", "d-1", at(1))
    assert await store.thread("telegram", "1", "s-a") == "m-2"
    assert await store.thread("telegram", "2", "s-a") == "m-9"
    assert await store.thread("discord", "1", "s-a") == "d-1"
    assert await store.thread("telegram", "1", "s-b") is None


async def test_deactivate_fails_what_was_not_delivered(store: Store) -> None:
    sub, other = await make_subscriber(store, "1"), await make_subscriber(store, "2")
    for key in "abcd":
        await record_matched(store, new(make_item(key)), [sub, other])
    a, _, b, _, c, _ = await store.claim_alerts(W1, T0, 60.0, 6, stale=STALE)  # d stays pending
    assert await store.mark_sent(a.id, W1, "m-1", T0)
    assert await store.mark_held([b.id], at(60), "quiet hours") == 1

    assert await store.deactivate_subscriber(sub.id, "Forbidden: bot was blocked") == 3
    assert (await store.subscriber_by_id(sub.id)).active is False  # type: ignore[union-attr]
    assert [x.item_key for x in await store.alerts_of(sub.id, "failed")] == ["b", "c", "d"]
    record = await store.alert_record(c.id)
    assert record is not None and record.reason == "Forbidden: bot was blocked"
    assert not await store.mark_sent(c.id, W1, "m-3", T0)  # in flight: refused
    assert [x.item_key for x in await store.alerts_of(sub.id, "sent")] == ["a"]
    assert len(await store.alerts_of(other.id, "claimed")) == 3
    # a later match reaches the other only
    await record_matched(store, new(make_item("e")), [sub, other], when=at(5))
    assert [x.item_key for x in await store.alerts_of(sub.id)] == ["a", "b", "c", "d"]
    later = await store.claim_alerts(W2, at(120), 60.0, 10, stale=STALE)
    assert len(later) == 5 and {x.subscriber_id for x in later} == {other.id}
    with pytest.raises(StoreError, match="no such subscriber"):
        await store.deactivate_subscriber(sub.id + other.id + 100, "gone")


async def test_a_moved_chat_keeps_its_alerts_at_the_new_address(store: Store) -> None:
    sub, other = await make_subscriber(store, "-100"), await make_subscriber(store, "-200")
    await record_matched(store, new(make_item("a")), [sub])
    await store.save_thread("telegram", "-100", "s-a", "m-1", T0)
    await store.move_subscriber(sub.id, "-100999")
    await store.move_subscriber(sub.id, "-100999")  # already there: nothing to do

    assert await store.subscriber("telegram", "-100") is None
    assert await store.subscriber("telegram", "-100999") == dataclasses.replace(
        sub, address="-100999"
    )
    [alert] = await store.claim_alerts(W1, T0, 60.0, 10, stale=STALE)
    assert (alert.channel, alert.address) == ("telegram", "-100999")
    assert await store.thread("telegram", "-100", "s-a") is None
    with pytest.raises(StoreError, match="subscriber"):
        await store.move_subscriber(sub.id, "-200")
    assert await store.subscriber_by_id(other.id) == other
    with pytest.raises(StoreError, match="no such subscriber"):
        await store.move_subscriber(sub.id + other.id + 100, "-1")


# --- migration --------------------------------------------------------------------------------
async def test_a_version_3_database_migrates_keeping_its_data(
    unmigrated_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = unmigrated_store
    first = StoryLink("s-a", "a", "first")
    with monkeypatch.context() as patch:
        as_of_version(patch, 3)
        assert await store.migrate() == 3
        # (Subscribers are made after: version 5 added their quiet hours.)
        # No matches: today's record_refresh puts their alerts in the outbox (version 4).
        story = Annotations(links=(first,), stories=(Story("s-a", "A", (), T0, T0),))
        await store.record_refresh(make_state(), [new(make_item("a"))], T0, story)

    assert await store.migrate() == migrations.LATEST >= 4
    sub = await make_subscriber(store)
    assert await store.story_of("a") == first
    assert set((await store.outbox_counts()).values()) == {0}

    b = make_item("b")
    await record_matched(store, new(b), [sub], links=[StoryLink("s-a", "b", "development")])
    assert [(x.item_key, x.kind, x.story_id) for x in await store.alerts_of(sub.id)] == [
        ("b", "development", "s-a")
    ]
