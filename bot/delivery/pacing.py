"""Pacing: the earliest moment each send may go so that Telegram's limits are never exceeded.

Limits are sliding windows over the sends actually made: at most `global_per_s` in any second
overall, `chat_per_s` in any second to one chat, and, for a group or channel, `group_per_min`
in any minute as well. Every window is stretched by `margin` (5 %: 30 per 1.05 s) because the
platform's clock and ours differ. A 429 holds back exactly what it names — one chat, or (chat
None) everything — until `now + retry_after`, and no longer.

Pure: no clock and no sleep; every call is told `now` (monotonic seconds) and the caller waits.
Imports nothing from the project.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

DEFAULT_MARGIN = 0.05
_SWEEP_EVERY = 4096  # sends between forgetting idle chats, so memory follows active chats only


@dataclass(frozen=True)
class Limits:
    global_per_s: int = 30
    chat_per_s: int = 1
    group_per_min: int = 20

    def __post_init__(self) -> None:
        for name in ("global_per_s", "chat_per_s", "group_per_min"):
            if getattr(self, name) < 1:
                raise ValueError(f"Limits.{name} must be at least 1, got {getattr(self, name)}")


DEFAULT_LIMITS = Limits()


def _free(sent: deque[float], n: int, window: float) -> float:
    """When a window of `window` seconds admitting `n` sends has room again: once the n-th
    most recent send has left it."""
    return sent[-n] + window if len(sent) >= n else -math.inf


class Pacer:
    def __init__(self, limits: Limits = DEFAULT_LIMITS, margin: float = DEFAULT_MARGIN) -> None:
        if margin < 0:
            raise ValueError(f"margin must not be negative, got {margin}")
        self.limits = limits
        self._second = 1.0 * (1 + margin)
        self._minute = 60.0 * (1 + margin)
        self._keep = max(limits.chat_per_s, limits.group_per_min)
        self._all: deque[float] = deque(maxlen=limits.global_per_s)
        self._chats: dict[str, deque[float]] = {}
        self._held: dict[str, float] = {}  # chat -> no send before this (a 429 for that chat)
        self._held_all = -math.inf  # a 429 for the bot as a whole
        self.stats: dict[str, int] = {"sends": 0, "penalties": 0}

    def _chat_free(self, sent: deque[float], group: bool) -> float:
        slot = _free(sent, self.limits.chat_per_s, self._second)
        if group:
            slot = max(slot, _free(sent, self.limits.group_per_min, self._minute))
        return slot

    def _held_until(self, chat: str) -> float:
        return max(self._held_all, self._held.get(chat, -math.inf))

    def next_slot(self, chat: str, *, group: bool, now: float) -> float:
        """The earliest time a send to `chat` may go: every window has room and no penalty
        holds it. `now` itself when nothing stands in the way."""
        sent = self._chats.get(chat)
        return max(now, self._held_until(chat),
                   _free(self._all, self.limits.global_per_s, self._second),
                   self._chat_free(sent, group) if sent else -math.inf)

    def take(self, chat: str, *, group: bool, now: float) -> None:
        """Record a send at `now` (the caller waited for next_slot). `group` is part of the
        signature so callers state it at every step; the chat's history serves both windows."""
        self._all.append(now)
        self._chats.setdefault(chat, deque(maxlen=self._keep)).append(now)
        self.stats["sends"] += 1
        if self.stats["sends"] % _SWEEP_EVERY == 0:
            self._forget(now)

    def settle(self, chat: str, taken: float, done: float) -> None:
        """The send taken at `taken` completed at `done`: count it from then. The platform saw
        it somewhere in between, so counting from the completion keeps every window true
        however long the request took (a send delayed on its way can no longer arrive bunched
        with the ones after it)."""
        for sent in (self._all, self._chats.get(chat)):
            if sent is None or taken not in sent:
                continue
            ordered = sorted([t for t in sent if t != taken] + [max(taken, done)]
                             + [taken] * (list(sent).count(taken) - 1))
            sent.clear()
            sent.extend(ordered)

    def penalize(self, chat: str | None, retry_after: float, now: float) -> None:
        """A 429: nothing to `chat` (None: to anyone) before now + retry_after. Never shortens
        an earlier penalty, never adds to it."""
        until = now + max(retry_after, 0.0)
        if chat is None:
            self._held_all = max(self._held_all, until)
        else:
            self._held[chat] = max(self._held.get(chat, -math.inf), until)
        self.stats["penalties"] += 1

    def backlog_delay(self, chat: str, pending: int, *, group: bool, now: float) -> float:
        """Seconds from `now` until the last of `pending` messages to `chat` could go at the
        chat's limits (and its penalties). The global limit is shared by every chat, so it is
        the dispatcher's to divide, not part of one chat's backlog."""
        if pending <= 0:
            return 0.0
        sent = deque(self._chats.get(chat, ()), maxlen=self._keep)
        t = max(now, self._held_until(chat))
        for _ in range(pending):
            t = max(t, self._chat_free(sent, group))
            sent.append(t)
        return t - now

    def _forget(self, now: float) -> None:
        """Drop chats no window or penalty remembers any more."""
        horizon = now - max(self._minute, self._second)
        for chat in [c for c, sent in self._chats.items() if sent[-1] < horizon]:
            del self._chats[chat]
        for chat in [c for c, until in self._held.items() if until <= now]:
            del self._held[chat]


def should_merge(pending: int, *, group: bool, limits: Limits = DEFAULT_LIMITS,
                 promptly: float = 60.0) -> bool:
    """Whether a chat's backlog is merged into one message: when, starting from an idle chat,
    the last of it could not go within `promptly` seconds at the chat's limits (with the
    default margin). Private chats merge from 59 pending (58 gaps of 1.05 s = 60.9 s),
    groups from 21 (the 21st waits for the 63-s minute window)."""
    return Pacer(limits).backlog_delay("", pending, group=group, now=0.0) > promptly
