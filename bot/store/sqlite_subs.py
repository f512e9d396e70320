"""SQLiteSubscriptions: the `subscriptions.store.SubscriptionStore` half of SQLiteStore.

Subscribers, their subscriptions and their mutes, each method one short transaction on the
connection of `sqlite_base`. The quota of `add_subscription` is counted inside the write
transaction that inserts, so two quick /subscribe commands cannot both squeeze in.

May import `subscriptions` (its models and protocol); must not import bot.ingest, bot.channels
or bot.delivery.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.errors import StoreError
from bot.store import sqlite_sql as sql
from bot.store.outbox_rows import Recipient
from bot.store.rows import (
    mute_params,
    row_to_mute,
    row_to_subscriber,
    row_to_subscription,
    to_db_time,
)
from bot.store.sqlite_base import CHUNK, SQLiteBase, marks
from subscriptions.models import Mute, Subscriber, Subscription
from subscriptions.store import QuotaExceeded


class SQLiteSubscriptions(SQLiteBase):
    async def subscriber(self, channel: str, address: str) -> Subscriber | None:
        async with self._tx(f"read subscriber {channel}:{address}", write=False) as db:
            rows = list(await db.execute_fetchall(sql.SUBSCRIBER_BY_ADDRESS, (channel, address)))
        return row_to_subscriber(rows[0]) if rows else None

    async def subscriber_by_id(self, subscriber_id: int) -> Subscriber | None:
        async with self._tx(f"read subscriber {subscriber_id}", write=False) as db:
            rows = list(await db.execute_fetchall(sql.SUBSCRIBER_BY_ID, (subscriber_id,)))
        return row_to_subscriber(rows[0]) if rows else None

    async def ensure_subscriber(
        self, channel: str, address: str, now: datetime, lang: str = "en"
    ) -> Subscriber:
        params = {"channel": channel, "address": address, "lang": lang, "now": to_db_time(now)}
        async with self._tx(f"ensure subscriber {channel}:{address}") as db:
            rows = list(await db.execute_fetchall(sql.ENSURE_SUBSCRIBER, params))
        return row_to_subscriber(rows[0])

    async def update_subscriber(self, subscriber: Subscriber) -> None:
        params = {
            "id": subscriber.id,
            "lang": subscriber.lang,
            "timezone": subscriber.timezone,
            "paused": int(subscriber.paused),
            "active": int(subscriber.active),
            "quiet_hours": subscriber.quiet_hours,
            "digest": subscriber.digest,
            "digest_at": subscriber.digest_at,
        }
        async with self._tx(f"update subscriber {subscriber.id}") as db:
            cursor = await db.execute(sql.UPDATE_SUBSCRIBER, params)
            if cursor.rowcount == 0:
                # An update that reaches no row is a caller's bug: say so, not nothing.
                raise StoreError(
                    f"SQLite database {self._path}: update subscriber {subscriber.id}: "
                    "no such subscriber"
                )

    async def add_subscription(
        self, subscriber_id: int, query: str, mode: str, now: datetime, limit: int
    ) -> Subscription:
        created_at = to_db_time(now)
        async with self._tx(f"add subscription of subscriber {subscriber_id}") as db:
            rows = list(await db.execute_fetchall(sql.COUNT_SUBSCRIPTIONS, (subscriber_id,)))
            count = int(rows[0][0])
            if count >= limit:
                raise QuotaExceeded(count, limit)
            params = (subscriber_id, query, mode, created_at)
            rows = list(await db.execute_fetchall(sql.ADD_SUBSCRIPTION, params))
        return row_to_subscription(rows[0])

    async def subscriptions_of(self, subscriber_id: int) -> list[Subscription]:
        async with self._tx(f"read subscriptions of {subscriber_id}", write=False) as db:
            rows = await db.execute_fetchall(sql.SUBSCRIPTIONS_OF, (subscriber_id,))
        return [row_to_subscription(row) for row in rows]

    async def remove_subscriptions(self, subscriber_id: int, ids: Sequence[int]) -> int:
        return await self._by_ids(f"remove subscriptions of {subscriber_id}",
                                  sql.REMOVE_SUBSCRIPTIONS, [subscriber_id], ids)

    async def set_modes(self, subscriber_id: int, ids: Sequence[int], mode: str) -> int:
        return await self._by_ids(f"set mode {mode} of subscriptions of {subscriber_id}",
                                  sql.SET_MODES, [mode, subscriber_id], ids)

    async def _by_ids(self, what: str, statement: str, leading: list[object],
                      ids: Sequence[int]) -> int:
        """Run `statement` (its `IN ({marks})` over ids) for every id, CHUNK at a time (SQLite
        caps the parameters of one statement), in one transaction; return the rows changed."""
        wanted = list(dict.fromkeys(ids))
        changed = 0
        async with self._tx(what) as db:
            for start in range(0, len(wanted), CHUNK):
                chunk = wanted[start : start + CHUNK]
                cursor = await db.execute(statement.format(marks=marks(chunk)),
                                          [*leading, *chunk])
                changed += cursor.rowcount
        return changed

    async def active_subscriptions(self) -> list[tuple[Subscription, Subscriber]]:
        async with self._tx("read active subscriptions", write=False) as db:
            rows = await db.execute_fetchall(sql.ACTIVE_SUBSCRIPTIONS)
        return [(row_to_subscription(row), row_to_subscriber(row, prefix="b_")) for row in rows]

    async def recipient(self, subscriber_id: int) -> Recipient | None:
        async with self._tx(f"read recipient {subscriber_id}", write=False) as db:
            found = list(await db.execute_fetchall(sql.SUBSCRIBER_BY_ID, (subscriber_id,)))
            if not found:
                return None
            subs = await db.execute_fetchall(sql.SUBSCRIPTIONS_OF, (subscriber_id,))
            mutes = await db.execute_fetchall(sql.MUTES_OF, (subscriber_id,))
        return Recipient(row_to_subscriber(found[0]),
                         tuple(row_to_subscription(r) for r in subs),
                         tuple(row_to_mute(r) for r in mutes))

    async def add_mute(self, mute: Mute) -> None:
        """Mute a story; muting it again replaces the end of the mute."""
        params = mute_params(mute)
        async with self._tx(f"mute story {mute.story_id} for {mute.subscriber_id}") as db:
            await db.execute(sql.UPSERT_MUTE, params)

    async def mutes_of(self, subscriber_id: int) -> list[Mute]:
        async with self._tx(f"read mutes of {subscriber_id}", write=False) as db:
            rows = await db.execute_fetchall(sql.MUTES_OF, (subscriber_id,))
        return [row_to_mute(row) for row in rows]
