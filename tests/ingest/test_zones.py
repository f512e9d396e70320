"""Each source's local time zone, for the schedule's night."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from bot.ingest.catalog import BUILTIN_SOURCES
from bot.ingest.zones import zone_of
from bot.models import Source
from subscriptions.gazetteer import load_gazetteer


def test_builtin_newsrooms_keep_their_own_hours() -> None:
    zones = {s.id: zone_of(s, load_gazetteer()).key for s in BUILTIN_SOURCES}
    assert zones == {"ice-breaking": "America/New_York", "ice-ero": "America/New_York",
                     "dhs-press": "America/New_York", "ca-governor": "America/Los_Angeles",
                     "ca-ag": "America/Los_Angeles"}


@pytest.mark.parametrize(
    ("jurisdiction", "timezone", "expected"),
    [
        ("Texas", "", "America/Chicago"),
        ("Arizona", "", "America/Phoenix"),
        ("Indiana", "", "America/Indiana/Indianapolis"),
        ("Los Angeles County", "", "America/Los_Angeles"),  # a county: its state's
        ("Sacramento", "", "America/Los_Angeles"),  # a city too
        ("federal", "America/Chicago", "America/Chicago"),  # [[sources]] timezone wins
    ],
)
def test_a_source_s_zone(jurisdiction: str, timezone: str, expected: str) -> None:
    source = Source(id="x", kind="feed", url="https://x.gov/feed", agency="x",
                    jurisdiction=jurisdiction, timezone=timezone)
    assert zone_of(source, load_gazetteer()) == ZoneInfo(expected)
