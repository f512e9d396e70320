"""Sending one message's parts to one destination within the platform's limits.

Each part takes its own pacer slot (the platform counts every message: parts sent back to back
break the per-chat limit) and goes as soon as it is taken. A 429 holds back exactly what it
names (the pacer's penalty) and the same part is tried again when the wait is over — a wait
the platform asked for is not a failed attempt, so it is retried here, in place, a few times,
rather than sent to the back of the outbox. A send that does not answer within `timeout` is a
transient failure, so a hanging connection cannot stall its batch. A part that does not go
ends the send: `Sent` says how many parts went out, so a retry sends only the rest.

A channel failing as a whole (a failure whose scope is "channel"; no answer in time; a network
error raised by the channel) is left alone for a while (`outage.Outage`, one per channel): a
send asked for meanwhile is not made, and `Sent.resume_at` says when the channel is tried
again. After the wait, one send probes; the others wait for its answer.

A stop (`stop` set) lets the part being sent finish and starts no other, nor a wait for a slot:
`Sent.stopped`, with the parts that went.

Must not import bot.store or bot.ingest.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bot.delivery.outage import PROBE, WAIT, Backoff, Outage
from bot.delivery.pacing import Pacer
from bot.logs import event
from bot.models import DeliveryResult, Message

log = logging.getLogger("alertbot.dispatch")
STOPPED = DeliveryResult("retry", reason="the worker stopped")


class Channel(Protocol):
    name: str

    def is_group(self, address: str) -> bool: ...

    async def send(self, address: str, messages: Sequence[Message]) -> DeliveryResult: ...


@dataclass(frozen=True)
class Sent:
    result: DeliveryResult  # the last part's: ok when every part went
    parts: int  # parts that went out
    message_id: str | None  # the platform id of the last part that went out
    resume_at: datetime | None = None  # the channel failed: when it is tried again
    stopped: bool = False  # the worker is stopping: the parts after `parts` were not sent
    tried: bool = True  # False: nothing was asked of the channel (down, or stopping)


@dataclass(frozen=True)
class SendPolicy:
    timeout: float = 60.0  # seconds a send may take before it counts as failed (and retried)
    rate_waits: int = 3  # 429s waited out in place per part before the outbox takes over
    longest_wait: float = 60.0  # a longer retry_after goes back to the outbox instead
    outage: Backoff = field(default_factory=Backoff)  # how long a failing channel is let be


class PacedSender:
    def __init__(self, monotonic: Callable[[], float], clock: Callable[[], datetime],
                 counters: MutableMapping[str, int], policy: SendPolicy | None = None) -> None:
        self._mono = monotonic  # what the pacer's windows are in
        self._clock = clock  # what outages are timed in: the outbox's clock
        self._counters = counters
        self.policy = policy or SendPolicy()
        self.outages: dict[str, Outage] = {}
        self._probes: dict[str, asyncio.Event] = {}  # channel -> set when its probe answered

    async def send(self, channel: Channel, address: str, messages: Sequence[Message],
                   pacer: Pacer, *, group: bool, stop: asyncio.Event | None = None) -> Sent:
        stop = stop or asyncio.Event()
        outage = self.outages.setdefault(channel.name, Outage(self.policy.outage))
        verdict = await self._admit(channel.name, outage, stop)
        if isinstance(verdict, datetime):
            return Sent(DeliveryResult("retry", reason=outage.reason, scope="channel"), 0, None,
                        resume_at=verdict, tried=False)
        probe = self._probes.get(channel.name) if verdict == PROBE else None
        try:
            sent = await self._parts(channel, address, messages, pacer, group, stop)
        except BaseException:  # cancelled: the probe told nothing, another may go
            outage.abandoned(probe=probe is not None)
            raise
        finally:
            if probe is not None:
                probe.set()
                if self._probes.get(channel.name) is probe:
                    del self._probes[channel.name]
        return self._learn(channel.name, outage, sent, probe=probe is not None)

    async def _admit(self, name: str, outage: Outage, stop: asyncio.Event) -> str | datetime:
        """What the channel's outage says of a send now; WAIT only when stopping."""
        while not stop.is_set():
            verdict = outage.admit(self._clock())
            if verdict == PROBE:
                self._probes[name] = asyncio.Event()
            if verdict != WAIT:
                return verdict
            await _either(self._probes[name], stop)
        return WAIT

    async def _parts(self, channel: Channel, address: str, messages: Sequence[Message],
                     pacer: Pacer, group: bool, stop: asyncio.Event) -> Sent:
        result, parts, last_id = DeliveryResult("ok"), 0, None
        for message in messages:
            answered = await self._part(channel, address, message, pacer, group, stop)
            if answered is None:
                return Sent(STOPPED, parts, last_id, stopped=True, tried=parts > 0)
            result = answered
            if result.status != "ok":
                break
            parts, last_id = parts + 1, result.message_id or last_id
        return Sent(result, parts, last_id)

    def _learn(self, name: str, outage: Outage, sent: Sent, *, probe: bool) -> Sent:
        """Tell the channel's outage what the send found; the send, with when to try again
        if the channel failed."""
        if not sent.tried:
            outage.abandoned(probe=probe)
            return sent
        if sent.result.scope != "channel":
            if failures := outage.answered():
                event(log, "channel_back", channel=name, failed_tries=failures)
            return sent
        was_down = outage.down
        until = outage.failed(self._clock(), sent.result.reason, probe=probe)
        if not was_down:
            # A refused token is the operator's to fix; an outage passes by itself.
            level = logging.ERROR if sent.result.rejected else logging.WARNING
            event(log, "channel_down", level, channel=name, error=sent.result.reason,
                  retry_at=until, hint="alerts wait in the outbox, none is lost")
        return Sent(sent.result, sent.parts, sent.message_id, resume_at=until,
                    stopped=sent.stopped)

    async def _part(self, channel: Channel, address: str, message: Message, pacer: Pacer,
                    group: bool, stop: asyncio.Event) -> DeliveryResult | None:
        """The part sent (the channel's answer), or None: stopped before it went."""
        waits = 0
        while True:
            if not await self._slot(pacer, address, group, stop):
                return None
            taken = self._mono()
            pacer.take(address, group=group, now=taken)
            result = await self._attempt(channel, address, message)
            pacer.settle(address, taken, self._mono())
            if result.status != "retry" or result.retry_after is None:
                return result
            pacer.penalize(address, result.retry_after, self._mono())
            self._counters["rate_limited"] += 1
            if waits >= self.policy.rate_waits or result.retry_after > self.policy.longest_wait:
                return result
            waits += 1

    async def _slot(self, pacer: Pacer, address: str, group: bool, stop: asyncio.Event) -> bool:
        """Wait for the pacer's slot: True when it is there, False when a stop came first."""
        # Look again after every sleep: other destinations woken for the same slot may have
        # taken it (the global window is shared).
        while not stop.is_set() and (wait := pacer.next_slot(address, group=group,
                                                             now=self._mono()) - self._mono()) > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), wait)
        return not stop.is_set()

    async def _attempt(self, channel: Channel, address: str,
                       message: Message) -> DeliveryResult:
        try:
            async with asyncio.timeout(self.policy.timeout):
                return await channel.send(address, [message])
        except TimeoutError:  # the platform did not answer: nothing says it is this alert's
            return DeliveryResult("retry", reason=f"no answer in {self.policy.timeout:g} s",
                                  scope="channel")
        except OSError as exc:  # the network, whatever the channel: not this alert's fault
            return DeliveryResult("retry", reason=f"{type(exc).__name__}: {exc}",
                                  scope="channel")
        except Exception as exc:  # a channel bug is a transient failure, not a lost alert
            return DeliveryResult("retry", reason=f"{type(exc).__name__}: {exc}")


async def _either(first: asyncio.Event, second: asyncio.Event) -> None:
    """Return when either event is set."""
    waits = [asyncio.ensure_future(first.wait()), asyncio.ensure_future(second.wait())]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in waits:
            task.cancel()
