"""`alertbot demo`: the whole pipeline, offline, on bundled captures.

Serves the captures in `captures/` from a local HTTP server, points the built-in sources at it,
and runs the real pipeline (fetcher, parsers, normaliser, dedup, SQLite store, console channel)
through three moments of the 33,179-detainers story:

1. 2 Feb 2026 — first poll: what the newsrooms already show is recorded silently;
2. 6 Feb 2026 — ICE publishes the 33,179 release (on two feeds: one alert) and the Anaheim item;
3. 11 Feb 2026 — DHS follows up (full text read from the release page) and ICE edits its release;
then one more poll with nothing new, where 304s and unchanged bodies cost no parse.

The database is kept (./alertbot-demo.db, or --db PATH) so that `alertbot stories`, `story` and
`match` can explore it afterwards; the demo ends by printing those commands. A rerun starts it
afresh, and never replaces a file the demo did not make.
Like the CLI, this module builds concrete objects (through bot.app).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import shlex
import sqlite3
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import TextIO

from aiohttp import web

from bot import app as application
from bot.errors import ConfigError
from bot.ingest.catalog import BUILTIN_SOURCES
from bot.models import ChangeKind, PollResult, Source, Story
from bot.settings import PollingSettings, Settings, StorageSettings
from bot.stories.timeline import story_line

DEMO_DB = "alertbot-demo.db"
# Set in the SQLite header of the database the demo makes ("albd"): a rerun empties only a
# database the demo made itself, never alertbot's own (`alertbot demo --db alertbot.db`).
DEMO_APPLICATION_ID = 0x616C6264
TRY_QUERY = "detainer in:California"

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


async def _show_stories(app: application.App, out: TextIO) -> Story | None:
    """The developing stories the run built, and the biggest one in full (returned)."""
    stories = await app.store.stories(limit=20)
    print(f"\n═══ {len(stories)} stories (alertbot stories)", file=out)
    print("\n".join(story_line(s) for s in stories), file=out)
    biggest = max(stories, key=lambda s: len(s.item_keys), default=None)
    if biggest is not None and len(biggest.item_keys) > 1:
        print(f"\n═══ alertbot story {biggest.id}\n", file=out)
        print(await app.story_text(biggest.id), file=out)
    return biggest


def _start_afresh(db: Path) -> None:
    """An empty demo database at `db`. Refuses, touching nothing, a file the demo did not make."""
    if db.exists():
        if _application_id(db) != DEMO_APPLICATION_ID:
            raise ConfigError(f"{db} exists and is not a demo database: the demo starts from an "
                              "empty database and replaces only its own; choose another --db PATH")
        for path in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
            path.unlink(missing_ok=True)
    try:
        with contextlib.closing(sqlite3.connect(db)) as conn:
            conn.execute(f"PRAGMA application_id = {DEMO_APPLICATION_ID}")
            conn.commit()
    except sqlite3.Error as exc:
        raise ConfigError(f"cannot create the demo database {db.absolute()}: {exc}") from None


def _application_id(db: Path) -> int | None:
    """The application id in an SQLite file's header (None if it is not an SQLite file)."""
    with db.open("rb") as fh:
        header = fh.read(72)
    if len(header) < 72 or not header.startswith(b"SQLite format 3\x00"):
        return None
    return int.from_bytes(header[68:72], "big")


def _next_steps(db: Path, story: Story | None) -> str:
    run = f"alertbot --db {shlex.quote(str(db))}"
    lines = [f"\n═══ What next: the demo's database is kept in {db} (a rerun starts it afresh)",
             f"  {run} stories"]
    if story is not None:
        lines.append(f"  {run} story {story.id}")
    lines.append(f"  {run} match {shlex.quote(TRY_QUERY)}")
    return "\n".join(lines)


async def run_demo(out: TextIO, db: str | Path | None = None) -> int:
    logging.getLogger("alertbot").setLevel(logging.WARNING)  # the demo narrates instead
    path = Path(db or DEMO_DB)
    _start_afresh(path)
    server = CaptureServer(Path(str(resources.files("bot.demo") / "captures")))
    base = await server.start()
    settings = Settings(storage=StorageSettings(url=f"sqlite:///{path}"),
                        polling=PollingSettings(floor=1, default_interval=5))
    try:
        app = await application.build(settings, out=out, sources=demo_sources(base))
        try:
            print(f"alertbot demo · captures served at {base} · store {path} (started empty)",
                  file=out)
            story = await _narrate(app, server, out)
        finally:
            await app.close()
    finally:
        await server.stop()
    print(_next_steps(path, story), file=out)
    return 0


async def _narrate(app: application.App, server: CaptureServer, out: TextIO) -> Story | None:
    """The four polls, what each found, then the stories built (the biggest returned)."""
    for step, (stage, title) in enumerate(STAGES, 1):
        server.stage = stage
        print(f"\n═══ Step {step} · {title}", file=out)
        polled = await app.scheduler.poll_once(force=True)  # every step, every source
        print("\n".join(_summary_line(p) for p in polled), file=out)
    total = await app.store.count_items()
    print(f"\n{total} items stored; {server.requests} requests, "
          f"{server.bytes_sent:,} bytes served in all.", file=out)
    return await _show_stories(app, out)
