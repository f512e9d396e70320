"""The dispatcher: claims due alerts from the outbox, renders, sends, records — forever.

The state machine is the store's (ARCHITECTURE.md, "The outbox"): every state change is one
short transaction and the send happens outside any transaction. A crash at any point loses
nothing: a claimed alert whose lease runs out is claimed again — the only way a send repeats.

Per claimed batch, alerts are grouped by destination. Destinations are served concurrently;
one destination's alerts go in order, paced by the channel's `Pacer` so no platform limit is
exceeded. A destination whose backlog its limit cannot deliver promptly gets ONE merged
message instead of an hour-long trickle. A paused subscriber's alerts are held, not sent, and
so are alerts inside the subscriber's quiet hours (in their time zone) until those end; what
waited arrives as one message. A muted story's alerts are dropped (recorded as such).

Transient failures retry with exponential backoff (capped), or exactly after the platform's
`retry_after`; permanent ones are recorded with their reason; a subscriber who blocked us is
deactivated; a chat that became a supergroup moves to its new address. One channel being down
never blocks another: each destination is its own task.

Must not import bot.ingest.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.channels.render import AlertView, render_merged, render_telegram
from bot.delivery.pacing import Pacer, should_merge
from bot.delivery.quiet import quiet_until
from bot.logs import event
from bot.models import Alert, DeliveryResult, Message
from bot.store import Store

log = logging.getLogger("alertbot.dispatch")
HOLD_WHILE_PAUSED = timedelta(days=3650)  # released by /resume, which resets next_at


class Channel(Protocol):
    name: str

    def is_group(self, address: str) -> bool: ...

    async def send(self, address: str, messages: Sequence[Message]) -> DeliveryResult: ...


ViewOf = Callable[[Alert], Awaitable[AlertView | None]]


@dataclass(frozen=True)
class DispatchPolicy:
    lease: float = 120.0  # seconds a claim is ours before another worker may take it over
    batch: int = 200
    backoff_base: float = 5.0
    backoff_cap: float = 3600.0
    max_attempts: int = 12
    idle: float = 1.0  # seconds between polls of an empty outbox
    # Destinations served at once. Enough to keep 30 msg/s flowing; more only makes them all
    # queue on the store together, so the first send of a batch waits for everyone's reads.
    concurrency: int = 48


class Dispatcher:
    def __init__(
        self, store: Store, channels: Mapping[str, Channel], view_of: ViewOf, *,
        worker: str, clock: Callable[[], datetime], monotonic: Callable[[], float],
        policy: DispatchPolicy | None = None, pacers: Mapping[str, Pacer] | None = None,
    ) -> None:
        self._store = store
        self._channels = channels
        self._view_of = view_of
        self._worker = worker
        self._clock = clock
        self._mono = monotonic
        self.policy = policy or DispatchPolicy()
        self._pacers = dict(pacers or {})
        self.counters: dict[str, int] = defaultdict(int)
        self._langs: dict[int, str] = {}  # subscriber id -> language, for the current batch

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                sent = await self.drain_once()
            except Exception as exc:  # a store hiccup must not end delivery for good
                event(log, "dispatch_failed", logging.ERROR, error=f"{type(exc).__name__}: {exc}")
                sent = 0
            if not sent:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.policy.idle)

    async def drain_once(self) -> int:
        """Claim one batch and deliver it; return how many alerts were handled."""
        self._langs.clear()
        alerts = await self._store.claim_alerts(self._worker, self._clock(), self.policy.lease,
                                                self.policy.batch)
        by_dest: dict[tuple[str, str], list[Alert]] = defaultdict(list)
        for alert in alerts:
            by_dest[(alert.channel, alert.address)].append(alert)
        gate = asyncio.Semaphore(self.policy.concurrency)

        async def serve(channel: str, address: str, items: list[Alert]) -> None:
            async with gate:
                await self._destination(channel, address, items)

        await asyncio.gather(*(serve(ch, addr, items) for (ch, addr), items in by_dest.items()))
        return len(alerts)

    async def _destination(self, channel_name: str, address: str, alerts: list[Alert]) -> None:
        channel = self._channels.get(channel_name)
        if channel is None:
            for a in alerts:
                await self._store.mark_failed(a.id, self._worker, f"no channel {channel_name!r}")
            return
        alerts = await self._without_muted(await self._without_held(alerts))
        if not alerts:
            return
        group = channel.is_group(address)
        pacer = self._pacers.setdefault(channel_name, Pacer())
        released = sum(a.released for a in alerts)
        # A burst the limit cannot deliver promptly, or what waited through quiet hours or a
        # pause, goes out as one message.
        if len(alerts) > 1 and (released > 1 or should_merge(len(alerts), group=group)):
            await self._send_merged(channel, address, alerts, pacer, group)
            return
        for n, alert in enumerate(alerts):
            result = await self._send_one(channel, address, alert, pacer, group)
            if result is not None and (result.deactivate or result.new_address):
                # Blocked, kicked or moved: learnt once, not once per alert. Deactivating
                # failed the rest already; moved ones are due at once at the new address.
                for rest in alerts[n + 1:]:
                    await self._fail(rest, result)
                return

    async def _without_muted(self, alerts: list[Alert]) -> list[Alert]:
        """A story the subscriber muted (/mute or the button) sends nothing more."""
        if not alerts or not any(a.story_id for a in alerts):
            return alerts
        now = self._clock()
        muted = {m.story_id for m in await self._store.mutes_of(alerts[0].subscriber_id)
                 if m.until is None or m.until > now}
        kept = []
        for alert in alerts:
            if alert.story_id in muted:
                await self._store.mark_failed(alert.id, self._worker, "story muted")
                self.counters["muted"] += 1
            else:
                kept.append(alert)
        return kept

    async def _without_held(self, alerts: list[Alert]) -> list[Alert]:
        """Alerts of a paused subscriber, or inside their quiet hours, wait (held)."""
        subscriber = await self._store.subscriber_by_id(alerts[0].subscriber_id)
        if subscriber is None:
            return alerts
        self._langs[subscriber.id] = subscriber.lang  # read once per batch, not per alert
        now = self._clock()
        until = now + HOLD_WHILE_PAUSED if subscriber.paused else quiet_until(
            now, subscriber.timezone, subscriber.quiet_hours)
        if until is None:
            return alerts
        reason = "paused" if subscriber.paused else "quiet hours"
        await self._store.mark_held([a.id for a in alerts], until, reason, worker=self._worker)
        self.counters["held"] += len(alerts)
        return []

    async def _send_one(self, channel: Channel, address: str, alert: Alert, pacer: Pacer,
                        group: bool) -> DeliveryResult | None:
        view = await self._view_of(alert)
        if view is None:  # the item is gone (pruned): nothing sensible to send
            await self._store.mark_failed(alert.id, self._worker, "item no longer stored")
            return None
        lang = await self._lang(alert)
        messages = render_telegram(view, lang=lang)
        if alert.story_id:
            reply = await self._store.thread(channel.name, address, alert.story_id)
            if reply:
                messages = [_reply(messages[0], reply), *messages[1:]]
        result = await self._paced_send(channel, address, messages, pacer, group)
        await self._record(channel, address, [alert], result)
        return result

    async def _send_merged(self, channel: Channel, address: str, alerts: list[Alert],
                           pacer: Pacer, group: bool) -> None:
        views = [v for a in alerts if (v := await self._view_of(a)) is not None]
        messages = render_merged(views, lang=await self._lang(alerts[0]))
        result = await self._paced_send(channel, address, messages, pacer, group)
        head, rest = alerts[0], alerts[1:]
        if result.status == "ok":
            await self._store.mark_merged([a.id for a in rest], head.id)
            self.counters["merged"] += len(rest)
        await self._record(channel, address, [head] if result.status == "ok" else alerts,
                           result)

    async def _paced_send(self, channel: Channel, address: str, messages: Sequence[Message],
                          pacer: Pacer, group: bool) -> DeliveryResult:
        """Each part in its own slot (the platform counts every message: parts sent back to
        back break the per-chat limit), sent as soon as it is taken. A part that does not go
        ends the send with its result; the last part's is the send's."""
        result = DeliveryResult("ok")
        for message in messages:
            # Look again after every sleep: other destinations woken for the same slot may
            # have taken it (the global window is shared).
            while (wait := pacer.next_slot(address, group=group, now=self._mono())
                   - self._mono()) > 0:
                await asyncio.sleep(wait)
            taken = self._mono()
            pacer.take(address, group=group, now=taken)
            try:
                result = await channel.send(address, [message])
            except Exception as exc:  # a channel bug is a transient failure, not a lost alert
                result = DeliveryResult("retry", reason=f"{type(exc).__name__}: {exc}")
            pacer.settle(address, taken, self._mono())
            if result.status == "retry" and result.retry_after is not None:
                pacer.penalize(address, result.retry_after, self._mono())
                self.counters["rate_limited"] += 1
            if result.status != "ok":
                break
        return result

    async def _record(self, channel: Channel, address: str, alerts: Sequence[Alert],
                      result: DeliveryResult) -> None:
        now = self._clock()
        for alert in alerts:
            if result.status == "ok":
                await self._store.mark_sent(alert.id, self._worker, result.message_id, now)
                if alert.story_id and result.message_id:
                    await self._store.save_thread(channel.name, address, alert.story_id,
                                                  result.message_id, now)
                self.counters["sent"] += 1
            elif result.status == "retry" and alert.attempt + 1 < self.policy.max_attempts:
                delay = result.retry_after or min(
                    self.policy.backoff_cap, self.policy.backoff_base * 2 ** alert.attempt)
                await self._store.mark_retry(alert.id, self._worker,
                                             now + timedelta(seconds=delay), result.reason)
                self.counters["retries"] += 1
            else:
                await self._fail(alert, result)
        event(log, "send", channel=channel.name, sub=alerts[0].subscriber_id,
              alerts=len(alerts), status=result.status, reason=result.reason or None)

    async def _fail(self, alert: Alert, result: DeliveryResult) -> None:
        if result.new_address:  # a group became a supergroup: same people, new address
            await self._store.move_subscriber(alert.subscriber_id, result.new_address)
            await self._store.mark_retry(alert.id, self._worker, self._clock(), "chat moved")
            return
        if result.deactivate:
            await self._store.deactivate_subscriber(alert.subscriber_id, result.reason)
        await self._store.mark_failed(alert.id, self._worker, result.reason or "gave up")
        self.counters[f"failed:{result.reason or 'gave up'}"[:60]] += 1

    async def _lang(self, alert: Alert) -> str:
        if alert.subscriber_id in self._langs:
            return self._langs[alert.subscriber_id]
        subscriber = await self._store.subscriber_by_id(alert.subscriber_id)
        return subscriber.lang if subscriber else "en"


def _reply(message: Message, to: str) -> Message:
    return Message(message.text, message.parse_mode, to, message.buttons)
