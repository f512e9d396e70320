"""SQLiteOutbox: the outbox half of SQLiteStore — claiming alerts and recording how they ended.

Alerts are put in the outbox by `record_refresh` (in its transaction: see
`outbox_sql.enqueue_plan`); this mixin moves them through the state machine of ARCHITECTURE.md
("The outbox"), each method one short transaction on the connection of `sqlite_base`. A claim is
select-then-update inside one `BEGIN IMMEDIATE`, which no other writer can interleave with (the
PostgreSQL form, FOR UPDATE SKIP LOCKED, is noted in `outbox_sql`). The statements and why they
read as they do: `bot.store.outbox_sql`; rows to values: `bot.store.outbox_rows`.

Must not import bot.ingest, bot.channels or bot.delivery.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from bot.errors import StoreError
from bot.models import Alert
from bot.store import outbox_sql as sql
from bot.store.outbox_rows import STATES, AlertRecord, row_to_alert, row_to_record
from bot.store.rows import Row, to_db_time
from bot.store.sqlite_base import SQLiteBase


class SQLiteOutbox(SQLiteBase):
    # --- the dispatcher's moves -----------------------------------------------------------
    async def claim_alerts(
        self, worker: str, now: datetime, lease: float, limit: int, *, stale: float,
        subscriber_id: int | None = None,
    ) -> list[Alert]:
        if lease <= 0 or stale <= 0:
            raise ValueError(f"lease {lease!r}, stale {stale!r}: both must be some seconds")
        if limit <= 0:
            return []  # SQLite reads LIMIT -1 as "no limit"
        params = {"now": to_db_time(now), "limit": limit, "subscriber_id": subscriber_id,
                  "worker": worker, "alive_since": to_db_time(now - timedelta(seconds=stale))}
        until = to_db_time(now + timedelta(seconds=lease))
        due = sql.DUE if subscriber_id is None else sql.DUE_OF
        async with self._tx(f"claim alerts for {worker}") as db:
            await db.execute(sql.BEAT, params)
            await db.execute(sql.REAP, params)
            rows = list(await db.execute_fetchall(due, params))
            claims = [{"id": row["id"], "worker": worker, "until": until} for row in rows]
            await db.executemany(sql.CLAIM, claims)
        return [_as_claimed(row) for row in rows]

    async def renew_claims(self, alert_ids: Sequence[int], worker: str, until: datetime) -> int:
        rows = [{"id": i, "worker": worker, "until": to_db_time(until)}
                for i in dict.fromkeys(alert_ids)]
        return await self._mark_many(sql.RENEW, rows, f"renew {len(rows)} claims of {worker}")

    async def beat(self, worker: str, now: datetime) -> None:
        params = {"worker": worker, "now": to_db_time(now),
                  "before": to_db_time(now - sql.FORGET_AFTER)}
        async with self._tx(f"heartbeat of {worker}") as db:
            await db.execute(sql.BEAT, params)
            await db.execute(sql.FORGET, params)

    async def retire(self, worker: str) -> int:
        async with self._tx(f"retire worker {worker}") as db:
            released = (await db.execute(sql.RELEASE, {"worker": worker})).rowcount
            await db.execute(sql.RETIRE, {"worker": worker})
        return released

    async def mark_sent(
        self, alert_id: int, worker: str, platform_message_id: str | None, now: datetime, *,
        merged: Sequence[int] = (), thread: tuple[str, str, str] | None = None,
    ) -> bool:
        when = to_db_time(now)
        params = {"id": alert_id, "worker": worker, "message_id": platform_message_id,
                  "now": when}
        async with self._tx(f"mark alert {alert_id} sent") as db:
            if (await db.execute(sql.MARK_SENT, params)).rowcount != 1:
                return False  # not ours any more: the rest is not ours to record either
            rows = [{"id": i, "into": alert_id, "worker": worker}
                    for i in dict.fromkeys(merged)]
            if rows:
                await db.executemany(sql.MARK_MERGED, rows)
            if thread is not None and platform_message_id:
                channel, address, story_id = thread
                await db.execute(sql.SAVE_THREAD, {
                    "channel": channel, "address": address, "story_id": story_id,
                    "message_id": platform_message_id, "now": when})
        return True

    async def mark_retry(
        self, alert_id: int, worker: str, next_at: datetime, reason: str, *,
        counts: bool = True, parts_sent: int = 0,
    ) -> bool:
        params = {"id": alert_id, "worker": worker, "next_at": to_db_time(next_at),
                  "reason": reason, "counts": int(counts), "parts_sent": parts_sent}
        return await self._mark(sql.MARK_RETRY, params, f"retry alert {alert_id}")

    async def mark_failed(self, alert_id: int, worker: str, reason: str) -> bool:
        params = {"id": alert_id, "worker": worker, "reason": reason}
        return await self._mark(sql.MARK_FAILED, params, f"mark alert {alert_id} failed")

    async def mark_held(
        self, alert_ids: Sequence[int], until: datetime, reason: str, worker: str | None = None
    ) -> int:
        when = to_db_time(until)
        rows = [{"id": i, "until": when, "reason": reason, "worker": worker}
                for i in dict.fromkeys(alert_ids)]
        return await self._mark_many(sql.MARK_HELD, rows, f"hold {len(rows)} alerts")

    async def release_held(
        self, subscriber_id: int, now: datetime, held_for: str | None = None
    ) -> int:
        params = {"subscriber_id": subscriber_id, "now": to_db_time(now), "held_for": held_for}
        async with self._tx(f"release held alerts of subscriber {subscriber_id}") as db:
            cursor = await db.execute(sql.RELEASE_HELD, params)
            return cursor.rowcount

    async def mark_merged(
        self, alert_ids: Sequence[int], into_id: int, worker: str | None = None
    ) -> int:
        rows = [{"id": i, "into": into_id, "worker": worker} for i in dict.fromkeys(alert_ids)]
        return await self._mark_many(sql.MARK_MERGED, rows, f"merge alerts into {into_id}")

    async def _mark(self, statement: str, params: dict[str, object], what: str) -> bool:
        async with self._tx(what) as db:
            cursor = await db.execute(statement, params)
        return cursor.rowcount == 1

    async def _mark_many(self, statement: str, rows: list[dict[str, object]], what: str) -> int:
        if not rows:
            return 0
        async with self._tx(what) as db:
            cursor = await db.executemany(statement, rows)
        return cursor.rowcount

    # --- threads --------------------------------------------------------------------------
    async def thread(self, channel: str, address: str, story_id: str) -> str | None:
        async with self._tx(f"read thread of {story_id} at {channel}:{address}", write=False) as db:
            rows = list(await db.execute_fetchall(sql.THREAD, (channel, address, story_id)))
        return rows[0]["platform_message_id"] if rows else None

    async def save_thread(
        self, channel: str, address: str, story_id: str, platform_message_id: str, now: datetime
    ) -> None:
        params = {"channel": channel, "address": address, "story_id": story_id,
                  "message_id": platform_message_id, "now": to_db_time(now)}
        async with self._tx(f"save thread of {story_id} at {channel}:{address}") as db:
            await db.execute(sql.SAVE_THREAD, params)

    # --- what the platforms tell us about subscribers -------------------------------------
    async def deactivate_subscriber(self, subscriber_id: int, reason: str) -> int:
        params = {"id": subscriber_id, "reason": reason}
        async with self._tx(f"deactivate subscriber {subscriber_id}") as db:
            if (await db.execute(sql.DEACTIVATE, params)).rowcount == 0:
                raise self._no_subscriber("deactivate", subscriber_id)
            cursor = await db.execute(sql.FAIL_OPEN, params)
        return cursor.rowcount

    async def move_subscriber(self, subscriber_id: int, new_address: str) -> None:
        async with self._tx(f"move subscriber {subscriber_id} to {new_address}") as db:
            rows = list(await db.execute_fetchall(sql.ADDRESS_OF, (subscriber_id,)))
            if not rows:
                raise self._no_subscriber("move", subscriber_id)
            channel, old = rows[0]["channel"], rows[0]["address"]
            if old == new_address:
                return
            taken = list(await db.execute_fetchall(sql.HOLDER_OF, (channel, new_address)))
            if taken:
                raise StoreError(
                    f"SQLite database {self._path}: move subscriber {subscriber_id} to "
                    f"{channel}:{new_address}: that address is subscriber {taken[0]['id']}'s"
                )
            await db.execute(sql.MOVE, {"id": subscriber_id, "address": new_address})
            await db.execute(sql.DROP_THREADS, {"channel": channel, "old": old})

    def _no_subscriber(self, what: str, subscriber_id: int) -> StoreError:
        return StoreError(
            f"SQLite database {self._path}: {what} subscriber {subscriber_id}: no such subscriber"
        )

    # --- reading --------------------------------------------------------------------------
    async def outbox_counts(self) -> dict[str, int]:
        async with self._tx("count the outbox", write=False) as db:
            rows = await db.execute_fetchall(sql.COUNTS)
        counts = dict.fromkeys(STATES, 0)
        counts.update({row["state"]: row["n"] for row in rows})
        return counts

    async def alerts_of(self, subscriber_id: int, state: str | None = None) -> list[Alert]:
        async with self._tx(f"read alerts of {subscriber_id}", write=False) as db:
            if state is None:
                rows = await db.execute_fetchall(sql.ALERTS_OF, (subscriber_id,))
            else:
                rows = await db.execute_fetchall(sql.ALERTS_OF_IN_STATE, (subscriber_id, state))
        return [row_to_alert(row) for row in rows]

    async def alert_record(self, alert_id: int) -> AlertRecord | None:
        async with self._tx(f"read alert {alert_id}", write=False) as db:
            rows = list(await db.execute_fetchall(sql.ALERT_BY_ID, (alert_id,)))
        return row_to_record(rows[0]) if rows else None

    async def sent_items(self, subscriber_id: int, story_id: str) -> list[str]:
        async with self._tx(f"read items of {story_id} sent to {subscriber_id}", write=False) as db:
            rows = await db.execute_fetchall(sql.SENT_ITEMS, (subscriber_id, story_id))
        return [row["item_key"] for row in rows]



def _as_claimed(row: Row) -> Alert:
    """The Alert of a DUE row, as CLAIM left it: a claim taken over counted an attempt."""
    alert = row_to_alert(row)
    if row["state"] == "held" or row["hold"] == "released":
        alert = replace(alert, released=True, held_for=row["hold"])
    return replace(alert, attempt=alert.attempt + 1) if row["state"] == "claimed" else alert
