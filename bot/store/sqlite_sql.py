"""The SQL SQLiteStore runs (SQLite dialect), and `refresh_plan`, `annotation_plan` and
`story_plan`, which turn a refresh's changes, as `bot.store.recording` decided them, into
batches for executemany: each statement runs once per batch, never one commit per item.
item_sources rows and last-seen times are written through a SELECT on items, so a tombstoned
key (no items row) gets nothing.

Pure data and functions: no I/O. Must not import bot.ingest, bot.channels or bot.delivery.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.models import Annotations, Change, ChangeKind
from bot.store.recording import headless
from bot.store.rows import (
    FLOOD_COLUMNS,
    ITEM_COLUMNS,
    MATCH_COLUMNS,
    MUTE_COLUMNS,
    REVISION_COLUMNS,
    STATE_COLUMNS,
    SUBSCRIBER_COLUMNS,
    SUBSCRIPTION_COLUMNS,
    TAG_COLUMNS,
    item_params,
    match_params,
    tag_params,
)
from bot.store.story_rows import LINK_COLUMNS, STORY_COLUMNS, link_params

_ITEM_COLS = ", ".join(ITEM_COLUMNS)
_ITEM_COLS_I = ", ".join(f"i.{c}" for c in ITEM_COLUMNS)

HAS_VERSION_TABLE = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
RECORD_VERSION = "INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)"

# --- source_state -----------------------------------------------------------------------------
_STATES = (
    f"SELECT {', '.join('s.' + c for c in STATE_COLUMNS)}, "
    f"{', '.join('f.' + c for c in FLOOD_COLUMNS)} FROM source_state AS s "
    "LEFT JOIN source_floods AS f ON f.source_id = s.source_id"
)
STATE_BY_ID = f"{_STATES} WHERE s.source_id = ?"
ALL_STATES = f"{_STATES} ORDER BY s.source_id"
# Written only when a source has flooded (its state then has `held_back_at`), so a refresh of
# a source that never did writes the same rows it always has.
UPSERT_FLOOD = (
    "INSERT INTO source_floods (source_id, held_back, held_back_at) "
    "VALUES (:source_id, :held_back, :held_back_at) ON CONFLICT (source_id) DO UPDATE SET "
    "held_back = excluded.held_back, held_back_at = excluded.held_back_at"
)


def upsert_state(columns: Sequence[str] = STATE_COLUMNS) -> str:
    """Insert or update a source's state; `columns` start with source_id."""
    return (
        f"INSERT INTO source_state ({', '.join(columns)}) "
        f"VALUES ({', '.join(':' + c for c in columns)}) "
        "ON CONFLICT (source_id) DO UPDATE SET "
        + ", ".join(f"{c} = excluded.{c}" for c in columns[1:])
    )


UPSERT_STATE = upsert_state()

# --- reading items ----------------------------------------------------------------------------
ITEM_BY_KEY = f"SELECT {_ITEM_COLS} FROM items WHERE key = ?"
ITEMS_IN = f"SELECT {_ITEM_COLS} FROM items WHERE key IN ({{marks}})"
HASHES_IN = "SELECT key, content_hash FROM item_hashes WHERE key IN ({marks})"
TOMBSTONES_IN = "SELECT key FROM tombstones WHERE key IN ({marks})"
REVISIONS_BY_KEY = (
    f"SELECT {', '.join(REVISION_COLUMNS)} FROM item_revisions WHERE key = ? "
    "ORDER BY replaced_at, id"
)
# Undated items last; ties broken so pages are stable.
_RECENT_ORDER = "ORDER BY i.published IS NULL, i.published DESC, i.first_seen DESC, i.key"
RECENT = f"SELECT {_ITEM_COLS_I} FROM items AS i {_RECENT_ORDER} LIMIT ?"
RECENT_OF_SOURCE = (
    f"SELECT {_ITEM_COLS_I} FROM items AS i JOIN item_sources AS s ON s.key = i.key "
    f"WHERE s.source_id = ? {_RECENT_ORDER} LIMIT ?"
)

# --- record_refresh ---------------------------------------------------------------------------
STORED_IN = "SELECT key, content_hash FROM items WHERE key IN ({marks})"
_ARCHIVE = (
    "INSERT INTO item_revisions (key, title, text, content_hash, replaced_at) "
    "SELECT key, title, text, content_hash, :now FROM items WHERE key = :key"
)
_REVISE = (
    "UPDATE items SET "
    + ", ".join(f"{c} = :{c}" for c in ITEM_COLUMNS if c not in ("key", "source_id"))
    + ", revision_count = revision_count + 1, last_seen = :now WHERE key = :key"
)
_INSERT = (
    f"INSERT INTO items ({_ITEM_COLS}, first_seen, last_seen, revision_count) "
    f"VALUES ({', '.join(':' + c for c in ITEM_COLUMNS)}, :now, :now, 0)"
)
# A text can come back (an edit reverted): its hash is then known already.
_ADD_HASH = (
    "INSERT INTO item_hashes (key, content_hash) VALUES (:key, :content_hash) "
    "ON CONFLICT DO NOTHING"
)
_ADD_SOURCE = (
    "INSERT INTO item_sources (key, source_id) "
    "SELECT key, :source_id FROM items WHERE key = :key ON CONFLICT DO NOTHING"
)
_TOUCH = "UPDATE items SET last_seen = :now WHERE key = :key"
_DROP_TAGS = "DELETE FROM item_tags WHERE item_key = :key"
# One row per place: the first reported wins (the tagger reports the title's before the text's).
_ADD_TAG = (
    f"INSERT INTO item_tags ({', '.join(TAG_COLUMNS)}) "
    f"VALUES ({', '.join(':' + c for c in TAG_COLUMNS)}) ON CONFLICT DO NOTHING"
)
# A version matched once stays matched once, however often it is recorded. ON CONFLICT, not
# INSERT OR IGNORE: that would also skip a row breaking NOT NULL, and lose it silently.
_ADD_MATCH = (
    f"INSERT INTO item_matches ({', '.join(MATCH_COLUMNS)}, matched_at) "
    f"VALUES ({', '.join(':' + c for c in MATCH_COLUMNS)}, :matched_at) ON CONFLICT DO NOTHING"
)

# --- reading item annotations -----------------------------------------------------------------
TAGS_BY_KEY = f"SELECT {', '.join(TAG_COLUMNS)} FROM item_tags WHERE item_key = ? ORDER BY place_id"
MATCHES_BY_KEY = (
    f"SELECT {', '.join(MATCH_COLUMNS)} FROM item_matches WHERE item_key = ? "
    "ORDER BY matched_at, content_hash, subscription_id"
)

# --- stories ----------------------------------------------------------------------------------
# A story's row is written (upserted, or touched when no head came) before its items join: in
# PostgreSQL that row lock makes concurrent refreshes number one story's items in turn.
_UPSERT_STORY = (
    f"INSERT INTO stories ({', '.join(STORY_COLUMNS)}) "
    f"VALUES ({', '.join(':' + c for c in STORY_COLUMNS)}) "
    "ON CONFLICT (id) DO UPDATE SET title = excluded.title, updated = excluded.updated"
)
_TOUCH_STORY = "UPDATE stories SET updated = :now WHERE id = :id"
_LINK_COLS = ", ".join(LINK_COLUMNS)
# Next position in the story, computed per row so the links of one batch take turns. An item
# already in a story stays where it is.
_JOIN_STORY = (
    f"INSERT INTO story_items ({_LINK_COLS}, added_at, position) "
    f"SELECT {', '.join(':' + c for c in LINK_COLUMNS)}, :added_at, COALESCE(MAX(position), 0) + 1 "
    "FROM story_items WHERE story_id = :story_id ON CONFLICT (item_key) DO NOTHING"
)
STORIES_IN = "SELECT id FROM stories WHERE id IN ({marks})"
_STORY_COLS = ", ".join(STORY_COLUMNS)
# Most recently joined first; ties broken so pages are stable.
STORIES_RECENT = f"SELECT {_STORY_COLS} FROM stories ORDER BY updated DESC, id LIMIT ?"
STORIES_SINCE = (
    f"SELECT {_STORY_COLS} FROM stories WHERE updated >= ? ORDER BY updated DESC, id LIMIT ?"
)
STORY_BY_ID = f"SELECT {_STORY_COLS} FROM stories WHERE id = ?"
MEMBERS_IN = (
    "SELECT m.story_id, m.item_key, i.source_id, i.agency FROM story_items AS m "
    "LEFT JOIN items AS i ON i.key = m.item_key WHERE m.story_id IN ({marks}) "
    "ORDER BY m.story_id, m.position"
)
PLACES_IN = (
    "SELECT m.story_id, t.name FROM story_items AS m "
    "JOIN item_tags AS t ON t.item_key = m.item_key "
    "WHERE m.story_id IN ({marks}) ORDER BY m.story_id, m.position, t.place_id"
)
LINKS_OF_STORY = f"SELECT {_LINK_COLS} FROM story_items WHERE story_id = ? ORDER BY position"
LINK_OF_ITEM = f"SELECT {_LINK_COLS} FROM story_items WHERE item_key = ?"

# --- prune ------------------------------------------------------------------------------------
# Tombstone first and make sure the current hash is kept, then delete (sources and revisions
# go by ON DELETE CASCADE).
PRUNE_KEEP = (
    "INSERT INTO tombstones (key, pruned_at) "
    "SELECT key, :now FROM items WHERE last_seen < :before ON CONFLICT (key) DO NOTHING",
    "INSERT INTO item_hashes (key, content_hash) "
    "SELECT key, content_hash FROM items WHERE last_seen < :before ON CONFLICT DO NOTHING",
)
PRUNE_DELETE = "DELETE FROM items WHERE last_seen < :before"

# --- subscribers, subscriptions, mutes --------------------------------------------------------
_SUBSCRIBER_COLS = ", ".join(SUBSCRIBER_COLUMNS)
_SUBSCRIPTION_COLS = ", ".join(SUBSCRIPTION_COLUMNS)
SUBSCRIBER_BY_ADDRESS = (
    f"SELECT {_SUBSCRIBER_COLS} FROM subscribers WHERE channel = ? AND address = ?"
)
SUBSCRIBER_BY_ID = f"SELECT {_SUBSCRIBER_COLS} FROM subscribers WHERE id = ?"
# lang counts for a newcomer only; a known subscriber keeps theirs and is active again.
ENSURE_SUBSCRIBER = (
    "INSERT INTO subscribers (channel, address, lang, created_at) "
    "VALUES (:channel, :address, :lang, :now) "
    f"ON CONFLICT (channel, address) DO UPDATE SET active = 1 RETURNING {_SUBSCRIBER_COLS}"
)
UPDATE_SUBSCRIBER = (
    "UPDATE subscribers SET lang = :lang, timezone = :timezone, paused = :paused, "
    "quiet_hours = :quiet_hours, digest = :digest, digest_at = :digest_at, "
    "active = :active WHERE id = :id"
)
COUNT_SUBSCRIPTIONS = "SELECT COUNT(*) FROM subscriptions WHERE subscriber_id = ?"
ADD_SUBSCRIPTION = (
    "INSERT INTO subscriptions (subscriber_id, query, mode, created_at) VALUES (?, ?, ?, ?) "
    f"RETURNING {_SUBSCRIPTION_COLS}"
)
# Ids grow with creation (AUTOINCREMENT), so they order the list users number from 1.
SUBSCRIPTIONS_OF = (
    f"SELECT {_SUBSCRIPTION_COLS} FROM subscriptions WHERE subscriber_id = ? ORDER BY id"
)
SET_MODES = "UPDATE subscriptions SET mode = ? WHERE subscriber_id = ? AND id IN ({marks})"
REMOVE_SUBSCRIPTIONS = "DELETE FROM subscriptions WHERE subscriber_id = ? AND id IN ({marks})"
ACTIVE_SUBSCRIPTIONS = (
    f"SELECT {', '.join('s.' + c for c in SUBSCRIPTION_COLUMNS)}, "
    f"{', '.join(f'b.{c} AS b_{c}' for c in SUBSCRIBER_COLUMNS)} "
    "FROM subscriptions AS s JOIN subscribers AS b ON b.id = s.subscriber_id "
    "WHERE b.active = 1 ORDER BY s.id"
)
UPSERT_MUTE = (
    f"INSERT INTO mutes ({', '.join(MUTE_COLUMNS)}) "
    f"VALUES ({', '.join(':' + c for c in MUTE_COLUMNS)}) "
    "ON CONFLICT (subscriber_id, story_id) DO UPDATE SET until = excluded.until"
)
MUTES_OF = f"SELECT {', '.join(MUTE_COLUMNS)} FROM mutes WHERE subscriber_id = ? ORDER BY story_id"


def refresh_plan(
    source_id: str, changes: Sequence[Change], now: str
) -> list[tuple[str, list[dict[str, Any]]]]:
    """(statement, rows) in the order record_refresh runs them; `changes` as recorded."""
    rows = [{**item_params(c.item), "now": now} for c in changes]
    revised = [r for c, r in zip(changes, rows, strict=True) if c.kind is ChangeKind.REVISED]
    inserted = [r for c, r in zip(changes, rows, strict=True) if c.kind in _INSERTED]
    # The refreshing source carried every item; the item's own source_id did too.
    carriers = dict.fromkeys(
        (c.item.key, sid) for c in changes for sid in (source_id, c.item.source_id)
    )
    return [
        (_ARCHIVE, revised),
        (_REVISE, revised),
        (_INSERT, inserted),
        (_ADD_HASH, revised + inserted),
        (_ADD_SOURCE, [{"key": key, "source_id": sid} for key, sid in carriers]),
        (_TOUCH, rows),
    ]


def annotation_plan(
    changes: Sequence[Change], annotations: Annotations, now: str
) -> list[tuple[str, list[dict[str, Any]]]]:
    """(statement, rows) storing `annotations` (as `recording.annotated` kept them) once the
    items of `changes` (as recorded) are written. A revision's tags replace the old ones."""
    revised = dict.fromkeys(c.item.key for c in changes if c.kind is ChangeKind.REVISED)
    return [
        (_DROP_TAGS, [{"key": key} for key in revised]),
        (_ADD_TAG, [tag_params(t) for t in annotations.tags]),
        (_ADD_MATCH, [match_params(m, now) for m in annotations.matches]),
    ]



def story_plan(
    annotations: Annotations, heads: dict[str, dict[str, Any]], now: str
) -> list[tuple[str, list[dict[str, Any]]]]:
    """(statement, rows) joining the items of `annotations.links` (as `recording.annotated`
    kept them, `check_story_heads` passed) to their stories, once the items are written.
    `heads`: `story_params` of every head given, by story id. A story with no head given
    exists already; it was last updated now, when the item joined."""
    return [
        (_UPSERT_STORY, [heads[story.id] for story in annotations.stories]),
        (_TOUCH_STORY, [{"id": story_id, "now": now} for story_id in headless(annotations)]),
        (_JOIN_STORY, [link_params(link, now) for link in annotations.links]),
    ]


_INSERTED = (ChangeKind.NEW, ChangeKind.BASELINE)
