"""The connection and the transactions every part of SQLiteStore runs in.

One long-lived connection per store, opened on first use, in WAL mode. Every method is one
short explicit transaction (`BEGIN IMMEDIATE` for writes, so a second process waits on
`busy_timeout` instead of failing at COMMIT) that rolls back on any error, cancellation
included: nothing is written half. An asyncio.Lock serialises transactions, since statements of
two coroutines on one connection would otherwise interleave in one transaction. sqlite3 errors
leave as `StoreError`, naming the database and the operation; other exceptions raised inside a
transaction (QuotaExceeded, say) roll it back and leave as they are.

Must not import bot.ingest, bot.channels or bot.delivery.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Sized
from contextlib import asynccontextmanager
from os import PathLike
from pathlib import Path

import aiosqlite

from bot.errors import StoreError

log = logging.getLogger("alertbot.store")

MEMORY = ":memory:"
CHUNK = 500  # values per IN (...): well under SQLite's bound-variable limit on old builds
_PRAGMAS = (
    "PRAGMA busy_timeout = 5000",  # first, so switching to WAL waits for other processes' locks
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",  # safe with WAL: a power cut may lose the last commits only
    "PRAGMA foreign_keys = ON",
)
_PRAGMA_WAITS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 1.0, 1.0, 1.0)  # ~5 s, as busy_timeout


def marks(values: Sized) -> str:
    """The `?, ?, ...` of an IN (...) for `values` (at most CHUNK of them)."""
    return ", ".join("?" * len(values))


class SQLiteBase:
    def __init__(self, path: str | PathLike[str]) -> None:
        self._path = str(path)
        self._db: aiosqlite.Connection | None = None
        self._closed = False
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._path!r})"

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
            rows = await _pragma(db, pragma)
            if "journal_mode" in pragma and path not in (MEMORY, "") and rows[0][0] != "wal":
                log.warning("store path=%s journal_mode=%s (WAL unavailable)", path, rows[0][0])
    except BaseException as exc:
        await db.close()
        if isinstance(exc, sqlite3.Error):
            raise cannot(exc) from exc
        raise
    return db


async def _pragma(db: aiosqlite.Connection, pragma: str) -> list[sqlite3.Row]:
    """Run a pragma, waiting out a lock as busy_timeout would. Two processes opening a new
    file at once may both ask to switch it to WAL, and SQLite then answers one of them "locked"
    at once, without its busy handler (it would deadlock waiting): ask again, for as long."""
    for wait in _PRAGMA_WAITS:
        try:
            return list(await db.execute_fetchall(pragma))
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            await asyncio.sleep(wait)
    return list(await db.execute_fetchall(pragma))


def _probe(path: str) -> None:
    sqlite3.connect(path).close()


def _hint(exc: sqlite3.Error) -> str:
    text = str(exc)
    if "no such table" in text:
        return " (the schema is missing: run `alertbot migrate`, or call Store.migrate() first)"
    if "database is locked" in text:
        return " (another process held its write lock for over 5 s: a second alertbot?)"
    if "readonly database" in text:
        return " (alertbot may not write it: check the file, its folder and the file system)"
    if "disk is full" in text:
        return " (free some disk space)"
    return ""


async def _rollback(db: aiosqlite.Connection) -> None:
    # Fails only when no transaction is open: BEGIN failed, or COMMIT went through before a
    # cancel reached us.
    with contextlib.suppress(sqlite3.Error):
        await db.execute("ROLLBACK")
