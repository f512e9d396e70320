"""When to poll a source next. Pure: no I/O, no clock, no random — `now` and `rand` come in.

The rules, applied in this order to the outcome of the poll that just ended:

1. Base interval: the source's own `interval` if set (> 0), else `policy.default_interval`.
2. Success (OK or NOT_MODIFIED): wait the base interval, but never less than the server's
   freshness hints — HTTP `max_age` (Cache-Control / Expires) and the RSS `<ttl>`:
   raw = max(base, max_age, ttl). Polling before they expire only fetches the same bytes.
3. Failure, source unhealthy (`failures >= policy.unhealthy_after`): raw = ceiling. A source
   down for hours is retried at the slowest pace, not hammered.
4. Rate limited with a Retry-After: raw = retry_after (the server said exactly when).
5. Any other failure (including rate limited without Retry-After): exponential backoff,
   raw = base * 2 ** (failures - 1), so 1 failure waits base, 2 wait 2x base, 3 wait 4x ...
6. Jitter spreads sources that share an interval: raw * (1 + jitter * (2 * rand - 1)), with
   rand in [0, 1] (0.5 = no jitter). Jitter never pulls the delay below a server hint
   (max_age / ttl on success, retry_after when rate limited): it only spreads upward from it.
7. Clamp to [floor, ceiling] last, always — a hint or backoff beyond the ceiling waits the
   ceiling, a Retry-After below the floor waits the floor.

`failures` is the count of consecutive failures *including* the poll that just ended, as
returned by `failures_after(previous, outcome)`.

This module must not import bot.store, bot.channels or bot.delivery; it imports only
bot.models.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.models import Outcome

# 2**60 times any interval is past any ceiling; capping the exponent avoids float overflow.
_MAX_DOUBLINGS = 60


@dataclass(frozen=True)
class PollPolicy:
    floor: float = 60.0  # never poll a source more often than this (seconds)
    ceiling: float = 3600.0  # never wait longer than this; unhealthy sources retried here
    default_interval: float = 300.0
    jitter: float = 0.1  # ± fraction of the interval
    unhealthy_after: int = 5  # consecutive failures before a source is unhealthy

    def __post_init__(self) -> None:
        if not 0 < self.floor <= self.ceiling:
            raise ValueError(f"need 0 < floor <= ceiling, got {self.floor} and {self.ceiling}")
        if self.default_interval <= 0:
            raise ValueError(f"default_interval must be positive, got {self.default_interval}")
        if not 0 <= self.jitter < 1:
            raise ValueError(f"jitter must be in [0, 1), got {self.jitter}")
        if self.unhealthy_after < 1:
            raise ValueError(f"unhealthy_after must be at least 1, got {self.unhealthy_after}")


def failures_after(previous: int, outcome: Outcome) -> int:
    """Consecutive failures after this outcome: reset on OK / NOT_MODIFIED, else one more."""
    return max(previous, 0) + 1 if outcome.is_failure else 0


def is_healthy(failures: int, policy: PollPolicy) -> bool:
    return failures < policy.unhealthy_after


def next_check(
    policy: PollPolicy, *, now: datetime, outcome: Outcome, failures: int,
    interval: float | None = None, max_age: float | None = None, ttl: float | None = None,
    retry_after: float | None = None, rand: float = 0.5,
) -> datetime:
    """`now` plus `delay_for(...)`: the moment the source is due again."""
    return now + timedelta(seconds=delay_for(
        policy, outcome=outcome, failures=failures, interval=interval, max_age=max_age,
        ttl=ttl, retry_after=retry_after, rand=rand,
    ))


def delay_for(
    policy: PollPolicy, *, outcome: Outcome, failures: int, interval: float | None = None,
    max_age: float | None = None, ttl: float | None = None, retry_after: float | None = None,
    rand: float = 0.5,
) -> float:
    """Seconds until the next poll, by the rules in the module docstring."""
    base = interval if interval is not None and interval > 0 else policy.default_interval
    hint = 0.0  # the server's "not before": jitter may not pull the delay under it
    if not outcome.is_failure:
        hint = max(_seconds(max_age), _seconds(ttl))
        raw = max(base, hint)
    elif not is_healthy(failures, policy):
        raw = policy.ceiling
    elif outcome is Outcome.RATE_LIMITED and retry_after is not None:
        hint = raw = _seconds(retry_after)
    else:
        raw = base * 2.0 ** min(max(failures, 1) - 1, _MAX_DOUBLINGS)
    rand = 0.5 if math.isnan(rand) else min(max(rand, 0.0), 1.0)
    delay = max(raw * (1 + policy.jitter * (2 * rand - 1)), hint)
    return min(max(delay, policy.floor), policy.ceiling)


def _seconds(value: float | None) -> float:
    """A server hint as usable seconds: missing, negative or NaN count as no hint."""
    return value if value is not None and value > 0 else 0.0
