"""Ingest benchmark: parse → normalise → dedup throughput, and what an idle poll costs.

Run: .venv/bin/python bench/ingest.py [--rounds N]

Prints, each beside a baseline measured in the same run (the machine is noisy, ratios are not):
1. the feed corpus (tests/fixtures/feeds): items/s through parse → normalise → dedup,
   beside feedparser alone;
2. a changed 50-item feed (ICE-like items): ms for parse → normalise → dedup (pure, and with
   the SQLite lookup + write), beside feedparser alone on the same bytes;
3. idle polls over real sockets against a server that answers 304 and one that sends no
   validators (unchanged body), plain and gzip'd: requests, bytes and parses per poll, ms per
   poll, beside a poll of a changed feed.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import feedparser

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.ingest import schedule  # noqa: E402
from bot.ingest.dedup import decide  # noqa: E402
from bot.ingest.feeds import parse_feed  # noqa: E402
from bot.ingest.fetcher import Fetcher  # noqa: E402
from bot.ingest.normalize import normalize  # noqa: E402
from bot.ingest.refresh import Refresher  # noqa: E402
from bot.models import Source, SourceState  # noqa: E402
from bot.store import open_store  # noqa: E402
from tests.httpserver import LocalServer  # noqa: E402
from tests.paths import FEEDS, GOV  # noqa: E402

SOURCE = Source(id="bench", kind="feed", url="https://www.ice.gov/rss/ice-breaking-news",
                agency="ice", jurisdiction="federal")
NOW = datetime(2026, 2, 11, tzinfo=UTC)


def corpus() -> list[bytes]:
    skip = (".serde.json", ".txt")
    files = [p for p in sorted(FEEDS.rglob("*")) if p.is_file()
             and not p.name.endswith(skip) and not p.name.startswith("LICENSE")]
    return [p.read_bytes() for p in files]


def ice_feed(n: int = 50, salt: str = "") -> bytes:
    """A 50-item RSS document built from the real ICE items (unique links per item)."""
    import json

    real = json.loads((GOV / "ice_feed_items_2025-12_to_2026-02.json").read_text())["items"]
    items = []
    for i in range(n):
        it = real[i % len(real)]
        link = f"{it['link']}-{i}{salt}"
        items.append(
            f"<item><title>{it['title']} ({i}{salt})</title><link>{link}</link>"
            f"<description><![CDATA[<p>{it['description']}</p>]]></description>"
            f"<pubDate>{it['pubDate']}</pubDate><guid isPermaLink=\"true\">{link}</guid></item>")
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            "<title>ICE</title><link>https://www.ice.gov</link><description>d</description>"
            + "".join(items) + "</channel></rss>").encode()


def pipeline(body: bytes) -> int:
    parsed = parse_feed(body, source_id=SOURCE.id, base_url=SOURCE.url)
    items = [i for r in parsed.items if (i := normalize(r, SOURCE)) is not None]
    return len(decide(items, {}, first_poll=False))


def feedparser_only(body: bytes) -> int:
    import io

    return len(feedparser.parse(io.BytesIO(body)).entries)


def best(fn: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def bench_corpus(rounds: int) -> None:
    docs = corpus()
    n_items = sum(pipeline(d) for d in docs)
    ours = best(lambda: [pipeline(d) for d in docs], rounds)
    base = best(lambda: [feedparser_only(d) for d in docs], rounds)
    print(f"corpus: {len(docs)} documents, {n_items} items")
    print(f"  parse→normalise→dedup  {n_items / ours:8.0f} items/s  ({ours * 1000:.0f} ms)")
    print(f"  feedparser alone       {n_items / base:8.0f} items/s  ({base * 1000:.0f} ms)"
          f"  → our stages add {ours / base - 1:+.0%}")


async def bench_changed_feed(rounds: int) -> None:
    body = ice_feed()
    pure = best(lambda: pipeline(body), rounds)
    base = best(lambda: feedparser_only(body), rounds)
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{tmp}/b.db")
        await store.migrate()
        times = []
        for r in range(rounds):
            doc = ice_feed(salt=f"r{r}")  # new items every round, as a changed feed has
            t = time.perf_counter()
            parsed = parse_feed(doc, source_id=SOURCE.id, base_url=SOURCE.url)
            items = [i for raw in parsed.items if (i := normalize(raw, SOURCE))]
            known = await store.known_items(i.key for i in items)
            changes = decide(items, known, first_poll=False)
            await store.record_refresh(SourceState("bench", baseline_done=True), changes, NOW)
            times.append(time.perf_counter() - t)
        await store.close()
    stored = min(times)
    print(f"changed 50-item feed ({len(body):,} bytes):")
    print(f"  parse→normalise→dedup          {pure * 1000:6.1f} ms  ({50 / pure:,.0f} items/s)")
    print(f"  … + SQLite lookup and write    {stored * 1000:6.1f} ms  ({50 / stored:,.0f} items/s)")
    print(f"  feedparser alone               {base * 1000:6.1f} ms  → ratio {pure / base:.2f}")


async def bench_idle(rounds: int) -> None:
    server = LocalServer()
    await server.start()
    body = ice_feed()
    server.serve_bytes("/etag", body, "application/rss+xml", etag='"v1"',
                       last_modified="Wed, 11 Feb 2026 22:38:19 GMT")
    server.serve_bytes("/plain", body, "application/rss+xml")
    server.serve_bytes("/gzip", gzip.compress(body), "application/rss+xml",
                       headers={"Content-Encoding": "gzip"})
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{tmp}/b.db")
        await store.migrate()
        fetcher = Fetcher(user_agent="alertbot-bench/1")
        refresher = Refresher(store=store, fetcher=fetcher, policy=schedule.PollPolicy(),
                              clock=lambda: NOW, rand=lambda: 0.5)
        print(f"idle polls ({rounds} each, after a first full fetch):")
        for path, label in (("/etag", "server with ETag → 304"),
                            ("/plain", "no validators → body hash"),
                            ("/gzip", "… the same, gzip'd")):
            src = Source(id=path.strip("/"), kind="feed", url=server.url(path), agency="ice",
                         jurisdiction="federal")
            await refresher.refresh(src)
            hits, sent = server.hits[path], server.bytes_sent[path]
            times, parsed = [], 0
            for _ in range(rounds):
                t = time.perf_counter()
                report = await refresher.refresh(src)
                times.append(time.perf_counter() - t)
                parsed += report.parsed
            print(f"  {label:<28} {(server.hits[path] - hits) / rounds:.0f} request, "
                  f"{(server.bytes_sent[path] - sent) / rounds:>7,.0f} bytes, "
                  f"{parsed} parses, {statistics.median(times) * 1000:5.1f} ms/poll")
        changed = []
        for r in range(min(rounds, 10)):
            server.serve_bytes("/changed", ice_feed(salt=f"c{r}"), "application/rss+xml")
            src = Source(id="changed", kind="feed", url=server.url("/changed"), agency="ice",
                         jurisdiction="federal")
            t = time.perf_counter()
            await refresher.refresh(src)
            changed.append(time.perf_counter() - t)
        print(f"  {'baseline: a changed feed':<28} 1 request, {len(body):>7,} bytes, "
              f"1 parse,  {statistics.median(changed) * 1000:5.1f} ms/poll")
        await fetcher.aclose()
        await store.close()
    await server.stop()


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=20)
    args = ap.parse_args()
    bench_corpus(max(3, args.rounds // 5))
    await bench_changed_feed(args.rounds)
    await bench_idle(args.rounds)


if __name__ == "__main__":
    asyncio.run(main())
