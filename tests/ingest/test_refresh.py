"""One source end to end over real sockets: fetch → parse → normalise → dedup → store.

Real local HTTP server, real fetcher, real parsers, real SQLite store; nothing mocked.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.ingest import schedule
from bot.ingest.catalog import DHS_SELECTORS
from bot.ingest.fetcher import Fetcher
from bot.ingest.refresh import Refresher
from bot.models import ChangeKind, Outcome, RefreshReport, Source
from bot.store import Store, open_store
from tests.httpserver import LocalServer
from tests.paths import GOV

DHS = Path(__file__).resolve().parents[1] / "fixtures" / "dhs"
RSS = "application/rss+xml; charset=utf-8"
POLICY = schedule.PollPolicy(floor=10, ceiling=600, default_interval=60, jitter=0.0,
                             unhealthy_after=3)
T0 = datetime(2026, 2, 6, 19, 0, tzinfo=UTC)


def rss(*items: tuple[str, str, str, str]) -> bytes:
    """A minimal RSS 2.0 document of (title, link, description, pubDate) items."""
    body = "".join(
        f"<item><title>{t}</title><link>{link}</link><description>{d}</description>"
        f"<pubDate>{p}</pubDate><guid>{link}</guid></item>"
        for t, link, d, p in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{body}' \
           "</channel></rss>".encode()


ICE = "https://www.ice.gov/news/releases/"
A = ("Release A", ICE + "a", "Text of A.", "Mon, 02 Feb 2026 10:00:00 -0500")
B = ("Release B", ICE + "b", "Text of B.", "Wed, 04 Feb 2026 10:00:00 -0500")
C = ("Release C 33,179", ICE + "c", "Detainers.", "Fri, 06 Feb 2026 13:48:51 -0500")


@dataclass
class Rig:
    server: LocalServer
    store: Store
    refresher: Refresher
    clock: list[datetime]

    def source(self, path: str, sid: str = "feed", **kw: object) -> Source:
        return Source(id=sid, kind="feed", url=self.server.url(path), agency="ice",
                      jurisdiction="federal", **kw)  # type: ignore[arg-type]

    async def refresh(self, source: Source, advance: float = 60) -> RefreshReport:
        self.clock[0] += timedelta(seconds=advance)
        return await self.refresher.refresh(source)


@pytest.fixture
async def rig(local_server: LocalServer, tmp_path: Path) -> AsyncIterator[Rig]:
    store = open_store(f"sqlite:///{tmp_path}/alertbot.db")
    await store.migrate()
    fetcher = Fetcher(user_agent="alertbot-test/1", timeout=2.0, max_body_bytes=1_000_000)
    clock = [T0]
    refresher = Refresher(store=store, fetcher=fetcher, policy=POLICY,
                          clock=lambda: clock[0], rand=lambda: 0.5)
    try:
        yield Rig(local_server, store, refresher, clock)
    finally:
        await fetcher.aclose()
        await store.close()


def kinds(report: RefreshReport) -> dict[ChangeKind, list[str]]:
    out: dict[ChangeKind, list[str]] = {}
    for c in report.changes:
        out.setdefault(c.kind, []).append(c.item.title)
    return out


async def test_first_poll_is_silent_then_only_new_items_alert(rig: Rig) -> None:
    rig.server.serve_bytes("/f", rss(A, B), RSS)
    src = rig.source("/f")
    first = await rig.refresh(src)
    assert first.outcome is Outcome.OK
    assert kinds(first) == {ChangeKind.BASELINE: ["Release A", "Release B"]}
    rig.server.serve_bytes("/f", rss(C, A, B), RSS)
    second = await rig.refresh(src)
    assert kinds(second)[ChangeKind.NEW] == ["Release C 33,179"]
    assert ChangeKind.BASELINE not in kinds(second)
    assert await rig.store.count_items() == 3


async def test_unchanged_feed_costs_no_parse_with_or_without_validators(rig: Rig) -> None:
    rig.server.serve_bytes("/etag", rss(A), RSS, etag='"v1"')
    rig.server.serve_bytes("/plain", rss(A), RSS)
    for path in ("/etag", "/plain"):
        src = rig.source(path, sid=path.strip("/"))
        await rig.refresh(src)
        again = await rig.refresh(src)
        assert again.outcome is Outcome.NOT_MODIFIED and not again.parsed, path
        assert again.changes == ()
    assert rig.server.headers_of("/etag")[-1]["If-None-Match"] == '"v1"'
    assert rig.server.bytes_sent["/etag"] == len(rss(A))  # the 304 carried no body


async def test_edited_release_is_revised_once_and_old_version_kept(rig: Rig) -> None:
    src = rig.source("/f")
    rig.server.serve_bytes("/f", rss(A), RSS)
    await rig.refresh(src)
    edited = (A[0], A[1], "Text of A, corrected.", A[3])
    rig.server.serve_bytes("/f", rss(edited), RSS)
    report = await rig.refresh(src)
    assert kinds(report) == {ChangeKind.REVISED: ["Release A"]}
    [change] = report.changes
    assert change.previous is not None and change.previous.text == "Text of A."
    assert (await rig.refresh(src)).changes == ()  # reported once
    revs = await rig.store.revisions(change.item.key)
    assert [r.text for r in revs] == ["Text of A."]
    stored = await rig.store.item(change.item.key)
    assert stored is not None and stored.text == "Text of A, corrected."


async def test_redated_but_unchanged_release_is_not_a_revision(rig: Rig) -> None:
    src = rig.source("/f")
    rig.server.serve_bytes("/f", rss(A), RSS)
    await rig.refresh(src)
    rig.server.serve_bytes("/f", rss((*A[:3], "Tue, 10 Feb 2026 09:00:00 -0500")), RSS)
    report = await rig.refresh(src)
    assert report.outcome is Outcome.OK and report.parsed
    assert kinds(report) == {ChangeKind.SEEN: ["Release A"]}


async def test_same_release_on_two_feeds_is_one_item(rig: Rig) -> None:
    breaking, ero = rig.source("/b", "ice-breaking"), rig.source("/e", "ice-ero")
    rig.server.serve_bytes("/b", rss(A), RSS)
    rig.server.serve_bytes("/e", rss(B), RSS)
    await rig.refresh(breaking)
    await rig.refresh(ero)
    rig.server.serve_bytes("/b", rss(C, A), RSS)
    rig.server.serve_bytes("/e", rss(C, B), RSS)
    news = [*(await rig.refresh(breaking)).changes, *(await rig.refresh(ero)).changes]
    assert [c.kind for c in news if c.item.title.startswith("Release C")] == [
        ChangeKind.NEW, ChangeKind.SEEN]
    assert await rig.store.count_items() == 3
    carried_by_ero = await rig.store.recent_items(source_id="ice-ero")
    assert carried_by_ero[0].title == "Release C 33,179"


@pytest.mark.parametrize(
    ("script", "outcome"),
    [
        (lambda s: s.respond("/f", 500), Outcome.SERVER_ERROR),
        (lambda s: s.respond("/f", 200, body=b"<html><body><h1>Oops</h1></body></html>",
                             content_type="text/html"), Outcome.UNPARSEABLE),
        (lambda s: s.respond("/f", 404), Outcome.CLIENT_ERROR),
    ],
)
async def test_failed_fetch_never_wipes_what_was_seen(rig: Rig, script, outcome) -> None:  # type: ignore[no-untyped-def]
    src = rig.source("/f")
    rig.server.serve_bytes("/f", rss(A, B), RSS, etag='"v1"')
    ok = await rig.refresh(src)
    script(rig.server)
    failed = await rig.refresh(src)
    assert failed.outcome is outcome and failed.changes == ()
    assert failed.state.consecutive_failures == 1 and failed.state.last_error
    # Validators and body hash stay those of the last good fetch, so recovery re-reads fully.
    assert failed.state.etag == '"v1"' and failed.state.body_hash == ok.state.body_hash
    assert await rig.store.count_items() == 2
    rig.server.serve_bytes("/f", rss(C, A, B), RSS)
    recovered = await rig.refresh(src)
    assert kinds(recovered)[ChangeKind.NEW] == ["Release C 33,179"]
    assert recovered.state.consecutive_failures == 0


async def test_empty_feed_is_news_of_nothing_not_a_wipe(rig: Rig) -> None:
    src = rig.source("/f")
    rig.server.serve_bytes("/f", rss(A, B), RSS)
    await rig.refresh(src)
    rig.server.serve_bytes("/f", rss(), RSS)
    empty = await rig.refresh(src)
    assert empty.outcome is Outcome.OK and empty.changes == ()
    rig.server.serve_bytes("/f", rss(A, B), RSS)
    assert kinds(await rig.refresh(src)) == {ChangeKind.SEEN: ["Release A", "Release B"]}


async def test_repeated_failures_mark_unhealthy_and_retry_at_ceiling(rig: Rig) -> None:
    src = rig.source("/f")
    rig.server.respond("/f", 503)
    delays = []
    for _ in range(4):
        report = await rig.refresh(src)
        assert report.state.next_check is not None
        delays.append((report.state.next_check - rig.clock[0]).total_seconds())
    assert delays[:3] == [60, 120, 600]  # backoff, then unhealthy after 3 → ceiling
    assert delays[3] == 600
    assert not schedule.is_healthy(report.state.consecutive_failures, POLICY)


async def test_retry_after_sets_the_next_check(rig: Rig) -> None:
    rig.server.respond("/f", 429, headers={"Retry-After": "120"})
    report = await rig.refresh(rig.source("/f"))
    assert report.outcome is Outcome.RATE_LIMITED
    assert report.state.next_check == rig.clock[0] + timedelta(seconds=120)


def serve_dhs(server: LocalServer, listing: str) -> None:
    body = (DHS / listing).read_bytes().replace(b"https://www.dhs.gov", server.url("").encode())
    server.serve_bytes("/news-releases/press-releases", body, "text/html; charset=utf-8")
    for page in DHS.glob("release-*.html"):
        server.serve_bytes(_release_path(page), page.read_bytes(), "text/html; charset=utf-8")


def _release_path(page: Path) -> str:
    # release-2026-02-11-detainers-33179.html names its address in its canonical link
    text = page.read_text(encoding="utf-8")
    start = text.index('rel="canonical" href="') + len('rel="canonical" href="')
    return text[start:text.index('"', start)].replace("https://www.dhs.gov", "")


def dhs_source(server: LocalServer) -> Source:
    pattern = "^" + server.url("").replace(".", r"\.") + r"/news/\d{4}/\d{2}/\d{2}/[^/?#]+/?$"
    return Source(id="dhs-press", kind="html", url=server.url("/news-releases/press-releases"),
                  agency="dhs", jurisdiction="federal", full_text=True,
                  selectors=replace(DHS_SELECTORS, link_pattern=pattern, max_pages=1))


async def test_dhs_listing_items_get_the_release_text(rig: Rig) -> None:
    src = dhs_source(rig.server)
    serve_dhs(rig.server, "press-releases-page1.html")
    first = await rig.refresh(src)
    assert first.outcome is Outcome.OK and first.of_kind(ChangeKind.BASELINE)
    serve_dhs(rig.server, "press-releases.html")
    report = await rig.refresh(src)
    new = {c.item.title: c.item for c in report.of_kind(ChangeKind.NEW)}
    detainers = next(i for t, i in new.items() if "33,179" in t)
    assert "Ventura County Jail" in detainers.text and "Jorge Lopez Santos" in detainers.text
    assert detainers.published is not None and detainers.published.year == 2026


async def test_changed_layout_is_a_source_error_not_no_news(rig: Rig) -> None:
    src = dhs_source(rig.server)
    serve_dhs(rig.server, "press-releases.html")
    await rig.refresh(src)
    serve_dhs(rig.server, "press-releases-redesigned.html")
    report = await rig.refresh(src)
    assert report.outcome is Outcome.UNPARSEABLE and "layout changed" in report.detail
    assert report.state.consecutive_failures == 1


async def test_real_ice_feed_baseline_then_33179_release(rig: Rig) -> None:
    full = (GOV / "DERIVED_ice_breaking_reconstructed.rss.xml").read_bytes()
    start, end = full.index(b"<item>"), full.index(b"</item>") + len(b"</item>")
    rig.server.serve_bytes("/ice", full[:start] + full[end:], RSS)  # first item removed
    src = rig.source("/ice", "ice-breaking")
    await rig.refresh(src)
    rig.server.serve_bytes("/ice", full, RSS)
    report = await rig.refresh(src)
    [new] = report.of_kind(ChangeKind.NEW)
    assert new.item.title.startswith("11 charged in Florida")
    assert new.item.published == datetime(2026, 2, 11, 22, 38, 19, tzinfo=UTC)
