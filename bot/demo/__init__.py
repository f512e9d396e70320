"""`alertbot demo`: the whole pipeline, offline, on bundled captures.

Serves the captures in `captures/` from a local HTTP server, points the built-in sources at it,
and runs the real pipeline (fetcher, parsers, normaliser, dedup, SQLite store, console channel)
through three moments of the 33,179-detainers story:

1. 2 Feb 2026 — first poll: what the newsrooms already show is recorded silently;
2. 6 Feb 2026 — ICE publishes the 33,179 release (on two feeds: one alert) and the Anaheim item;
3. 11 Feb 2026 — DHS follows up (full text read from the release page) and ICE edits its release;
then one more poll with nothing new, where 304s and unchanged bodies cost no parse.

Like the CLI, this module builds concrete objects (through bot.app).
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import TextIO

from aiohttp import web

from bot import app as application
from bot.ingest.catalog import BUILTIN_SOURCES
from bot.models import ChangeKind, PollResult, Source
from bot.settings import PollingSettings, Settings, StorageSettings
from bot.stories.timeline import story_line

STAGES = (
    ("feb02", "2 Feb 2026 · first poll: existing releases are recorded silently (no backlog "
              "flood)"),
    ("feb06", "6 Feb 2026 · ICE publishes the 33,179 detainers release"),
    ("feb11", "11 Feb 2026 · DHS follows up; ICE edits its release"),
    ("feb11", "a poll with nothing new: conditional GET and body hashes, no parse"),
)
ROUTES = {  # path on the demo server -> capture file name within a stage
    "/ice/rss/ice-breaking-news": "ice-breaking.xml",
    "/ice/rss/news/356": "ice-ero.xml",
    "/news-releases/press-releases": "dhs-press.html",
    "/gov/feed/": "ca-governor.xml",
}
SOURCE_PATHS = {"ice-breaking": "/ice/rss/ice-breaking-news", "ice-ero": "/ice/rss/news/356",
                "dhs-press": "/news-releases/press-releases", "ca-governor": "/gov/feed/"}


class CaptureServer:
    """Serves one stage's captures; feeds with ETag/Last-Modified and 304s, like ice.gov."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.stage = STAGES[0][0]
        self.requests = 0
        self.bytes_sent = 0
        self._runner: web.AppRunner | None = None
        self.base = ""

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/{tail:.*}", self._serve)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base = f"http://127.0.0.1:{port}"
        return self.base

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        self.requests += 1
        name = ROUTES.get(request.path)
        path = self.root / self.stage / name if name else self.root / "pages" / (
            request.path.lstrip("/") + ".html")
        if not path.is_file():
            return web.Response(status=404, text="not found")
        body = path.read_bytes()
        ctype = "text/html" if path.suffix == ".html" else "application/rss+xml"
        if path.suffix == ".html":  # like dhs.gov's listing: no validators, body hash only
            self.bytes_sent += len(body)
            return web.Response(body=body, content_type=ctype, charset="utf-8")
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        self.bytes_sent += len(body)
        return web.Response(body=body, content_type=ctype, charset="utf-8",
                            headers={"ETag": etag, "Cache-Control": "max-age=60"})


def demo_sources(base: str) -> tuple[Source, ...]:
    out = []
    for s in BUILTIN_SOURCES:
        if s.id not in SOURCE_PATHS:
            continue
        url = base + SOURCE_PATHS[s.id]
        if s.selectors is not None:  # the local server stands in for www.dhs.gov
            pattern = "^" + base.replace(".", r"\.") + r"/news/\d{4}/\d{2}/\d{2}/[^/?#]+/?$"
            s = replace(s, selectors=replace(s.selectors, link_pattern=pattern, max_pages=1))
        # ICE release links point at ice.gov, which the offline demo cannot reach.
        out.append(replace(s, url=url, full_text=s.full_text and s.kind == "html"))
    return tuple(out)


def _summary_line(polled: PollResult) -> str:
    r = polled.report
    if r is None:
        return f"  {polled.source_id:<13} crashed: {polled.error}"
    n = {k: len(r.of_kind(k)) for k in ChangeKind}
    how = "parsed" if r.parsed else "no parse"
    return (f"  {r.source_id:<13} {r.outcome.value:<13} HTTP {r.status or '-'}  {how:<8}  "
            f"new {n[ChangeKind.NEW]}, revised {n[ChangeKind.REVISED]}, "
            f"seen {n[ChangeKind.SEEN]}, recorded silently {n[ChangeKind.BASELINE]}")


async def _show_stories(app: application.App, out: TextIO) -> None:
    """The developing stories the run built, and the biggest one in full."""
    stories = await app.store.stories(limit=20)
    print(f"\n═══ {len(stories)} stories (alertbot stories)", file=out)
    print("\n".join(story_line(s) for s in stories), file=out)
    biggest = max(stories, key=lambda s: len(s.item_keys), default=None)
    if biggest is not None and len(biggest.item_keys) > 1:
        print(f"\n═══ alertbot story {biggest.id}\n", file=out)
        print(await app.story_text(biggest.id), file=out)


async def run_demo(out: TextIO) -> int:
    logging.getLogger("alertbot").setLevel(logging.WARNING)  # the demo narrates instead
    root = Path(str(resources.files("bot.demo") / "captures"))
    server = CaptureServer(root)
    base = await server.start()
    with tempfile.TemporaryDirectory(prefix="alertbot-demo-") as tmp:
        settings = Settings(storage=StorageSettings(url=f"sqlite:///{tmp}/demo.db"),
                            polling=PollingSettings(floor=1, default_interval=5))
        app = await application.build(settings, out=out, sources=demo_sources(base))
        try:
            print(f"alertbot demo · captures served at {base} · store {tmp}/demo.db", file=out)
            for step, (stage, title) in enumerate(STAGES, 1):
                server.stage = stage
                print(f"\n═══ Step {step} · {title}", file=out)
                polled = await app.scheduler.poll_once(force=True)  # every step, every source
                print("\n".join(_summary_line(p) for p in polled), file=out)
            total = await app.store.count_items()
            print(f"\n{total} items stored; {server.requests} requests, "
                  f"{server.bytes_sent:,} bytes served in all.", file=out)
            await _show_stories(app, out)
        finally:
            await app.close()
            await server.stop()
    return 0
