"""The SQL of each schema version, for both dialects, in the order it shipped: the statements
`bot.store.migrations` lists as migrations. A version's comment says what it adds and why.

Never edit a version that has shipped: add the next one (see bot/store/migrations.py).
Where the dialects differ, a statement leaves a {placeholder} that `migrations` fills per
dialect, or the version has one tuple per dialect.

Pure data: no I/O. Must not import anything from the project.
"""

from __future__ import annotations

# The first schema. Only the surrogate key of item_revisions differs between the dialects
# (it orders revisions made in the same instant): it is spelled {revision_id} here.
V1 = (
    """CREATE TABLE source_state (
        source_id TEXT NOT NULL PRIMARY KEY,
        etag TEXT,
        last_modified TEXT,
        body_hash TEXT,
        next_check TEXT,
        consecutive_failures INTEGER NOT NULL DEFAULT 0,
        last_success TEXT,
        last_attempt TEXT,
        last_outcome TEXT,
        last_error TEXT,
        baseline_done INTEGER NOT NULL DEFAULT 0 CHECK (baseline_done IN (0, 1))
    )""",
    """CREATE TABLE items (
        key TEXT NOT NULL PRIMARY KEY,
        source_id TEXT NOT NULL,
        url TEXT NOT NULL,
        title TEXT NOT NULL,
        text TEXT NOT NULL,
        published TEXT,
        content_hash TEXT NOT NULL,
        agency TEXT NOT NULL,
        jurisdiction TEXT NOT NULL,
        guid TEXT,
        author TEXT,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        revision_count INTEGER NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX items_published_idx ON items (published)",
    "CREATE INDEX items_source_id_idx ON items (source_id)",
    # prune() selects by last_seen
    "CREATE INDEX items_last_seen_idx ON items (last_seen)",
    """CREATE TABLE item_sources (
        key TEXT NOT NULL REFERENCES items (key) ON DELETE CASCADE,
        source_id TEXT NOT NULL,
        PRIMARY KEY (key, source_id)
    )""",
    "CREATE INDEX item_sources_source_id_idx ON item_sources (source_id)",
    """CREATE TABLE item_revisions (
        id {revision_id},
        key TEXT NOT NULL REFERENCES items (key) ON DELETE CASCADE,
        title TEXT NOT NULL,
        text TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        replaced_at TEXT NOT NULL
    )""",
    "CREATE INDEX item_revisions_key_idx ON item_revisions (key, replaced_at)",
    # No foreign key to items: hashes must outlive a prune so a tombstoned release never
    # comes back as new.
    """CREATE TABLE item_hashes (
        key TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        PRIMARY KEY (key, content_hash)
    )""",
    """CREATE TABLE tombstones (
        key TEXT NOT NULL PRIMARY KEY,
        pruned_at TEXT NOT NULL
    )""",
)


# The second schema: who wants what, and what was learnt about items for them.
# Subscriber and subscription ids are spelled {serial}. SQLite needs AUTOINCREMENT so an id is
# never reused: item_matches (and later the outbox) keep subscription and subscriber ids after
# the row is deleted, and a reused id would hand a newcomer someone else's matches. PostgreSQL
# identities never reuse values anyway.
V2 = (
    """CREATE TABLE subscribers (
        id {serial},
        channel TEXT NOT NULL,
        address TEXT NOT NULL,
        lang TEXT NOT NULL DEFAULT 'en',
        timezone TEXT NOT NULL DEFAULT 'UTC',
        paused INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
        active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
        created_at TEXT NOT NULL,
        UNIQUE (channel, address)
    )""",
    """CREATE TABLE subscriptions (
        id {serial},
        subscriber_id BIGINT NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
        query TEXT NOT NULL,
        mode TEXT NOT NULL DEFAULT 'instant',
        created_at TEXT NOT NULL
    )""",
    "CREATE INDEX subscriptions_subscriber_id_idx ON subscriptions (subscriber_id)",
    """CREATE TABLE mutes (
        subscriber_id BIGINT NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
        story_id TEXT NOT NULL,
        until TEXT,
        PRIMARY KEY (subscriber_id, story_id)
    )""",
    # Tags describe the current version of an item: replaced on revision, pruned with it.
    """CREATE TABLE item_tags (
        item_key TEXT NOT NULL REFERENCES items (key) ON DELETE CASCADE,
        place_id TEXT NOT NULL,
        name TEXT NOT NULL,
        matched TEXT NOT NULL,
        where_found TEXT NOT NULL,
        PRIMARY KEY (item_key, place_id)
    )""",
    # One row per (subscription, item version); reasons is a JSON array of display strings.
    # No foreign keys: a match outlives an unsubscribe and a prune (the outbox reads it).
    """CREATE TABLE item_matches (
        item_key TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        subscription_id BIGINT NOT NULL,
        subscriber_id BIGINT NOT NULL,
        reasons TEXT NOT NULL DEFAULT '[]',
        matched_at TEXT NOT NULL,
        PRIMARY KEY (item_key, content_hash, subscription_id)
    )""",
    "CREATE INDEX item_matches_subscriber_id_idx ON item_matches (subscriber_id)",
)


# The third schema: developing stories. A story's head (title, times) and the timeline of its
# items, one row per item: item_key is the primary key because an item belongs to one story.
# `position` numbers a story's items 1, 2, ... in the order they joined; unique per story.
# No foreign key from story_items.item_key to items: a pruned item keeps its place in the story
# (the timeline and its numbering stay whole; readers find no item for that key).
# Floats are spelled {real} (see the module doc).
V3 = (
    """CREATE TABLE stories (
        id TEXT NOT NULL PRIMARY KEY,
        title TEXT NOT NULL,
        created TEXT NOT NULL,
        updated TEXT NOT NULL
    )""",
    "CREATE INDEX stories_updated_idx ON stories (updated)",
    """CREATE TABLE story_items (
        item_key TEXT NOT NULL PRIMARY KEY,
        story_id TEXT NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
        role TEXT NOT NULL
            CHECK (role IN ('first', 'development', 'duplicate', 'response')),
        score {real} NOT NULL DEFAULT 1.0,
        responds_to TEXT,
        lag_seconds {real},
        added_at TEXT NOT NULL,
        position INTEGER NOT NULL CHECK (position >= 1)
    )""",
    "CREATE UNIQUE INDEX story_items_story_id_idx ON story_items (story_id, position)",
)


# The fourth schema: the outbox (ARCHITECTURE.md, "The outbox, as a state machine"). One row per
# alert, written by record_refresh in the transaction that records the match; the unique key
# makes enqueueing idempotent. `next_at` is when the row is next due for a claim: now for a new
# alert, the retry time, the end of a hold, or the end of a claim's lease (so one index finds
# both the due and the abandoned ones). `reason` says why an alert failed, was held or retried.
# Ids are spelled {serial} (never reused: merged_into points at another alert). `threads` keeps
# the platform id of the last message sent about a story to a destination, for replies.
V4 = (
    """CREATE TABLE alerts (
        id {serial},
        subscriber_id BIGINT NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
        item_key TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('new', 'development', 'revision')),
        story_id TEXT,
        reasons TEXT NOT NULL DEFAULT '[]',
        state TEXT NOT NULL DEFAULT 'pending'
            CHECK (state IN ('pending', 'claimed', 'sent', 'failed', 'merged', 'held')),
        next_at TEXT NOT NULL,
        attempt INTEGER NOT NULL DEFAULT 0 CHECK (attempt >= 0),
        lease_until TEXT,
        worker TEXT,
        reason TEXT,
        platform_message_id TEXT,
        sent_at TEXT,
        merged_into BIGINT REFERENCES alerts (id),
        created_at TEXT NOT NULL,
        UNIQUE (subscriber_id, item_key, content_hash, kind),
        CHECK (state <> 'claimed' OR (worker IS NOT NULL AND lease_until IS NOT NULL)),
        CHECK (state <> 'sent' OR sent_at IS NOT NULL),
        CHECK (state <> 'merged' OR merged_into IS NOT NULL)
    )""",
    "CREATE INDEX alerts_state_next_at_idx ON alerts (state, next_at)",
    """CREATE TABLE threads (
        channel TEXT NOT NULL,
        address TEXT NOT NULL,
        story_id TEXT NOT NULL,
        platform_message_id TEXT NOT NULL,
        updated TEXT NOT NULL,
        PRIMARY KEY (channel, address, story_id)
    )""",
)


# The sixth: digests and resumable sends. A subscription's mode becomes instant, daily or
# weekly; a subscriber's `digest` is the mode its new subscriptions take (`/digest daily`) and
# `digest_at` the local time its digest is due. An alert keeps the ids of the subscriptions
# that matched (a digest is decided, and an unsubscribed query dropped, when it is sent) and
# how many parts of its message went out before a failure (a retry sends the rest only).
V6 = (
    "UPDATE subscriptions SET mode = 'daily' WHERE mode = 'digest'",
    "ALTER TABLE subscribers ADD COLUMN digest TEXT NOT NULL DEFAULT 'instant'",
    "ALTER TABLE subscribers ADD COLUMN digest_at TEXT NOT NULL DEFAULT '08:00'",
    "ALTER TABLE alerts ADD COLUMN subscriptions TEXT NOT NULL DEFAULT '[]'",
    "ALTER TABLE alerts ADD COLUMN parts_sent INTEGER NOT NULL DEFAULT 0",
)

# The seventh: worker heartbeats. A worker beats every few seconds; a claim whose worker has
# not beaten within the staleness limit (or has no row) is taken over by another worker at
# once, not when its lease runs out. Rows of workers that stopped cleanly are deleted; those of
# workers long dead are pruned by the beats of the living.
V7 = (
    """CREATE TABLE workers (
        id TEXT NOT NULL PRIMARY KEY,
        started_at TEXT NOT NULL,
        heartbeat_at TEXT NOT NULL
    )""",
)


# The eighth: why a source waits, and sources disabled by a 410 Gone.
# wait_reason: in words, e.g. "the server asked to wait: Retry-After"; NULL = the usual interval.
# disabled_url: the address that answered 410 Gone; the source is not polled while its
# configured url is that one (a new url, or a forced poll that succeeds, enables it again).
V8 = (
    "ALTER TABLE source_state ADD COLUMN wait_reason TEXT",
    "ALTER TABLE source_state ADD COLUMN disabled_url TEXT",
    "ALTER TABLE source_state ADD COLUMN disabled_since TEXT",
)


# The ninth: floods (bot.ingest.flood). `source_floods` remembers a source's last flood (how
# many changes a refresh held back, 0 once it announced normally again; and when), beside
# source_state rather than in it: a source that never flooded writes the rows it always has.
# An alert may be a flood notice, kind 'bulk', which says how many items its source changed at
# once (`changed`). SQLite cannot alter a CHECK, so its alerts table is rebuilt: renamed away
# first (merged_into then points at the old table, which goes whole), copied, dropped, its
# index made again.
ALERTS_V9 = """CREATE TABLE alerts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        subscriber_id BIGINT NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
        item_key TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('new', 'development', 'revision', 'bulk')),
        story_id TEXT,
        reasons TEXT NOT NULL DEFAULT '[]',
        state TEXT NOT NULL DEFAULT 'pending'
            CHECK (state IN ('pending', 'claimed', 'sent', 'failed', 'merged', 'held')),
        next_at TEXT NOT NULL,
        attempt INTEGER NOT NULL DEFAULT 0 CHECK (attempt >= 0),
        lease_until TEXT,
        worker TEXT,
        reason TEXT,
        platform_message_id TEXT,
        sent_at TEXT,
        merged_into BIGINT REFERENCES alerts (id),
        created_at TEXT NOT NULL,
        subscriptions TEXT NOT NULL DEFAULT '[]',
        parts_sent INTEGER NOT NULL DEFAULT 0,
        changed INTEGER NOT NULL DEFAULT 0 CHECK (changed >= 0),
        UNIQUE (subscriber_id, item_key, content_hash, kind),
        CHECK (state <> 'claimed' OR (worker IS NOT NULL AND lease_until IS NOT NULL)),
        CHECK (state <> 'sent' OR sent_at IS NOT NULL),
        CHECK (state <> 'merged' OR merged_into IS NOT NULL)
    )"""
ALERT_COLUMNS_V8 = (
    "id, subscriber_id, item_key, content_hash, kind, story_id, reasons, state, next_at, "
    "attempt, lease_until, worker, reason, platform_message_id, sent_at, merged_into, "
    "created_at, subscriptions, parts_sent"
)
V9_STATE = (
    """CREATE TABLE source_floods (
        source_id TEXT NOT NULL PRIMARY KEY,
        held_back INTEGER NOT NULL CHECK (held_back >= 0),
        held_back_at TEXT NOT NULL
    )""",
)
V9_SQLITE = (
    *V9_STATE,
    "ALTER TABLE alerts RENAME TO alerts_v8",
    ALERTS_V9,
    f"INSERT INTO alerts ({ALERT_COLUMNS_V8}) SELECT {ALERT_COLUMNS_V8} FROM alerts_v8",
    # Ids are never reused, not even those of alerts deleted since: the counter comes along.
    "DELETE FROM sqlite_sequence WHERE name = 'alerts'",
    "INSERT INTO sqlite_sequence (name, seq) "
    "SELECT 'alerts', seq FROM sqlite_sequence WHERE name = 'alerts_v8'",
    "DROP TABLE alerts_v8",
    "CREATE INDEX alerts_state_next_at_idx ON alerts (state, next_at)",
)
V9_POSTGRESQL = (
    *V9_STATE,
    "ALTER TABLE alerts DROP CONSTRAINT alerts_kind_check",
    "ALTER TABLE alerts ADD CONSTRAINT alerts_kind_check "
    "CHECK (kind IN ('new', 'development', 'revision', 'bulk'))",
    "ALTER TABLE alerts ADD COLUMN changed INTEGER NOT NULL DEFAULT 0 CHECK (changed >= 0)",
)
