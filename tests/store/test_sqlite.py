"""What is particular to SQLiteStore: the file, the pragmas, migrations, transactions.

The contract (test_contract.py) covers behaviour; these tests may look at the connection
(`store._db`) where only the connection can show what is asserted.
"""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import StoreError
from bot.store import migrations
from bot.store.rows import from_db_time, to_db_time
from bot.store.sqlite import SQLiteStore

from .conftest import T0, make_item, make_state, new


def read_file(path: Path, query: str) -> list[tuple]:
    """Ask the database file through a second, plain connection."""
    db = sqlite3.connect(path)
    try:
        return db.execute(query).fetchall()
    finally:
        db.close()


# --- the file and the connection --------------------------------------------------------------
async def test_file_is_in_wal_mode(file_store: SQLiteStore, tmp_path: Path) -> None:
    assert read_file(tmp_path / "alertbot.db", "PRAGMA journal_mode") == [("wal",)]


async def test_connection_pragmas(file_store: SQLiteStore) -> None:
    db = file_store._db
    assert db is not None
    for pragma, expected in [("foreign_keys", 1), ("synchronous", 1), ("busy_timeout", 5000)]:
        assert list(await db.execute_fetchall(f"PRAGMA {pragma}"))[0][0] == expected


async def test_missing_directories_are_created(tmp_path: Path) -> None:
    path = tmp_path / "var" / "lib" / "alertbot.db"
    store = SQLiteStore(path)
    try:
        assert await store.migrate() == migrations.LATEST
    finally:
        await store.close()
    assert path.is_file()


async def test_parent_that_is_a_file_gives_store_error_with_path(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("not a directory")
    path = tmp_path / "afile" / "alertbot.db"
    store = SQLiteStore(path)
    with pytest.raises(StoreError, match=re.escape(str(path))):
        await store.migrate()
    await store.close()


async def test_directory_as_database_gives_store_error_with_path(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path)
    with pytest.raises(StoreError, match=re.escape(str(tmp_path))):
        await store.migrate()
    assert await store.ping() is False
    await store.close()


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
async def test_unwritable_directory_gives_store_error_with_path(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    path = locked / "alertbot.db"
    store = SQLiteStore(path)
    try:
        with pytest.raises(StoreError, match=re.escape(str(path))):
            await store.migrate()
    finally:
        await store.close()
        locked.chmod(0o700)


async def test_closed_store_refuses_work(file_store: SQLiteStore) -> None:
    await file_store.close()
    with pytest.raises(StoreError, match="closed"):
        await file_store.count_items()


# --- migrations -------------------------------------------------------------------------------
def test_migrations_are_numbered_in_order_for_both_dialects() -> None:
    assert [m.version for m in migrations.MIGRATIONS] == list(range(1, migrations.LATEST + 1))
    for m in migrations.MIGRATIONS:
        assert m.statements("sqlite") and m.statements("postgresql")
        assert not any("{" in s for s in m.statements("sqlite") + m.statements("postgresql"))


def test_both_dialects_create_the_same_objects() -> None:
    def objects(dialect: migrations.Dialect) -> set[str]:
        pattern = re.compile(r"CREATE (?:UNIQUE )?(?:TABLE|INDEX) (\w+)")
        return {
            name
            for m in migrations.MIGRATIONS
            for statement in m.statements(dialect)
            for name in pattern.findall(statement)
        }

    assert objects("sqlite") == objects("postgresql")


async def test_fresh_database_is_at_version_zero(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "fresh.db")
    try:
        assert await store.schema_version() == 0
        assert await store.migrate() == migrations.LATEST
    finally:
        await store.close()


async def test_migrations_are_idempotent_on_reopen(tmp_path: Path) -> None:
    path = tmp_path / "alertbot.db"
    for _ in range(2):
        store = SQLiteStore(path)
        try:
            assert await store.migrate() == migrations.LATEST
            await store.record_refresh(make_state(), [new(make_item("a"))], T0)
            assert await store.count_items() == 1
        finally:
            await store.close()
    rows = read_file(path, "SELECT version, description, applied_at FROM schema_version")
    assert [r[0] for r in rows] == list(range(1, migrations.LATEST + 1))
    assert all(r[1] and from_db_time(r[2]) for r in rows)


async def test_newer_schema_is_refused(file_store: SQLiteStore, tmp_path: Path) -> None:
    await file_store.close()
    db = sqlite3.connect(tmp_path / "alertbot.db")
    with db:
        db.execute("INSERT INTO schema_version VALUES (999, 'future', '2099-01-01')")
    db.close()
    store = SQLiteStore(tmp_path / "alertbot.db")
    try:
        with pytest.raises(StoreError, match="newer"):
            await store.migrate()
    finally:
        await store.close()


async def test_unmigrated_database_gives_store_error(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "alertbot.db")
    try:
        with pytest.raises(StoreError, match="no such table"):
            await store.count_items()
    finally:
        await store.close()


# --- transactions -----------------------------------------------------------------------------
async def trace(store: SQLiteStore, into: list[str]) -> None:
    assert store._db is not None
    await store._db.set_trace_callback(into.append)


async def test_a_big_refresh_is_one_transaction(file_store: SQLiteStore) -> None:
    statements: list[str] = []
    await trace(file_store, statements)
    changes = [new(make_item(f"k{n}")) for n in range(1000)]
    await file_store.record_refresh(make_state(), changes, T0)
    assert statements.count("BEGIN IMMEDIATE") == 1
    assert statements.count("COMMIT") == 1


async def test_cancelled_refresh_writes_nothing(file_store: SQLiteStore) -> None:
    loop = asyncio.get_running_loop()
    items = [make_item(f"k{n}") for n in range(100)]
    task = asyncio.create_task(file_store.record_refresh(make_state(), [new(i) for i in items], T0))

    def cancel_mid_way(statement: str) -> None:
        # Runs on aiosqlite's thread, once the items are in but before the state is saved.
        if statement.startswith("INSERT INTO item_sources"):
            loop.call_soon_threadsafe(task.cancel)

    assert file_store._db is not None
    await file_store._db.set_trace_callback(cancel_mid_way)
    with pytest.raises(asyncio.CancelledError):
        await task
    await file_store._db.set_trace_callback(None)
    assert await file_store.count_items() == 0
    assert await file_store.source_states() == {}
    await file_store.record_refresh(make_state(), [new(items[0])], T0)  # still usable
    assert await file_store.count_items() == 1


async def test_concurrent_calls_do_not_share_a_transaction(file_store: SQLiteStore) -> None:
    async def refresh(n: int) -> None:
        items = [make_item(f"s{n}-{i}") for i in range(20)]
        await file_store.record_refresh(make_state(f"s{n}"), [new(i) for i in items], T0)

    await asyncio.gather(*(refresh(n) for n in range(20)), file_store.prune(T0))
    assert await file_store.count_items() == 400
    assert len(await file_store.source_states()) == 20


async def test_two_stores_on_one_file_wait_for_each_other(tmp_path: Path) -> None:
    one, two = SQLiteStore(tmp_path / "x.db"), SQLiteStore(tmp_path / "x.db")
    try:
        await asyncio.gather(one.migrate(), two.migrate())
        await asyncio.gather(
            *(
                s.record_refresh(make_state(f"{id(s)}-{n}"), [], T0)
                for s in (one, two)
                for n in range(10)
            )
        )
        assert len(await one.source_states()) == 20
    finally:
        await one.close()
        await two.close()



async def test_opening_waits_out_a_writer_that_holds_the_file_before_it_is_wal(
    tmp_path: Path,
) -> None:
    """Another process is writing a database not yet switched to WAL (a second alertbot at
    its first start): SQLite refuses the switch at once, without waiting. Opening waits for
    the writer as busy_timeout would, and then works."""
    path = tmp_path / "x.db"
    writer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    writer.execute("CREATE TABLE other (x)")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO other VALUES (1)")

    async def commit_soon() -> None:
        await asyncio.sleep(0.3)
        writer.execute("COMMIT")

    store = SQLiteStore(path)
    try:
        await asyncio.gather(store.migrate(), commit_soon())
        assert await store.source_states() == {}
    finally:
        await store.close()
        writer.close()

# --- stored time format -----------------------------------------------------------------------
ZONES = st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5))])
TIMES = st.datetimes(datetime(2, 1, 1), datetime(9999, 12, 30), timezones=ZONES)


@given(TIMES, TIMES)
def test_stored_times_sort_as_times_and_round_trip(a: datetime, b: datetime) -> None:
    sa, sb = to_db_time(a), to_db_time(b)
    assert sa is not None and sb is not None and len(sa) == len(sb) == 27
    assert (sa < sb) == (a < b)
    assert from_db_time(sa) == a and from_db_time(sa).tzinfo == UTC  # type: ignore[union-attr]
