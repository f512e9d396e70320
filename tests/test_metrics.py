"""/metrics as Prometheus reads it: the dispatcher's counters named and labelled; and, scraped
over HTTP from the running worker, fetch outcomes and last success per source, items
ingested, alerts delivered by kind and the publish → delivery latency histogram."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from bot.settings import TelegramSettings
from bot.web.metrics import Snapshot, render
from tests.fakebot import FakeBotAPI
from tests.httpserver import LocalServer, unused_port
from tests.ingest.test_refresh import ICE, RSS, A, rss
from tests.test_healthz import feeds, healthz_until, settings, worker

CHAT = 6001


def test_counters_become_prometheus_series_with_reasons_as_labels() -> None:
    text = render(Snapshot(
        queue={"pending": 5, "held": 2},
        counters={"sent": 3, "rate_limited": 4, "deferred": 7,
                  "failed:Forbidden: bot was blocked": 1,
                  "dropped:unsubscribed": 2, "dropped:story muted": 1, "held": 2},
        sources={"ice": True, "dhs": False})).decode()
    for line in ('alertbot_outbox_alerts{state="pending"} 5.0',
                 "alertbot_sends_total 3.0", "alertbot_rate_limited_total 4.0",
                 "alertbot_deferred_total 7.0",
                 'alertbot_failures_total{reason="Forbidden: bot was blocked"} 1.0',
                 'alertbot_dropped_total{reason="unsubscribed"} 2.0',
                 'alertbot_dropped_total{reason="story muted"} 1.0',
                 "alertbot_held_total 2.0", 'alertbot_source_healthy{source="dhs"} 0.0'):
        assert line in text, line


async def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """/metrics over HTTP, parsed as Prometheus parses it: (sample, labels) -> value."""
    async with httpx.AsyncClient() as client:
        reply = await client.get(f"http://127.0.0.1:{port}/metrics")
    assert reply.status_code == 200
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(reply.text) for s in family.samples}


def rfc2822(when: datetime) -> str:
    return when.strftime("%a, %d %b %Y %H:%M:%S +0000")


DATED = ("Detainer lodged against fugitive wanted in Honduras", ICE + "x",
         "ICE lodged detainers.", "")
UNDATED = ("Agency publishes quarterly statistics on removals", ICE + "y",
           "Detainers issued this quarter.", "")


async def test_metrics_after_a_refresh_and_deliveries_through_telegram(
    fake_bot: FakeBotAPI, local_server: LocalServer, tmp_path: Path
) -> None:
    local_server.serve_bytes("/ice", rss(A), RSS)
    local_server.respond("/down", 503)
    cfg = settings(tmp_path, unused_port(),
                   TelegramSettings(token=fake_bot.token, base_url=fake_bot.base_url))
    async with worker(cfg, feeds(local_server, "ice", "down")) as port:
        fake_bot.user_sends(CHAT, "/subscribe detainers")
        await fake_bot.wait_for_messages(CHAT, 1, timeout=20)
        await healthz_until(port, lambda _, b: b["sources"]["ice"]["last_success"] is not None)
        # Published 40 s ago: the alert is 30-60 s late. Without a date: timed from first seen.
        dated = (*DATED[:3], rfc2822(datetime.now(UTC) - timedelta(seconds=40)))
        local_server.serve_bytes("/ice", rss(dated, A), RSS)
        await fake_bot.wait_for_messages(CHAT, 2, timeout=20)
        local_server.serve_bytes("/ice", rss(UNDATED, dated, A), RSS)
        await fake_bot.wait_for_messages(CHAT, 3, timeout=20)
        for _ in range(100):  # the send is recorded just after Telegram answered it
            m = await scrape(port)
            if m.get(("alertbot_delivery_latency_seconds_count", ())) == 2:
                break
            await asyncio.sleep(0.05)
    assert m[("alertbot_fetches_total", (("outcome", "ok"), ("source", "ice")))] >= 3
    assert m[("alertbot_fetches_total", (("outcome", "server_error"), ("source", "down")))] >= 1
    last = m[("alertbot_source_last_success_timestamp_seconds", (("source", "ice"),))]
    assert abs(last - time.time()) < 120
    assert ("alertbot_source_last_success_timestamp_seconds", (("source", "down"),)) not in m
    assert m[("alertbot_items_ingested_total", (("kind", "baseline"),))] == 1
    assert m[("alertbot_items_ingested_total", (("kind", "new"),))] == 2
    assert m[("alertbot_alerts_delivered_total", (("kind", "new"),))] == 2
    bucket = {le: m[("alertbot_delivery_latency_seconds_bucket", (("le", le),))]
              for le in ("15.0", "30.0", "60.0", "+Inf")}
    assert bucket == {"15.0": 1, "30.0": 1, "60.0": 2, "+Inf": 2}, bucket
    assert m[("alertbot_delivery_latency_seconds_count", ())] == 2
    assert 40 <= m[("alertbot_delivery_latency_seconds_sum", ())] < 65
