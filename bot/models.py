"""Shared frozen dataclasses: the values that flow between pipeline stages.

Source ─fetcher─▶ FetchResult ─parser─▶ ParsedFeed[RawItem] ─normalize─▶ Item ─dedup─▶ Change

Every stage takes and returns these plain values; none of them does I/O. This module must not
import anything from the project (it is the bottom of the import graph).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

FEDERAL = "federal"


@dataclass(frozen=True)
class ListingSelectors:
    """How to read an HTML listing page (e.g. DHS press releases, which have no RSS).

    Items are found by `link_pattern` (a regex on the absolute href) first: it survives a
    redesign. `item` narrows the search to containers; `title` and `date` are CSS selectors
    evaluated inside each item container. When `date` matches nothing the date is taken from
    the address (`/YYYY/MM/DD/`).
    """

    link_pattern: str | None = None
    item: str | None = None
    title: str | None = None
    date: str | None = None
    max_pages: int = 1


@dataclass(frozen=True)
class Source:
    """One newsroom to watch. `jurisdiction` is "federal" or a state name ("California")."""

    id: str
    kind: str  # "feed" | "html"
    url: str
    agency: str
    jurisdiction: str
    name: str = ""
    interval: float | None = None  # preferred seconds between polls; None = policy default
    enabled: bool = True
    full_text: bool = False  # fetch the linked page when the feed carries only a teaser
    selectors: ListingSelectors | None = None
    builtin: bool = False
    timezone: str = ""  # IANA zone for the schedule's night; "" = the jurisdiction's


class Outcome(enum.StrEnum):
    """Every way a fetch (and the parse after it) can end. The fetcher never raises."""

    OK = "ok"
    NOT_MODIFIED = "not_modified"
    RATE_LIMITED = "rate_limited"
    CLIENT_ERROR = "client_error"
    GONE = "gone"  # HTTP 410: the source is disabled until its URL changes or a forced poll works
    SERVER_ERROR = "server_error"
    TIMEOUT = "timeout"
    TOO_LARGE = "too_large"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    NETWORK_ERROR = "network_error"
    UNPARSEABLE = "unparseable"

    @property
    def is_failure(self) -> bool:
        return self not in (Outcome.OK, Outcome.NOT_MODIFIED)


@dataclass(frozen=True)
class FetchResult:
    """What one HTTP GET produced, classified. `detail` says why, in words an operator reads."""

    outcome: Outcome
    url: str
    final_url: str
    status: int | None = None
    body: bytes = b""
    content_type: str | None = None
    charset: str | None = None  # from the Content-Type header, if any
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None  # sha256 hex of body when outcome is OK
    retry_after: float | None = None  # seconds, from Retry-After
    max_age: float | None = None  # seconds, from Cache-Control max-age / Expires
    detail: str = ""
    elapsed: float = 0.0  # seconds
    bytes_read: int = 0


@dataclass(frozen=True)
class RawItem:
    """One entry as a parser read it, before normalising. Text fields may hold HTML."""

    source_id: str
    title: str | None
    link: str | None
    guid: str | None = None
    summary: str | None = None  # HTML or text
    content: str | None = None  # full content when the feed carries it (HTML or text)
    published: datetime | None = None  # aware, UTC
    updated: datetime | None = None  # aware, UTC
    author: str | None = None


@dataclass(frozen=True)
class ParsedFeed:
    """A parser's answer. `error` set means the document could not be read as news at all
    (an HTML error page, a listing whose selectors matched nothing): the source failed, and
    this must never be mistaken for "no news". `broken` set (why) means the document is
    malformed but its items were read anyway: some may be missing or cut short (a transfer
    that broke off mid-entry), so what they lack is no edit."""

    items: tuple[RawItem, ...] = ()
    title: str | None = None
    ttl: float | None = None  # seconds, from RSS <ttl>
    error: str | None = None
    warnings: tuple[str, ...] = ()
    broken: str | None = None


@dataclass(frozen=True)
class Item:
    """A normalised release. `key` is global (not per source): one release seen on several
    feeds is one item. `content_hash` covers what the feed says (title + feed text), not the
    date, so a re-dated but unchanged release is not a revision."""

    key: str
    source_id: str
    url: str
    title: str
    text: str
    published: datetime | None
    content_hash: str
    agency: str
    jurisdiction: str
    guid: str | None = None
    author: str | None = None


class ChangeKind(enum.StrEnum):
    NEW = "new"
    REVISED = "revised"
    SEEN = "seen"
    BASELINE = "baseline"  # stored on a source's first poll, without an event


@dataclass(frozen=True)
class Change:
    """The dedup decision for one item; `previous` is the stored version a revision replaces.
    `kept`: why a changed version was not taken for a revision, the stored one (`previous`)
    kept instead, when an operator should hear of it (a text cut off by a broken feed)."""

    kind: ChangeKind
    item: Item
    previous: Item | None = None
    kept: str = ""


@dataclass(frozen=True)
class KnownItem:
    """What the store remembers of an item key, enough for the dedup decision. `item` is
    None for a tombstone (pruned): its key and hashes stay known so it never returns as new."""

    item: Item | None
    hashes: frozenset[str] = field(default_factory=frozenset)  # every content hash ever stored
    sources: frozenset[str] = field(default_factory=frozenset)  # source ids that carried it


@dataclass(frozen=True)
class Revision:
    """An earlier version of an item, kept when the release was edited."""

    key: str
    title: str
    text: str
    content_hash: str
    replaced_at: datetime


@dataclass(frozen=True)
class SourceState:
    """A source's fetch state as stored between polls."""

    source_id: str
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    next_check: datetime | None = None
    consecutive_failures: int = 0
    last_success: datetime | None = None
    last_attempt: datetime | None = None
    last_outcome: str | None = None
    last_error: str | None = None
    baseline_done: bool = False
    wait_reason: str | None = None  # why next_check is that late, in words; None: the interval
    disabled_url: str | None = None  # answered 410 Gone: not polled while the source's url is this
    disabled_since: datetime | None = None
    # Its last flood (bot.ingest.flood): how many changes a refresh held back, 0 again once
    # the source announces changes normally; and when that was so (None: it never flooded).
    held_back: int = 0
    held_back_at: datetime | None = None


@dataclass(frozen=True)
class RefreshReport:
    """What one refresh of one source did: the unit of work logged as one line."""

    source_id: str
    outcome: Outcome
    status: int | None
    changes: tuple[Change, ...]
    state: SourceState
    detail: str = ""
    elapsed: float = 0.0
    bytes_read: int = 0
    parsed: bool = False  # False when a 304 or identical body hash skipped the parse
    links: tuple[StoryLink, ...] = ()  # the stories the NEW items joined, as recorded
    not_before: datetime | None = None  # the server's earliest next poll (max-age, Retry-After)
    flood: Flood | None = None  # its changes were too many to announce one by one

    def of_kind(self, kind: ChangeKind) -> list[Change]:
        return [c for c in self.changes if c.kind is kind]


@dataclass(frozen=True)
class PollResult:
    """What one pass over the sources did with one of them: refreshed it (`report`), left it
    alone (`skipped`: why and until when, in words), or its refresh crashed (`error`, in words:
    "database is locked")."""

    source_id: str
    report: RefreshReport | None = None
    skipped: str = ""
    error: str = ""

    @property
    def failed(self) -> bool:
        return bool(self.error) or (self.report is not None and self.report.outcome.is_failure)


@dataclass(frozen=True)
class ItemTag:
    """A place an item is about, with the words that said so (from the subscriptions tagger)."""

    item_key: str
    place_id: str
    name: str
    matched: str
    where: str  # "title" | "text" | "source"


@dataclass(frozen=True)
class ItemMatch:
    """A subscription that wants a version of an item, and why (reasons as display strings).
    Recorded in the same transaction as the item version it is about."""

    item_key: str
    content_hash: str
    subscription_id: int
    subscriber_id: int
    reasons: tuple[str, ...] = ()




@dataclass(frozen=True)
class Summary:
    """A grounded summary: every number, name and quotation in `text` is in the source."""

    headline: str
    text: str  # at most ~600 characters
    key_facts: tuple[str, ...] = ()  # figures, names, places kept from the source
    method: str = "extractive"  # "extractive" | "llm" | "lead"


@dataclass(frozen=True)
class StoryLink:
    """One item's place in a developing story."""

    story_id: str
    item_key: str
    role: str  # "first" | "development" | "duplicate" | "response"
    score: float = 1.0  # similarity to the story when it joined (1.0 for "first")
    responds_to: str | None = None  # item key this one answers (role "response")
    lag_seconds: float | None = None  # time since the item it answers


@dataclass(frozen=True)
class Story:
    """A developing story: a title and the timeline of its items (oldest first)."""

    id: str  # stable: derived from the first item's key
    title: str
    item_keys: tuple[str, ...]
    created: datetime
    updated: datetime  # when an item last joined
    sources: tuple[str, ...] = ()
    agencies: tuple[str, ...] = ()
    places: tuple[str, ...] = ()  # place names from the items' tags


@dataclass(frozen=True)
class Flood:
    """A refresh that changed more items (NEW + REVISED) than subscribers should hear of one
    by one: the items are recorded, and each subscriber a change matched gets one notice
    (`notice`) or nothing."""

    changed: int
    limit: int
    notice: bool = False


@dataclass(frozen=True)
class Annotations:
    """What the refresh learnt about its NEW and REVISED items before storing them: places,
    who wants them, and the stories they join (with those stories' new heads). With `flood`,
    `matches` name the subscribers to notify of the flood (one match each), not alerts."""

    tags: tuple[ItemTag, ...] = ()
    matches: tuple[ItemMatch, ...] = ()
    links: tuple[StoryLink, ...] = ()
    stories: tuple[Story, ...] = ()
    flood: Flood | None = None


@dataclass(frozen=True)
class Alert:
    """One thing to tell one subscriber: a row of the outbox, as the dispatcher claimed it.
    Unique per (subscriber, item version, kind), so enqueueing twice inserts nothing."""

    id: int
    subscriber_id: int
    channel: str  # "telegram" | "discord" | "email" | "console"
    address: str  # chat id, channel id, email address
    item_key: str
    content_hash: str  # the item version this alert is about
    kind: str  # "new" | "development" | "revision" | "bulk" (a flood notice)
    story_id: str | None = None
    reasons: tuple[str, ...] = ()
    attempt: int = 0
    created_at: datetime | None = None
    released: bool = False  # it waited (quiet hours, pause): released ones go out as one
    held_for: str | None = None  # why it waited, when released: "digest", "quiet hours"…
    subscription_ids: tuple[int, ...] = ()  # the subscriber's subscriptions that matched
    parts_sent: int = 0  # parts of its message that went out before a failure
    changed: int = 0  # "bulk": how many items its source changed at once (the item is one)


@dataclass(frozen=True)
class Message:
    """A rendered message for one platform: never over its size limit, never broken markup."""

    text: str
    parse_mode: str = "HTML"
    reply_to: str | None = None  # platform message id of the story's previous message here
    buttons: tuple[tuple[str, str], ...] = ()  # (label, callback data)


@dataclass(frozen=True)
class DeliveryResult:
    """How a send ended. `status`: "ok" (message_id set), "retry" (retry_after seconds when
    the platform said so), "permanent" (reason; `deactivate` when the subscriber blocked us,
    `new_address` when a group became a supergroup).

    `scope` says whose failure it is: the "destination"'s (blocked, a bad request, moved: this
    alert's, counted, may end it) or the "channel"'s (credentials refused, network down, a 5xx,
    no answer: nothing wrong with the alert, which waits, uncounted, for the channel to come
    back). `rejected`: a channel failure because the platform refused our credentials."""

    status: str
    message_id: str | None = None
    retry_after: float | None = None
    reason: str = ""
    deactivate: bool = False
    new_address: str | None = None
    scope: str = "destination"
    rejected: bool = False
