"""The Store contract, continued: workers' heartbeats. A claim whose worker stopped beating is
taken over within seconds, whatever its lease says; one whose worker beats is not, until its
lease runs out (the backstop for a worker alive but stuck); a worker that stops cleanly hands
back what it holds. The lease itself: test_outbox_contract.py.

Runs once per entry of conftest.BACKENDS, through the Store protocol only.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from bot.store import Store

from .conftest import STALE, T0, make_item, make_subscriber, new, record_matched

W1, W2 = "host-a:1", "host-b:2"
LEASE = 120.0  # production's: long, so any takeover before it is the heartbeat's doing


def sec(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


async def claim(store: Store, worker: str, now: datetime, limit: int = 10) -> list[str]:
    """Claim for `worker` at `now`; the item keys claimed."""
    return [a.item_key for a in await store.claim_alerts(worker, now, LEASE, limit, stale=STALE)]


async def test_a_dead_workers_claim_is_taken_over_once_its_heartbeat_is_stale(
        store: Store) -> None:
    sub = await make_subscriber(store)
    await record_matched(store, new(make_item("a")), [sub])
    [alert] = await store.claim_alerts(W1, T0, LEASE, 10, stale=STALE)
    await store.beat(W1, sec(5))  # its last beat: then it is killed
    assert await claim(store, W2, sec(5 + STALE)) == []  # not yet: just within the limit
    [taken] = await store.claim_alerts(W2, sec(6 + STALE), LEASE, 10, stale=STALE)
    assert taken == dataclasses.replace(alert, attempt=1)  # as an expired lease: one attempt
    record = await store.alert_record(alert.id)
    assert record is not None and (record.worker, record.lease_until) == (
        W2, sec(6 + STALE + LEASE))

    # The dead worker's late marks change nothing (it may come back from a long pause).
    assert not await store.mark_sent(alert.id, W1, "m-late", sec(20))
    assert not await store.mark_retry(alert.id, W1, sec(20), "late")
    assert await store.renew_claims([alert.id], W1, sec(200)) == 0
    assert await store.mark_sent(alert.id, W2, "m-2", sec(20))


async def test_a_claim_whose_worker_beats_is_kept_until_its_lease_runs_out(
        store: Store) -> None:
    sub = await make_subscriber(store)
    await record_matched(store, new(make_item("a")), [sub])
    assert await claim(store, W1, T0) == ["a"]
    for n in range(1, 24):  # well past the staleness limit, not past the lease
        await store.beat(W1, sec(5 * n))
        assert await claim(store, W2, sec(5 * n + 1)) == []
    assert await claim(store, W1, sec(LEASE - 8)) == []  # claiming beats too; its own stays
    assert await claim(store, W2, sec(LEASE - 1)) == []
    await store.beat(W1, sec(LEASE))
    assert await claim(store, W2, sec(LEASE)) == ["a"]  # alive, but stuck: the lease ends it


async def test_a_dead_workers_claims_go_ahead_of_what_became_due_meanwhile(
        store: Store) -> None:
    alice, bob = await make_subscriber(store, "1"), await make_subscriber(store, "2")
    await record_matched(store, new(make_item("a")), [alice])
    assert await claim(store, W1, T0) == ["a"]  # then W1 dies
    await record_matched(store, new(make_item("b")), [bob], when=sec(3))
    assert await claim(store, W2, sec(4), limit=1) == ["b"]  # W1 is not known dead yet
    await record_matched(store, new(make_item("c")), [bob], when=sec(5))
    assert await claim(store, W2, sec(30), limit=1) == ["a"]  # waited longest: first
    assert await claim(store, W2, sec(30)) == ["c"]


async def test_a_worker_that_stops_cleanly_hands_back_what_it_holds(store: Store) -> None:
    sub = await make_subscriber(store)
    for key in "abc":
        await record_matched(store, new(make_item(key)), [sub])
    a, b, c = await store.claim_alerts(W1, T0, LEASE, 10, stale=STALE)
    assert await store.mark_sent(a.id, W1, "m-1", sec(1))
    assert await store.mark_retry(b.id, W1, sec(60), "Bad Gateway")
    assert await store.retire(W1) == 1  # c only: a is sent, b waits for its retry
    record = await store.alert_record(c.id)
    assert record is not None and (record.state, record.worker, record.lease_until) == (
        "pending", None, None)
    # Due at once for the next worker, with no attempt counted: nothing crashed.
    [again] = await store.claim_alerts(W2, sec(2), LEASE, 10, stale=STALE)
    assert again == c and again.attempt == 0
    assert not await store.mark_sent(c.id, W1, "m-late", sec(3))
    assert await store.retire(W1) == 0
    assert await store.retire("never-started:9") == 0
