"""The Store contract, continued: the outbox. What record_refresh enqueues with the matches it
records, and the state machine the dispatcher drives (claim, sent, retry, failed, held, merged).
Threads, blocked and moved subscribers and the migration: test_destinations_contract.py.

Runs once per entry of conftest.BACKENDS, through the Store protocol only.
"""

from __future__ import annotations

import dataclasses
from dataclasses import replace
from datetime import datetime

import pytest

from bot.errors import StoreError
from bot.models import Alert, Annotations, Item, Story, StoryLink
from bot.store import Store

from .conftest import (
    STALE,
    T0,
    at,
    make_item,
    make_state,
    make_subscriber,
    match,
    new,
    record_matched,
    revised,
)

W1, W2 = "host-a:1", "host-b:2"


def link(item: Item, role: str, story_id: str = "s-a") -> StoryLink:
    return StoryLink(story_id, item.key, role)


def head(story_id: str = "s-a") -> Story:
    return Story(story_id, f"Story {story_id}", (), T0, T0)


async def one_claimed(store: Store, worker: str = W1, now: datetime = T0) -> Alert:
    claimed = await store.claim_alerts(worker, now, 60.0, 10, stale=STALE)
    assert len(claimed) == 1
    return claimed[0]


# --- enqueue: in record_refresh's transaction -------------------------------------------------
async def test_a_recorded_match_puts_one_pending_alert_in_the_outbox(store: Store) -> None:
    sub = await make_subscriber(store)
    a = make_item("a")
    two = Annotations(matches=(match(a, 1, sub.id, "detainer"), match(a, 2, sub.id, "in:CA")))
    await store.record_refresh(make_state(), [new(a)], T0, two)
    await store.record_refresh(make_state("cbp"), [new(a)], at(1), two)  # the same, again

    [alert] = await store.alerts_of(sub.id)
    assert alert == Alert(alert.id, sub.id, "telegram", "1001", "a", a.content_hash, "new",
                          reasons=("detainer", "in:CA"), attempt=0, created_at=T0,
                          subscription_ids=(1, 2))
    record = await store.alert_record(alert.id)
    assert record is not None and (record.state, record.next_at) == ("pending", T0)
    assert await store.outbox_counts() == {
        "pending": 1, "claimed": 0, "sent": 0, "failed": 0, "merged": 0, "held": 0
    }
    assert await store.alert_record(alert.id + 100) is None


async def test_the_story_role_decides_the_kind_and_a_duplicate_alerts_no_one(store: Store) -> None:
    sub = await make_subscriber(store)
    a, b, c, d, e = (make_item(k) for k in "abcde")
    await record_matched(store, new(a), [sub], links=[link(a, "first")], heads=[head()])
    await record_matched(store, new(b), [sub], links=[link(b, "development")])
    await record_matched(store, new(c), [sub], links=[link(c, "response")])
    await record_matched(store, new(d), [sub], links=[link(d, "duplicate")])
    await record_matched(store, new(e), [sub])
    assert [(x.item_key, x.kind, x.story_id) for x in await store.alerts_of(sub.id)] == [
        ("a", "new", "s-a"),
        ("b", "development", "s-a"),
        ("c", "development", "s-a"),
        ("e", "new", None),
    ]


async def test_inactive_subscribers_get_no_alert_paused_ones_do(store: Store) -> None:
    gone = await make_subscriber(store, "1", active=False)
    paused = await make_subscriber(store, "2", paused=True)
    await record_matched(store, new(make_item("a")), [gone, paused])
    assert await store.alerts_of(gone.id) == []
    assert [x.item_key for x in await store.alerts_of(paused.id, "pending")] == ["a"]


async def test_a_revision_goes_only_to_those_who_received_an_earlier_version(
    store: Store,
) -> None:
    sent, failed, waiting, merged, late = [await make_subscriber(store, str(n)) for n in range(5)]
    a1 = make_item("a")
    await record_matched(store, new(a1), [sent, failed, waiting, merged],
                 links=[link(a1, "first")], heads=[head()])
    claimed = {x.subscriber_id: x for x in await store.claim_alerts(W1, T0, 60.0, 10, stale=STALE)}
    assert await store.mark_sent(claimed[sent.id].id, W1, "m-1", T0)
    assert await store.mark_failed(claimed[failed.id].id, W1, "Forbidden")
    assert await store.mark_retry(claimed[waiting.id].id, W1, at(5), "timeout")
    assert await store.mark_merged([claimed[merged.id].id], claimed[sent.id].id) == 1

    a2 = make_item("a", text="Edited.")
    await record_matched(store, revised(a2, a1), [sent, failed, waiting, merged, late], when=at(10))
    revisions = [
        (x.subscriber_id, x.content_hash, x.story_id, x.created_at)
        for s in (sent, failed, waiting, merged, late)
        for x in await store.alerts_of(s.id)
        if x.kind == "revision"
    ]
    assert revisions == [(s.id, a2.content_hash, "s-a", at(10)) for s in (sent, merged)]


# --- claim ------------------------------------------------------------------------------------
async def test_claim_hands_out_due_alerts_once_oldest_first(store: Store) -> None:
    alice, bob = await make_subscriber(store, "1"), await make_subscriber(store, "2")
    await record_matched(store, new(make_item("a")), [alice, bob])
    await record_matched(store, new(make_item("b")), [alice], when=at(1))
    await record_matched(store, new(make_item("later")), [alice], when=at(9))

    assert await store.claim_alerts(W1, at(2), 60.0, 0, stale=STALE) == []
    first = await store.claim_alerts(W1, at(2), 60.0, 2, stale=STALE)
    assert [(x.item_key, x.channel, x.address) for x in first] == [
        ("a", "telegram", "1"), ("a", "telegram", "2")
    ]
    rest = await store.claim_alerts(W2, at(2), 60.0, 10, stale=STALE)
    assert [(x.item_key, x.address) for x in rest] == [("b", "1")]
    # Claimed ones are invisible.
    assert await store.claim_alerts(W2, at(2), 60.0, 10, stale=STALE) == []
    record = await store.alert_record(rest[0].id)
    assert record is not None and (record.state, record.worker) == ("claimed", W2)
    assert record.lease_until == at(3)
    assert (await store.outbox_counts())["claimed"] == 3


async def test_an_expired_lease_is_taken_over_and_the_late_worker_refused(store: Store) -> None:
    sub = await make_subscriber(store)
    await record_matched(store, new(make_item("a")), [sub])
    alert = await one_claimed(store, W1, T0)
    await store.beat(W1, at(0.5))
    assert await store.claim_alerts(W2, at(0.5), 60.0, 10, stale=STALE) == []  # W1's still
    await store.beat(W1, at(1))  # alive, but stuck: its lease ran out (the backstop)
    taken = await one_claimed(store, W2, at(1))
    assert taken == dataclasses.replace(alert, attempt=1)  # the lost try counts

    assert not await store.mark_sent(alert.id, W1, "m-late", at(2))
    assert not await store.mark_retry(alert.id, W1, at(3), "late")
    assert not await store.mark_failed(alert.id, W1, "late")
    assert await store.mark_sent(alert.id, W2, "m-2", at(2))
    assert not await store.mark_sent(alert.id, W2, "m-3", at(3))  # sent is final
    record = await store.alert_record(alert.id)
    assert record is not None
    assert (record.state, record.platform_message_id, record.sent_at) == ("sent", "m-2", at(2))
    assert await store.claim_alerts(W1, at(60), 60.0, 10, stale=STALE) == []


async def test_a_retry_waits_for_its_time_and_counts_the_attempt(store: Store) -> None:
    sub = await make_subscriber(store)
    await record_matched(store, new(make_item("a")), [sub])
    alert = await one_claimed(store)
    assert await store.mark_retry(alert.id, W1, at(5), "429 retry_after=300")
    record = await store.alert_record(alert.id)
    assert record is not None
    assert (record.state, record.next_at, record.reason, record.worker, record.alert.attempt) == (
        "pending", at(5), "429 retry_after=300", None, 1
    )
    assert await store.claim_alerts(W2, at(4.9), 60.0, 10, stale=STALE) == []
    assert await one_claimed(store, W2, at(5)) == dataclasses.replace(alert, attempt=1)


async def test_a_failed_alert_is_never_claimed_again(store: Store) -> None:
    sub = await make_subscriber(store)
    await record_matched(store, new(make_item("a")), [sub])
    alert = await one_claimed(store)
    assert await store.mark_failed(alert.id, W1, "Bad Request: chat not found")
    record = await store.alert_record(alert.id)
    assert record is not None and (record.state, record.reason) == (
        "failed", "Bad Request: chat not found"
    )
    assert await store.claim_alerts(W1, at(600), 60.0, 10, stale=STALE) == []


async def test_held_alerts_come_back_when_the_hold_ends(store: Store) -> None:
    sub = await make_subscriber(store)
    await record_matched(store, new(make_item("a")), [sub])
    await record_matched(store, new(make_item("b")), [sub])
    [a] = await store.claim_alerts(W1, T0, 60.0, 1, stale=STALE)
    b = (await store.alerts_of(sub.id))[1]  # still pending
    assert await store.mark_held([a.id], at(30), "quiet hours", worker=W2) == 0  # not W2's
    assert await store.mark_held([a.id, b.id, a.id], at(30), "quiet hours") == 2
    assert (await store.outbox_counts())["held"] == 2
    assert await store.claim_alerts(W1, at(29), 60.0, 10, stale=STALE) == []
    back = await store.claim_alerts(W2, at(30), 60.0, 10, stale=STALE)
    assert [x.id for x in back] == [a.id, b.id] and back[0] == replace(
        a, released=True, held_for="quiet hours")
    assert all(x.released for x in back)  # they waited: the dispatcher sends them as one
    assert await store.mark_sent(a.id, W2, "m-1", at(30))
    assert await store.mark_held([a.id], at(60), "quiet hours") == 0  # sent is final


async def test_merged_alerts_point_at_the_message_that_carried_them(store: Store) -> None:
    sub = await make_subscriber(store)
    a, b, c = (make_item(k) for k in "abc")
    await record_matched(store, new(a), [sub], links=[link(a, "first")], heads=[head()])
    for item in (b, c):
        await record_matched(store, new(item), [sub], links=[link(item, "development")])
    carrier, *rest = await store.claim_alerts(W1, T0, 60.0, 10, stale=STALE)
    ids = [carrier.id] + [x.id for x in rest]
    assert await store.mark_merged(ids, carrier.id, worker=W2) == 0  # claimed by W1
    assert await store.mark_merged(ids, carrier.id, worker=W1) == 2  # the carrier is skipped
    assert await store.mark_sent(carrier.id, W1, "m-1", T0)
    records = [await store.alert_record(i) for i in ids]
    assert [(r.state, r.merged_into) for r in records if r] == [
        ("sent", None), ("merged", carrier.id), ("merged", carrier.id)
    ]
    assert not await store.mark_sent(rest[0].id, W1, "m-2", T0)
    assert await store.sent_items(sub.id, "s-a") == ["a", "b", "c"]
    assert await store.sent_items(sub.id, "s-other") == []


async def test_a_send_is_recorded_with_what_it_carried_and_its_thread_at_once(
        store: Store) -> None:
    sub = await make_subscriber(store)
    a, b = make_item("a"), make_item("b")
    await record_matched(store, new(a), [sub], links=[link(a, "first")], heads=[head()])
    await record_matched(store, new(b), [sub], links=[link(b, "development")])
    carrier, other = await store.claim_alerts(W1, T0, 60.0, 10, stale=STALE)
    thread = ("telegram", "1001", "s-a")
    # Another worker's claim: nothing of it is written, neither the merge nor the thread.
    assert not await store.mark_sent(carrier.id, W2, "m-9", T0, merged=[other.id], thread=thread)
    assert await store.thread(*thread) is None
    assert await store.mark_sent(carrier.id, W1, "m-1", T0, merged=[other.id], thread=thread)
    merged = await store.alert_record(other.id)
    assert merged is not None and (merged.state, merged.merged_into) == ("merged", carrier.id)
    assert await store.thread(*thread) == "m-1"
    assert await store.sent_items(sub.id, "s-a") == ["a", "b"]


async def test_a_wait_the_platform_asked_for_is_no_attempt_and_sent_parts_are_kept(
        store: Store) -> None:
    sub = await make_subscriber(store)
    await record_matched(store, new(make_item("a")), [sub])
    alert = await one_claimed(store)
    assert await store.mark_retry(alert.id, W1, at(3), "429", counts=False)
    again = await one_claimed(store, now=at(3))
    assert again.attempt == 0  # the platform's wait is not a failure of ours
    assert await store.mark_retry(again.id, W1, at(10), "part 3 refused", parts_sent=2)
    last = await one_claimed(store, now=at(10))
    assert (last.attempt, last.parts_sent) == (1, 2)  # the retry sends part 3 on


# --- nothing written half ---------------------------------------------------------------------
async def test_a_refresh_failing_after_its_alerts_leaves_none(store: Store) -> None:
    sub = await make_subscriber(store)
    a = make_item("a")
    broken = dataclasses.replace(link(a, "first"), score=None)  # NOT NULL, written after alerts
    with pytest.raises(StoreError):
        await record_matched(store, new(a), [sub], links=[broken], heads=[head()])
    assert await store.alerts_of(sub.id) == [] and await store.item_matches("a") == []
    assert await store.known_items(["a"]) == {}



async def test_release_held_makes_held_alerts_due_now(store: Store) -> None:
    sub = await make_subscriber(store, paused=True, quiet_hours="22:00-07:00",
                                timezone="America/Los_Angeles")
    again = await store.subscriber("telegram", sub.address)
    assert again is not None and again.quiet_hours == "22:00-07:00" and again.paused
    await record_matched(store, new(make_item("a")), [sub])
    [a] = await store.claim_alerts(W1, T0, 60.0, 1, stale=STALE)
    assert await store.mark_held([a.id], at(3600), "paused") == 1
    assert await store.claim_alerts(W1, at(10), 60.0, 10, stale=STALE) == []
    assert await store.release_held(sub.id, at(10)) == 1
    [back] = await store.claim_alerts(W2, at(10), 60.0, 10, stale=STALE)
    assert back.id == a.id


async def test_a_renewed_claim_is_not_due_until_its_new_lease_ends(store: Store) -> None:
    sub = await make_subscriber(store)
    await record_matched(store, new(make_item("a")), [sub])
    alert = await one_claimed(store)  # lease to T0 + 60 s
    assert await store.renew_claims([alert.id], W2, at(5)) == 0  # not W2's to renew
    assert await store.renew_claims([alert.id, alert.id], W1, at(5)) == 1
    await store.beat(W1, at(4))
    assert await store.claim_alerts(W2, at(4), 60.0, 10, stale=STALE) == []  # renewed
    await store.beat(W1, at(5))
    [taken] = await store.claim_alerts(W2, at(5), 60.0, 10, stale=STALE)  # the new lease ran out
    assert taken.attempt == 1
    assert await store.mark_sent(taken.id, W2, "m-1", at(5))
    assert await store.renew_claims([alert.id], W1, at(10)) == 0  # sent is final


async def test_releasing_can_be_limited_to_one_kind_of_hold(store: Store) -> None:
    sub = await make_subscriber(store)
    for key in "abc":
        await record_matched(store, new(make_item(key)), [sub])
    a, b, c = await store.alerts_of(sub.id)
    await store.mark_held([a.id, b.id], at(60), "digest")
    await store.mark_held([c.id], at(60), "quiet hours")
    assert await store.release_held(sub.id, T0, "digest") == 2  # /digest off
    assert [x.id for x in await store.alerts_of(sub.id, "held")] == [c.id]
    assert await store.release_held(sub.id, T0) == 1  # /resume: everything
