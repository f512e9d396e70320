"""Quiet hours in the subscriber's time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.delivery.quiet import parse_window, quiet_until

LA = ZoneInfo("America/Los_Angeles")


@pytest.mark.parametrize(("local", "window", "ends"), [
    (datetime(2026, 2, 6, 23, 30, tzinfo=LA), "22:00-07:00", datetime(2026, 2, 7, 7, 0, tzinfo=LA)),
    (datetime(2026, 2, 7, 6, 59, tzinfo=LA), "22:00-07:00", datetime(2026, 2, 7, 7, 0, tzinfo=LA)),
    (datetime(2026, 2, 7, 7, 0, tzinfo=LA), "22:00-07:00", None),
    (datetime(2026, 2, 7, 21, 59, tzinfo=LA), "22:00-07:00", None),
    (datetime(2026, 2, 7, 13, 30, tzinfo=LA), "13:00-14:00", datetime(2026, 2, 7, 14, tzinfo=LA)),
    (datetime(2026, 2, 7, 14, 30, tzinfo=LA), "13:00-14:00", None),
    (datetime(2026, 2, 7, 23, 0, tzinfo=LA), "", None),
    # DST begins 8 March 2026 at 02:00 in Los Angeles: quiet ends at 07:00 PDT, 14:00 UTC.
    (datetime(2026, 3, 7, 23, 0, tzinfo=LA), "22:00-07:00", datetime(2026, 3, 8, 7, 0, tzinfo=LA)),
])
def test_quiet_until_in_the_subscribers_zone(local: datetime, window: str,
                                             ends: datetime | None) -> None:
    got = quiet_until(local.astimezone(UTC), "America/Los_Angeles", window)
    assert got == ends
    if got is not None:
        assert got.astimezone(UTC) > local.astimezone(UTC)


def test_dst_end_is_seven_local() -> None:
    got = quiet_until(datetime(2026, 3, 8, 6, 0, tzinfo=UTC), "America/Los_Angeles",
                      "22:00-07:00")
    assert got is not None and got.astimezone(UTC) == datetime(2026, 3, 8, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize("bad", ["25:00-07:00", "22-07", "22:00-22:00", "noon-dusk"])
def test_malformed_windows_are_none(bad: str) -> None:
    assert parse_window(bad) is None
