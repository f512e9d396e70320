"""The dispatcher: claims due alerts from the outbox, renders, sends, records — forever.

The state machine is the store's (ARCHITECTURE.md, "The outbox"): every state change is one
short transaction and the send happens outside any transaction. A crash at any point loses
nothing: a claimed alert whose worker's heartbeat stopped, or whose lease ran out, is claimed
again — the only way a send repeats. Heartbeats and lease renewals: `liveness.Liveness`.

Alerts are claimed in batches; the next batch is claimed while the last one is still being
sent (two batches' worth in hand at most: what a claim returns counts at once), so the
platform's rate is never left idle at a batch boundary and a slow destination holds up only
its own alerts.
Per batch, alerts are grouped by destination. Destinations are served concurrently (at most
`concurrency` at once, across batches); one destination's alerts go in order — a lock per
destination keeps a later batch's behind an earlier one's. What waits and what is dropped is
`holds.plan`'s decision (pause, quiet hours, muted stories, removed subscriptions, digests).
A destination whose backlog its limit cannot deliver promptly gets ONE merged message instead
of an hour-long trickle; so does what waited, and a digest that came due.

Sending is `sending.PacedSender`'s: each part in its own pacer slot, a 429 waited out in place
(not an attempt). A message of which some parts went out is resumed, not repeated: a single
alert remembers its parts sent, a merged message's alerts whose entries went out are recorded
as delivered. What each ending does to the outbox is `outcomes.Outcomes`' (retries, backoff,
failures, a blocked subscriber deactivated, a moved chat followed). One channel being down
never blocks another: each destination is its own task.

A failure of the channel itself (its token refused, its network down, a 5xx, no answer) is no
alert's: the alert goes back to the outbox uncounted, due when the sender tries the channel
again (`outage`: 5 s doubling to 5 min, then one probe), and whatever else was to go there
meanwhile goes back with it untried. Nothing is lost however long it lasts; when the channel
answers again, everything that waited is delivered, in order.

A stop lets the parts being sent finish and record, starts no other send, and hands what is
still in hand back to the outbox (`Liveness`), due at once for the next worker.

Must not import bot.ingest.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.channels.render import AlertView, render_merged_parts, render_telegram
from bot.delivery.holds import plan
from bot.delivery.liveness import Liveness
from bot.delivery.outcomes import Outcomes, Retries
from bot.delivery.pacing import Pacer, should_merge
from bot.delivery.sending import Channel, PacedSender, SendPolicy, Sent
from bot.logs import event
from bot.models import Alert, DeliveryResult, Message
from bot.store import Store
from bot.telemetry import Recorder

log = logging.getLogger("alertbot.dispatch")
__all__ = ["Channel", "DispatchPolicy", "Dispatcher", "ViewOf"]

ViewOf = Callable[[Alert], Awaitable[AlertView | None]]


@dataclass(frozen=True)
class DispatchPolicy:
    # Seconds a claim is ours before another worker may take it over though we still beat:
    # the backstop for a worker alive but stuck. A dead one's claims go after `stale`.
    lease: float = 120.0
    # A heartbeat every `beat` seconds; a worker silent for `stale` is dead, and its claims are
    # taken over. Killed, it is replaced within stale + idle (+ a send): 7 s, under the 10 s
    # aimed at; a live one may miss two beats in a row (a busy store) before it looks dead.
    beat: float = 2.0
    stale: float = 6.0
    batch: int = 200
    backoff_base: float = 5.0
    backoff_cap: float = 3600.0
    max_attempts: int = 12
    idle: float = 1.0  # seconds between polls of an empty outbox
    # Destinations served at once. Enough to keep 30 msg/s flowing; more only makes them all
    # queue on the store together, so the first send of a batch waits for everyone's reads.
    concurrency: int = 48
    gather: int = 2000  # most alerts that waited gathered into one message (beyond a batch)
    send: SendPolicy = SendPolicy()

    def __post_init__(self) -> None:
        if not 0 < self.beat <= self.stale / 2:
            raise ValueError(f"beat {self.beat!r} s, stale {self.stale!r} s: a heartbeat must "
                             "come at least twice within the staleness limit")
        if self.lease <= 0:
            raise ValueError(f"lease {self.lease!r} s: a claim must last some seconds")


class Dispatcher:
    def __init__(
        self, store: Store, channels: Mapping[str, Channel], view_of: ViewOf, *,
        worker: str, clock: Callable[[], datetime], monotonic: Callable[[], float],
        policy: DispatchPolicy | None = None, pacers: Mapping[str, Pacer] | None = None,
        recorder: Recorder | None = None,
    ) -> None:
        self._store = store
        self._channels = channels
        self._view_of = view_of
        self._worker = worker
        self._clock = clock
        self.policy = policy or DispatchPolicy()
        self._pacers = dict(pacers or {})
        self.counters: dict[str, int] = defaultdict(int)
        self._recorder = recorder  # alerts by kind, their latency, and each channel's state
        self._sender = PacedSender(monotonic, clock, self.counters, self.policy.send)
        self._outcomes = Outcomes(store, worker, clock, Retries(
            self.policy.backoff_base, self.policy.backoff_cap, self.policy.max_attempts),
            self.counters)
        self._stop = asyncio.Event()  # run's: no send starts once it is set
        self._gate = asyncio.Semaphore(self.policy.concurrency)
        self._order: dict[tuple[str, str], tuple[asyncio.Lock, list[int]]] = {}
        # Ids of the alerts claimed and not yet done with. A claim whose lease ran out while its
        # alert still waited here (a very slow destination) is claimed again, by us too: the
        # copy must not be sent a second time.
        self._holding: set[int] = set()
        self._progress = asyncio.Event()  # set whenever a destination is done with its alerts

    async def run(self, stop: asyncio.Event) -> None:
        """Claim and deliver until `stop`; then the parts being sent finish and are recorded,
        no other send starts, and the rest of what was claimed goes back to the outbox, due at
        once. Cancelled instead, it cancels the sends under way and hands their claims back.

        A batch is claimed whenever at most one batch's worth of alerts is in hand (so two
        at most), so the platform's rate is never left idle at a batch boundary, and a slow
        destination (a hanging send, a group's 20 a minute) holds up only its own alerts, not
        the claims of everybody else's."""
        delivering: set[asyncio.Task[None]] = set()
        self._stop = stop
        try:
            async with Liveness(self._store, self._worker, self._clock,
                                lease=self.policy.lease, beat=self.policy.beat,
                                holding=self._holding):
                try:
                    await self._claim_until(stop, delivering)
                    await asyncio.gather(*delivering)
                finally:  # no send may go on once its claim is handed back
                    for task in delivering:
                        task.cancel()
                    await asyncio.gather(*delivering, return_exceptions=True)
        finally:
            self._stop = asyncio.Event()  # this run's stop is not drain_once's

    async def _claim_until(self, stop: asyncio.Event, delivering: set[asyncio.Task[None]]
                           ) -> None:
        while not stop.is_set():
            if len(self._holding) <= self.policy.batch:  # a batch more: two at most
                alerts = self._take(await self._claim())
                if alerts:  # in hand from now on, before the next look at what is
                    task = asyncio.create_task(self._deliver(alerts))
                    delivering.add(task)
                    task.add_done_callback(delivering.discard)
                    continue
                waits = [stop.wait()]  # nothing due: look again after `idle`
            else:
                self._progress.clear()  # enough in hand: look again when some is done
                waits = [stop.wait(), self._progress.wait()]
            await _first(waits, timeout=self.policy.idle)

    async def drain_once(self) -> int:
        """Claim one batch and deliver it; return how many alerts were handled."""
        alerts = await self._claim()
        await self.deliver(alerts)
        return len(alerts)

    async def _claim(self) -> list[Alert]:
        try:
            return await self._store.claim_alerts(self._worker, self._clock(),
                                                  self.policy.lease, self.policy.batch,
                                                  stale=self.policy.stale)
        except Exception as exc:  # a store hiccup must not end delivery for good
            event(log, "claim_failed", logging.ERROR, error=f"{type(exc).__name__}: {exc}")
            return []

    async def deliver(self, alerts: Sequence[Alert]) -> None:
        """Deliver claimed alerts: destinations concurrently, each in order."""
        await self._deliver(self._take(alerts))

    def _take(self, alerts: Sequence[Alert]) -> list[Alert]:
        """The claimed alerts not in hand already, now in hand (a lease that ran out while
        its alert still waited here is claimed again, by us too: not a second copy)."""
        fresh = [a for a in alerts if a.id not in self._holding]
        self._holding.update(a.id for a in fresh)
        return fresh

    async def _deliver(self, alerts: Sequence[Alert]) -> None:
        by_dest: dict[tuple[str, str], list[Alert]] = defaultdict(list)
        for alert in alerts:
            by_dest[(alert.channel, alert.address)].append(alert)
        await asyncio.gather(*(self._serve(dest, items) for dest, items in by_dest.items()))

    async def _serve(self, dest: tuple[str, str], alerts: list[Alert]) -> None:
        lock, users = self._order.setdefault(dest, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock, self._gate:
                await self._destination(*dest, alerts)
        except Exception as exc:  # one destination's trouble is not the batch's: leases retry
            event(log, "destination_failed", logging.ERROR, channel=dest[0],
                  error=f"{type(exc).__name__}: {exc}")
        finally:
            users[0] -= 1
            if not users[0]:
                del self._order[dest]
            self._holding.difference_update(a.id for a in alerts)
            self._progress.set()

    async def _destination(self, channel_name: str, address: str, alerts: list[Alert]) -> None:
        channel = self._channels.get(channel_name)
        if self._stop.is_set():
            return  # its claims go back as they are
        if channel is None:
            for a in alerts:
                await self._outcomes.gone(a, f"no channel {channel_name!r}")
            return
        if any(a.released for a in alerts):
            await self._with_the_rest(alerts)
        recipient = await self._store.recipient(alerts[0].subscriber_id)
        lang = recipient.subscriber.lang if recipient else "en"
        decided = plan(alerts, recipient.subscriber if recipient else None,
                       recipient.subscriptions if recipient else (),
                       recipient.mutes if recipient else (), self._clock())
        await self._outcomes.put_aside(decided.held, decided.dropped)
        send = list(decided.send)
        if not send:
            return
        group = channel.is_group(address)
        pacer = self._pacers.setdefault(channel_name, Pacer())
        released = sum(a.released for a in send)
        # A burst the limit cannot deliver promptly, or what waited through quiet hours, a
        # pause or for a digest, goes out as one message.
        if len(send) > 1 and (released > 1 or should_merge(len(send), group=group)):
            await self._send_merged(channel, address, send, pacer, group, lang, decided.digest)
            return
        for n, alert in enumerate(send):
            if self._stop.is_set():
                return
            result = await self._send_one(channel, address, alert, pacer, group, lang)
            if result is not None and (result.deactivate or result.new_address):
                # Blocked, kicked or moved: learnt once, not once per alert. Deactivating
                # failed the rest already; moved ones are due at once at the new address.
                for rest in send[n + 1:]:
                    await self._outcomes.fail(rest, result)
                return

    async def _with_the_rest(self, alerts: list[Alert]) -> None:
        """What waited (a digest, quiet hours, a pause) arrives as ONE message, however many
        it is: the subscriber's other due alerts, beyond this batch, are claimed to join it —
        added to `alerts`, and in hand (their leases renewed) until it is done with them."""
        more = await self._store.claim_alerts(
            self._worker, self._clock(), self.policy.lease, self.policy.gather,
            stale=self.policy.stale, subscriber_id=alerts[0].subscriber_id)
        alerts.extend(self._take(more))

    async def _send_one(self, channel: Channel, address: str, alert: Alert, pacer: Pacer,
                        group: bool, lang: str) -> DeliveryResult | None:
        view = await self._view_of(alert)
        if view is None:  # the item is gone (pruned): nothing sensible to send
            await self._outcomes.gone(alert, "item no longer stored")
            return None
        messages = render_telegram(view, lang=lang)[alert.parts_sent:]
        thread = (channel.name, address, alert.story_id) if alert.story_id else None
        if thread and alert.parts_sent == 0 and (reply := await self._store.thread(*thread)):
            messages = [_reply(messages[0], reply), *messages[1:]]
        sent = await self._sender.send(channel, address, messages, pacer, group=group,
                                       stop=self._stop)
        if sent.result.status == "ok":
            await self._outcomes.sent(alert, sent, (), thread)
            self._delivered([(alert, view)])
        else:
            await self._outcomes.unsent(alert, sent, alert.parts_sent + sent.parts)
        self._log(channel, [alert], sent)
        return sent.result

    async def _send_merged(self, channel: Channel, address: str, alerts: list[Alert],
                           pacer: Pacer, group: bool, lang: str, digest: bool) -> None:
        shown = [(a, v) for a in alerts if (v := await self._view_of(a)) is not None]
        for gone in (a for a in alerts if all(a is not b for b, _ in shown)):
            await self._outcomes.gone(gone, "item no longer stored")
        if not shown:
            return
        parts = render_merged_parts([v for _, v in shown], lang=lang, digest=digest)
        sent = await self._sender.send(channel, address, [m for m, _ in parts], pacer,
                                       group=group, stop=self._stop)
        # The alerts whose entries are in the parts that went out are delivered.
        done = sorted(i for _, completed in parts[:sent.parts] for i in completed)
        carried = [shown[i][0] for i in done]
        if carried:
            await self._outcomes.sent(carried[0], sent, [a.id for a in carried[1:]], None)
            self.counters["merged"] += len(carried) - 1
            self._delivered([shown[i] for i in done])
        for i in sorted(set(range(len(shown))) - set(done)):
            await self._outcomes.unsent(shown[i][0], sent, 0)
        self._log(channel, [a for a, _ in shown], sent)

    def _delivered(self, shown: Sequence[tuple[Alert, AlertView]]) -> None:
        if self._recorder is not None:
            now = self._clock()
            for alert, view in shown:
                self._recorder.delivered(alert, view.published, now)

    def _log(self, channel: Channel, alerts: Sequence[Alert], sent: Sent) -> None:
        if not sent.tried:  # put back untried: the channel's outage was said once
            return
        if self._recorder is not None:  # every answer, or its absence, is news of the channel
            self._recorder.channel(channel.name).sent(sent.result)
        event(log, "send", channel=channel.name, sub=alerts[0].subscriber_id,
              alerts=len(alerts), parts=sent.parts, status=sent.result.status,
              reason=sent.result.reason or None)


async def _first(waits: Sequence[Awaitable[object]], *, timeout: float) -> None:
    """Return when the first of `waits` is done, or after `timeout`; the rest are cancelled."""
    tasks = [asyncio.ensure_future(w) for w in waits]
    try:
        await asyncio.wait(tasks, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()


def _reply(message: Message, to: str) -> Message:
    return Message(message.text, message.parse_mode, to, message.buttons)
