"""The rules behind /healthz and the latency histogram, case by case (bot.telemetry is pure:
the clock is handed in). The HTTP tests (test_healthz, test_metrics) show them end to end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.models import Alert, DeliveryResult
from bot.telemetry import ChannelStatus, Recorder, assess

T0 = datetime(2026, 2, 6, 19, 0, tzinfo=UTC)


def source(failures: int, healthy: bool, error: str | None = None) -> dict[str, object]:
    return {"healthy": healthy, "failures": failures, "last_error": error}


def test_no_sources_configured_is_not_every_source_failing() -> None:
    assert assess(True, {}, {})["status"] == "ok"


def test_a_channel_still_starting_is_a_warning_not_a_problem() -> None:
    status = ChannelStatus(lambda: T0)
    body = assess(True, {"ice": source(0, True)}, {"telegram": status.report()})
    assert body["status"] == "ok" and body["warnings"] == ["telegram: starting, not connected yet"]


def test_a_source_failing_but_still_healthy_is_listed_as_a_warning() -> None:
    body = assess(True, {"ice": source(1, True, "timeout"), "dhs": source(0, True)}, {})
    assert body["status"] == "ok"
    assert body["warnings"] == ["source ice: failing, 1 failed polls in a row (timeout)"]


@pytest.mark.parametrize(("result", "state"), [
    (DeliveryResult("ok", message_id="1"), "ok"),
    (DeliveryResult("permanent", reason="Forbidden: bot was blocked by the user"), "ok"),
    (DeliveryResult("retry", retry_after=3.0, reason="rate limited"), "ok"),
    (DeliveryResult("retry", reason="httpx.ConnectError: refused", scope="channel"),
     "unreachable"),
    (DeliveryResult("retry", reason="no answer in 60 s", scope="channel"), "unreachable"),
    (DeliveryResult("retry", reason="token refused", scope="channel", rejected=True),
     "rejected"),
    (DeliveryResult("retry", reason="mailbox busy"), "ok"),  # the destination's, not the channel's
])
def test_a_send_says_whether_the_platform_answered(result: DeliveryResult, state: str) -> None:
    status = ChannelStatus(lambda: T0)
    status.sent(result)
    assert status.state == state


def test_a_rejected_channel_stays_rejected_whatever_else_fails() -> None:
    status = ChannelStatus(lambda: T0, secrets=["123:SECRET"])
    status.rejected("refused 123:SECRET")
    status.failed("network down")
    assert status.report()["state"] == "rejected"
    assert status.report()["last_error"] == "refused <redacted>"


def alert(kind: str, created: datetime, released: bool = False) -> Alert:
    return Alert(id=1, subscriber_id=1, channel="telegram", address="1", item_key="k",
                 content_hash="h", kind=kind, created_at=created, released=released)


def test_latency_rules() -> None:
    rec = Recorder(lambda: T0)
    sent = T0 + timedelta(hours=1)
    # Published 90 s before it was sent.
    rec.delivered(alert("new", T0), sent - timedelta(seconds=90), sent)
    # A revision: from when the changed version was seen, not the release's first publication.
    rec.delivered(alert("revision", sent - timedelta(seconds=3)), T0 - timedelta(days=9), sent)
    # No date in the feed: from when it was first seen.
    rec.delivered(alert("development", sent - timedelta(seconds=20)), None, sent)
    # A feed whose clock runs ahead: not a negative latency.
    rec.delivered(alert("new", T0), sent + timedelta(minutes=5), sent)
    # Waited for a digest: counted, not timed.
    rec.delivered(alert("new", T0, released=True), T0, sent)
    seen = rec.observed()
    assert seen.alerts == {"new": 3, "revision": 1, "development": 1}
    assert seen.latency_count == 4 and seen.latency_sum == 90 + 3 + 20 + 0
    assert dict(seen.latency)[5.0] == 2 and dict(seen.latency)[30.0] == 3
    assert dict(seen.latency)[120.0] == 4 and dict(seen.latency)[86400.0] == 4
