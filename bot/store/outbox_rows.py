"""Row <-> model mapping for the outbox, shared by the store backends.

An `alerts` row is an `Alert` (what to tell whom) plus where it stands in the state machine
(ARCHITECTURE.md, "The outbox"): `AlertRecord`. The destination (channel, address) is not
stored with the alert but read from its subscriber when the alert is claimed, so a chat that
moved (a group that became a supergroup) gets its pending alerts at the new address.

Pure functions over rows indexed by column name. Must not import bot.ingest, bot.channels or
bot.delivery.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.models import Alert
from bot.store.recording import Enqueue
from bot.store.rows import Row, from_db_time
from subscriptions.models import Mute, Subscriber, Subscription

STATES = ("pending", "claimed", "sent", "failed", "merged", "held")
# The columns of an Alert, as read back (the alert's own and its subscriber's destination).
ALERT_COLUMNS = (
    "id",
    "subscriber_id",
    "item_key",
    "content_hash",
    "kind",
    "story_id",
    "reasons",
    "attempt",
    "created_at",
    "subscriptions",
    "parts_sent",
    "changed",
)
STATE_COLUMNS = (
    "state",
    "next_at",
    "lease_until",
    "worker",
    "reason",
    "platform_message_id",
    "sent_at",
    "merged_into",
)


@dataclass(frozen=True)
class AlertRecord:
    """An alert and where it stands: its state, when it is next due (`next_at`: retry time,
    end of a hold or of a claim's lease), who holds its claim, why it failed, was held or
    retried (`reason`), and how it ended (`platform_message_id`, `sent_at`, `merged_into`)."""

    alert: Alert
    state: str
    next_at: datetime
    lease_until: datetime | None = None
    worker: str | None = None
    reason: str | None = None
    platform_message_id: str | None = None
    sent_at: datetime | None = None
    merged_into: int | None = None


@dataclass(frozen=True)
class Recipient:
    """What the dispatcher must know of a subscriber to decide about its alerts, read at once:
    the subscriber (language, pause, quiet hours, digest time), its subscriptions (their
    modes; which still exist) and its mutes."""

    subscriber: Subscriber
    subscriptions: tuple[Subscription, ...]
    mutes: tuple[Mute, ...]


def enqueue_params(alert: Enqueue, now: str) -> dict[str, Any]:
    return {
        "subscriber_id": alert.subscriber_id,
        "item_key": alert.item_key,
        "content_hash": alert.content_hash,
        "kind": alert.kind,
        "story_id": alert.story_id,
        "reasons": json.dumps(list(alert.reasons), ensure_ascii=False),
        "subscriptions": json.dumps(list(alert.subscription_ids)),
        "changed": alert.changed,
        "now": now,
    }


def row_to_alert(row: Row) -> Alert:
    """ALERT_COLUMNS and the subscriber's `channel` and `address`."""
    return Alert(
        id=row["id"],
        subscriber_id=row["subscriber_id"],
        channel=row["channel"],
        address=row["address"],
        item_key=row["item_key"],
        content_hash=row["content_hash"],
        kind=row["kind"],
        story_id=row["story_id"],
        reasons=tuple(json.loads(row["reasons"])),
        attempt=row["attempt"],
        created_at=from_db_time(row["created_at"]),
        subscription_ids=tuple(json.loads(row["subscriptions"])),
        parts_sent=row["parts_sent"],
        changed=row["changed"],
    )


def row_to_record(row: Row) -> AlertRecord:
    """What `row_to_alert` reads, and STATE_COLUMNS."""
    next_at = from_db_time(row["next_at"])
    assert next_at is not None  # NOT NULL column
    return AlertRecord(
        alert=row_to_alert(row),
        state=row["state"],
        next_at=next_at,
        lease_until=from_db_time(row["lease_until"]),
        worker=row["worker"],
        reason=row["reason"],
        platform_message_id=row["platform_message_id"],
        sent_at=from_db_time(row["sent_at"]),
        merged_into=row["merged_into"],
    )
