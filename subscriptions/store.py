"""The storage the subscription use cases need, as a protocol the application implements.

`bot.store.sqlite.SQLiteStore` implements it (and the PostgreSQL store will). Every method is
one short transaction. Must not import bot.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from subscriptions.models import Mute, Subscriber, Subscription


class QuotaExceeded(Exception):
    """add_subscription found the subscriber already at the limit (checked in the same
    transaction as the insert, so two quick /subscribe commands cannot both squeeze in)."""

    def __init__(self, count: int, limit: int) -> None:
        super().__init__(f"{count} subscriptions, limit {limit}")
        self.count = count
        self.limit = limit


class SubscriptionStore(Protocol):
    async def subscriber(self, channel: str, address: str) -> Subscriber | None: ...

    async def subscriber_by_id(self, subscriber_id: int) -> Subscriber | None: ...

    async def ensure_subscriber(
        self, channel: str, address: str, now: datetime, lang: str = "en"
    ) -> Subscriber:
        """The subscriber at channel+address, created if new (re-activated if it was not)."""

    async def update_subscriber(self, subscriber: Subscriber) -> None:
        """Save lang, timezone, paused, active, quiet hours and digest settings of an
        existing subscriber."""

    async def add_subscription(
        self, subscriber_id: int, query: str, mode: str, now: datetime, limit: int
    ) -> Subscription:
        """Insert, unless the subscriber already has `limit` (raise QuotaExceeded)."""

    async def subscriptions_of(self, subscriber_id: int) -> list[Subscription]:
        """In creation order: users refer to them by their number in this list (1-based)."""

    async def remove_subscriptions(self, subscriber_id: int, ids: Sequence[int]) -> int:
        """Delete those of `ids` that belong to the subscriber; return how many went."""

    async def set_modes(self, subscriber_id: int, ids: Sequence[int], mode: str) -> int:
        """Set the mode (instant, daily, weekly) of those of `ids` that belong to the
        subscriber; return how many changed."""

    async def active_subscriptions(self) -> list[tuple[Subscription, Subscriber]]:
        """Every subscription of an active subscriber (paused ones included: pausing holds
        delivery, it does not forget what was asked)."""

    async def add_mute(self, mute: Mute) -> None: ...

    async def mutes_of(self, subscriber_id: int) -> list[Mute]: ...
