"""A flood, as subscribers live it: a newsroom changes dozens of releases at once, and each
subscriber who follows any of them gets ONE notice in their language — then the next real
release arrives as usual.

Real parts all the way: the worker (`bot.app.run`), python-telegram-bot against the fake Bot
API server, the feed from a local HTTP server, SQLite.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot import app as application
from bot.models import Source
from bot.settings import PollingSettings, Settings, StorageSettings, TelegramSettings
from tests.fakebot.server import FakeBotAPI
from tests.httpserver import LocalServer
from tests.ingest.test_refresh import RSS, rss

ANA, BEN, CLO = 6001, 6002, 6003  # Ana follows detainers (in Spanish), Ben Texas, Cloe Florida
DATE = "Wed, 11 Feb 2026 10:00:00 -0500"


def release(n: int, place: str = "Los Angeles") -> tuple[str, str, str, str]:
    return (f"Detainer lodged in {place} case {n}", f"https://www.ice.gov/news/releases/d{n}",
            f"ICE lodged an immigration detainer in {place} (case {n}).", DATE)


async def test_a_flood_is_one_notice_per_subscriber_then_alerts_resume(
    fake_bot: FakeBotAPI, local_server: LocalServer, tmp_path: Path
) -> None:
    local_server.serve_bytes("/ice", rss(release(0)), RSS)
    cfg = Settings(
        storage=StorageSettings(url=f"sqlite:///{tmp_path}/a.db"),
        polling=PollingSettings(builtin_sources=False, floor=0.2, default_interval=0.3,
                                jitter=0, max_alerting_changes=5, on_flood="notice"),
        telegram=TelegramSettings(token=fake_bot.token, base_url=fake_bot.base_url),
    )
    src = Source(id="ice-breaking", kind="feed", url=local_server.url("/ice"), agency="ice",
                 jurisdiction="federal", name="ICE breaking news")
    app = await application.build(cfg, sources=(src,))
    stop = asyncio.Event()
    worker = asyncio.create_task(application.run(app, stop))
    try:
        fake_bot.user_sends(ANA, "/subscribe detainer", language_code="es")
        fake_bot.user_sends(BEN, "/subscribe in:Texas", language_code="en")
        fake_bot.user_sends(CLO, "/subscribe in:Florida", language_code="en")
        for chat in (ANA, BEN, CLO):
            await fake_bot.wait_for_messages(chat, 1, timeout=10)
        for _ in range(100):  # the first poll records what the feed already had
            state = await app.store.source_state("ice-breaking")
            if state and state.baseline_done:
                break
            await asyncio.sleep(0.1)
        flood = [release(n, "Houston, Texas" if n == 7 else "Los Angeles") for n in range(1, 13)]
        local_server.serve_bytes("/ice", rss(*flood, release(0)), RSS)
        [_, to_ana] = await fake_bot.wait_for_messages(ANA, 2, timeout=15)
        [_, to_ben] = await fake_bot.wait_for_messages(BEN, 2, timeout=15)
        assert "ICE breaking news cambió 12 comunicados a la vez" in to_ana.text
        assert "Retenido" in to_ana.text and "detainer" in to_ana.text  # why, as usual
        assert "ICE breaking news changed 12 releases at once" in to_ben.text
        assert "Texas" in to_ben.text and "Held back" in to_ben.text
        await asyncio.sleep(1.0)  # ... and nothing more: not one alert per release
        assert len(fake_bot.sent(ANA)) == 2 and len(fake_bot.sent(BEN)) == 2
        assert len(fake_bot.sent(CLO)) == 1  # Florida: nothing changed there
        local_server.serve_bytes("/ice", rss(release(13, "Oxnard"), *flood, release(0)), RSS)
        [*_, alert] = await fake_bot.wait_for_messages(ANA, 3, timeout=15)
        assert "Oxnard" in alert.text and "Nuevo" in alert.text
        assert fake_bot.rejected_429 == 0
    finally:
        stop.set()
        await asyncio.wait_for(worker, timeout=20)
        await app.close()
