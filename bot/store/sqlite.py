"""SQLiteStore: the embedded `Store` on aiosqlite.

One long-lived connection per store, opened by `migrate()` or the first call, in WAL mode.
Every method is one short explicit transaction (`BEGIN IMMEDIATE` for writes, so a second
process waits on `busy_timeout` instead of failing at COMMIT) that rolls back on any error,
cancellation included: nothing is written half. An asyncio.Lock serialises transactions, since
statements of two coroutines on one connection would otherwise interleave in one transaction.
sqlite3 errors leave as `StoreError`, naming the database and the operation.

Must not import bot.ingest, bot.channels or bot.delivery.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from os import PathLike
from pathlib import Path

import aiosqlite

from bot.errors import StoreError
from bot.models import Change, Item, KnownItem, Revision, SourceState
from bot.store import migrations
from bot.store import sqlite_sql as sql
from bot.store.recording import TOMBSTONE, recorded
from bot.store.rows import (
    row_to_item,
    row_to_revision,
    row_to_state,
    state_params,
    to_db_time,
)

log = logging.getLogger("alertbot.store")

MEMORY = ":memory:"
_PRAGMAS = (
    "PRAGMA busy_timeout = 5000",  # first, so switching to WAL waits for other processes' locks
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",  # safe with WAL: a power cut may lose the last commits only
    "PRAGMA foreign_keys = ON",
)
_CHUNK = 500  # keys per IN (...): well under SQLite's bound-variable limit on old builds


class SQLiteStore:
    def __init__(self, path: str | PathLike[str]) -> None:
        self._path = str(path)
        self._db: aiosqlite.Connection | None = None
        self._closed = False
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"SQLiteStore({self._path!r})"

    # --- connection and transactions ------------------------------------------------------
    async def _connection(self) -> aiosqlite.Connection:
        """The one connection, opened on first use. Call with `self._lock` held."""
        if self._closed:
            raise StoreError(f"SQLite database {self._path}: the store is closed")
        if self._db is None:
            self._db = await _connect(self._path)
        return self._db

    @asynccontextmanager
    async def _tx(self, what: str, *, write: bool = True) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            db = await self._connection()
            try:
                await db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                yield db
                await db.execute("COMMIT")
            except BaseException as exc:
                # The statements already queued run before this ROLLBACK (aiosqlite keeps
                # one FIFO worker thread), so it also undoes a statement whose await was
                # cancelled.
                await _rollback(db)
                if isinstance(exc, sqlite3.Error):
                    raise StoreError(
                        f"SQLite database {self._path}: {what}: {exc}{_hint(exc)}"
                    ) from exc
                raise

    async def close(self) -> None:
        async with self._lock:
            self._closed = True
            db, self._db = self._db, None
            if db is not None:
                await db.close()

    async def ping(self) -> bool:
        try:
            async with self._tx("ping", write=False) as db:
                await db.execute_fetchall("SELECT 1")
        except StoreError as exc:
            log.warning("store ping failed: %s", exc)
            return False
        return True

    # --- schema ---------------------------------------------------------------------------
    async def schema_version(self) -> int:
        async with self._tx("read the schema version", write=False) as db:
            return await _read_version(db)

    async def migrate(self) -> int:
        version = await self.schema_version()
        if version > migrations.LATEST:
            raise StoreError(
                f"SQLite database {self._path} is at schema version {version}, newer than "
                f"this alertbot knows ({migrations.LATEST}): upgrade alertbot"
            )
        for migration in migrations.pending(version):
            await self._apply(migration)
        return await self.schema_version()

    async def _apply(self, migration: migrations.Migration) -> None:
        what = f"migration {migration.version} ({migration.description})"
        async with self._tx(what) as db:
            await db.execute(migrations.BOOTSTRAP)
            if await _read_version(db) >= migration.version:
                return  # another process applied it while we waited for the write lock
            for statement in migration.statements("sqlite"):
                await db.execute(statement)
            applied_at = to_db_time(datetime.now(UTC))
            await db.execute(
                sql.RECORD_VERSION, (migration.version, migration.description, applied_at)
            )
        log.info("store migrated path=%s version=%d", self._path, migration.version)

    # --- sources' fetch state -------------------------------------------------------------
    async def source_state(self, source_id: str) -> SourceState | None:
        async with self._tx(f"read state of source {source_id}", write=False) as db:
            rows = list(await db.execute_fetchall(sql.STATE_BY_ID, (source_id,)))
        return row_to_state(rows[0]) if rows else None

    async def source_states(self) -> dict[str, SourceState]:
        async with self._tx("read sources' state", write=False) as db:
            rows = await db.execute_fetchall(sql.ALL_STATES)
        states = (row_to_state(row) for row in rows)
        return {state.source_id: state for state in states}

    async def save_source_state(self, state: SourceState) -> None:
        params = state_params(state)
        async with self._tx(f"save state of source {state.source_id}") as db:
            await db.execute(sql.UPSERT_STATE, params)

    # --- items ----------------------------------------------------------------------------
    async def record_refresh(
        self, state: SourceState, changes: Sequence[Change], now: datetime
    ) -> tuple[Change, ...]:
        changes = tuple(changes)  # read several times: a one-shot iterable would lose rows
        when, params = to_db_time(now), state_params(state)  # bad values fail before BEGIN
        async with self._tx(f"record refresh of source {state.source_id}") as db:
            stored = await _stored(db, list(dict.fromkeys(c.item.key for c in changes)))
            written = recorded(changes, stored)
            for statement, rows in sql.refresh_plan(state.source_id, written, when):
                if rows:
                    await db.executemany(statement, rows)
            await db.execute(sql.UPSERT_STATE, params)
        return written

    async def known_items(self, keys: Iterable[str]) -> dict[str, KnownItem]:
        wanted = list(dict.fromkeys(keys))
        known: dict[str, KnownItem] = {}
        async with self._tx("read known items", write=False) as db:
            for start in range(0, len(wanted), _CHUNK):
                known.update(await _known_chunk(db, wanted[start : start + _CHUNK]))
        return known

    async def item(self, key: str) -> Item | None:
        async with self._tx(f"read item {key}", write=False) as db:
            rows = list(await db.execute_fetchall(sql.ITEM_BY_KEY, (key,)))
        return row_to_item(rows[0]) if rows else None

    async def revisions(self, key: str) -> list[Revision]:
        async with self._tx(f"read revisions of item {key}", write=False) as db:
            rows = await db.execute_fetchall(sql.REVISIONS_BY_KEY, (key,))
        return [row_to_revision(row) for row in rows]

    async def recent_items(self, limit: int = 20, source_id: str | None = None) -> list[Item]:
        if limit <= 0:
            return []  # SQLite reads LIMIT -1 as "no limit"
        async with self._tx("read recent items", write=False) as db:
            if source_id is None:
                rows = await db.execute_fetchall(sql.RECENT, (limit,))
            else:
                rows = await db.execute_fetchall(sql.RECENT_OF_SOURCE, (source_id, limit))
        return [row_to_item(row) for row in rows]

    async def count_items(self) -> int:
        async with self._tx("count items", write=False) as db:
            rows = list(await db.execute_fetchall("SELECT COUNT(*) FROM items"))
        return int(rows[0][0])

    async def prune(self, before: datetime) -> int:
        params = {"before": to_db_time(before), "now": to_db_time(datetime.now(UTC))}
        async with self._tx("prune items") as db:
            for statement in sql.PRUNE_KEEP:
                await db.execute(statement, params)
            cursor = await db.execute(sql.PRUNE_DELETE, params)
        return cursor.rowcount


async def _connect(path: str) -> aiosqlite.Connection:
    """Open and configure the connection; any failure is a StoreError naming the path."""

    def cannot(reason: object) -> StoreError:
        return StoreError(f"cannot open SQLite database {path}: {reason}")

    if path not in (MEMORY, ""):
        try:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            # Try the file with plain sqlite3 first: when aiosqlite's own connect fails it
            # leaves its worker thread to report to the event loop later, which raises
            # "Event loop is closed" if the loop has gone by then (omnilib/aiosqlite#241).
            await asyncio.to_thread(_probe, path)
        except (OSError, sqlite3.Error) as exc:
            raise cannot(exc) from exc
    try:
        # isolation_level=None: sqlite3 must not open transactions implicitly; _tx does.
        db = await aiosqlite.connect(path, isolation_level=None)
    except sqlite3.Error as exc:
        raise cannot(exc) from exc
    try:
        db.row_factory = sqlite3.Row
        for pragma in _PRAGMAS:
            rows = list(await db.execute_fetchall(pragma))
            if "journal_mode" in pragma and path not in (MEMORY, "") and rows[0][0] != "wal":
                log.warning("store path=%s journal_mode=%s (WAL unavailable)", path, rows[0][0])
    except BaseException as exc:
        await db.close()
        if isinstance(exc, sqlite3.Error):
            raise cannot(exc) from exc
        raise
    return db


def _probe(path: str) -> None:
    sqlite3.connect(path).close()


def _hint(exc: sqlite3.Error) -> str:
    if "no such table" in str(exc):
        return " (the schema is missing: run `alertbot migrate`, or call Store.migrate() first)"
    return ""


async def _rollback(db: aiosqlite.Connection) -> None:
    # Fails only when no transaction is open: BEGIN failed, or COMMIT went through before a
    # cancel reached us.
    with contextlib.suppress(sqlite3.Error):
        await db.execute("ROLLBACK")


async def _read_version(db: aiosqlite.Connection) -> int:
    if not list(await db.execute_fetchall(sql.HAS_VERSION_TABLE)):
        return 0
    rows = list(await db.execute_fetchall("SELECT COALESCE(MAX(version), 0) FROM schema_version"))
    return int(rows[0][0])


async def _stored(db: aiosqlite.Connection, keys: list[str]) -> dict[str, str | None]:
    """Current content hash of each stored key; None for a tombstoned one."""
    stored: dict[str, str | None] = {}
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        marks = ", ".join("?" * len(chunk))
        for row in await db.execute_fetchall(sql.TOMBSTONES_IN.format(marks=marks), chunk):
            stored[row["key"]] = TOMBSTONE
        for row in await db.execute_fetchall(sql.STORED_IN.format(marks=marks), chunk):
            stored[row["key"]] = row["content_hash"]
    return stored


async def _known_chunk(db: aiosqlite.Connection, keys: list[str]) -> dict[str, KnownItem]:
    marks = ", ".join("?" * len(keys))
    items = {
        row["key"]: row_to_item(row)
        for row in await db.execute_fetchall(sql.ITEMS_IN.format(marks=marks), keys)
    }
    hashes: dict[str, set[str]] = {}
    for row in await db.execute_fetchall(sql.HASHES_IN.format(marks=marks), keys):
        hashes.setdefault(row["key"], set()).add(row["content_hash"])
    tombstoned = [
        row["key"] for row in await db.execute_fetchall(sql.TOMBSTONES_IN.format(marks=marks), keys)
    ]
    known = {
        key: KnownItem(item, frozenset(hashes.get(key, set()) | {item.content_hash}))
        for key, item in items.items()
    }
    for key in tombstoned:
        known.setdefault(key, KnownItem(None, frozenset(hashes.get(key, set()))))
    return known
