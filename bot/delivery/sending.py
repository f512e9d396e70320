"""Sending one message's parts to one destination within the platform's limits.

Each part takes its own pacer slot (the platform counts every message: parts sent back to back
break the per-chat limit) and goes as soon as it is taken. A 429 holds back exactly what it
names (the pacer's penalty) and the same part is tried again when the wait is over — a wait
the platform asked for is not a failed attempt, so it is retried here, in place, a few times,
rather than sent to the back of the outbox. A send that does not answer within `timeout` is a
transient failure, so a hanging connection cannot stall its batch. A part that does not go
ends the send: `Sent` says how many parts went out, so a retry sends only the rest.

Must not import bot.store or bot.ingest.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.delivery.pacing import Pacer
from bot.models import DeliveryResult, Message


class Channel(Protocol):
    name: str

    def is_group(self, address: str) -> bool: ...

    async def send(self, address: str, messages: Sequence[Message]) -> DeliveryResult: ...


@dataclass(frozen=True)
class Sent:
    result: DeliveryResult  # the last part's: ok when every part went
    parts: int  # parts that went out
    message_id: str | None  # the platform id of the last part that went out


@dataclass(frozen=True)
class SendPolicy:
    timeout: float = 60.0  # seconds a send may take before it counts as failed (and retried)
    rate_waits: int = 3  # 429s waited out in place per part before the outbox takes over
    longest_wait: float = 60.0  # a longer retry_after goes back to the outbox instead


class PacedSender:
    def __init__(self, monotonic: Callable[[], float], counters: MutableMapping[str, int],
                 policy: SendPolicy | None = None) -> None:
        self._mono = monotonic
        self._counters = counters
        self.policy = policy or SendPolicy()

    async def send(self, channel: Channel, address: str, messages: Sequence[Message],
                   pacer: Pacer, *, group: bool) -> Sent:
        result, parts, last_id = DeliveryResult("ok"), 0, None
        for message in messages:
            result = await self._part(channel, address, message, pacer, group)
            if result.status != "ok":
                break
            parts, last_id = parts + 1, result.message_id or last_id
        return Sent(result, parts, last_id)

    async def _part(self, channel: Channel, address: str, message: Message, pacer: Pacer,
                    group: bool) -> DeliveryResult:
        waits = 0
        while True:
            await self._slot(pacer, address, group)
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

    async def _slot(self, pacer: Pacer, address: str, group: bool) -> None:
        # Look again after every sleep: other destinations woken for the same slot may have
        # taken it (the global window is shared).
        while (wait := pacer.next_slot(address, group=group, now=self._mono())
               - self._mono()) > 0:
            await asyncio.sleep(wait)

    async def _attempt(self, channel: Channel, address: str,
                       message: Message) -> DeliveryResult:
        try:
            async with asyncio.timeout(self.policy.timeout):
                return await channel.send(address, [message])
        except TimeoutError:
            return DeliveryResult("retry", reason=f"no answer in {self.policy.timeout:g} s")
        except Exception as exc:  # a channel bug is a transient failure, not a lost alert
            return DeliveryResult("retry", reason=f"{type(exc).__name__}: {exc}")
