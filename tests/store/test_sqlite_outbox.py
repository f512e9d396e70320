"""What is particular to SQLiteStore's outbox: a failing alert insert undoes the whole refresh,
a claim is one write transaction, two stores on one file never claim the same alert, and the
workers' heartbeat rows do not pile up.

These tests may use the connection (`store._db`) where only it can show what is asserted.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from bot.errors import StoreError
from bot.models import Annotations, Story, StoryLink
from bot.store.sqlite import SQLiteStore

from .conftest import STALE, T0, make_item, make_state, make_subscriber, match, new, record_matched


async def test_a_failing_alert_insert_undoes_items_matches_and_stories(
    file_store: SQLiteStore,
) -> None:
    store = file_store
    sub = await make_subscriber(store)
    assert store._db is not None
    await store._db.execute(
        "CREATE TRIGGER refuse_alerts BEFORE INSERT ON alerts "
        "BEGIN SELECT RAISE(ABORT, 'outbox refused'); END"
    )
    a = make_item("a")
    notes = Annotations(
        matches=(match(a, 1, sub.id),),
        links=(StoryLink("s-a", "a", "first"),),
        stories=(Story("s-a", "A", (), T0, T0),),
    )
    with pytest.raises(StoreError, match="outbox refused"):
        await store.record_refresh(make_state(etag="new"), [new(a)], T0, notes)

    assert await store.known_items(["a"]) == {}
    assert await store.item_matches("a") == []
    assert await store.story("s-a") is None
    assert await store.source_state("ice") is None
    assert await store.alerts_of(sub.id) == []


async def test_a_claim_is_one_write_transaction(file_store: SQLiteStore) -> None:
    store = file_store
    sub = await make_subscriber(store)
    for key in "abc":
        await record_matched(store, new(make_item(key)), [sub])
    statements: list[str] = []
    assert store._db is not None
    await store._db.set_trace_callback(statements.append)
    assert len(await store.claim_alerts("w", T0, 60.0, 10, stale=STALE)) == 3
    await store._db.set_trace_callback(None)
    assert statements[0] == "BEGIN IMMEDIATE" and statements[-1] == "COMMIT"
    assert statements.count("BEGIN IMMEDIATE") == 1


async def test_two_stores_on_one_file_claim_disjoint_alerts(
    file_store: SQLiteStore, tmp_path: Path
) -> None:
    subs = [await make_subscriber(file_store, str(n)) for n in range(20)]
    for key in "abcde":
        await record_matched(file_store, new(make_item(key)), subs)
    other = SQLiteStore(tmp_path / "alertbot.db")
    try:
        batches = await asyncio.gather(
            *(store.claim_alerts(f"w{n}", T0, 60.0, 7, stale=STALE)
              for n in range(15) for store in (file_store, other))
        )
    finally:
        await other.close()
    ids = [alert.id for batch in batches for alert in batch]
    assert len(ids) == len(set(ids)) == 100


async def test_heartbeat_rows_of_stopped_and_long_dead_workers_are_removed(
    file_store: SQLiteStore,
) -> None:
    async def workers() -> list[str]:
        assert file_store._db is not None
        rows = await file_store._db.execute_fetchall("SELECT id FROM workers ORDER BY id")
        return [row[0] for row in rows]

    await file_store.beat("killed:1", T0)
    await file_store.claim_alerts("stopped:2", T0, 60.0, 10, stale=STALE)
    assert await workers() == ["killed:1", "stopped:2"]
    assert await file_store.retire("stopped:2") == 0
    assert await workers() == ["killed:1"]
    await file_store.beat("alive:3", T0 + timedelta(hours=23))
    assert await workers() == ["alive:3", "killed:1"]  # a day is not over yet
    await file_store.beat("alive:3", T0 + timedelta(days=1, seconds=1))
    assert await workers() == ["alive:3"]
