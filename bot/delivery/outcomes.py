"""What the end of a send does to the outbox, one short transaction each: sent (with the alerts
merged into its message, and the story's thread remembered); again later; or never; and what
the subscriber's choices put aside (held until a time, dropped with a reason).

    sent                          sent; merged ones with it
    the channel failed            pending, uncounted, due when the channel is tried again
    the worker stopped            nothing went: untouched (Liveness hands the claim back);
                                  some parts went: pending, uncounted, due at once, the rest
    rate limited (429)            pending, uncounted, due exactly after retry_after
    the destination's, transient  pending, counted, due after 5 s doubling to the cap; failed
                                  once `max_attempts` are spent
    permanent                     failed with its reason; a subscriber who blocked us
                                  deactivated; a group that moved followed, the alert due there

Parts that went out are never sent again: a retry sends only the rest.

Must not import bot.ingest or bot.channels.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.delivery.sending import Sent
from bot.models import Alert, DeliveryResult
from bot.store import Store


@dataclass(frozen=True)
class Retries:
    backoff_base: float
    backoff_cap: float
    max_attempts: int


class Outcomes:
    def __init__(self, store: Store, worker: str, clock: Callable[[], datetime],
                 retries: Retries, counters: MutableMapping[str, int]) -> None:
        self._store = store
        self._worker = worker
        self._clock = clock
        self._retries = retries
        self._counters = counters

    async def sent(self, alert: Alert, sent: Sent, merged: Sequence[int],
                   thread: tuple[str, str, str] | None) -> None:
        await self._store.mark_sent(alert.id, self._worker, sent.message_id, self._clock(),
                                    merged=merged, thread=thread)
        self._counters["sent"] += 1

    async def unsent(self, alert: Alert, sent: Sent, parts_sent: int) -> None:
        """A send that did not go whole; `parts_sent`: the alert's parts out by now."""
        result = sent.result
        if sent.stopped or sent.resume_at is not None:
            if sent.stopped and parts_sent == alert.parts_sent:
                return  # nothing of it went: its claim is handed back as it is
            await self._store.mark_retry(alert.id, self._worker, sent.resume_at or self._clock(),
                                         result.reason, counts=False, parts_sent=parts_sent)
            self._counters["deferred"] += sent.resume_at is not None
            return
        rate_limited = result.retry_after is not None
        if result.status == "retry" and (rate_limited
                                         or alert.attempt + 1 < self._retries.max_attempts):
            delay = result.retry_after or min(
                self._retries.backoff_cap, self._retries.backoff_base * 2 ** alert.attempt)
            await self._store.mark_retry(
                alert.id, self._worker, self._clock() + timedelta(seconds=delay),
                result.reason or "rate limited", counts=not rate_limited, parts_sent=parts_sent)
            self._counters["retries"] += 1
        else:
            await self.fail(alert, result)

    async def fail(self, alert: Alert, result: DeliveryResult) -> None:
        if result.new_address:  # a group became a supergroup: same people, new address
            await self._store.move_subscriber(alert.subscriber_id, result.new_address)
            await self._store.mark_retry(alert.id, self._worker, self._clock(), "chat moved",
                                         counts=False)
            return
        if result.deactivate:
            await self._store.deactivate_subscriber(alert.subscriber_id, result.reason)
        await self._store.mark_failed(alert.id, self._worker, result.reason or "gave up")
        self._counters[f"failed:{result.reason or 'gave up'}"[:60]] += 1

    async def gone(self, alert: Alert, why: str) -> None:
        """Nothing to send for it (its item pruned, its channel not built)."""
        await self._store.mark_failed(alert.id, self._worker, why)

    async def put_aside(self, held: Sequence[tuple[datetime, str, Sequence[Alert]]],
                        dropped: Sequence[tuple[str, Sequence[Alert]]]) -> None:
        for until, why, alerts in held:
            await self._store.mark_held([a.id for a in alerts], until, why, worker=self._worker)
            self._counters["held"] += len(alerts)
        for why, alerts in dropped:
            for alert in alerts:
                await self._store.mark_failed(alert.id, self._worker, why)
            self._counters[f"dropped:{why}"] += len(alerts)
