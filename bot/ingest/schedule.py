"""When to poll a source next. Pure: no I/O, no clock, no random — `now` and `rand` come in.

The rules, applied in this order to the outcome of the poll that just ended:

1. Base interval: the source's own `interval` if set (> 0), else `policy.default_interval`.
2. Pace (adaptive, success only; `pace()`): given the agency's `Activity` at `now`,
   - developing — a release of the agency, or a story it is part of (or addressed to, or
     about its jurisdiction) moved, within `developing_for`: base = min(base,
     developing_interval). A story beats night;
   - else quiet — neither its newest release nor the last move of such a story is within
     `quiet_after` (a story that called on the agency yesterday may still get its answer:
     it keeps the base pace, not a slower one) — and/or night in the source's zone
     (`night_start` <= local hour < `night_end`): base times `quiet_factor` and/or
     `night_factor` (the larger when both: slower, not slower still). No night for an
     agency a developed story about its jurisdiction awaits (it moved since the agency's
     last release, within `quiet_after`): a newsroom answers a story about its own state
     when it breaks — the Governor answering DHS at midnight. Federal agencies cover no
     place here: they keep their nights;
   - else the base interval. No activity given, or `adaptive` off: the base interval.
3. Success (OK or NOT_MODIFIED): wait the paced interval, but never less than the server's
   freshness hints — HTTP `max_age` (the freshness left: Cache-Control / Expires less the
   Age a CDN counted) and the RSS `<ttl>`: max(pace, max_age, ttl), the hint exactly when it
   decides (rule 7). Polling before they expire only fetches the same bytes; a developing
   story does not change that. A 304 is a success: it keeps the story's pace.
4. Failure, source unhealthy (`failures >= policy.unhealthy_after`): raw = ceiling. A source
   down for hours is retried at the slowest pace, not hammered.
5. Rate limited with a Retry-After: raw = retry_after (the server said exactly when).
6. Any other failure (including rate limited without Retry-After): exponential backoff,
   raw = base * 2 ** (failures - 1), so 1 failure waits base, 2 wait 2x base, 3 wait 4x ...
   (from the base interval of rule 1: activity never shortens a backoff).
7. Jitter spreads sources that share an interval: raw * (1 + jitter * (2 * rand - 1)), with
   rand in [0, 1] (0.5 = no jitter). After a success whose freshness hint ends within that
   band or beyond it (hint >= pace * (1 - jitter)), the wait is the hint itself, exactly:
   the server's copy changes as it expires, and a poll later in the band would only see the
   same copy later — so a feed behind a CDN is polled as each copy expires, not at a random
   point of its life. A Retry-After is only spread upward from (never below it): the server
   may have told many clients the same moment.
8. Clamp to [floor, ceiling] last, always — a hint or backoff beyond the ceiling waits the
   ceiling, a Retry-After below the floor waits the floor.

`failures` is the count of consecutive failures *including* the poll that just ended, as
returned by `failures_after(previous, outcome)`.

Bringing a source forward (`brought_forward`): when a story its agency is part of develops
elsewhere, a healthy source waiting out a calm interval becomes due at its last attempt plus
the developing pace — never before the server's "not before" (`not_before`), never while it
is backing off, rate limited or unhealthy.

This module must not import bot.store, bot.channels or bot.delivery; it imports only
bot.models.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

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
    # The adaptive pace (rule 2); `adaptive = False` keeps the fixed base interval.
    adaptive: bool = True
    developing_interval: float = 60.0  # while a story the agency is part of develops
    developing_for: float = 3 * 3600.0  # how long a release or an answer keeps it developing
    quiet_after: float = 2 * 86400.0  # no release for this long: the agency is quiet
    quiet_factor: float = 4.0  # 300 s -> 20 min
    night_factor: float = 3.0  # 300 s -> 15 min
    night_start: int = 23  # local hours [start, end) in the source's zone; equal = no night
    night_end: int = 6

    def __post_init__(self) -> None:
        if not 0 < self.floor <= self.ceiling:
            raise ValueError(f"need 0 < floor <= ceiling, got {self.floor} and {self.ceiling}")
        if self.default_interval <= 0:
            raise ValueError(f"default_interval must be positive, got {self.default_interval}")
        if not 0 <= self.jitter < 1:
            raise ValueError(f"jitter must be in [0, 1), got {self.jitter}")
        if self.unhealthy_after < 1:
            raise ValueError(f"unhealthy_after must be at least 1, got {self.unhealthy_after}")
        for name in ("developing_interval", "developing_for", "quiet_after"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        if not (self.quiet_factor >= 1 and self.night_factor >= 1):
            raise ValueError(f"quiet_factor and night_factor must be at least 1, got "
                             f"{self.quiet_factor} and {self.night_factor}")
        if not (0 <= self.night_start <= 23 and 0 <= self.night_end <= 23):
            raise ValueError(f"night hours must be 0..23, got {self.night_start}, "
                             f"{self.night_end}")


@dataclass(frozen=True)
class Activity:
    """What the worker knows of a source's agency at `now` (aware times, None = unknown)."""

    last_release: datetime | None = None  # the agency's newest release
    developed: datetime | None = None  # a story it is part of, addressed to or about, moved
    about: datetime | None = None  # a developed story about its jurisdiction last moved
    zone: tzinfo = UTC  # the source's local time zone, for night


def failures_after(previous: int, outcome: Outcome) -> int:
    """Consecutive failures after this outcome: reset on OK / NOT_MODIFIED, else one more."""
    return max(previous, 0) + 1 if outcome.is_failure else 0


def is_healthy(failures: int, policy: PollPolicy) -> bool:
    return failures < policy.unhealthy_after


def next_check(
    policy: PollPolicy, *, now: datetime, outcome: Outcome, failures: int,
    interval: float | None = None, max_age: float | None = None, ttl: float | None = None,
    retry_after: float | None = None, rand: float = 0.5, activity: Activity | None = None,
) -> datetime:
    """`now` plus `delay_for(...)`: the moment the source is due again."""
    return now + timedelta(seconds=delay_for(
        policy, outcome=outcome, failures=failures, interval=interval, max_age=max_age,
        ttl=ttl, retry_after=retry_after, rand=rand, activity=activity, now=now,
    ))


def delay_for(
    policy: PollPolicy, *, outcome: Outcome, failures: int, interval: float | None = None,
    max_age: float | None = None, ttl: float | None = None, retry_after: float | None = None,
    rand: float = 0.5, activity: Activity | None = None, now: datetime | None = None,
) -> float:
    """Seconds until the next poll, by the rules in the module docstring. `activity` counts
    only with `now` (the moment it describes)."""
    base = interval if interval is not None and interval > 0 else policy.default_interval
    hint = not_before_seconds(outcome=outcome, failures=failures, policy=policy,
                              max_age=max_age, ttl=ttl, retry_after=retry_after)
    if not outcome.is_failure:
        raw = pace(policy, base, activity, now) if now is not None else base
        if hint >= raw * (1 - policy.jitter):  # rule 7: the server's expiry decides, exactly
            return _clamp(hint, policy)
    elif not is_healthy(failures, policy):
        raw = policy.ceiling
    elif outcome is Outcome.RATE_LIMITED and retry_after is not None:
        raw = hint
    else:
        raw = base * 2.0 ** min(max(failures, 1) - 1, _MAX_DOUBLINGS)
    rand = 0.5 if math.isnan(rand) else min(max(rand, 0.0), 1.0)
    delay = max(raw * (1 + policy.jitter * (2 * rand - 1)), hint)
    return _clamp(delay, policy)


def not_before_seconds(
    *, outcome: Outcome, failures: int, policy: PollPolicy, max_age: float | None = None,
    ttl: float | None = None, retry_after: float | None = None,
) -> float:
    """The server's "not before", in seconds from the poll: max_age / ttl after a success,
    Retry-After when rate limited (while healthy), else 0. Nothing may schedule under it."""
    if not outcome.is_failure:
        return max(_seconds(max_age), _seconds(ttl))
    if outcome is Outcome.RATE_LIMITED and is_healthy(failures, policy):
        return _seconds(retry_after)
    return 0.0


def pace(policy: PollPolicy, base: float, activity: Activity | None, now: datetime) -> float:
    """Rule 2: the interval after a success, given what the agency is doing at `now`."""
    if not policy.adaptive or activity is None:
        return base
    if is_developing(policy, activity, now):
        return min(base, policy.developing_interval)
    factor = policy.quiet_factor if is_quiet(policy, activity, now) else 1.0
    if _is_night(policy, now.astimezone(activity.zone).hour) and not is_awaited(
            policy, activity, now):
        factor = max(factor, policy.night_factor)
    return base * factor


def is_developing(policy: PollPolicy, activity: Activity, now: datetime) -> bool:
    """A release, or a story move, within `developing_for` before `now` (or after it: a
    clock that stepped back must not slow a story down)."""
    return any(
        t is not None and (now - t).total_seconds() <= policy.developing_for
        for t in (activity.last_release, activity.developed)
    )


def is_quiet(policy: PollPolicy, activity: Activity, now: datetime) -> bool:
    """Nothing around the agency for `quiet_after`: no release of its own, no story of its
    moving. Knowing neither is not quiet."""
    known = [t for t in (activity.last_release, activity.developed) if t is not None]
    return bool(known) and (now - max(known)).total_seconds() > policy.quiet_after


def is_awaited(policy: PollPolicy, activity: Activity, now: datetime) -> bool:
    """A developed story about the agency's jurisdiction moved since its last release, within
    `quiet_after`: its answer may come tonight."""
    about, last = activity.about, activity.last_release
    return (about is not None and (last is None or about > last)
            and (now - about).total_seconds() <= policy.quiet_after)


def brought_forward(
    policy: PollPolicy, *, due: datetime, now: datetime, last_attempt: datetime | None,
    outcome: Outcome | None, failures: int, not_before: datetime | None,
) -> datetime:
    """The due time of a source whose agency just became developing: no later than its last
    attempt plus the developing pace, never before the server's `not_before` nor `now`.
    A source backing off, rate limited or unhealthy — or never polled — keeps its due time."""
    if not policy.adaptive or last_attempt is None or outcome is None:
        return due
    if outcome.is_failure or failures > 0:
        return due
    soon = last_attempt + timedelta(seconds=_clamp(policy.developing_interval, policy))
    return min(due, max(soon, not_before or soon, now))


def _is_night(policy: PollPolicy, hour: int) -> bool:
    start, end = policy.night_start, policy.night_end
    return start <= hour < end if start <= end else hour >= start or hour < end


def _clamp(seconds: float, policy: PollPolicy) -> float:
    return min(max(seconds, policy.floor), policy.ceiling)


def _seconds(value: float | None) -> float:
    """A server hint as usable seconds: missing, negative or NaN count as no hint."""
    return value if value is not None and value > 0 else 0.0
