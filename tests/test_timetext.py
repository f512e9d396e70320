"""Durations and moments as an operator reads them in `poll --once`, `sources` and the logs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.timetext import duration, moment


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 s"), (0.5, "0.5 s"), (2.25, "2.2 s"), (12.4, "12 s"), (59.4, "59 s"),
        (60, "1 min"), (90, "1 min 30 s"), (119.7, "2 min"), (720, "12 min"),
        (3600, "1 h"), (9000, "2 h 30 min"), (86_399, "1 day"), (90_000, "1 day 1 h"),
        (3 * 86_400 + 4 * 3600, "3 days 4 h"), (45 * 86_400, "45 days"),
        (365.25 * 86_400, "1 year"), (2.30005e9, "73 years"),  # a Retry-After seen in the wild
        (float("inf"), "forever"), (-90, "-1 min 30 s"),
    ],
)
def test_durations_read_as_words(seconds: float, text: str) -> None:
    assert duration(seconds) == text


def test_moments_are_utc_with_the_date_when_not_today() -> None:
    now = datetime(2026, 2, 12, 13, 53, tzinfo=UTC)
    assert moment(now + timedelta(minutes=12), now) == "14:05 UTC"
    assert moment(now + timedelta(hours=12), now) == "2026-02-13 01:53 UTC"
    pacific = timezone(timedelta(hours=-8))
    assert moment(datetime(2026, 2, 12, 6, 5, tzinfo=pacific), now) == "14:05 UTC"
    assert moment(now) == "2026-02-12 13:53 UTC"
