"""The user journey end to end, in one worker: a person subscribes on Telegram (in Spanish),
ICE publishes, and the right update arrives in their chat — and not in anyone else's.

Real parts all the way: the worker (`bot.app.run`), python-telegram-bot against the fake Bot
API server, feeds from a local HTTP server, SQLite.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot import app as application
from bot.models import Source
from bot.settings import PollingSettings, Settings, StorageSettings, TelegramSettings
from tests.fakebot.server import FakeBotAPI
from tests.httpserver import LocalServer
from tests.paths import ero_feed

RSS = "application/rss+xml"
ANA, BEN, CLO = 5001, 5002, 5003  # Ana gets alerts at once, Ben follows Texas, Cloe a digest


async def test_subscribe_in_spanish_then_the_matching_release_arrives(
    fake_bot: FakeBotAPI, local_server: LocalServer, tmp_path: Path
) -> None:
    local_server.serve_bytes("/ero", ero_feed("New York"), RSS)
    cfg = Settings(
        storage=StorageSettings(url=f"sqlite:///{tmp_path}/a.db"),
        polling=PollingSettings(builtin_sources=False, floor=0.2, default_interval=0.3,
                                jitter=0),
        telegram=TelegramSettings(token=fake_bot.token, base_url=fake_bot.base_url),
    )
    src = Source(id="ice-ero", kind="feed", url=local_server.url("/ero"), agency="ice",
                 jurisdiction="federal", name="ICE ERO")
    app = await application.build(cfg, sources=(src,))
    stop = asyncio.Event()
    worker = asyncio.create_task(application.run(app, stop))
    try:
        fake_bot.user_sends(ANA, '/subscribe detainer in:"Orange County"', language_code="es")
        fake_bot.user_sends(BEN, "/subscribe in:Texas", language_code="en")
        fake_bot.user_sends(CLO, "/subscribe detainer in:California", language_code="en")
        [confirm] = await fake_bot.wait_for_messages(ANA, 1, timeout=10)
        assert "Orange County" in confirm.text and "ICE hold" in confirm.text
        await fake_bot.wait_for_messages(BEN, 1, timeout=10)
        await fake_bot.wait_for_messages(CLO, 1, timeout=10)
        fake_bot.user_sends(CLO, "/digest daily 18:00", language_code="en")
        digest = (await fake_bot.wait_for_messages(CLO, 2, timeout=10))[-1]
        assert "every day at 18:00" in digest.text
        await asyncio.sleep(0.8)  # the first poll records what the feed already had
        local_server.serve_bytes("/ero", ero_feed("New York", "Anaheim"), RSS)
        got = await fake_bot.wait_for_messages(ANA, 2, timeout=15)
        alert = got[-1].text
        assert "Anaheim" in alert and "manslaughter" in alert
        assert "Orange County" in alert  # why it matched
        assert "Por qué" in alert  # labels in the subscriber's language
        assert len(fake_bot.sent(BEN)) == 1  # Texas: only the confirmation, no alert
        cloe = await app.store.subscriber("telegram", str(CLO))
        assert cloe is not None
        for _ in range(100):  # her alert waits for her digest, in the outbox
            held = await app.store.alerts_of(cloe.id, "held")
            if held:
                break
            await asyncio.sleep(0.1)
        assert [a.item_key for a in held] == [a.item_key for a in
                                              await app.store.alerts_of(cloe.id)]
        assert len(held) == 1 and len(fake_bot.sent(CLO)) == 2  # her two replies, no alert
        assert fake_bot.rejected_429 == 0
    finally:
        stop.set()
        await asyncio.wait_for(worker, timeout=20)
        await app.close()
