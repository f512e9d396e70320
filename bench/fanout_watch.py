"""What bench/fanout.py watches from outside the code it measures: every send the fake's flood
control judged, where the dispatcher's time goes (batches, store calls, send latency), and the
arithmetic of the report (rates, windows, percentiles). bot/ is wrapped, never changed.
"""

from __future__ import annotations

import inspect
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.channels.telegram import TelegramChannel
from bot.delivery.dispatcher import Dispatcher
from bot.models import Alert, DeliveryResult, Message
from bot.store import Store
from tests.fakebot import FakeBotAPI

Attempt = tuple[float, int, bool]  # fake clock when judged, chat, admitted


@dataclass
class Attempts:
    """Every sendMessage the fake's flood control judged (a message refused for its content
    never reaches it; none is, here)."""

    log: list[Attempt] = field(default_factory=list)

    def watch(self, fake: FakeBotAPI) -> None:
        admit = fake.flood.admit

        def judged(chat_id: int) -> float | None:
            now = fake.clock()
            retry_after = admit(chat_id)
            self.log.append((now, chat_id, retry_after is None))
            return retry_after

        fake.flood.admit = judged  # type: ignore[method-assign]

    def of(self, first_chat: int, n: int) -> list[Attempt]:
        return [a for a in self.log if first_chat <= a[1] < first_chat + n]


@dataclass
class Probe:
    """Where the dispatcher's time goes, watched from outside (bot/ is not touched): each
    batch delivered (claimed batches overlap: two in hand at most), every store call it
    makes, and how long each channel.send (PTB → HTTP → the fake and back) takes."""

    batches: list[tuple[float, float, int]] = field(default_factory=list)  # start, end, size
    store_calls: Counter[str] = field(default_factory=Counter)
    sends: list[float] = field(default_factory=list)  # seconds per channel.send
    on: bool = True  # counting store calls (off once the dispatcher stopped)

    def watch(self, dispatcher: Dispatcher, store: Store, channel: TelegramChannel) -> None:
        send = channel.send

        async def timed_send(address: str, messages: Sequence[Message]) -> DeliveryResult:
            start = time.monotonic()
            try:
                return await send(address, messages)
            finally:
                self.sends.append(time.monotonic() - start)

        channel.send = timed_send  # type: ignore[method-assign]
        # The run loop hands each batch, counted in hand, to _deliver.
        deliver = dispatcher._deliver

        async def timed_deliver(alerts: Sequence[Alert]) -> None:
            start = time.monotonic()
            await deliver(alerts)
            if alerts:
                self.batches.append((start, time.monotonic(), len(alerts)))

        dispatcher._deliver = timed_deliver  # type: ignore[method-assign]
        for name in dir(type(store)):
            if not name.startswith("_") and inspect.iscoroutinefunction(getattr(store, name)):
                setattr(store, name, self._counted(name, getattr(store, name)))

    def _counted(self, name: str, call: Callable[..., Awaitable[Any]]) -> Callable[..., Any]:
        async def counted(*args: Any, **kw: Any) -> Any:
            if self.on:
                self.store_calls[name] += 1
            return await call(*args, **kw)

        return counted


def max_in_window(times: Sequence[float], window: float = 1.0) -> int:
    """The most of `times` (sorted) inside any half-open window [t, t + window)."""
    best, lo = 0, 0
    for hi, t in enumerate(times):
        while times[lo] <= t - window:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def spacing(stamps: dict[int, list[float]]) -> tuple[int, float | None]:
    """(chats that got more than one message, min gap between two messages to one chat)."""
    gaps = [b - a for ts in stamps.values() for a, b in zip(ts, ts[1:], strict=False)]
    return sum(len(ts) > 1 for ts in stamps.values()), (min(gaps) if gaps else None)


def rate(stamps: Sequence[float]) -> float:
    """Messages / time from the first to the last (the brief's definition; over a short run
    it reads a little high, as the pacer lets each second's 30 go at its start)."""
    span = stamps[-1] - stamps[0] if len(stamps) > 1 else 0.0
    return len(stamps) / span if span > 0 else float("nan")


def pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
