"""Durations and moments as people read them: "2 h 30 min", "73 years", "14:05 UTC".

Every duration that reaches a human (fetch details, `poll --once` and `sources` output, log
detail strings) goes through `duration`, so no message says "retry after 2.30005e+09 s".
Pure: no clock (`now` comes in). Must not import anything from the project.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

MINUTE, HOUR, DAY = 60.0, 3600.0, 86400.0
YEAR = 365.25 * DAY


def duration(seconds: float) -> str:
    """At most two units, the larger first, the smaller rounded: "45 s", "1 min 30 s",
    "2 h 30 min", "3 days 4 h"; a year or more is whole years ("73 years")."""
    if math.isnan(seconds):
        return "an unknown time"
    if math.isinf(seconds):
        return "forever"
    if seconds < 0:
        return "-" + duration(-seconds)
    if seconds < 10:
        return f"{round(seconds, 1):g} s"
    if seconds < MINUTE - 0.5:
        return f"{round(seconds)} s"
    if seconds >= YEAR:
        return _count(round(seconds / YEAR), "year")
    for big, small in ((DAY, HOUR), (HOUR, MINUTE), (MINUTE, 1.0)):
        if seconds >= big - small / 2:
            whole, rest = divmod(round(seconds / small), round(big / small))
            return _pair(big, whole, small, rest)
    raise AssertionError("unreachable: every positive duration has a unit")


def moment(when: datetime, now: datetime | None = None) -> str:
    """A wall-clock time in UTC: "14:05 UTC" on `now`'s day, else (or without `now`) with the
    date, "2026-02-13 14:05 UTC"."""
    when = when.astimezone(UTC)
    if now is not None and when.date() == now.astimezone(UTC).date():
        return when.strftime("%H:%M UTC")
    return when.strftime("%Y-%m-%d %H:%M UTC")


_UNITS = {DAY: "day", HOUR: "h", MINUTE: "min", 1.0: "s"}


def _pair(big: float, whole: int, small: float, rest: int) -> str:
    first = _count(whole, _UNITS[big]) if big == DAY else f"{whole} {_UNITS[big]}"
    return first if not rest else f"{first} {rest} {_UNITS[small]}"


def _count(n: int, unit: str) -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"
