"""The Store contract, continued: the SubscriptionStore half (subscribers, subscriptions, mutes),
what record_refresh does with annotations, and the migration to schema version 2.

Runs once per entry of conftest.BACKENDS, through the protocols only: nothing here may touch a
backend's internals (the shared migration list is swapped to build a version-1 database).
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, timedelta, timezone

import pytest

from bot.errors import StoreError
from bot.models import Annotations
from bot.store import Store, migrations
from subscriptions.models import Mute, Subscriber, Subscription
from subscriptions.store import QuotaExceeded

from .conftest import (
    T0,
    as_of_version,
    at,
    baseline,
    make_item,
    make_state,
    match,
    new,
    revised,
    seen,
    tag,
)

PLUS_TWO = timezone(timedelta(hours=2))


# --- subscribers ------------------------------------------------------------------------------
async def test_ensure_subscriber_creates_once(store: Store) -> None:
    assert await store.subscriber("telegram", "1001") is None
    first = await store.ensure_subscriber("telegram", "1001", T0.astimezone(PLUS_TWO), lang="es")
    assert first == Subscriber(first.id, "telegram", "1001", lang="es", created_at=T0)
    assert first.created_at is not None and first.created_at.tzinfo == UTC

    # the first call's lang and time stay
    assert await store.ensure_subscriber("telegram", "1001", at(5)) == first
    assert await store.subscriber("telegram", "1001") == first
    assert await store.subscriber_by_id(first.id) == first
    other = await store.ensure_subscriber("discord", "1001", T0)
    assert other.id != first.id and other.channel == "discord"
    assert await store.subscriber("telegram", "1002") is None
    assert await store.subscriber_by_id(first.id + other.id + 100) is None


async def test_update_subscriber_saves_its_settings_only(store: Store) -> None:
    sub = await store.ensure_subscriber("telegram", "1001", T0)
    changed = dataclasses.replace(
        sub, lang="es", timezone="America/Los_Angeles", paused=True, active=False
    )
    await store.update_subscriber(dataclasses.replace(changed, address="other", created_at=at(9)))
    assert await store.subscriber_by_id(sub.id) == changed
    assert await store.subscriber("telegram", "other") is None


async def test_update_of_an_unknown_subscriber_fails(store: Store) -> None:
    with pytest.raises(StoreError, match="no such subscriber"):
        await store.update_subscriber(Subscriber(404, "telegram", "1001"))
    assert await store.subscriber("telegram", "1001") is None


async def test_ensure_subscriber_reactivates_and_keeps_settings(store: Store) -> None:
    sub = await store.ensure_subscriber("telegram", "1001", T0)
    gone = dataclasses.replace(sub, active=False, paused=True, lang="es")
    await store.update_subscriber(gone)
    back = await store.ensure_subscriber("telegram", "1001", at(60), lang="en")
    assert back == dataclasses.replace(gone, active=True)


# --- subscriptions ----------------------------------------------------------------------------
async def test_subscriptions_are_listed_in_creation_order(store: Store) -> None:
    alice = await store.ensure_subscriber("telegram", "1", T0)
    bob = await store.ensure_subscriber("telegram", "2", T0)
    zeta = await store.add_subscription(alice.id, "zeta", "instant", T0, limit=10)
    theirs = await store.add_subscription(bob.id, "detainer", "instant", T0, limit=10)
    alpha = await store.add_subscription(alice.id, "alpha", "digest", T0, limit=10)
    mid = await store.add_subscription(alice.id, "in:California", "instant", at(1), limit=10)

    assert alpha == Subscription(alpha.id, alice.id, "alpha", "digest", T0)
    assert await store.subscriptions_of(alice.id) == [zeta, alpha, mid]
    assert await store.subscriptions_of(bob.id) == [theirs]
    assert await store.subscriptions_of(alice.id + bob.id + 100) == []


async def test_quota_is_refused_at_the_limit_and_nothing_inserted(store: Store) -> None:
    sub = await store.ensure_subscriber("telegram", "1", T0)
    for n in range(2):
        await store.add_subscription(sub.id, f"q{n}", "instant", T0, limit=2)
    with pytest.raises(QuotaExceeded) as raised:
        await store.add_subscription(sub.id, "one too many", "instant", T0, limit=2)
    assert (raised.value.count, raised.value.limit) == (2, 2)
    assert [s.query for s in await store.subscriptions_of(sub.id)] == ["q0", "q1"]
    await store.add_subscription(sub.id, "q2", "instant", T0, limit=3)  # a raised limit works


async def test_concurrent_adds_cannot_pass_the_quota(store: Store) -> None:
    sub = await store.ensure_subscriber("telegram", "1", T0)
    results = await asyncio.gather(
        *(store.add_subscription(sub.id, f"q{n}", "instant", T0, limit=3) for n in range(8)),
        return_exceptions=True,
    )
    assert sum(isinstance(r, Subscription) for r in results) == 3
    assert sum(isinstance(r, QuotaExceeded) for r in results) == 5
    assert len(await store.subscriptions_of(sub.id)) == 3


async def test_subscription_of_an_unknown_subscriber_fails(store: Store) -> None:
    with pytest.raises(StoreError):
        await store.add_subscription(404, "detainer", "instant", T0, limit=10)


async def test_remove_subscriptions_removes_only_the_subscribers_own(store: Store) -> None:
    alice = await store.ensure_subscriber("telegram", "1", T0)
    bob = await store.ensure_subscriber("telegram", "2", T0)
    a1, a2, a3 = [await store.add_subscription(alice.id, q, "instant", T0, 10) for q in "xyz"]
    b1 = await store.add_subscription(bob.id, "b", "instant", T0, 10)

    assert await store.remove_subscriptions(alice.id, [a1.id, b1.id, b1.id + 100]) == 1
    assert await store.subscriptions_of(alice.id) == [a2, a3]
    assert await store.subscriptions_of(bob.id) == [b1]
    assert await store.remove_subscriptions(alice.id, [a3.id, a3.id, a2.id]) == 2
    assert await store.remove_subscriptions(alice.id, []) == 0
    assert await store.subscriptions_of(alice.id) == []


async def test_ids_are_never_reused(store: Store) -> None:
    # Matches keep subscription ids after an unsubscribe: a reused id would inherit them.
    sub = await store.ensure_subscriber("telegram", "1", T0)
    first = await store.add_subscription(sub.id, "detainer", "instant", T0, limit=10)
    await store.remove_subscriptions(sub.id, [first.id])
    second = await store.add_subscription(sub.id, "detainer", "instant", T0, limit=10)
    assert second.id > first.id


async def test_active_subscriptions_skip_inactive_subscribers_not_paused_ones(
    store: Store,
) -> None:
    subs = {}
    for name, paused, active in [
        ("on", False, True),
        ("paused", True, True),
        ("gone", False, False),
    ]:
        sub = await store.ensure_subscriber("telegram", name, T0)
        sub = dataclasses.replace(sub, paused=paused, active=active)
        await store.update_subscriber(sub)
        subs[name] = (await store.add_subscription(sub.id, name, "instant", T0, 10), sub)
    assert await store.active_subscriptions() == [subs["on"], subs["paused"]]


# --- mutes ------------------------------------------------------------------------------------
async def test_mutes_round_trip_and_muting_again_replaces(store: Store) -> None:
    alice = await store.ensure_subscriber("telegram", "1", T0)
    bob = await store.ensure_subscriber("telegram", "2", T0)
    await store.add_mute(Mute(alice.id, "story-b", until=at(60).astimezone(PLUS_TWO)))
    await store.add_mute(Mute(alice.id, "story-a"))
    await store.add_mute(Mute(bob.id, "story-a", until=at(5)))
    mutes = await store.mutes_of(alice.id)
    assert mutes == [Mute(alice.id, "story-a"), Mute(alice.id, "story-b", at(60))]
    assert mutes[1].until is not None and mutes[1].until.tzinfo == UTC

    await store.add_mute(Mute(alice.id, "story-b"))  # now for good
    assert await store.mutes_of(alice.id) == [Mute(alice.id, "story-a"), Mute(alice.id, "story-b")]
    assert await store.mutes_of(bob.id) == [Mute(bob.id, "story-a", at(5))]


# --- record_refresh with annotations ----------------------------------------------------------
async def test_annotations_are_stored_for_new_and_revised_only(store: Store) -> None:
    a1, b = make_item("a"), make_item("b")
    await store.record_refresh(make_state(), [new(a1), new(b)], T0)
    a2, c, d = make_item("a", text="Edited."), make_item("c"), make_item("d")
    items = (a2, b, c, d)
    notes = Annotations(
        tags=tuple(tag(i.key) for i in items), matches=tuple(match(i, 7) for i in items)
    )
    changes = (revised(a2, a1), seen(b), new(c), baseline(d))
    assert await store.record_refresh(make_state(), changes, at(1), notes) == changes

    for i in (a2, c):
        assert await store.item_tags(i.key) == [tag(i.key)]
        assert await store.item_matches(i.key) == [match(i, 7)]
    for i in (b, d):
        assert await store.item_tags(i.key) == []
        assert await store.item_matches(i.key) == []


async def test_a_new_that_lost_the_race_adds_no_annotations(store: Store) -> None:
    first = make_item("a", source_id="ice", text="ICE wording.")
    raced = make_item("a", source_id="cbp", text="CBP wording.")
    winner = Annotations(tags=(tag("a", "us-ca"),), matches=(match(first, 1),))
    await store.record_refresh(make_state("ice"), [new(first)], T0, winner)
    loser = Annotations(tags=(tag("a", "us-tx"),), matches=(match(raced, 2),))
    assert await store.record_refresh(make_state("cbp"), [new(raced)], at(1), loser) == (
        seen(raced),
    )
    assert await store.item_tags("a") == [tag("a", "us-ca")]
    assert await store.item_matches("a") == [match(first, 1)]


async def test_a_revision_adds_matches_beside_the_old_and_replaces_tags(store: Store) -> None:
    v1, v2, v3 = (make_item("a", text=t) for t in ("One.", "Two.", "Three."))
    notes = Annotations(
        tags=(tag("a", "us-tx"), tag("a", "us-ca")), matches=(match(v1, 1), match(v1, 2))
    )
    await store.record_refresh(make_state(), [new(v1)], T0, notes)
    notes = Annotations(tags=(tag("a", "us-ny"),), matches=(match(v2, 1),))
    await store.record_refresh(make_state(), [revised(v2, v1)], at(1), notes)

    assert await store.item_tags("a") == [tag("a", "us-ny")]
    assert await store.item_matches("a") == [match(v1, 1), match(v1, 2), match(v2, 1)]
    await store.record_refresh(make_state(), [revised(v3, v2)], at(2), Annotations())
    assert await store.item_tags("a") == []  # the new version is about no place
    assert len(await store.item_matches("a")) == 3


async def test_a_version_matched_again_is_stored_once(store: Store) -> None:
    v1, v2 = make_item("a", text="One."), make_item("a", text="Two.")
    notes = Annotations(matches=(match(v1, 1, 1, '"detainer" in title', "Ventura ⊂ California"),))
    await store.record_refresh(make_state(), [new(v1)], T0, notes)
    await store.record_refresh(make_state(), [revised(v2, v1)], at(1))
    await store.record_refresh(make_state(), [revised(v1, v2)], at(2), notes)  # edit reverted
    assert await store.item_matches("a") == list(notes.matches)


async def test_first_tag_of_a_place_wins(store: Store) -> None:
    item = make_item("a")
    notes = Annotations(tags=(tag("a", where="title"), tag("a", where="text")))
    await store.record_refresh(make_state(), [new(item)], T0, notes)
    assert await store.item_tags("a") == [tag("a", where="title")]


@pytest.mark.parametrize("broken", ["tag", "match"])
async def test_a_failing_annotation_writes_nothing(store: Store, broken: str) -> None:
    a1 = make_item("a")
    await store.record_refresh(make_state(etag="old"), [new(a1)], T0, Annotations((tag("a"),)))
    a2, b = make_item("a", text="Edited."), make_item("b")
    tags, matches = [tag("a", "us-ny"), tag("b")], [match(a2, 1), match(b, 1)]
    if broken == "tag":  # NOT NULL violations
        tags.append(dataclasses.replace(tag("b", "us-tx"), name=None))
    else:
        matches.append(dataclasses.replace(match(b, 2), subscriber_id=None))

    with pytest.raises(StoreError):
        notes = Annotations(tuple(tags), tuple(matches))
        await store.record_refresh(make_state(etag="new"), [revised(a2, a1), new(b)], at(1), notes)

    assert await store.item("a") == a1 and await store.revisions("a") == []
    assert await store.known_items(["b"]) == {}
    assert await store.item_tags("a") == [tag("a")]
    assert await store.item_matches("a") == [] and await store.item_matches("b") == []
    assert await store.source_state("ice") == make_state(etag="old")


@pytest.mark.parametrize("stray", ["tag of another key", "match of another version"])
async def test_annotations_of_nothing_carried_are_refused(store: Store, stray: str) -> None:
    item, other = make_item("a"), make_item("a", text="Other.")
    notes = (
        Annotations(tags=(tag("zzz"),))
        if stray.startswith("tag")
        else Annotations(matches=(match(other, 1),))
    )
    with pytest.raises(ValueError, match="no change carries"):
        await store.record_refresh(make_state(), [new(item)], T0, notes)
    assert await store.count_items() == 0
    assert await store.source_states() == {}


# --- migration --------------------------------------------------------------------------------
async def test_a_version_1_database_migrates_keeping_its_items(
    unmigrated_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = unmigrated_store
    a, b = make_item("a"), make_item("b", published=None)
    with monkeypatch.context() as patch:
        as_of_version(patch, 1)
        assert await store.migrate() == 1
        await store.record_refresh(make_state(etag="x"), [new(a), baseline(b)], T0)

    assert await store.migrate() == migrations.LATEST >= 2
    assert await store.item("a") == a and await store.item("b") == b
    assert await store.source_state("ice") == make_state(etag="x")
    a2 = make_item("a", text="Edited.")
    notes = Annotations(tags=(tag("a"),), matches=(match(a2, 1),))
    await store.record_refresh(make_state(), [revised(a2, a)], at(1), notes)
    assert await store.item_matches("a") == [match(a2, 1)]
    assert [r.content_hash for r in await store.revisions("a")] == [a.content_hash]
    sub = await store.ensure_subscriber("telegram", "1", T0)
    assert await store.subscriptions_of(sub.id) == []
