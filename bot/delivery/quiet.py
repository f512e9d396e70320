"""Local times in the subscriber's zone: when their quiet hours ("22:00-07:00") end, if they are
on now, and when their next digest is due (daily at "08:00", weekly on Mondays at "08:00").

Pure: `now` is passed in (aware, any zone). A window that crosses midnight ("22:00-07:00") and
one that does not ("13:00-14:00") both work; "" means no quiet hours. Daylight-saving changes
are the zone's: the end is the next local 07:00, whatever the offset then. An unknown zone
reads as UTC (the commands refuse one before it is saved).
Must not import anything from the project.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WINDOW = re.compile(r"^\s*([01]?\d|2[0-3]):([0-5]\d)\s*-\s*([01]?\d|2[0-3]):([0-5]\d)\s*$")
CLOCK = re.compile(r"^\s*([01]?\d|2[0-3])[:.]([0-5]\d)\s*$")
PERIODS = ("daily", "weekly")
DIGEST_DEFAULT_AT = time(8, 0)


def parse_window(text: str) -> tuple[time, time] | None:
    """("22:00-07:00") -> (22:00, 07:00); None when empty or malformed (callers validate)."""
    m = WINDOW.match(text or "")
    if m is None:
        return None
    start, end = time(int(m[1]), int(m[2])), time(int(m[3]), int(m[4]))
    return None if start == end else (start, end)


def parse_clock(text: str) -> time | None:
    """"8:00", "08.00", "18:30" -> that time of day; None when malformed."""
    m = CLOCK.match(text or "")
    return time(int(m[1]), int(m[2])) if m else None


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def quiet_until(now: datetime, timezone: str, window: str) -> datetime | None:
    """The moment quiet hours end, if `now` is inside them; else None."""
    parsed = parse_window(window)
    if parsed is None:
        return None
    zone = _zone(timezone)
    start, end = parsed
    local = now.astimezone(zone)
    t = local.time().replace(second=0, microsecond=0, tzinfo=None)
    inside = (start <= t < end) if start < end else (t >= start or t < end)
    if not inside:
        return None
    day = local.date() if t < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=zone)


def digest_due(now: datetime, timezone: str, period: str, at: str) -> datetime:
    """The next digest after `now`: the next local `at` (daily), or the next Monday's (weekly).
    A malformed `at` reads as 08:00."""
    if period not in PERIODS:
        raise ValueError(f"digest period {period!r}: expected one of {PERIODS}")
    zone = _zone(timezone)
    local = now.astimezone(zone)
    clock = parse_clock(at) or DIGEST_DEFAULT_AT
    day = local.date()
    while True:
        due = datetime.combine(day, clock, tzinfo=zone)
        if due > local and (period == "daily" or day.weekday() == 0):
            return due
        day += timedelta(days=1)
