"""Row <-> model mapping shared by the store backends: column lists, timestamps, booleans.

Pure functions over rows that can be indexed by column name (sqlite3.Row, asyncpg.Record).
Timestamps are stored as fixed-width ISO-8601 UTC text (why: see bot.store.migrations).
Must not import bot.ingest, bot.channels or bot.delivery.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol, overload

from bot.models import Item, Revision, SourceState

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
)
REVISION_COLUMNS = ("key", "title", "text", "content_hash", "replaced_at")


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
    """Named parameters for the source_state columns."""
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
