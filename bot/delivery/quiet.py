"""Quiet hours: when a subscriber's "22:00-07:00" (in their time zone) ends, if it is on now.

Pure: `now` is passed in (aware, any zone). A window that crosses midnight ("22:00-07:00") and
one that does not ("13:00-14:00") both work; "" means no quiet hours. Daylight-saving changes
are the zone's: the end is the next local 07:00, whatever the offset then.
Must not import anything from the project.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WINDOW = re.compile(r"^\s*([01]?\d|2[0-3]):([0-5]\d)\s*-\s*([01]?\d|2[0-3]):([0-5]\d)\s*$")


def parse_window(text: str) -> tuple[time, time] | None:
    """("22:00-07:00") -> (22:00, 07:00); None when empty or malformed (callers validate)."""
    m = WINDOW.match(text or "")
    if m is None:
        return None
    start, end = time(int(m[1]), int(m[2])), time(int(m[3]), int(m[4]))
    return None if start == end else (start, end)


def quiet_until(now: datetime, timezone: str, window: str) -> datetime | None:
    """The moment quiet hours end, if `now` is inside them; else None."""
    parsed = parse_window(window)
    if parsed is None:
        return None
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    start, end = parsed
    local = now.astimezone(zone)
    t = local.time().replace(second=0, microsecond=0, tzinfo=None)
    inside = (start <= t < end) if start < end else (t >= start or t < end)
    if not inside:
        return None
    day = local.date() if t < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=zone)
