"""The store's side of a flood (bot.ingest.flood): its items are recorded, no alert is put in
the outbox for each — one "bulk" notice per matched subscriber at most — and the source's
state remembers the flood. Run once per backend; the migration test is SQLite's own.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.models import Annotations, Flood
from bot.store import Store, migrations
from bot.store.rows import to_db_time
from bot.store.sqlite import SQLiteStore
from tests.store.conftest import (
    T0,
    at,
    make_item,
    make_state,
    make_subscriber,
    match,
    new,
    revised,
)


async def test_a_silent_flood_records_everything_and_enqueues_nothing(store: Store) -> None:
    ana = await make_subscriber(store)
    a, b = make_item("a"), make_item("b")
    await store.record_refresh(make_state(), [new(a)], T0)
    a2 = make_item("a", text="Reworked.")
    notes = Annotations(matches=(match(a2, 1, ana.id), match(b, 1, ana.id)),
                        flood=Flood(changed=2, limit=1))
    recorded = await store.record_refresh(make_state(), [revised(a2, a), new(b)], at(1), notes)
    assert [c.kind.value for c in recorded] == ["revised", "new"]
    assert await store.item("a") == a2 and await store.item("b") == b
    assert [r.content_hash for r in await store.revisions("a")] == [a.content_hash]
    assert await store.alerts_of(ana.id) == []


async def test_a_flood_notice_is_one_alert_per_matched_subscriber(store: Store) -> None:
    ana, ben = await make_subscriber(store, "1"), await make_subscriber(store, "2")
    gone = await make_subscriber(store, "3", active=False)
    items = [make_item(k) for k in "abc"]
    matches = (match(items[0], 1, ana.id, "detainer"), match(items[1], 1, ana.id, "detainer"),
               match(items[1], 2, ben.id, "in:California"), match(items[2], 3, gone.id))
    notes = Annotations(matches=matches, flood=Flood(changed=44_000, limit=25, notice=True))
    for _ in range(2):  # recording the same flood again enqueues nothing more
        await store.record_refresh(make_state(), [new(i) for i in items], T0, notes)
    [to_ana], [to_ben] = await store.alerts_of(ana.id), await store.alerts_of(ben.id)
    assert (to_ana.kind, to_ana.item_key, to_ana.changed, to_ana.story_id) == (
        "bulk", "a", 44_000, None)
    assert to_ana.reasons == ("detainer",) and to_ana.subscription_ids == (1,)
    assert (to_ben.kind, to_ben.item_key, to_ben.reasons) == ("bulk", "b", ("in:California",))
    assert await store.alerts_of(gone.id) == []
    assert (await store.outbox_counts())["pending"] == 2


async def test_the_source_state_remembers_its_last_flood(store: Store) -> None:
    flooded = make_state(etag="v2", held_back=44_000, held_back_at=at(1))
    await store.record_refresh(flooded, [new(make_item("a"))], at(1))
    assert await store.source_state("ice") == flooded
    quiet = make_state(etag="v3", held_back=44_000, held_back_at=at(1))
    await store.save_source_state(quiet)  # a 304: the flood is still the last word
    assert (await store.source_states())["ice"] == quiet
    normal = make_state(held_back=0, held_back_at=at(9))
    await store.record_refresh(normal, [new(make_item("b"))], at(9))
    assert await store.source_state("ice") == normal
    await store.save_source_state(make_state("other"))
    assert (await store.source_state("other")) == make_state("other")  # never flooded


WHEN = to_db_time(T0)


def _version_6_database(path: Path) -> None:
    """A database as alertbot left it at schema version 6, with alerts in its outbox: one
    sent, one merged into it, and the highest id deleted (ids are never reused)."""
    db = sqlite3.connect(path)
    try:
        for m in migrations.MIGRATIONS[:6]:
            for statement in m.statements("sqlite"):
                db.execute(statement)
        db.execute(migrations.BOOTSTRAP)
        db.executemany("INSERT INTO schema_version VALUES (?, 'v', ?)",
                       [(n, WHEN) for n in range(1, 7)])
        db.execute("INSERT INTO subscribers (channel, address, created_at) "
                   "VALUES ('telegram', '1', ?)", (WHEN,))
        for key in "abc":
            db.execute("INSERT INTO alerts (subscriber_id, item_key, content_hash, kind, "
                       "next_at, created_at, reasons) VALUES (1, ?, 'h', 'new', ?, ?, "
                       "'[\"detainer\"]')", (key, WHEN, WHEN))
        db.execute("UPDATE alerts SET state = 'sent', sent_at = ? WHERE id = 1", (WHEN,))
        db.execute("UPDATE alerts SET state = 'merged', merged_into = 1 WHERE id = 2")
        db.execute("DELETE FROM alerts WHERE id = 3")
        db.commit()
    finally:
        db.close()


async def test_a_version_6_outbox_migrates_whole(tmp_path: Path) -> None:
    path = tmp_path / "alertbot.db"
    _version_6_database(path)
    store = SQLiteStore(path)
    try:
        assert await store.migrate() == migrations.LATEST >= 7
        before = [(r.alert.item_key, r.state, r.merged_into, r.alert.reasons)
                  for r in [await store.alert_record(n) for n in (1, 2)] if r]
        assert before == [("a", "sent", None, ("detainer",)), ("b", "merged", 1, ("detainer",))]
        sub = await store.subscriber("telegram", "1")
        assert sub is not None
        notes = Annotations(matches=(match(make_item("d"), 1, sub.id),),
                            flood=Flood(changed=30, limit=25, notice=True))
        await store.record_refresh(make_state(), [new(make_item("d"))], T0, notes)
        [notice] = await store.alerts_of(sub.id, "pending")
        assert notice.kind == "bulk" and notice.changed == 30 and notice.id == 4
    finally:
        await store.close()
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        db.close()
