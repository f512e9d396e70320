"""The SQL of the outbox (SQLite dialect, the PostgreSQL forms noted where they differ), and
`enqueue_plan`, which turns the alerts `recording.enqueued` decided into batches for
record_refresh's transaction.

The states and their moves are ARCHITECTURE.md's "The outbox, as a state machine". A claim
sets `next_at` to the end of its lease, so one condition, `state IN ('pending', 'held',
'claimed') AND next_at <= now`, finds the due alerts, the holds that ended and the claims whose
worker died, on one index (state, next_at). A worker that died need not be waited for until
its lease ends: workers beat a heartbeat (`workers`), and each claim first ends the lease of
every claim whose worker's heartbeat is stale (REAP), so the same condition finds those too;
the lease stays the backstop for a worker that beats but is stuck. Every mark_* of a claimed
alert names the worker that claimed it and changes nothing once another worker has taken the
claim over: a late worker never clobbers.

Clocks: heartbeats and leases are written in the clock of the worker that writes them and
compared with the claiming worker's. On SQLite every worker runs on the database's host, so
that is the database's clock. PostgreSQL with workers on several hosts: NTP keeps them within
milliseconds, against a margin of several seconds (stale limit minus beat interval); where
that cannot be trusted, write and compare heartbeats in the database's clock instead, which
no host's skew can move: in BEAT `to_char(now() AT TIME ZONE 'UTC',
'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')` (the stored text form, rows.to_db_time), in REAP the same of
`now() - make_interval(secs => $stale)` (the contract tests' manual clocks then do not apply).

Pure data and functions: no I/O. Must not import bot.ingest, bot.channels or bot.delivery.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from bot.store.outbox_rows import ALERT_COLUMNS, STATE_COLUMNS, enqueue_params
from bot.store.recording import Enqueue

_A_COLS = ", ".join(f"a.{c}" for c in ALERT_COLUMNS)
_STATE_COLS = ", ".join(f"a.{c}" for c in STATE_COLUMNS)
_FROM = "FROM alerts AS a JOIN subscribers AS b ON b.id = a.subscriber_id"
_INSERT = (
    "INSERT INTO alerts (subscriber_id, item_key, content_hash, kind, story_id, reasons, "
    "state, next_at, attempt, created_at, subscriptions, changed) "
)
_ACTIVE = "FROM subscribers AS b WHERE b.id = :subscriber_id AND b.active = 1"
# What a subscriber received: a sent alert, or one merged into a message that went out.
_RECEIVED = "e.state IN ('sent', 'merged')"

# --- enqueue (inside record_refresh) ----------------------------------------------------------
# ON CONFLICT, not INSERT OR IGNORE: that would also skip a row breaking NOT NULL or a CHECK.
_ENQUEUE = (
    _INSERT + "SELECT b.id, :item_key, :content_hash, :kind, :story_id, :reasons, "
    f"'pending', :now, 0, :now, :subscriptions, :changed {_ACTIVE} ON CONFLICT DO NOTHING"
)
# A revision goes to those who received an earlier version, in the story the item is in.
_ENQUEUE_REVISION = (
    _INSERT + "SELECT b.id, :item_key, :content_hash, 'revision', "
    "(SELECT m.story_id FROM story_items AS m WHERE m.item_key = :item_key), :reasons, "
    f"'pending', :now, 0, :now, :subscriptions, :changed {_ACTIVE} "
    "AND EXISTS (SELECT 1 FROM alerts AS e WHERE e.subscriber_id = b.id AND e.item_key = :item_key "
    f"AND e.content_hash <> :content_hash AND {_RECEIVED}) ON CONFLICT DO NOTHING"
)

# --- workers' heartbeats ----------------------------------------------------------------------
# A worker is alive at :now (its beats, and each of its claims: a claimer is alive by definition,
# so its own claims are never taken for a dead worker's).
BEAT = (
    "INSERT INTO workers (id, started_at, heartbeat_at) VALUES (:worker, :now, :now) "
    "ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at"
)
# Rows of workers silent long past any staleness limit (no row reads as a dead worker anyway),
# deleted by the beats of the living.
FORGET_AFTER = timedelta(days=1)
FORGET = "DELETE FROM workers WHERE heartbeat_at < :before"
# The claims of workers whose heartbeat is older than :alive_since, or who have no row (killed
# and pruned, or claimed before heartbeats existed), end now: due again at the time they were
# created, so they go ahead of what became due while they were held (they waited longest).
# They stay claimed by the dead worker until claimed again, which counts an attempt, as an
# expired lease does (the send may have happened, or crashed the worker).
REAP = (
    "UPDATE alerts SET next_at = created_at, lease_until = :now "
    "WHERE state = 'claimed' AND next_at > :now AND NOT EXISTS (SELECT 1 FROM workers AS w "
    "WHERE w.id = alerts.worker AND w.heartbeat_at >= :alive_since)"
)
# A worker stopping cleanly hands back what it still holds (due at once, no attempt counted:
# nothing crashed) and leaves: a planned restart waits for nothing.
RELEASE = (
    "UPDATE alerts SET state = 'pending', next_at = created_at, lease_until = NULL, "
    "worker = NULL WHERE state = 'claimed' AND worker = :worker"
)
RETIRE = "DELETE FROM workers WHERE id = :worker"

# --- claim ------------------------------------------------------------------------------------
# Oldest due first. Inside one BEGIN IMMEDIATE: BEAT, REAP, select, then claim each row. A claim
# taken over from a dead worker counts as an attempt (its send may have happened, or crashed it).
# An inactive subscriber's alerts wait (deactivate_subscriber fails them).
_DUE = (
    f"SELECT {_A_COLS}, a.state, a.reason AS hold, b.channel, b.address {_FROM} "
    "WHERE a.state IN ('pending', 'held', 'claimed') AND a.next_at <= :now AND b.active = 1 "
)
DUE = _DUE + "ORDER BY a.next_at, a.id LIMIT :limit"
# One subscriber's (a digest came due: the rest of it joins the message, whatever the batch).
DUE_OF = _DUE + "AND a.subscriber_id = :subscriber_id ORDER BY a.next_at, a.id LIMIT :limit"
CLAIM = (
    "UPDATE alerts SET state = 'claimed', worker = :worker, lease_until = :until, "
    "next_at = :until, attempt = CASE WHEN state = 'claimed' THEN attempt + 1 ELSE attempt END "
    "WHERE id = :id"
)
# PostgreSQL: BEAT and REAP first, as statements of their own in the claim's transaction (a
# data-modifying CTE's changes are invisible to the rest of its statement); REAP's rows with
# `AND id IN (SELECT id FROM alerts WHERE ... FOR UPDATE SKIP LOCKED)`, so two claimers never
# wait on each other's reaping. Then one statement; SKIP LOCKED lets concurrent workers claim
# disjoint batches:
#   WITH due AS (SELECT a.id FROM alerts AS a JOIN subscribers AS b ON b.id = a.subscriber_id
#     WHERE a.state IN ('pending', 'held', 'claimed') AND a.next_at <= $1 AND b.active = 1
#     ORDER BY a.next_at, a.id LIMIT $2 FOR UPDATE OF a SKIP LOCKED)
#   UPDATE alerts AS a SET state = 'claimed', worker = $3, lease_until = $4, next_at = $4,
#     attempt = CASE WHEN a.state = 'claimed' THEN a.attempt + 1 ELSE a.attempt END
#   FROM due, subscribers AS b WHERE a.id = due.id AND b.id = a.subscriber_id
#   RETURNING a.*, b.channel, b.address        -- in no order: sort by (old next_at, id)

# A claim still being worked on: its lease is pushed back (so it is not taken over).
RENEW = (
    "UPDATE alerts SET lease_until = :until, next_at = :until "
    "WHERE id = :id AND state = 'claimed' AND worker = :worker"
)

# --- marks ------------------------------------------------------------------------------------
_CLAIMED_BY = "WHERE id = :id AND state = 'claimed' AND worker = :worker"
MARK_SENT = (
    "UPDATE alerts SET state = 'sent', platform_message_id = :message_id, sent_at = :now, "
    f"reason = NULL, lease_until = NULL {_CLAIMED_BY}"
)
# `counts` is 1, or 0 for a wait the platform asked for (429): that is no failed attempt.
# `parts_sent`: the message's parts that went out, which the retry does not send again.
MARK_RETRY = (
    "UPDATE alerts SET state = 'pending', attempt = attempt + :counts, next_at = :next_at, "
    "reason = :reason, parts_sent = :parts_sent, lease_until = NULL, worker = NULL "
    f"{_CLAIMED_BY}"
)
MARK_FAILED = (
    f"UPDATE alerts SET state = 'failed', reason = :reason, lease_until = NULL {_CLAIMED_BY}"
)
# Held and merged apply to waiting alerts and to claimed ones (of `worker`, when it is given).
# PostgreSQL: spell the parameter `$n::text IS NULL`.
_MOVABLE = (
    "AND (state IN ('pending', 'held') "
    "OR (state = 'claimed' AND (:worker IS NULL OR worker = :worker)))"
)
RELEASE_HELD = (  # the reason remembers the hold: released alerts go out as one message
    "UPDATE alerts SET state = 'pending', next_at = :now, reason = 'released' "
    "WHERE subscriber_id = :subscriber_id AND state = 'held' "
    "AND (:held_for IS NULL OR reason = :held_for)"
)
MARK_HELD = (
    "UPDATE alerts SET state = 'held', next_at = :until, reason = :reason, lease_until = NULL, "
    f"worker = NULL WHERE id = :id {_MOVABLE}"
)
MARK_MERGED = (
    "UPDATE alerts SET state = 'merged', merged_into = :into, lease_until = NULL, "
    f"worker = NULL WHERE id = :id AND id <> :into {_MOVABLE}"
)

# --- subscribers' fate ------------------------------------------------------------------------
DEACTIVATE = "UPDATE subscribers SET active = 0 WHERE id = :id"
FAIL_OPEN = (
    "UPDATE alerts SET state = 'failed', reason = :reason, lease_until = NULL "
    "WHERE subscriber_id = :id AND state IN ('pending', 'held', 'claimed')"
)
ADDRESS_OF = "SELECT channel, address FROM subscribers WHERE id = ?"
HOLDER_OF = "SELECT id FROM subscribers WHERE channel = ? AND address = ?"
MOVE = "UPDATE subscribers SET address = :address WHERE id = :id"
# The old chat's message ids mean nothing at the new address: its stories start new threads.
DROP_THREADS = "DELETE FROM threads WHERE channel = :channel AND address = :old"

# --- threads ----------------------------------------------------------------------------------
THREAD = (
    "SELECT platform_message_id FROM threads WHERE channel = ? AND address = ? AND story_id = ?"
)
SAVE_THREAD = (
    "INSERT INTO threads (channel, address, story_id, platform_message_id, updated) "
    "VALUES (:channel, :address, :story_id, :message_id, :now) "
    "ON CONFLICT (channel, address, story_id) DO UPDATE SET "
    "platform_message_id = excluded.platform_message_id, updated = excluded.updated"
)

# --- reading ----------------------------------------------------------------------------------
COUNTS = "SELECT state, COUNT(*) AS n FROM alerts GROUP BY state"
_RECORD = f"SELECT {_A_COLS}, {_STATE_COLS}, b.channel, b.address {_FROM}"
ALERTS_OF = f"{_RECORD} WHERE a.subscriber_id = ? ORDER BY a.id"
ALERTS_OF_IN_STATE = f"{_RECORD} WHERE a.subscriber_id = ? AND a.state = ? ORDER BY a.id"
ALERT_BY_ID = f"{_RECORD} WHERE a.id = ?"
SENT_ITEMS = (
    "SELECT e.item_key FROM alerts AS e WHERE e.subscriber_id = ? AND e.story_id = ? "
    f"AND {_RECEIVED} GROUP BY e.item_key ORDER BY MIN(e.id)"
)


def enqueue_plan(
    alerts: Sequence[Enqueue], now: str
) -> list[tuple[str, list[dict[str, Any]]]]:
    """(statement, rows) putting `alerts` (as `recording.enqueued` decided them) in the
    outbox, pending and due `now`. Run after the matches they come from are written."""
    rows = [(alert.kind, enqueue_params(alert, now)) for alert in alerts]
    return [
        (_ENQUEUE, [r for kind, r in rows if kind != "revision"]),
        (_ENQUEUE_REVISION, [r for kind, r in rows if kind == "revision"]),
    ]
