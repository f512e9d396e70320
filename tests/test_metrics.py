"""/metrics as Prometheus reads it: the dispatcher's counters named and labelled."""

from __future__ import annotations

from bot.web.metrics import Snapshot, render


def test_counters_become_prometheus_series_with_reasons_as_labels() -> None:
    text = render(Snapshot(
        queue={"pending": 5, "held": 2},
        counters={"sent": 3, "rate_limited": 4, "failed:Forbidden: bot was blocked": 1,
                  "dropped:unsubscribed": 2, "dropped:story muted": 1, "held": 2},
        sources={"ice": True, "dhs": False})).decode()
    for line in ('alertbot_outbox_alerts{state="pending"} 5.0',
                 "alertbot_sends_total 3.0", "alertbot_rate_limited_total 4.0",
                 'alertbot_failures_total{reason="Forbidden: bot was blocked"} 1.0',
                 'alertbot_dropped_total{reason="unsubscribed"} 2.0',
                 'alertbot_dropped_total{reason="story muted"} 1.0',
                 "alertbot_held_total 2.0", 'alertbot_source_healthy{source="dhs"} 0.0'):
        assert line in text, line
