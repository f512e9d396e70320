"""The polling loop over real sockets: bad sources never stop good ones; stop is graceful."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot import app as application
from bot.models import Outcome, Source
from bot.settings import PollingSettings, Settings, StorageSettings
from tests.httpserver import LocalServer
from tests.ingest.test_refresh import RSS, A, B, C, rss


def settings(tmp_path: Path) -> Settings:
    return Settings(
        storage=StorageSettings(url=f"sqlite:///{tmp_path}/alertbot.db"),
        polling=PollingSettings(floor=0.1, ceiling=0.5, default_interval=0.1, jitter=0,
                                timeout=0.5, unhealthy_after=2, builtin_sources=False),
    )


def feed(server: LocalServer, sid: str, path: str) -> Source:
    return Source(id=sid, kind="feed", url=server.url(path), agency="ice",
                  jurisdiction="federal")


async def test_worker_keeps_polling_good_sources_while_others_fail(
    local_server: LocalServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    local_server.serve_bytes("/good", rss(A, B), RSS)
    local_server.slow("/slow", delay=5)
    local_server.respond("/broken", 500)
    local_server.respond("/html", 200, body=b"<html>error</html>", content_type="text/html")
    sources = (feed(local_server, "good", "/good"), feed(local_server, "slow", "/slow"),
               feed(local_server, "broken", "/broken"), feed(local_server, "html", "/html"))
    app = await application.build(settings(tmp_path), sources=sources)
    caplog.set_level(logging.INFO, logger="alertbot.refresh")
    stop = asyncio.Event()
    runner = asyncio.create_task(application.run(app, stop))
    await asyncio.sleep(0.4)
    local_server.serve_bytes("/good", rss(C, A, B), RSS)  # news arrives while others fail
    await asyncio.sleep(1.6)
    stop.set()
    await asyncio.wait_for(runner, timeout=5)
    outcomes: dict[str, list[Outcome]] = {}
    for rec in caplog.records:  # one log line per refresh, with fixed keys
        if rec.getMessage() == "refresh":
            fields = rec.fields  # type: ignore[attr-defined]
            outcomes.setdefault(fields["source"], []).append(Outcome(fields["outcome"]))
    try:
        assert len(outcomes["good"]) >= 3
        assert set(outcomes["good"]) <= {Outcome.OK, Outcome.NOT_MODIFIED}
        assert Outcome.TIMEOUT in outcomes["slow"]
        assert set(outcomes["broken"]) == {Outcome.SERVER_ERROR}
        assert set(outcomes["html"]) == {Outcome.UNPARSEABLE}
        assert await app.store.count_items() == 3
        states = await app.store.source_states()
        assert states["broken"].consecutive_failures >= 2 and states["good"].last_success
    finally:
        await app.close()


async def test_stop_waits_for_refresh_in_flight(local_server: LocalServer, tmp_path: Path) -> None:
    local_server.slow("/slow", delay=0.3, body=rss(A), content_type=RSS)
    app = await application.build(
        settings(tmp_path).model_copy(update={"polling": PollingSettings(
            floor=0.1, ceiling=1, timeout=2, builtin_sources=False)}),
        sources=(feed(local_server, "slow", "/slow"),))
    stop = asyncio.Event()
    runner = asyncio.create_task(application.run(app, stop))
    await asyncio.sleep(0.1)  # the refresh is waiting on the server
    stop.set()
    await asyncio.wait_for(runner, timeout=5)
    state = (await app.store.source_states())["slow"]
    assert state.last_outcome == "ok" and state.baseline_done  # finished, not cut off
    await app.close()


async def test_restart_resumes_the_stored_schedule(
    local_server: LocalServer, tmp_path: Path
) -> None:
    local_server.serve_bytes("/f", rss(A), RSS)
    src = (feed(local_server, "f", "/f"),)
    cfg = settings(tmp_path).model_copy(update={"polling": PollingSettings(
        floor=300, ceiling=600, default_interval=300, builtin_sources=False)})
    app = await application.build(cfg, sources=src)
    await app.scheduler.poll_once()
    await app.close()
    again = await application.build(cfg, sources=src)
    stop = asyncio.Event()
    runner = asyncio.create_task(application.run(again, stop))
    await asyncio.sleep(0.3)
    stop.set()
    await asyncio.wait_for(runner, timeout=5)
    await again.close()
    assert local_server.hits["/f"] == 1  # not due yet after the restart: no extra poll


async def test_poll_once_names_unknown_sources(local_server: LocalServer, tmp_path: Path) -> None:
    app = await application.build(settings(tmp_path), sources=(feed(local_server, "f", "/f"),))
    try:
        with pytest.raises(KeyError, match="unknown source id.*nope.*known: f"):
            await app.scheduler.poll_once(["nope"])
    finally:
        await app.close()


async def test_retention_prunes_to_tombstones_that_never_alert_again(
    local_server: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    local_server.serve_bytes("/f", rss(A), RSS)
    src = (feed(local_server, "f", "/f"),)
    cfg = settings(tmp_path).model_copy(update={"storage": StorageSettings(
        url=f"sqlite:///{tmp_path}/alertbot.db", retention_days=30)})
    then = datetime(2026, 1, 1, tzinfo=UTC)
    old = await application.build(cfg, sources=src, clock=lambda: then)
    await old.scheduler.poll_once(force=True)  # baseline: A stored, last seen on 1 Jan
    local_server.serve_bytes("/f", rss(B), RSS)
    await old.scheduler.poll_once(force=True)  # B is new; A is gone from the feed
    await old.close()
    assert "NEW · f" in capsys.readouterr().out  # the console channel printed B
    later = then + timedelta(days=60)
    app = await application.build(cfg, sources=src, clock=lambda: later)
    local_server.serve_bytes("/f", rss(A, B), RSS)  # A shows up again after the prune
    stop = asyncio.Event()
    runner = asyncio.create_task(application.run(app, stop))
    await asyncio.sleep(0.5)
    stop.set()
    await asyncio.wait_for(runner, timeout=5)
    try:
        assert local_server.hits["/f"] == 3  # the restarted worker polled once more
        assert "NEW" not in capsys.readouterr().out  # A came back: a tombstone, not news
        known = await app.store.known_items([k for k in await _keys(app)])
        assert await app.store.count_items() == 0 and all(v.item is None for v in known.values())
    finally:
        await app.close()


async def _keys(app: application.App) -> list[str]:
    from bot.ingest.normalize import item_key

    return [item_key(guid=x[1], link=x[1], title=x[0], published=None) for x in (A, B)]
