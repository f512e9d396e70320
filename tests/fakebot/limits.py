"""Telegram's flood limits for sendMessage, as sliding windows over the fake's monotonic clock.

Telegram's published limits (core.telegram.org/bots/faq): about 30 messages per second overall,
no more than one per second in any one chat, and at most 20 per minute in a group, supergroup
or channel (chat id < 0). Here every limit is a hard sliding window, which is stricter than
Telegram's tolerance of short bursts, so a sender that passes here passes there.

Only admitted sends occupy a window; a refused one answers 429 with `retry_after`: the time
until the window frees a slot, rounded up to whole (scaled) seconds. `Limits.time_scale` shrinks
every window for fast tests: at 0.01 a "second" lasts 10 ms and retry_after comes in multiples
of 0.01 (Telegram sends whole seconds; PTB accepts floats). A forced 429 (for one chat, or for the
whole bot with chat None) answers exactly the given retry_after and keeps refusing until it ends.

Imports nothing from the fake or from bot/.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Limits:
    """Counts per window; None switches a limit off."""

    global_per_s: int | None = 30
    chat_per_s: int | None = 1
    group_per_min: int | None = 20
    time_scale: float = 1.0  # multiplies every window; 0.01 makes a test 100x faster

    @classmethod
    def off(cls) -> Limits:
        return cls(global_per_s=None, chat_per_s=None, group_per_min=None)

    def scaled(self, time_scale: float) -> Limits:
        return replace(self, time_scale=time_scale)


class FloodControl:
    """Admits or refuses one bot's sendMessage calls."""

    def __init__(self, limits: Limits, clock: Callable[[], float]) -> None:
        self.limits = limits
        self._clock = clock
        self._windows: dict[Hashable, deque[float]] = {}
        self._forced: dict[int | None, float] = {}  # chat (None: every chat) -> retry_after
        self._penalty: dict[int | None, float] = {}  # chat (None: every chat) -> refused until

    def force(self, chat_id: int | None, retry_after: float) -> None:
        """The next send to `chat_id` (any chat if None) is refused for `retry_after` seconds."""
        self._forced[chat_id] = retry_after

    def admit(self, chat_id: int) -> float | None:
        """None if the send may go (and it is counted), else the retry_after to answer."""
        now = self._clock()
        for key in (None, chat_id):
            if key in self._forced:
                retry_after = self._forced.pop(key)
                self._penalty[key] = now + retry_after
                return retry_after
            if now < self._penalty.get(key, -math.inf):
                return self._round_up(self._penalty[key] - now)
        rules = self._rules(chat_id)
        waits = [self._wait(key, count, window, now) for key, count, window in rules]
        if max(waits, default=0.0) > 0:
            return self._round_up(max(waits))
        for key, _, _ in rules:
            self._windows.setdefault(key, deque()).append(now)
        return None

    def _rules(self, chat_id: int) -> list[tuple[Hashable, int, float]]:
        limits, scale = self.limits, self.limits.time_scale
        rules: list[tuple[Hashable, int | None, float]] = [
            ("global", limits.global_per_s, 1.0 * scale),
            (("chat", chat_id), limits.chat_per_s, 1.0 * scale),
        ]
        if chat_id < 0:
            rules.append((("group", chat_id), limits.group_per_min, 60.0 * scale))
        return [(key, count, window) for key, count, window in rules if count is not None]

    def _wait(self, key: Hashable, count: int, window: float, now: float) -> float:
        stamps = self._windows.get(key)
        if stamps is None:
            return 0.0
        while stamps and stamps[0] <= now - window:
            stamps.popleft()
        if len(stamps) < count:
            return 0.0
        return stamps[-count] + window - now

    def _round_up(self, wait: float) -> float:
        scale = self.limits.time_scale
        units = max(1, math.ceil(wait / scale - 1e-9))
        return units if scale == 1 else round(units * scale, 6)
