"""A source's health, decided once (bot.reading.health) for `alertbot sources`, /sources,
/stats and /healthz: a table of stored states and what each surface is told."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.ingest import waiting
from bot.ingest.schedule import PollPolicy
from bot.models import Source, SourceState
from bot.reading.health import as_json, source_health
from bot.reading.models import Health, Wait

NOW = datetime(2026, 2, 6, 18, 30, tzinfo=UTC)
LATER, EARLIER = NOW + timedelta(minutes=30), NOW - timedelta(minutes=5)
URL = "https://www.ice.gov/news/releases.rss"
SOURCE = Source(id="ice", kind="feed", url=URL, agency="ice", jurisdiction="federal",
                name="ICE news releases")
POLICY = PollPolicy(unhealthy_after=3)
OK = dict(last_outcome="ok", last_success=EARLIER, last_attempt=EARLIER, next_check=LATER)
BACKOFF = "backing off after 2 failures in a row"
GONE = dict(last_outcome="gone", last_error="HTTP 410", disabled_url=URL, disabled_since=EARLIER)

CASES: list[tuple[str, dict[str, Any] | None, dict[str, Any]]] = [
    ("never polled", None,
     dict(state=Health.NEVER_POLLED, healthy=True, next_check=None, last_success=None)),
    ("healthy: the last poll worked", OK,
     dict(state=Health.HEALTHY, healthy=True, failures=0, next_check=LATER, waiting=None)),
    ("failing, short of unhealthy_after", dict(OK, consecutive_failures=2, last_error="HTTP 503",
                                               wait_reason=BACKOFF),
     dict(state=Health.FAILING, healthy=True, failures=2, last_error="HTTP 503",
          waiting=Wait.BACKOFF)),
    ("unhealthy at unhealthy_after", dict(OK, consecutive_failures=3, last_error="timed out",
                                          wait_reason=BACKOFF),
     dict(state=Health.UNHEALTHY, healthy=False, failures=3, waiting=Wait.BACKOFF)),
    ("a server's Retry-After", dict(OK, consecutive_failures=1, last_error="HTTP 429",
                                    wait_reason=waiting.RETRY_AFTER),
     dict(state=Health.FAILING, waiting=Wait.RETRY_AFTER, next_check=LATER)),
    ("its wait is over: nothing to wait for", dict(OK, consecutive_failures=1, next_check=EARLIER,
                                                   wait_reason=waiting.RETRY_AFTER),
     dict(state=Health.FAILING, waiting=None, next_check=EARLIER)),
    ("a 410 Gone from its url", dict(OK, consecutive_failures=1, **GONE),
     dict(state=Health.DISABLED, healthy=False, next_check=None, waiting=None,
          disabled_since=EARLIER, last_error="HTTP 410")),
    ("a 410 Gone from an address it no longer has", dict(OK, consecutive_failures=1,
                                                        **dict(GONE, disabled_url=URL + "?old")),
     dict(state=Health.FAILING, healthy=True, disabled_since=None, next_check=LATER)),
    ("a flood held back", dict(OK, held_back=300, held_back_at=EARLIER),
     dict(state=Health.HEALTHY, held_back=300, held_back_at=EARLIER)),
    ("a flood long over", dict(OK, held_back=0, held_back_at=EARLIER),
     dict(held_back=0, held_back_at=None)),
    ("an old error is not shown once a poll works", dict(OK, last_error="stale"),
     dict(state=Health.HEALTHY, last_error=None)),
]


@pytest.mark.parametrize(("stored", "expected"), [(s, e) for _, s, e in CASES],
                         ids=[c[0] for c in CASES])
def test_health_of_a_stored_state(stored: dict[str, Any] | None,
                                  expected: dict[str, Any]) -> None:
    state = SourceState("ice", **stored) if stored is not None else None
    health = source_health(SOURCE, state, POLICY, NOW)
    assert (health.id, health.name, health.kind, health.agency) == (
        "ice", "ICE news releases", "feed", "ice")
    assert {k: getattr(health, k) for k in expected} == expected


def test_a_source_without_a_name_is_shown_by_its_id() -> None:
    bare = Source(id="dhs", kind="html", url=URL, agency="dhs", jurisdiction="federal")
    assert source_health(bare, None, POLICY, NOW).name == "dhs"


def test_healthz_keeps_its_fields_and_adds_the_state() -> None:
    state = SourceState("ice", consecutive_failures=1, **GONE)
    assert as_json(source_health(SOURCE, state, POLICY, NOW)) == {
        "healthy": False, "failures": 1, "last_outcome": "gone",
        "last_success": None, "last_error": "HTTP 410", "state": "disabled",
        "next_check": None, "waiting": None, "disabled_since": EARLIER.isoformat(),
        "held_back": 0,
    }
