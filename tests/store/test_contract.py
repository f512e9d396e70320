"""The Store contract: what every backend must do, tested through the `Store` protocol only.

Runs once per entry of conftest.BACKENDS. Nothing here may touch a backend's internals.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.errors import StoreError
from bot.models import KnownItem
from bot.store import Store

from .conftest import T0, at, baseline, make_item, make_state, new, revised, seen

PLUS_TWO = timezone(timedelta(hours=2))


# --- lifecycle --------------------------------------------------------------------------------
async def test_ping(store: Store) -> None:
    assert await store.ping() is True


async def test_ping_after_close_is_false(store: Store) -> None:
    await store.close()
    assert await store.ping() is False
    await store.close()  # closing twice is harmless


async def test_migrate_twice_is_a_no_op(store: Store) -> None:
    version = await store.schema_version()
    assert version >= 1
    await store.record_refresh(make_state(), [new(make_item("a"))], T0)
    assert await store.migrate() == version
    assert await store.schema_version() == version
    assert await store.count_items() == 1


# --- sources' fetch state ---------------------------------------------------------------------
async def test_source_state_round_trips_every_field(store: Store) -> None:
    state = make_state(
        "ice",
        etag='W/"abc"',
        last_modified="Wed, 01 May 2024 12:00:00 GMT",
        body_hash="f" * 64,
        next_check=datetime(2024, 5, 1, 14, 30, 15, 123456, tzinfo=PLUS_TWO),
        consecutive_failures=3,
        last_success=at(1),
        last_attempt=at(2),
        last_outcome="server_error",
        last_error="HTTP 503 from www.ice.gov",
        baseline_done=True,
        wait_reason="the server asked to wait: Retry-After",
        disabled_url="https://www.ice.gov/rss/old",
        disabled_since=at(3),
    )
    await store.save_source_state(state)
    got = await store.source_state("ice")
    assert got == state
    assert got is not None and got.next_check is not None
    assert got.next_check.utcoffset() == timedelta(0)  # comes back in UTC


async def test_source_state_with_defaults_round_trips(store: Store) -> None:
    await store.save_source_state(make_state("cbp"))
    assert await store.source_state("cbp") == make_state("cbp")
    assert await store.source_state("unknown") is None


async def test_save_source_state_upserts(store: Store) -> None:
    await store.save_source_state(make_state("ice", etag="1", consecutive_failures=2))
    await store.save_source_state(make_state("ice", etag="2", baseline_done=True))
    await store.save_source_state(make_state("cbp"))
    assert await store.source_states() == {
        "ice": make_state("ice", etag="2", baseline_done=True),
        "cbp": make_state("cbp"),
    }


# --- recording refreshes ----------------------------------------------------------------------
async def test_new_and_baseline_are_stored_with_their_hashes(store: Store) -> None:
    a, b = make_item("a"), make_item("b", published=None, author="Press Office")
    state = make_state("ice", baseline_done=True, last_success=T0)
    await store.record_refresh(state, [new(a), baseline(b)], T0)

    known = await store.known_items(["a", "b", "nope"])
    assert set(known) == {"a", "b"}
    assert known["a"].item == a and known["a"].hashes == {a.content_hash}
    assert known["b"].item == b and known["b"].hashes == {b.content_hash}
    assert await store.item("b") == b
    assert await store.item("nope") is None
    assert await store.count_items() == 2
    assert await store.source_state("ice") == state


async def test_revised_keeps_old_versions_oldest_first(store: Store) -> None:
    v1 = make_item("a", text="First.")
    v2 = make_item("a", text="Second.", published=at(5))
    v3 = make_item("a", text="Third.")
    await store.record_refresh(make_state(), [new(v1)], T0)
    await store.record_refresh(make_state(), [revised(v2, v1)], at(10))
    await store.record_refresh(make_state(), [revised(v3, v2)], at(20))

    assert await store.item("a") == v3
    history = await store.revisions("a")
    assert [(r.text, r.content_hash, r.replaced_at) for r in history] == [
        ("First.", v1.content_hash, at(10)),
        ("Second.", v2.content_hash, at(20)),
    ]
    assert all(r.key == "a" and r.title == v1.title for r in history)
    known = await store.known_items(["a"])
    assert known["a"].hashes == {v1.content_hash, v2.content_hash, v3.content_hash}
    assert await store.count_items() == 1


async def test_revised_with_the_stored_hash_adds_no_revision(store: Store) -> None:
    v1, v2 = make_item("a", text="One."), make_item("a", text="Two.")
    await store.record_refresh(make_state(), [new(v1)], T0)
    assert await store.record_refresh(make_state(), [revised(v2, v1)], at(1)) == (revised(v2, v1),)
    # another feed carried the same edit
    assert await store.record_refresh(make_state("cbp"), [revised(v2, v1)], at(2)) == (seen(v2),)
    assert len(await store.revisions("a")) == 1
    assert await store.revisions("unknown") == []


async def test_seen_updates_last_seen_and_sources(store: Store) -> None:
    item = make_item("a", source_id="ice")
    await store.record_refresh(make_state("ice"), [new(item)], T0)
    await store.record_refresh(make_state("cbp"), [seen(item)], at(60))

    assert [i.key for i in await store.recent_items(source_id="cbp")] == ["a"]
    assert [i.key for i in await store.recent_items(source_id="ice")] == ["a"]
    assert await store.recent_items(source_id="dhs") == []
    assert (await store.item("a")) == item  # first source kept
    assert await store.prune(before=at(30)) == 0  # last seen at 60, not at 0


async def test_new_for_a_stored_key_is_treated_as_seen(store: Store) -> None:
    first = make_item("a", source_id="ice", text="ICE wording.")
    raced = make_item("a", source_id="cbp", text="CBP wording.")
    assert await store.record_refresh(make_state("ice"), [new(first)], T0) == (new(first),)
    # the caller learns the second source lost the race: nothing to announce
    assert await store.record_refresh(make_state("cbp"), [new(raced)], at(1)) == (seen(raced),)

    assert await store.count_items() == 1
    assert await store.item("a") == first
    assert await store.revisions("a") == []
    assert [i.key for i in await store.recent_items(source_id="cbp")] == ["a"]
    assert (await store.known_items(["a"]))["a"].hashes == {first.content_hash}


async def test_one_refresh_mixes_every_kind(store: Store) -> None:
    a1, b = make_item("a"), make_item("b")
    await store.record_refresh(make_state(), [new(a1), new(b)], T0)
    a2, c = make_item("a", text="Edited."), make_item("c")
    changes = (revised(a2, a1), seen(b), new(c))
    assert await store.record_refresh(make_state(), changes, at(5)) == changes
    assert await store.item("a") == a2
    assert await store.count_items() == 3
    assert [r.content_hash for r in await store.revisions("a")] == [a1.content_hash]


async def test_revised_of_an_unknown_key_is_stored_as_new(store: Store) -> None:
    gone, edited = make_item("a"), make_item("a", text="Edited.")
    assert await store.record_refresh(make_state(), [revised(edited, gone)], T0) == (new(edited),)
    assert await store.item("a") == edited
    assert await store.revisions("a") == []


async def test_a_key_twice_in_one_refresh_is_stored_once(store: Store) -> None:
    one, two = make_item("a", text="One."), make_item("a", text="Two.")
    recorded = await store.record_refresh(make_state(), [new(one), new(two), seen(one)], T0)
    assert recorded == (new(one), seen(two), seen(one))
    assert await store.item("a") == one
    assert (await store.known_items(["a"]))["a"].hashes == {one.content_hash}


async def test_failing_change_writes_nothing(store: Store) -> None:
    a1 = make_item("a")
    await store.record_refresh(make_state(etag="old"), [new(a1)], T0)
    bad = dataclasses.replace(make_item("bad"), title=None)  # violates NOT NULL
    changes = [new(make_item("b")), revised(make_item("a", text="Edited."), a1), new(bad)]

    with pytest.raises(StoreError):
        await store.record_refresh(make_state(etag="new"), changes, at(5))

    assert await store.count_items() == 1
    assert await store.item("a") == a1
    assert await store.revisions("a") == []
    assert await store.known_items(["b", "bad"]) == {}
    assert await store.source_state("ice") == make_state(etag="old")
    assert await store.ping()  # the store is still usable


async def test_failing_state_writes_no_items(store: Store) -> None:
    bad_state = make_state(consecutive_failures=None)  # violates NOT NULL, saved last
    with pytest.raises(StoreError):
        await store.record_refresh(bad_state, [new(make_item("a")), new(make_item("b"))], T0)
    assert await store.count_items() == 0
    assert await store.source_states() == {}


async def test_naive_datetime_is_refused_before_writing(store: Store) -> None:
    with pytest.raises(ValueError, match="naive"):
        await store.record_refresh(make_state(), [new(make_item("a"))], datetime(2024, 5, 1))
    assert await store.count_items() == 0


async def test_datetimes_come_back_aware_utc(store: Store) -> None:
    published = datetime(2024, 5, 1, 9, 15, tzinfo=PLUS_TWO)
    v1 = make_item("a", published=published)
    await store.record_refresh(make_state(), [new(v1)], T0)
    v2 = make_item("a", text="Edited.", published=published)
    await store.record_refresh(make_state(), [revised(v2, v1)], at(1))
    stored = await store.item("a")
    assert stored is not None and stored.published == published
    assert stored.published is not None and stored.published.tzinfo == UTC
    assert (await store.revisions("a"))[0].replaced_at.tzinfo == UTC


# --- pruning ----------------------------------------------------------------------------------
async def test_prune_moves_stale_items_to_tombstones(store: Store) -> None:
    old1, old2, fresh = make_item("old"), make_item("old", text="Edited."), make_item("fresh")
    await store.record_refresh(make_state(), [new(old1)], T0)
    await store.record_refresh(make_state(), [revised(old2, old1)], at(1))
    await store.record_refresh(make_state(), [new(fresh)], at(120))

    assert await store.prune(before=at(60)) == 1

    assert await store.count_items() == 1
    assert await store.item("old") is None
    assert await store.revisions("old") == []
    assert [i.key for i in await store.recent_items()] == ["fresh"]
    known = await store.known_items(["old", "fresh"])
    assert known["old"].item is None
    assert known["old"].hashes == {old1.content_hash, old2.content_hash}
    assert known["fresh"].item == fresh
    assert await store.prune(before=at(60)) == 0


async def test_tombstoned_key_never_comes_back(store: Store) -> None:
    item = make_item("a")
    await store.record_refresh(make_state(), [new(item)], T0)
    await store.prune(before=at(1))
    edited = make_item("a", text="Edited.")
    for change in (new(item), seen(item), revised(edited, item), baseline(edited)):
        assert await store.record_refresh(make_state("cbp"), [change], at(10)) == (
            seen(change.item),
        )
    assert await store.count_items() == 0
    assert await store.known_items(["a"]) == {"a": KnownItem(None, frozenset({item.content_hash}))}
    assert await store.recent_items(source_id="cbp") == []


# --- reading ----------------------------------------------------------------------------------
async def test_recent_items_newest_first_undated_last_with_limit(store: Store) -> None:
    items = [
        make_item("d1", published=at(1)),
        make_item("none", published=None),
        make_item("d3", published=at(3)),
        make_item("d2", published=at(2)),
    ]
    await store.record_refresh(make_state(), [new(i) for i in items], T0)
    assert [i.key for i in await store.recent_items()] == ["d3", "d2", "d1", "none"]
    assert [i.key for i in await store.recent_items(limit=2)] == ["d3", "d2"]
    assert await store.recent_items(limit=0) == []
    assert await store.recent_items(source_id="ice", limit=1) == [items[2]]


async def test_count_items(store: Store) -> None:
    assert await store.count_items() == 0
    await store.record_refresh(make_state(), [new(make_item(str(n))) for n in range(3)], T0)
    assert await store.count_items() == 3


async def test_thousand_item_refresh(store: Store) -> None:
    items = [make_item(f"k{n:04}", published=at(n)) for n in range(1000)]
    await store.record_refresh(make_state(), [baseline(i) for i in items], T0)
    assert await store.count_items() == 1000
    keys = [i.key for i in items] + [f"missing{n}" for n in range(200)]
    known = await store.known_items(keys)
    assert len(known) == 1000 and known["k0999"].item == items[-1]
    assert (await store.recent_items(limit=1))[0].key == "k0999"
