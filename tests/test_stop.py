"""Stopping the worker with Telegram configured: SIGTERM ends it quietly (exit 0, nothing at
ERROR, no traceback), the send in flight is finished and recorded, and a Telegram that is slow
or failing at that moment holds nothing up. The real CLI against the fake Bot API."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.store import open_store
from tests.fakebot import FakeBotAPI
from tests.httpserver import LocalServer
from tests.ingest.test_refresh import RSS, A, C, rss
from tests.worker import Worker, worker_config

CHAT = 7001


def loud(stderr: str, levels: tuple[str, ...] = ("ERROR", "CRITICAL")) -> list[str]:
    """The lines logged at one of `levels`, and any traceback."""
    return [line for line in stderr.splitlines()
            if any(f" {lv} " in line for lv in levels) or "Traceback" in line]


async def subscribed_worker(fake: FakeBotAPI, server: LocalServer, tmp_path: Path) -> Worker:
    """A worker whose source was polled once (recorded silently), with CHAT subscribed."""
    server.serve_bytes("/ice", rss(A), RSS)
    cfg = worker_config(tmp_path, server, base_url=fake.base_url)
    worker = await Worker.start(cfg, tmp_path, token=fake.token)
    fake.user_sends(CHAT, "/subscribe detainers")
    await fake.wait_for_messages(CHAT, 1, timeout=20)
    await worker.wait_for("baseline=1")
    return worker


async def test_the_send_in_flight_at_sigterm_is_finished_and_recorded(
    fake_bot: FakeBotAPI, local_server: LocalServer, tmp_path: Path
) -> None:
    worker = await subscribed_worker(fake_bot, local_server, tmp_path)
    try:
        fake_bot.delay("sendMessage", 2.0)  # Telegram is slow to answer the alert
        local_server.serve_bytes("/ice", rss(C, A), RSS)
        while len(fake_bot.calls["sendMessage"]) < 2:  # the alert's send has arrived
            await asyncio.sleep(0.02)
        code, err, seconds = await worker.stop()
    finally:
        await worker.kill()
    print(f"SIGTERM with a send in flight: exited in {seconds:.2f} s")
    assert code == 0 and not loud(err), err
    assert "33,179" in fake_bot.sent(CHAT)[-1].text
    store = open_store(f"sqlite:///{tmp_path}/alertbot.db")
    try:
        sub = await store.subscriber("telegram", str(CHAT))
        assert sub is not None
        assert len(await store.alerts_of(sub.id, "sent")) == 1  # a restart will not resend it
    finally:
        await store.close()


async def test_sigterm_while_telegram_has_not_answered_yet_stops_at_once_and_quietly(
    fake_bot: FakeBotAPI, local_server: LocalServer, tmp_path: Path
) -> None:
    fake_bot.delay("getMe", 60)  # Telegram hangs at start-up
    local_server.serve_bytes("/ice", rss(A), RSS)
    worker = await Worker.start(worker_config(tmp_path, local_server,
                                              base_url=fake_bot.base_url),
                                tmp_path, token=fake_bot.token)
    try:
        await worker.wait_for("baseline=1")
        assert fake_bot.calls["getMe"]
        code, err, seconds = await worker.stop()
    finally:
        await worker.kill()
    print(f"SIGTERM while Telegram hangs at start-up: exited in {seconds:.2f} s")
    # Not "Telegram unreachable": it was only being asked when the stop came.
    assert code == 0 and not loud(err, ("WARNING", "ERROR", "CRITICAL")), err


async def test_telegram_failing_at_the_moment_of_the_stop_prints_no_traceback(
    fake_bot: FakeBotAPI, local_server: LocalServer, tmp_path: Path
) -> None:
    worker = await subscribed_worker(fake_bot, local_server, tmp_path)
    try:
        while len(fake_bot.calls["getUpdates"]) < 3:  # polling for commands, at rest
            await asyncio.sleep(0.05)
        fake_bot.fail_next(5, status=502, method="getUpdates")
        code, err, seconds = await worker.stop()
    finally:
        await worker.kill()
    print(f"SIGTERM while Telegram answers 502: exited in {seconds:.2f} s")
    assert code == 0 and not loud(err), err
