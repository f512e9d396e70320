"""The adaptive schedule end to end: real worker, real sockets, real SQLite, the real story
tracker. A release that joins a story brings the other agency's next check forward; a
restart during a story keeps its pace."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot import app as application
from bot.models import Item, Source
from bot.settings import PollingSettings, Settings, StorageSettings
from tests.httpserver import LocalServer
from tests.stories.test_cluster import labelled, rss

RSS = "application/rss+xml"
GOV_ITEM = "gov-2026-02-06-newsom-office-responds-33179"  # Newsom's office answers DHS
DHS_ITEM = "dhs-2026-02-10-detainers-33179-follow-up"  # DHS comes back to it four days later


def story_item(key: str) -> Item:
    return next(item for item, _ in labelled() if item.key == key)


def newsrooms(server: LocalServer, dhs_interval: float | None = None) -> tuple[Source, ...]:
    return (
        Source(id="gov", kind="feed", url=server.url("/gov"), agency="governor",
               jurisdiction="California"),
        Source(id="dhs", kind="feed", url=server.url("/dhs"), agency="dhs",
               jurisdiction="federal", interval=dhs_interval),
    )


async def governor_story_recorded(cfg: Settings, sources: tuple[Source, ...],
                                  server: LocalServer, when: datetime) -> None:
    """A worker that ran at `when`: baselines, then the Governor's statement starts a story."""
    server.serve_bytes("/gov", rss(), RSS)
    server.serve_bytes("/dhs", rss(), RSS)
    app = await application.build(cfg, sources=sources, clock=lambda: when)
    try:
        await app.scheduler.poll_once(force=True)
        server.serve_bytes("/gov", rss(story_item(GOV_ITEM)), RSS)
        await app.scheduler.poll_once(["gov"], force=True)
        assert [s.agencies for s in await app.store.stories()] == [("governor",)]
    finally:
        await app.close()


def brisk(tmp_path: Path) -> Settings:
    """A calm 30 s between polls and a developing 0.5 s: a source brought forward shows."""
    return Settings(storage=StorageSettings(url=f"sqlite:///{tmp_path}/a.db"),
                    polling=PollingSettings(builtin_sources=False, floor=0.1, ceiling=600,
                                            default_interval=30, jitter=0,
                                            developing_interval=0.5))


@contextlib.asynccontextmanager
async def worker(cfg: Settings, sources: tuple[Source, ...]) -> AsyncIterator[application.App]:
    """The real worker running (`alertbot run`) until the block ends."""
    app = await application.build(cfg, sources=sources)
    stop = asyncio.Event()
    running = asyncio.create_task(application.run(app, stop))
    try:
        yield app
    finally:
        stop.set()
        await asyncio.wait_for(running, timeout=5)
        await app.close()


async def test_a_release_joining_a_story_brings_the_other_agency_forward(
    local_server: LocalServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # The Governor waits out a calm 30 s between polls; DHS is polled every 0.3 s.
    cfg, sources = brisk(tmp_path), newsrooms(local_server, dhs_interval=0.3)
    await governor_story_recorded(cfg, sources, local_server, datetime.now(UTC) - timedelta(days=1))
    caplog.set_level(logging.INFO, logger="alertbot.scheduler")
    async with worker(cfg, sources) as app:
        await until(lambda: local_server.hits["/gov"] == 3 and local_server.hits["/dhs"] >= 4)
        local_server.serve_bytes("/dhs", rss(story_item(DHS_ITEM)), RSS)  # DHS answers back
        await until(lambda: local_server.hits["/gov"] == 4)  # not 30 s later: now
        [moved] = [r.fields for r in caplog.records  # type: ignore[attr-defined]
                   if r.getMessage() == "brought_forward"]
        assert moved["source"] == "gov" and moved["by"] == "dhs"
        assert moved["was"] - moved["due"] > timedelta(seconds=20)
        [story] = await app.store.stories()  # DHS's release joined the Governor's story
        assert set(story.agencies) == {"governor", "dhs"}


async def test_a_story_about_california_that_develops_brings_the_ag_forward_unnamed(
    local_server: LocalServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # The AG is in no release of the 33,179 story and named by none: the story is about
    # California, and the AG's newsroom covers California.
    ag = Source(id="ag", kind="feed", url=local_server.url("/ag"), agency="ag",
                jurisdiction="California")
    cfg, sources = brisk(tmp_path), (*newsrooms(local_server, dhs_interval=0.3), ag)
    local_server.serve_bytes("/ag", rss(), RSS)
    await governor_story_recorded(cfg, sources, local_server, datetime.now(UTC) - timedelta(days=1))
    caplog.set_level(logging.INFO, logger="alertbot.scheduler")
    async with worker(cfg, sources):
        await until(lambda: local_server.hits["/ag"] == 2 and local_server.hits["/dhs"] >= 4)
        local_server.serve_bytes("/dhs", rss(story_item(DHS_ITEM)), RSS)  # DHS answers back
        await until(lambda: local_server.hits["/ag"] == 3)  # not 30 s later: now
        moved = {r.fields["source"]: r.fields["by"]  # type: ignore[attr-defined]
                 for r in caplog.records if r.getMessage() == "brought_forward"}
        assert moved == {"gov": "dhs", "ag": "dhs"}


@pytest.mark.parametrize(("adaptive", "expected"), [(True, 60), (False, 300)])
async def test_a_restart_during_a_story_keeps_its_pace(
    local_server: LocalServer, tmp_path: Path, adaptive: bool, expected: float
) -> None:
    cfg = Settings(storage=StorageSettings(url=f"sqlite:///{tmp_path}/a.db"),
                   polling=PollingSettings(builtin_sources=False, jitter=0, adaptive=adaptive))
    sources = newsrooms(local_server)
    now = datetime(2026, 2, 6, 23, 30, tzinfo=UTC)  # 15:30 in Sacramento
    await governor_story_recorded(cfg, sources, local_server, now - timedelta(hours=1))
    app = await application.build(cfg, sources=sources, clock=lambda: now)  # the restart
    try:
        [polled] = await app.scheduler.poll_once(["gov"], force=True)  # nothing new on the feed
        assert polled.report is not None
        assert polled.report.state.next_check == now + timedelta(seconds=expected)
    finally:
        await app.close()


async def until(condition: object, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():  # type: ignore[operator]
            await asyncio.sleep(0.02)
