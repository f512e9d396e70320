"""Fixtures for the store tests: `store`, one migrated Store per backend (`unmigrated_store`, the
same on an empty database; `file_store`, a SQLiteStore on a file for SQLite's own tests), and
helpers that build test values (items, changes, states, item annotations, subscribers and the
matches that put alerts in the outbox) with sensible defaults.

A backend is one entry of BACKENDS: a function from a temporary directory to a store URL.
The PostgreSQL backend will add an entry (skipping when no test database is configured).
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.models import (
    Annotations,
    Change,
    ChangeKind,
    Item,
    ItemMatch,
    ItemTag,
    SourceState,
    Story,
    StoryLink,
)
from bot.store import Store, migrations, open_store, sqlite_sql
from bot.store.rows import STATE_COLUMNS
from bot.store.sqlite import SQLiteStore
from subscriptions.models import Subscriber

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
STALE = 10.0  # seconds a worker may go without a heartbeat before its claims are taken over

BACKENDS: dict[str, Callable[[Path], str]] = {
    "sqlite-file": lambda tmp: f"sqlite:///{tmp / 'alertbot.db'}",
    "sqlite-memory": lambda tmp: "sqlite://:memory:",
}


@pytest.fixture(params=sorted(BACKENDS))
async def unmigrated_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """A store on an empty database (schema version 0); closed after the test."""
    s = open_store(BACKENDS[request.param](tmp_path))
    try:
        yield s
    finally:
        await s.close()


@pytest.fixture
async def store(unmigrated_store: Store) -> Store:
    """A migrated, empty store; closed after the test."""
    await unmigrated_store.migrate()
    return unmigrated_store


@pytest.fixture
async def file_store(tmp_path: Path) -> AsyncIterator[SQLiteStore]:
    """A migrated SQLiteStore on a file, for the tests of what is particular to SQLite."""
    store = SQLiteStore(tmp_path / "alertbot.db")
    try:
        await store.migrate()
        yield store
    finally:
        await store.close()


def as_of_version(patch: pytest.MonkeyPatch, version: int) -> None:
    """The store migrates only up to `version`, and writes a source's state (record_refresh
    always does) with the columns the table had then."""
    later = {
        column
        for m in migrations.MIGRATIONS[version:]
        for statement in m.statements("sqlite")
        for column in re.findall(r"ALTER TABLE source_state ADD COLUMN (\w+)", statement)
    }
    patch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:version])
    patch.setattr(migrations, "LATEST", version)
    columns = [c for c in STATE_COLUMNS if c not in later]
    patch.setattr(sqlite_sql, "UPSERT_STATE", sqlite_sql.upsert_state(columns))


def at(minutes: float) -> datetime:
    """T0 plus some minutes: readable test times."""
    return T0 + timedelta(minutes=minutes)


def content_hash(title: str, text: str) -> str:
    return hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()


def make_item(key: str = "k1", *, title: str | None = None, text: str = "Body.", **kw: Any) -> Item:
    """An Item with defaults; the hash follows title and text unless given."""
    title = f"Release {key}" if title is None else title
    fields: dict[str, Any] = {
        "source_id": "ice",
        "url": f"https://www.ice.gov/news/{key}",
        "published": T0,
        "agency": "ICE",
        "jurisdiction": "federal",
        "guid": f"guid-{key}",
        "author": None,
    }
    fields.update(kw)
    fields.setdefault("content_hash", content_hash(title, text))
    return Item(key=key, title=title, text=text, **fields)


def new(item: Item) -> Change:
    return Change(ChangeKind.NEW, item)


def baseline(item: Item) -> Change:
    return Change(ChangeKind.BASELINE, item)


def seen(item: Item) -> Change:
    return Change(ChangeKind.SEEN, item)


def revised(item: Item, previous: Item) -> Change:
    return Change(ChangeKind.REVISED, item, previous)


def make_state(source_id: str = "ice", **kw: Any) -> SourceState:
    return SourceState(source_id=source_id, **kw)


def tag(key: str, place_id: str = "us-ca", *, where: str = "text") -> ItemTag:
    """A place tag of item `key`; the name and matched words follow the place id."""
    name = place_id.removeprefix("us-").upper()
    return ItemTag(item_key=key, place_id=place_id, name=name, matched=name, where=where)


def match(item: Item, subscription_id: int, subscriber_id: int = 1, *reasons: str) -> ItemMatch:
    """A match of this version of `item` (its key and content hash)."""
    return ItemMatch(
        item_key=item.key,
        content_hash=item.content_hash,
        subscription_id=subscription_id,
        subscriber_id=subscriber_id,
        reasons=reasons or (f"sub {subscription_id} ⊃ {item.key}",),
    )


async def make_subscriber(store: Store, address: str = "1001", **settings: Any) -> Subscriber:
    """A Telegram subscriber at `address`, with `settings` (paused, active, ...) saved."""
    sub = await store.ensure_subscriber("telegram", address, T0)
    if settings:
        sub = dataclasses.replace(sub, **settings)
        await store.update_subscriber(sub)
    return sub


async def record_matched(
    store: Store,
    change: Change,
    subs: Sequence[Subscriber],
    *,
    links: Sequence[StoryLink] = (),
    heads: Sequence[Story] = (),
    when: datetime = T0,
) -> None:
    """Record `change` with a match of its version by each of `subs` (subscription n + 1), and
    the story `links` and `heads` given: what puts alerts in the outbox."""
    matches = tuple(match(change.item, n + 1, s.id) for n, s in enumerate(subs))
    notes = Annotations(matches=matches, links=tuple(links), stories=tuple(heads))
    await store.record_refresh(make_state(), [change], when, notes)
