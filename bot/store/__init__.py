"""The Store protocol: everything alertbot remembers, behind one interface.

Implementations: `sqlite.SQLiteStore` (aiosqlite, the embedded default). A PostgreSQL one will
pass the same contract tests (tests/store/test_contract.py, test_subscriptions_contract.py).
Callers depend on `Store` only; `open_store(url)` is called by the composition root. A Store is
also the `subscriptions.store.SubscriptionStore` the subscription use cases are handed.

Every method that writes is one short transaction: it either happens whole or not at all.
The outbox (alerts and their state machine, ARCHITECTURE.md "The outbox") is part of it: alerts
are written by record_refresh with the matches they come from, and the dispatcher moves them
with `claim_alerts` and the `mark_*` methods.
May import `subscriptions` (models, protocol); must not import bot.ingest, bot.channels or
bot.delivery.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol

from bot.errors import ConfigError
from bot.models import (
    Alert,
    Annotations,
    Change,
    Item,
    ItemMatch,
    ItemTag,
    KnownItem,
    Revision,
    SourceState,
    Story,
    StoryLink,
)
from bot.store.outbox_rows import AlertRecord, Recipient
from subscriptions.store import SubscriptionStore

# record_refresh's default: frozen, so one shared value is safe (a call in the signature
# would look like a fresh value per call, which defaults never are: ruff B008).
NO_ANNOTATIONS = Annotations()


class Store(SubscriptionStore, Protocol):
    async def migrate(self) -> int:
        """Apply pending migrations; return the schema version now in force."""

    async def schema_version(self) -> int: ...

    async def ping(self) -> bool:
        """True when the database answers a trivial query."""

    async def close(self) -> None: ...

    # --- sources' fetch state -------------------------------------------------------------
    async def source_state(self, source_id: str) -> SourceState | None: ...

    async def source_states(self) -> dict[str, SourceState]: ...

    async def save_source_state(self, state: SourceState) -> None:
        """Record a fetch that produced no items to write (304, failure, identical body)."""

    # --- items ------------------------------------------------------------------------------
    async def known_items(self, keys: Iterable[str]) -> dict[str, KnownItem]:
        """The stored version of each key that exists; tombstoned keys come back with
        `item=None` and their hashes."""

    async def record_refresh(
        self,
        state: SourceState,
        changes: Sequence[Change],
        now: datetime,
        annotations: Annotations = NO_ANNOTATIONS,
    ) -> tuple[Change, ...]:
        """In ONE transaction: insert NEW/BASELINE items, archive the previous version of
        REVISED items as a revision and store the new one, note SEEN items' last-seen time,
        store the annotations of what was recorded NEW or REVISED, and save the source
        state. Nothing is written half.

        Return the changes as recorded, in order (rules: bot.store.recording): a NEW another
        source stored first, or anything about a tombstoned key, comes back as SEEN. Announce
        these, not the ones passed in, or two feeds polled at once alert twice.

        Annotations: the places (`tags`) of a key recorded NEW or REVISED replace any it had;
        the `matches` of exactly the versions (key + content hash) recorded NEW or REVISED
        are added (a version's match is stored once, however often it is recorded). An item
        recorded NEW joins the story its `links` entry names, at the end of its timeline, in
        the order of `links`; that story's head (`stories`, by id) is inserted, or updates
        the stored story's title and `updated` (never `created`). A story linked without a
        head must exist; its `updated` becomes `now`. A REVISED item keeps its story, and an
        item already in a story stays where it is. The rest is dropped: what came back SEEN
        was annotated by whoever recorded it. ValueError, before anything is written, for a
        tag, link or match of a key or version no change carries, two links of one key, a
        role not in "first", "development", "duplicate", "response", two heads of one story,
        or a link to a story that is new (or starts with it: "first") and has no head.

        Outbox: each (subscriber, version) of the matches stored puts one alert in the outbox,
        pending and due `now`, in this same transaction: kind "revision" for a version recorded
        REVISED (only to a subscriber who received an earlier version of the item),
        "development" for a NEW joining a story as "development" or "response", none for a NEW
        joining as "duplicate", "new" otherwise. Inactive subscribers get none; paused ones
        do. An alert already in the outbox is not added again. Rules: bot.store.recording.
        """

    async def item(self, key: str) -> Item | None: ...

    async def items(self, keys: Iterable[str]) -> dict[str, Item]:
        """The current version of each key that is stored, in the order first asked, in one
        read however many keys (pruned and unknown keys are left out)."""

    async def revisions(self, key: str) -> list[Revision]:
        """Earlier versions of an item, oldest first."""

    async def recent_items(self, limit: int = 20, source_id: str | None = None) -> list[Item]:
        """Most recently published first (items without a date last)."""

    async def count_items(self) -> int: ...

    async def item_tags(self, key: str) -> list[ItemTag]:
        """The places the item's current version is about, by place id."""

    async def item_matches(self, key: str) -> list[ItemMatch]:
        """Every subscription matched with any version of the item, oldest first; kept after
        an unsubscribe and after the item is pruned."""

    async def prune(self, before: datetime) -> int:
        """Move items last seen before `before` to tombstones (their key and content hashes
        stay known so they never come back as new). Return how many were pruned. Their
        places in stories stay."""

    # --- developing stories (written by record_refresh) -----------------------------------
    async def stories(self, limit: int = 20, updated_since: datetime | None = None) -> list[Story]:
        """Most recently updated first (then by id), at most `limit`; with `updated_since`,
        only those updated at or after it. Each story comes whole: `item_keys` in timeline
        order (pruned items included), `sources` and `agencies` of its stored items and
        `places` (names of their tags), each distinct, in order of first appearance."""

    async def story(self, story_id: str) -> Story | None:
        """One story, whole as `stories` gives them."""

    async def story_links(self, story_id: str) -> list[StoryLink]:
        """How each item joined the story, in timeline order."""

    async def story_of(self, item_key: str) -> StoryLink | None:
        """The story an item belongs to (it belongs to one at most)."""

    # --- the outbox (alerts written by record_refresh) -------------------------------------
    async def claim_alerts(
        self, worker: str, now: datetime, lease: float, limit: int, *, stale: float,
        subscriber_id: int | None = None,
    ) -> list[Alert]:
        """Claim for `worker`, for `lease` seconds, up to `limit` alerts that are due at `now`,
        earliest due first (then oldest): pending ones, holds that ended, and claims whose
        worker died — its heartbeat is more than `stale` seconds old, or it has none — or whose
        lease ran out (the backstop for a worker that beats but is stuck). Taking a claim over
        is the only way a send repeats, and counts an attempt; a dead worker's claims are due
        again as of when they were created. Alerts of inactive subscribers wait. Each comes
        with its subscriber's channel and address as they are now. Claiming is a heartbeat of
        `worker`. Worker names must be unique per running process. With `subscriber_id`,
        only that subscriber's."""

    async def beat(self, worker: str, now: datetime) -> None:
        """`worker` is alive at `now`: its claims are not taken over while it keeps beating
        (and its leases run). Rows of workers silent for a day are forgotten."""

    async def retire(self, worker: str) -> int:
        """`worker` stops cleanly: the alerts it still has claimed are pending again, due at
        once, no attempt counted, and its heartbeat is gone. Return how many it gave back."""

    async def renew_claims(self, alert_ids: Sequence[int], worker: str, until: datetime) -> int:
        """Push the lease of those alerts `worker` still has claimed back to `until` (a slow
        send is not a dead worker). Return how many were renewed."""

    async def mark_sent(
        self, alert_id: int, worker: str, platform_message_id: str | None, now: datetime, *,
        merged: Sequence[int] = (), thread: tuple[str, str, str] | None = None,
    ) -> bool:
        """claimed -> sent. False, changing nothing, unless the alert is claimed by `worker`
        (another worker took the claim over, or it is no longer claimed). So are all marks.
        In the same transaction: the `merged` alerts the message carried are merged into
        it (as mark_merged with `worker`), and the (channel, address, story_id) `thread`
        remembers the message, so a crash cannot record the send without them."""

    async def mark_retry(
        self, alert_id: int, worker: str, next_at: datetime, reason: str, *,
        counts: bool = True, parts_sent: int = 0,
    ) -> bool:
        """claimed -> pending again, due at `next_at`, `reason` kept; one attempt more unless
        `counts` is False (the platform asked us to wait: no failure of ours). `parts_sent`:
        how many parts of the message went out already (the retry sends the rest)."""

    async def mark_failed(self, alert_id: int, worker: str, reason: str) -> bool:
        """claimed -> failed, for `reason`: never tried again."""

    async def mark_held(
        self, alert_ids: Sequence[int], until: datetime, reason: str, worker: str | None = None
    ) -> int:
        """pending, held or claimed -> held until `until` (quiet hours, a digest, a pause), when
        claim_alerts hands them out again. With `worker`, an alert claimed by another worker
        is left alone. Return how many were held."""

    async def release_held(
        self, subscriber_id: int, now: datetime, held_for: str | None = None
    ) -> int:
        """The subscriber's held alerts (only those held for `held_for` — "digest",
        "paused", "quiet hours" — when given) become due now (/resume, /digest off).
        Return how many."""

    async def mark_merged(
        self, alert_ids: Sequence[int], into_id: int, worker: str | None = None
    ) -> int:
        """pending, held or claimed -> merged into alert `into_id`, whose message carried
        them: call it once that message went out (a merged alert counts as received). With
        `worker`, as mark_held. `into_id` itself is skipped. Return how many were merged."""

    async def recipient(self, subscriber_id: int) -> Recipient | None:
        """The subscriber, its subscriptions and its mutes, in one read (None if unknown)."""

    async def thread(self, channel: str, address: str, story_id: str) -> str | None:
        """The platform id of the last message sent about the story to that destination."""

    async def save_thread(
        self, channel: str, address: str, story_id: str, platform_message_id: str, now: datetime
    ) -> None: ...

    async def deactivate_subscriber(self, subscriber_id: int, reason: str) -> int:
        """The platform refuses us for good (blocked, kicked): inactive, and its pending, held
        and claimed alerts fail for `reason` (return how many). StoreError if unknown."""

    async def move_subscriber(self, subscriber_id: int, new_address: str) -> None:
        """The chat moved (a group became a supergroup): same subscriber, subscriptions and
        alerts, new address; its threads are dropped. StoreError if unknown, or if another
        subscriber holds the new address."""

    async def outbox_counts(self) -> dict[str, int]:
        """How many alerts are in each state, every state named (0 when none)."""

    async def alerts_of(self, subscriber_id: int, state: str | None = None) -> list[Alert]:
        """The subscriber's alerts (only those in `state`, when given), oldest first."""

    async def alert_record(self, alert_id: int) -> AlertRecord | None:
        """One alert and where it stands in the state machine."""

    async def sent_items(self, subscriber_id: int, story_id: str) -> list[str]:
        """Keys of the story's items the subscriber received (sent, or merged into a sent
        message), in the order first received."""


def sqlite_path(url: str) -> str | None:
    """The file an SQLite `[storage] url` names (relative to the working directory), or None
    when the url names no file (another database, or SQLite in memory)."""
    return url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else None


def open_store(url: str) -> Store:
    """Build the store for a `[storage] url`. Does not connect: call `migrate()` (which opens)."""
    if url.startswith("sqlite:///") or url == "sqlite://:memory:":
        from bot.store.sqlite import SQLiteStore

        return SQLiteStore(sqlite_path(url) or ":memory:")
    if url.startswith(("postgresql://", "postgres://")):
        raise ConfigError(
            f"storage.url = {url!r}: PostgreSQL support is not built yet; "
            "use sqlite:///path/to/alertbot.db"
        )
    raise ConfigError(
        f"storage.url = {url!r}: expected sqlite:///path/to/file.db "
        "(or postgresql://user@host/db once supported)"
    )
