"""Flood benchmark: one refresh in which a feed changes every item it carries.

Run: .venv/bin/python bench/flood.py [--items 44000] [--subscribers 1000] [--kind rewrite]
                                    [--on-flood silent|notice]

A feed of N items (the real ICE items, each with its own link) is served from a local HTTP
server and polled once (the first poll records silently); then every item changes at once and
it is polled again, through the worker's own pipeline (`bot.app.build`: fetch, parse,
normalise, dedup, tags, subscription matches, stories, the one-transaction write, the
console). `--kind rewrite` edits every item's text (N revisions: a site that re-templates
its feed); `--kind relink` gives every item a new address (N new items: a site that changed
its addresses). Prints, for that second refresh: wall time, the growth of the process's
peak memory (ru_maxrss), the alerts put in the outbox and the alert blocks printed on the
console; beside the first poll of the same feed in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.ingest import ice_feed  # noqa: E402
from bot import app as application  # noqa: E402
from bot.models import ChangeKind, Source  # noqa: E402
from bot.settings import PollingSettings, Settings, StorageSettings  # noqa: E402
from tests.httpserver import LocalServer  # noqa: E402

QUERIES = ["detainer", "sanctuary", "arrest", "fraud", "in:California", "in:Texas",
           "in:Florida", 'in:"Los Angeles County"', "from:ice", "newsom", "cartel", "border",
           '"immigration detainer"', "deportation -football", "smuggling in:Texas"]


def feed(n: int, kind: str = "") -> bytes:
    """ingest.py's feed of n real ICE items; `kind` changes every one of them."""
    if kind == "relink":
        return ice_feed(n, salt="-moved")
    body = ice_feed(n)
    return body.replace(b"]]></description>", b" Updated.]]></description>") if kind else body


def max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def run(n: int, subscribers: int, kind: str, on_flood: str) -> None:
    server = LocalServer()
    await server.start()
    first, second = feed(n), feed(n, kind)
    server.serve_bytes("/ice", first, "application/rss+xml")
    src = Source(id="ice-bench", kind="feed", url=server.url("/ice"), agency="ice",
                 jurisdiction="federal", name="ICE bench")
    with tempfile.TemporaryDirectory() as tmp:
        out = io.StringIO()
        flood = {"on_flood": on_flood} if "on_flood" in PollingSettings.model_fields else {}
        cfg = Settings(storage=StorageSettings(url=f"sqlite:///{tmp}/b.db"),
                       polling=PollingSettings(builtin_sources=False, timeout=300,
                                               max_body_bytes=200_000_000, **flood))
        app = await application.build(cfg, out=out, sources=(src,))
        try:
            await polls(app, server, out, n, subscribers, kind, flood, first, second)
        finally:
            await app.close()
    await server.stop()


async def polls(app: application.App, server: LocalServer, out: io.StringIO, n: int,
                subscribers: int, kind: str, flood: dict[str, str], first: bytes,
                second: bytes) -> None:
    """Subscribe, then the first poll and the flood one, each measured."""
    now = datetime.now(UTC)
    for s in range(subscribers):
        await app.subscriptions.subscribe("console", str(s), QUERIES[s % len(QUERIES)],
                                          now=now)
    print(f"{n:,} items ({len(first) / 1e6:.1f} MB), {subscribers:,} subscribers, "
          f"kind {kind}, on_flood {flood.get('on_flood', '(none: before the limit)')}")
    for label, body in (("first poll (silent)", first), (f"{kind} of every item", second)):
        server.serve_bytes("/ice", body, "application/rss+xml")
        rss0, printed0 = max_rss_mib(), out.getvalue().count("──────────\n")
        t = time.perf_counter()
        [polled] = await app.scheduler.poll_once(force=True)
        took = time.perf_counter() - t
        report = polled.report
        assert report is not None, polled.error
        alerts = sum((await app.store.outbox_counts()).values())
        changes = {k.value: len(report.of_kind(k)) for k in ChangeKind}
        print(f"  {label:<22} {took:7.1f} s  peak memory +{max_rss_mib() - rss0:6.0f} MiB"
              f"  changes {changes}  outbox {alerts:,}  console blocks "
              f"{out.getvalue().count('──────────' + chr(10)) - printed0:,}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--items", type=int, default=44_000)
    p.add_argument("--subscribers", type=int, default=1_000)
    p.add_argument("--kind", choices=["rewrite", "relink"], default="rewrite")
    p.add_argument("--on-flood", choices=["silent", "notice"], default="silent")
    args = p.parse_args()
    asyncio.run(run(args.items, args.subscribers, args.kind, args.on_flood))


if __name__ == "__main__":
    main()
