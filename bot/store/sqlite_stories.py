"""SQLiteStories: the developing stories of SQLiteStore, read back whole.

Stories are written by `record_refresh` (in its transaction: see `story_plan`); this mixin
reads them, each method one short transaction on the connection of `sqlite_base`, and gives
record_refresh the one read it needs inside its transaction (`_stories_plan`). How rows become
`Story` values, and what a pruned item leaves in one: `bot.store.story_rows`.

Must not import bot.ingest, bot.channels or bot.delivery.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aiosqlite

from bot.models import Annotations, Story, StoryLink
from bot.store import sqlite_sql as sql
from bot.store.recording import check_story_heads, headless
from bot.store.rows import Row, to_db_time
from bot.store.sqlite_base import CHUNK, SQLiteBase, marks
from bot.store.story_rows import row_to_link, rows_to_stories

Plan = list[tuple[str, list[dict[str, Any]]]]


class SQLiteStories(SQLiteBase):
    async def stories(self, limit: int = 20, updated_since: datetime | None = None) -> list[Story]:
        if limit <= 0:
            return []  # SQLite reads LIMIT -1 as "no limit"
        async with self._tx("read stories", write=False) as db:
            if updated_since is None:
                heads = list(await db.execute_fetchall(sql.STORIES_RECENT, (limit,)))
            else:
                params = (to_db_time(updated_since), limit)
                heads = list(await db.execute_fetchall(sql.STORIES_SINCE, params))
            return await _whole(db, heads)

    async def story(self, story_id: str) -> Story | None:
        async with self._tx(f"read story {story_id}", write=False) as db:
            heads = list(await db.execute_fetchall(sql.STORY_BY_ID, (story_id,)))
            found = await _whole(db, heads)
        return found[0] if found else None

    async def story_links(self, story_id: str) -> list[StoryLink]:
        async with self._tx(f"read links of story {story_id}", write=False) as db:
            rows = await db.execute_fetchall(sql.LINKS_OF_STORY, (story_id,))
        return [row_to_link(row) for row in rows]

    async def story_of(self, item_key: str) -> StoryLink | None:
        async with self._tx(f"read story of item {item_key}", write=False) as db:
            rows = list(await db.execute_fetchall(sql.LINK_OF_ITEM, (item_key,)))
        return row_to_link(rows[0]) if rows else None

    @staticmethod
    async def _stories_plan(
        db: aiosqlite.Connection, kept: Annotations, heads: dict[str, dict[str, Any]], now: str
    ) -> Plan:
        """The story statements of a refresh, once the stories linked without a head are known
        to exist (ValueError otherwise, before anything is written). `kept`: the annotations
        as `recording.annotated` kept them; `heads`: `story_params` of every head given."""
        wanted = headless(kept)
        stored: set[str] = set()
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            rows = await db.execute_fetchall(sql.STORIES_IN.format(marks=marks(chunk)), chunk)
            stored.update(row["id"] for row in rows)
        check_story_heads(kept, stored)
        return sql.story_plan(kept, heads, now)


async def _whole(db: aiosqlite.Connection, heads: list[Row]) -> list[Story]:
    """The stories of `heads`, with their timelines and what their items say."""
    members: list[Row] = []
    places: list[Row] = []
    ids = [head["id"] for head in heads]
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        members += await db.execute_fetchall(sql.MEMBERS_IN.format(marks=marks(chunk)), chunk)
        places += await db.execute_fetchall(sql.PLACES_IN.format(marks=marks(chunk)), chunk)
    return rows_to_stories(heads, members, places)
