"""SQLiteStore: the embedded `Store` on aiosqlite.

Built in layers: `sqlite_base.SQLiteBase` holds the one connection (WAL) and the transactions
(one short `BEGIN IMMEDIATE` per write, rolled back on any error or cancel, sqlite3 errors
leaving as `StoreError`); `sqlite_subs.SQLiteSubscriptions` adds the subscription store and
`sqlite_stories.SQLiteStories` the reading of developing stories, `sqlite_outbox.SQLiteOutbox`
the outbox's state machine; this module adds the schema, the sources' fetch state and the items
with their annotations (story links included) and the alerts their matches put in the outbox.

Must not import bot.ingest, bot.channels or bot.delivery.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

import aiosqlite

from bot.errors import StoreError
from bot.models import (
    Annotations,
    Change,
    Item,
    ItemMatch,
    ItemTag,
    KnownItem,
    Revision,
    SourceState,
)
from bot.store import NO_ANNOTATIONS, migrations
from bot.store import sqlite_sql as sql
from bot.store.outbox_sql import enqueue_plan
from bot.store.recording import TOMBSTONE, annotated, check_annotations, enqueued, recorded
from bot.store.rows import (
    row_to_item,
    row_to_match,
    row_to_revision,
    row_to_state,
    row_to_tag,
    state_params,
    to_db_time,
)
from bot.store.sqlite_base import CHUNK, log, marks
from bot.store.sqlite_outbox import SQLiteOutbox
from bot.store.sqlite_stories import SQLiteStories
from bot.store.sqlite_subs import SQLiteSubscriptions
from bot.store.story_rows import story_params


class SQLiteStore(SQLiteSubscriptions, SQLiteStories, SQLiteOutbox):
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
            if state.held_back_at is not None:
                await db.execute(sql.UPSERT_FLOOD, params)

    # --- items ----------------------------------------------------------------------------
    async def record_refresh(
        self,
        state: SourceState,
        changes: Sequence[Change],
        now: datetime,
        annotations: Annotations = NO_ANNOTATIONS,
    ) -> tuple[Change, ...]:
        changes = tuple(changes)  # read several times: a one-shot iterable would lose rows
        # Bad values fail before BEGIN.
        when, params = to_db_time(now), state_params(state)
        check_annotations(changes, annotations)
        heads = {story.id: story_params(story) for story in annotations.stories}
        async with self._tx(f"record refresh of source {state.source_id}") as db:
            stored = await _stored(db, list(dict.fromkeys(c.item.key for c in changes)))
            written = recorded(changes, stored)
            kept = annotated(written, annotations)
            joins = await self._stories_plan(db, kept, heads, when)  # reads; may refuse
            plan = sql.refresh_plan(state.source_id, written, when)
            plan += sql.annotation_plan(written, kept, when)  # after the items they refer to
            plan += enqueue_plan(enqueued(written, kept), when)  # with the matches: nothing lost
            plan += joins  # after the items, like the annotations
            for statement, rows in plan:
                if rows:
                    await db.executemany(statement, rows)
            await db.execute(sql.UPSERT_STATE, params)
            if state.held_back_at is not None:
                await db.execute(sql.UPSERT_FLOOD, params)
        return written

    async def item_tags(self, key: str) -> list[ItemTag]:
        async with self._tx(f"read places of item {key}", write=False) as db:
            rows = await db.execute_fetchall(sql.TAGS_BY_KEY, (key,))
        return [row_to_tag(row) for row in rows]

    async def item_matches(self, key: str) -> list[ItemMatch]:
        async with self._tx(f"read matches of item {key}", write=False) as db:
            rows = await db.execute_fetchall(sql.MATCHES_BY_KEY, (key,))
        return [row_to_match(row) for row in rows]

    async def known_items(self, keys: Iterable[str]) -> dict[str, KnownItem]:
        wanted = list(dict.fromkeys(keys))
        known: dict[str, KnownItem] = {}
        async with self._tx("read known items", write=False) as db:
            for start in range(0, len(wanted), CHUNK):
                known.update(await _known_chunk(db, wanted[start : start + CHUNK]))
        return known

    async def item(self, key: str) -> Item | None:
        async with self._tx(f"read item {key}", write=False) as db:
            rows = list(await db.execute_fetchall(sql.ITEM_BY_KEY, (key,)))
        return row_to_item(rows[0]) if rows else None

    async def items(self, keys: Iterable[str]) -> dict[str, Item]:
        wanted = list(dict.fromkeys(keys))
        found: dict[str, Item] = {}
        if not wanted:
            return found
        async with self._tx(f"read {len(wanted)} items", write=False) as db:
            for start in range(0, len(wanted), CHUNK):
                chunk = wanted[start : start + CHUNK]
                rows = await db.execute_fetchall(sql.ITEMS_IN.format(marks=marks(chunk)), chunk)
                found.update((row["key"], row_to_item(row)) for row in rows)
        return {key: found[key] for key in wanted if key in found}

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


async def _read_version(db: aiosqlite.Connection) -> int:
    if not list(await db.execute_fetchall(sql.HAS_VERSION_TABLE)):
        return 0
    rows = list(await db.execute_fetchall("SELECT COALESCE(MAX(version), 0) FROM schema_version"))
    return int(rows[0][0])


async def _stored(db: aiosqlite.Connection, keys: list[str]) -> dict[str, str | None]:
    """Current content hash of each stored key; None for a tombstoned one."""
    stored: dict[str, str | None] = {}
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        ins = marks(chunk)
        for row in await db.execute_fetchall(sql.TOMBSTONES_IN.format(marks=ins), chunk):
            stored[row["key"]] = TOMBSTONE
        for row in await db.execute_fetchall(sql.STORED_IN.format(marks=ins), chunk):
            stored[row["key"]] = row["content_hash"]
    return stored


async def _known_chunk(db: aiosqlite.Connection, keys: list[str]) -> dict[str, KnownItem]:
    ins = marks(keys)
    items = {
        row["key"]: row_to_item(row)
        for row in await db.execute_fetchall(sql.ITEMS_IN.format(marks=ins), keys)
    }
    hashes: dict[str, set[str]] = {}
    for row in await db.execute_fetchall(sql.HASHES_IN.format(marks=ins), keys):
        hashes.setdefault(row["key"], set()).add(row["content_hash"])
    tombstoned = [
        row["key"] for row in await db.execute_fetchall(sql.TOMBSTONES_IN.format(marks=ins), keys)
    ]
    known = {
        key: KnownItem(item, frozenset(hashes.get(key, set()) | {item.content_hash}))
        for key, item in items.items()
    }
    for key in tombstoned:
        known.setdefault(key, KnownItem(None, frozenset(hashes.get(key, set()))))
    return known
