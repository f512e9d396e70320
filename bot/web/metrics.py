"""`/metrics` in Prometheus text: queue depth, sends, retries, 429s, failures by reason,
sources' health, fetch outcomes and last success per source, items ingested, alerts delivered
by kind and their publish → delivery latency.

Values are gathered when scraped (a custom collector over a snapshot the composition root
hands in), so nothing here keeps global state. Must not import bot.store or bot.ingest.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@dataclass(frozen=True)
class Snapshot:
    queue: Mapping[str, int] = field(default_factory=dict)  # outbox alerts by state
    counters: Mapping[str, int] = field(default_factory=dict)  # the dispatcher's
    sources: Mapping[str, bool] = field(default_factory=dict)  # source id -> healthy
    last_success: Mapping[str, float] = field(default_factory=dict)  # source -> unix seconds
    fetches: Mapping[tuple[str, str], int] = field(default_factory=dict)  # (source, outcome)
    items: Mapping[str, int] = field(default_factory=dict)  # kind -> items ingested
    alerts: Mapping[str, int] = field(default_factory=dict)  # kind -> alerts delivered
    latency: tuple[tuple[float, int], ...] = ()  # (upper bound s, cumulative count)
    latency_sum: float = 0.0
    latency_count: int = 0


class _Collector(Collector):
    def __init__(self, snap: Snapshot) -> None:
        self._snap = snap

    def collect(self) -> Iterator[Metric]:
        queue = GaugeMetricFamily("alertbot_outbox_alerts", "Alerts in the outbox by state",
                                  labels=["state"])
        for state, n in sorted(self._snap.queue.items()):
            queue.add_metric([state], n)
        yield queue
        yield from self._delivery()
        yield from self._sources()
        yield from self._pipeline()

    def _delivery(self) -> Iterator[Metric]:
        c = self._snap.counters
        for name, key, doc in (("sends", "sent", "Alerts delivered"),
                               ("retries", "retries", "Sends to retry later"),
                               ("rate_limited", "rate_limited", "429 answers honoured"),
                               ("deferred", "deferred",
                                "Alerts put back uncounted: their channel failed as a whole"),
                               ("merged", "merged", "Alerts merged into another message"),
                               ("held", "held",
                                "Alerts held (paused, quiet hours, waiting for a digest)")):
            yield CounterMetricFamily(f"alertbot_{name}", doc, value=c.get(key, 0))
        for name, prefix, doc in (
                ("failures", "failed:", "Permanent failures by reason"),
                ("dropped", "dropped:", "Alerts not sent by the subscriber's choice, by reason")):
            family = CounterMetricFamily(f"alertbot_{name}", doc, labels=["reason"])
            for key, n in sorted(c.items()):
                if key.startswith(prefix):
                    family.add_metric([key.removeprefix(prefix)], n)
            yield family

    def _sources(self) -> Iterator[Metric]:
        health = GaugeMetricFamily("alertbot_source_healthy", "1 when the source is healthy",
                                   labels=["source"])
        for source, ok in sorted(self._snap.sources.items()):
            health.add_metric([source], 1 if ok else 0)
        yield health
        last = GaugeMetricFamily("alertbot_source_last_success_timestamp_seconds",
                                 "When the source last answered well (unix time)",
                                 labels=["source"])
        for source, when in sorted(self._snap.last_success.items()):
            last.add_metric([source], when)
        yield last
        fetches = CounterMetricFamily("alertbot_fetches", "Polls of a source by outcome",
                                      labels=["source", "outcome"])
        for (source, outcome), n in sorted(self._snap.fetches.items()):
            fetches.add_metric([source, outcome], n)
        yield fetches

    def _pipeline(self) -> Iterator[Metric]:
        for name, counts, doc in (
                ("items_ingested", self._snap.items,
                 "Releases recorded, by kind (new, revised; baseline: a new source's first poll)"),
                ("alerts_delivered", self._snap.alerts,
                 "Alerts delivered, by kind (new story, development, revision)")):
            family = CounterMetricFamily(f"alertbot_{name}", doc, labels=["kind"])
            for kind, n in sorted(counts.items()):
                family.add_metric([kind], n)
            yield family
        buckets = [(_bound(b), n) for b, n in self._snap.latency]
        yield HistogramMetricFamily(
            "alertbot_delivery_latency_seconds",
            "From a release's published time (or first seen, without one) to its alert sent",
            buckets=[*buckets, ("+Inf", self._snap.latency_count)],
            sum_value=self._snap.latency_sum)


def _bound(seconds: float) -> str:
    return f"{seconds:.1f}"


def render(snap: Snapshot) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Collector(snap))
    return generate_latest(registry)
