"""The values of the subscriptions library: subscribers, subscriptions, documents, matches.

Plain frozen dataclasses; no behaviour beyond small derived properties. A subscriber is
addressed by channel + address (a Telegram chat, a Discord channel or user, an email address),
so one person can have several. Must not import bot (or anything with I/O).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

CHANNELS = ("telegram", "discord", "email", "console")
MODES = ("instant", "daily", "weekly")


@dataclass(frozen=True)
class Subscriber:
    id: int
    channel: str  # one of CHANNELS
    address: str  # chat id, channel id, email address
    lang: str = "en"
    timezone: str = "UTC"
    paused: bool = False
    active: bool = True  # False once the platform says we may not write (blocked, kicked)
    created_at: datetime | None = None
    quiet_hours: str = ""  # "22:00-07:00" in `timezone`; "" = none
    digest: str = "instant"  # the mode new subscriptions take: one of MODES
    digest_at: str = "08:00"  # when a digest is due, in `timezone` (weekly: on Mondays)


@dataclass(frozen=True)
class Subscription:
    id: int
    subscriber_id: int
    query: str  # as the user typed it; parsed again when the index is built
    mode: str = "instant"  # one of MODES: an alert at once, or in a daily or weekly digest
    created_at: datetime | None = None


@dataclass(frozen=True)
class Mute:
    subscriber_id: int
    story_id: str
    until: datetime | None = None  # None = for good


@dataclass(frozen=True)
class PlaceTag:
    """A place found in a document (or its source's jurisdiction), with the text that said so."""

    place_id: str
    name: str
    matched: str
    where: str  # "title" | "text" | "source"


@dataclass(frozen=True)
class Document:
    """What the matcher reads of an item: its words, where it is about, who published it."""

    key: str
    title: str
    text: str
    source_id: str
    agency: str
    places: tuple[PlaceTag, ...] = ()


@dataclass(frozen=True)
class Reason:
    """Why a subscription matched, in words an alert can show: '"detainer" in title',
    'Ventura County ⊂ California', 'from ICE'."""

    kind: str  # "term" | "place" | "source"
    detail: str


@dataclass(frozen=True)
class Match:
    subscription_id: int
    subscriber_id: int
    reasons: tuple[Reason, ...] = field(default_factory=tuple)
