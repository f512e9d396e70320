"""`/metrics` in Prometheus text: queue depth, sends, retries, 429s, failures by reason, and
sources' health.

Values are gathered when scraped (a custom collector over a snapshot the composition root
hands in), so nothing here keeps global state. Must not import bot.store or bot.ingest.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@dataclass(frozen=True)
class Snapshot:
    queue: Mapping[str, int] = field(default_factory=dict)  # outbox alerts by state
    counters: Mapping[str, int] = field(default_factory=dict)  # the dispatcher's
    sources: Mapping[str, bool] = field(default_factory=dict)  # source id -> healthy


class _Collector(Collector):
    def __init__(self, snap: Snapshot) -> None:
        self._snap = snap

    def collect(self) -> Iterator[Metric]:
        queue = GaugeMetricFamily("alertbot_outbox_alerts", "Alerts in the outbox by state",
                                  labels=["state"])
        for state, n in sorted(self._snap.queue.items()):
            queue.add_metric([state], n)
        yield queue
        c = self._snap.counters
        for name, key, doc in (("sends", "sent", "Alerts delivered"),
                               ("retries", "retries", "Sends to retry later"),
                               ("rate_limited", "rate_limited", "429 answers honoured"),
                               ("merged", "merged", "Alerts merged into another message"),
                               ("held", "held",
                                "Alerts held (paused, quiet hours, waiting for a digest)")):
            yield CounterMetricFamily(f"alertbot_{name}", doc, value=c.get(key, 0))
        failures = CounterMetricFamily("alertbot_failures", "Permanent failures by reason",
                                       labels=["reason"])
        for key, n in sorted(c.items()):
            if key.startswith("failed:"):
                failures.add_metric([key.removeprefix("failed:")], n)
        yield failures
        dropped = CounterMetricFamily(
            "alertbot_dropped", "Alerts not sent by the subscriber's choice, by reason",
            labels=["reason"])
        for key, n in sorted(c.items()):
            if key.startswith("dropped:"):
                dropped.add_metric([key.removeprefix("dropped:")], n)
        yield dropped
        health = GaugeMetricFamily("alertbot_source_healthy", "1 when the source is healthy",
                                   labels=["source"])
        for source, ok in sorted(self._snap.sources.items()):
            health.add_metric([source], 1 if ok else 0)
        yield health


def render(snap: Snapshot) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Collector(snap))
    return generate_latest(registry)
