"""Row <-> model mapping shared by the store backends: column lists, timestamps, booleans.

Pure functions over rows that can be indexed by column name (sqlite3.Row, asyncpg.Record).
Timestamps are stored as fixed-width ISO-8601 UTC text (why: see bot.store.migrations), match
reasons as a JSON array. Must not import bot.ingest, bot.channels or bot.delivery.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Protocol, overload

from bot.models import Item, ItemMatch, ItemTag, Revision, SourceState
from subscriptions.models import Mute, Subscriber, Subscription

ITEM_COLUMNS = (
    "key",
    "source_id",
    "url",
    "title",
    "text",
    "published",
    "content_hash",
    "agency",
    "jurisdiction",
    "guid",
    "author",
)
STATE_COLUMNS = (
    "source_id",
    "etag",
    "last_modified",
    "body_hash",
    "next_check",
    "consecutive_failures",
    "last_success",
    "last_attempt",
    "last_outcome",
    "last_error",
    "baseline_done",
    "wait_reason",
    "disabled_url",
    "disabled_since",
)
# The source's last flood (bot.ingest.flood), kept beside its state in `source_floods`.
FLOOD_COLUMNS = ("held_back", "held_back_at")
REVISION_COLUMNS = ("key", "title", "text", "content_hash", "replaced_at")
SUBSCRIBER_COLUMNS = (
    "id",
    "channel",
    "address",
    "lang",
    "timezone",
    "paused",
    "active",
    "created_at",
    "quiet_hours",
    "digest",
    "digest_at",
)
SUBSCRIPTION_COLUMNS = ("id", "subscriber_id", "query", "mode", "created_at")
MUTE_COLUMNS = ("subscriber_id", "story_id", "until")
TAG_COLUMNS = ("item_key", "place_id", "name", "matched", "where_found")
MATCH_COLUMNS = ("item_key", "content_hash", "subscription_id", "subscriber_id", "reasons")


class Row(Protocol):
    def __getitem__(self, column: str, /) -> Any: ...


@overload
def to_db_time(value: datetime) -> str: ...
@overload
def to_db_time(value: None) -> None: ...
@overload
def to_db_time(value: datetime | None) -> str | None: ...


def to_db_time(value: datetime | None) -> str | None:
    """Aware datetime -> 'YYYY-MM-DDTHH:MM:SS.ffffffZ'. Fixed width, so text order is time
    order. A naive datetime is refused: guessing its zone would silently shift stored times."""
    if value is None:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value!r}: the store takes aware datetimes only")
    # isoformat() pads the year to 4 digits, where strftime('%Y') may not.
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def from_db_time(value: str | None) -> datetime | None:
    if value is None:
        return None
    return datetime.fromisoformat(value).astimezone(UTC)


def item_params(item: Item) -> dict[str, Any]:
    """Named parameters for the item columns."""
    return {
        "key": item.key,
        "source_id": item.source_id,
        "url": item.url,
        "title": item.title,
        "text": item.text,
        "published": to_db_time(item.published),
        "content_hash": item.content_hash,
        "agency": item.agency,
        "jurisdiction": item.jurisdiction,
        "guid": item.guid,
        "author": item.author,
    }


def row_to_item(row: Row) -> Item:
    return Item(
        key=row["key"],
        source_id=row["source_id"],
        url=row["url"],
        title=row["title"],
        text=row["text"],
        published=from_db_time(row["published"]),
        content_hash=row["content_hash"],
        agency=row["agency"],
        jurisdiction=row["jurisdiction"],
        guid=row["guid"],
        author=row["author"],
    )


def state_params(state: SourceState) -> dict[str, Any]:
    """Named parameters for the source_state and FLOOD_COLUMNS columns."""
    return {
        "source_id": state.source_id,
        "etag": state.etag,
        "last_modified": state.last_modified,
        "body_hash": state.body_hash,
        "next_check": to_db_time(state.next_check),
        "consecutive_failures": state.consecutive_failures,
        "last_success": to_db_time(state.last_success),
        "last_attempt": to_db_time(state.last_attempt),
        "last_outcome": state.last_outcome,
        "last_error": state.last_error,
        "baseline_done": int(state.baseline_done),
        "wait_reason": state.wait_reason,
        "disabled_url": state.disabled_url,
        "disabled_since": to_db_time(state.disabled_since),
        "held_back": state.held_back,
        "held_back_at": to_db_time(state.held_back_at),
    }


def row_to_state(row: Row) -> SourceState:
    return SourceState(
        source_id=row["source_id"],
        etag=row["etag"],
        last_modified=row["last_modified"],
        body_hash=row["body_hash"],
        next_check=from_db_time(row["next_check"]),
        consecutive_failures=row["consecutive_failures"],
        last_success=from_db_time(row["last_success"]),
        last_attempt=from_db_time(row["last_attempt"]),
        last_outcome=row["last_outcome"],
        last_error=row["last_error"],
        baseline_done=bool(row["baseline_done"]),
        wait_reason=row["wait_reason"],
        disabled_url=row["disabled_url"],
        disabled_since=from_db_time(row["disabled_since"]),
        held_back=row["held_back"] or 0,  # no source_floods row: never flooded
        held_back_at=from_db_time(row["held_back_at"]),
    )


def row_to_revision(row: Row) -> Revision:
    replaced_at = from_db_time(row["replaced_at"])
    assert replaced_at is not None  # NOT NULL column
    return Revision(
        key=row["key"],
        title=row["title"],
        text=row["text"],
        content_hash=row["content_hash"],
        replaced_at=replaced_at,
    )


# --- subscriptions ----------------------------------------------------------------------------
def row_to_subscriber(row: Row, prefix: str = "") -> Subscriber:
    """`prefix` reads the columns of a join that aliased them (`b.id AS b_id`)."""
    return Subscriber(
        id=row[prefix + "id"],
        channel=row[prefix + "channel"],
        address=row[prefix + "address"],
        lang=row[prefix + "lang"],
        timezone=row[prefix + "timezone"],
        paused=bool(row[prefix + "paused"]),
        active=bool(row[prefix + "active"]),
        created_at=from_db_time(row[prefix + "created_at"]),
        quiet_hours=row[prefix + "quiet_hours"],
        digest=row[prefix + "digest"],
        digest_at=row[prefix + "digest_at"],
    )


def row_to_subscription(row: Row) -> Subscription:
    return Subscription(
        id=row["id"],
        subscriber_id=row["subscriber_id"],
        query=row["query"],
        mode=row["mode"],
        created_at=from_db_time(row["created_at"]),
    )


def mute_params(mute: Mute) -> dict[str, Any]:
    return {
        "subscriber_id": mute.subscriber_id,
        "story_id": mute.story_id,
        "until": to_db_time(mute.until),
    }


def row_to_mute(row: Row) -> Mute:
    return Mute(
        subscriber_id=row["subscriber_id"],
        story_id=row["story_id"],
        until=from_db_time(row["until"]),
    )


# --- item annotations -------------------------------------------------------------------------
def tag_params(tag: ItemTag) -> dict[str, Any]:
    # `where` is an SQL keyword, hence the column's longer name.
    return {
        "item_key": tag.item_key,
        "place_id": tag.place_id,
        "name": tag.name,
        "matched": tag.matched,
        "where_found": tag.where,
    }


def row_to_tag(row: Row) -> ItemTag:
    return ItemTag(
        item_key=row["item_key"],
        place_id=row["place_id"],
        name=row["name"],
        matched=row["matched"],
        where=row["where_found"],
    )


def match_params(match: ItemMatch, matched_at: str) -> dict[str, Any]:
    return {
        "item_key": match.item_key,
        "content_hash": match.content_hash,
        "subscription_id": match.subscription_id,
        "subscriber_id": match.subscriber_id,
        # ensure_ascii=False: reasons such as "Ventura County ⊂ California" stay readable in
        # sqlite3 and psql.
        "reasons": json.dumps(list(match.reasons), ensure_ascii=False),
        "matched_at": matched_at,
    }


def row_to_match(row: Row) -> ItemMatch:
    return ItemMatch(
        item_key=row["item_key"],
        content_hash=row["content_hash"],
        subscription_id=row["subscription_id"],
        subscriber_id=row["subscriber_id"],
        reasons=tuple(json.loads(row["reasons"])),
    )
