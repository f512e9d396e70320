"""/healthz tells the truth, over real HTTP: 200 `ok` while the worker does its job (failing
sources listed), 503 `degraded` — saying what — when the store does not answer, every source
fails, or Telegram rejected the token or cannot be reached; and ok again once it answers.

The worker is the real one (`bot.app.run`) against feeds on a local server and the fake Bot
API; only the clock is real, so conditions are waited for, never timed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

from bot import app as application
from bot.models import Source
from bot.settings import (
    PollingSettings,
    Settings,
    StorageSettings,
    TelegramSettings,
    WebSettings,
)
from bot.web import health
from tests.fakebot import FakeBotAPI
from tests.httpserver import LocalServer, unused_port
from tests.ingest.test_refresh import RSS, A, rss

Body = dict[str, Any]


def settings(tmp_path: Path, port: int, telegram: TelegramSettings | None = None) -> Settings:
    return Settings(
        storage=StorageSettings(url=f"sqlite:///{tmp_path}/a.db"),
        polling=PollingSettings(builtin_sources=False, floor=0.2, default_interval=0.2,
                                jitter=0, unhealthy_after=2, timeout=2),
        telegram=telegram or TelegramSettings(), web=WebSettings(listen=f"127.0.0.1:{port}"))


def feeds(server: LocalServer, *paths: str) -> tuple[Source, ...]:
    return tuple(Source(id=p, kind="feed", url=server.url(f"/{p}"), agency="ice",
                        jurisdiction="federal") for p in paths)


@asynccontextmanager
async def worker(cfg: Settings, sources: tuple[Source, ...]) -> AsyncIterator[int]:
    """The worker running; yields the port /healthz is on."""
    app = await application.build(cfg, sources=sources)
    stop = asyncio.Event()
    task = asyncio.create_task(application.run(app, stop))
    try:
        yield int(cfg.web.listen.rpartition(":")[2])
    finally:
        stop.set()
        await asyncio.wait_for(task, 20)
        await app.close()


async def healthz(port: int) -> tuple[int, Body]:
    async with httpx.AsyncClient() as client:
        for _ in range(100):
            try:
                reply = await client.get(f"http://127.0.0.1:{port}/healthz")
                return reply.status_code, reply.json()
            except httpx.TransportError:  # not listening yet
                await asyncio.sleep(0.1)
    raise AssertionError("/healthz never answered")


async def healthz_until(port: int, wanted: Callable[[int, Body], bool],
                        timeout: float = 20) -> tuple[int, Body]:
    """/healthz, asked again until its answer is `wanted` (the last answer in the error)."""
    async def ask() -> tuple[int, Body]:
        while True:
            code, body = await healthz(port)
            if wanted(code, body):
                return code, body
            await asyncio.sleep(0.1)
    try:
        return await asyncio.wait_for(ask(), timeout)
    except TimeoutError:
        raise AssertionError(f"/healthz never said that; last: {await healthz(port)}") from None


async def test_ok_while_some_sources_fail_and_the_failing_one_is_listed(
    local_server: LocalServer, tmp_path: Path
) -> None:
    local_server.serve_bytes("/ice", rss(A), RSS)
    local_server.respond("/down", 503)
    async with worker(settings(tmp_path, unused_port()),
                      feeds(local_server, "ice", "down")) as port:
        code, body = await healthz_until(
            port, lambda _, b: b["sources"]["down"]["failures"] >= 2)
    assert code == 200 and body["status"] == "ok" and body["problems"] == []
    assert body["sources"]["down"]["healthy"] is False
    assert body["sources"]["down"]["last_error"].startswith("HTTP 503")
    assert body["sources"]["ice"]["last_success"] is not None
    assert any("down" in w and "HTTP 503" in w for w in body["warnings"])
    assert body["channels"] == {"console": {"state": "ok"}}


async def test_every_source_failing_is_degraded_and_names_them(
    local_server: LocalServer, tmp_path: Path
) -> None:
    local_server.respond("/ice", 503)
    local_server.respond("/dhs", 500)
    async with worker(settings(tmp_path, unused_port()),
                      feeds(local_server, "ice", "dhs")) as port:
        code, body = await healthz_until(port, lambda c, _: c != 200)
    assert code == 503 and body["status"] == "degraded"
    [problem] = body["problems"]
    assert "every source is failing" in problem
    assert "ice: HTTP 503" in problem and "dhs: HTTP 500" in problem
    assert body["store"] == "ok"


async def test_a_token_telegram_rejects_is_degraded_naming_telegram_and_never_the_token(
    fake_bot: FakeBotAPI, local_server: LocalServer, tmp_path: Path
) -> None:
    local_server.serve_bytes("/ice", rss(A), RSS)
    wrong = "999999:this-is-not-the-bots-token"  # the fake answers 401, as Telegram does
    cfg = settings(tmp_path, unused_port(),
                   TelegramSettings(token=wrong, base_url=fake_bot.base_url))
    async with worker(cfg, feeds(local_server, "ice")) as port:
        code, body = await healthz_until(port, lambda c, _: c != 200)
    assert code == 503 and body["channels"]["telegram"]["state"] == "rejected"
    [problem] = body["problems"]
    assert problem.startswith("telegram: rejected") and "TELEGRAM_BOT_TOKEN" in problem
    assert wrong not in json.dumps(body) and wrong.split(":")[1] not in json.dumps(body)


async def test_telegram_unreachable_is_degraded_until_it_answers_again(
    fake_bot: FakeBotAPI, local_server: LocalServer, tmp_path: Path
) -> None:
    local_server.serve_bytes("/ice", rss(A), RSS)
    cfg = settings(tmp_path, unused_port(),
                   TelegramSettings(token=fake_bot.token, base_url=fake_bot.base_url))
    async with worker(cfg, feeds(local_server, "ice")) as port:
        code, body = await healthz_until(
            port, lambda _, b: b["channels"].get("telegram", {}).get("state") == "ok")
        assert code == 200 and body["status"] == "ok"
        fake_bot.fail_next(2, status=502, method="getUpdates")
        fake_bot.user_sends(5001, "/help")  # ends the long poll in flight: the next one fails
        code, body = await healthz_until(port, lambda c, _: c != 200)
        assert body["channels"]["telegram"]["state"] == "unreachable"
        assert body["channels"]["telegram"]["last_error"] == "Bad Gateway"
        assert any(p.startswith("telegram: unreachable") for p in body["problems"])
        code, body = await healthz_until(port, lambda c, _: c == 200)
        assert body["channels"]["telegram"]["last_error"] is None


async def test_another_poller_with_the_same_token_is_not_telegram_down(
    fake_bot: FakeBotAPI, local_server: LocalServer, tmp_path: Path
) -> None:
    """409 Conflict: Telegram answered; a second worker (or a webhook) takes the updates."""
    local_server.serve_bytes("/ice", rss(A), RSS)
    cfg = settings(tmp_path, unused_port(),
                   TelegramSettings(token=fake_bot.token, base_url=fake_bot.base_url))
    async with worker(cfg, feeds(local_server, "ice")) as port:
        await healthz_until(
            port, lambda _, b: b["channels"].get("telegram", {}).get("state") == "ok")
        polls = len(fake_bot.calls["getUpdates"])
        fake_bot.fail_next(50, status=409, method="getUpdates")
        fake_bot.user_sends(5001, "/help")  # ends the long poll in flight: the next ones 409
        await fake_bot.wait_for_messages(5001, 1)
        while len(fake_bot.calls["getUpdates"]) < polls + 2:  # a 409 answered, and heard
            await asyncio.sleep(0.02)
        code, body = await healthz(port)
    assert code == 200 and body["channels"]["telegram"]["state"] == "ok", body


async def test_a_store_that_does_not_answer_is_degraded(tmp_path: Path) -> None:
    port = unused_port()
    app = await application.build(settings(tmp_path, port), sources=())
    runner = await health.start(app.health, f"127.0.0.1:{port}")
    try:
        await app.store.close()  # the database went away under the worker
        code, body = await healthz(port)
    finally:
        await runner.cleanup()
        await app.close()
    assert code == 503 and body["status"] == "degraded" and body["store"] == "unreachable"
    assert body["problems"][0].startswith("store: unreachable — check [storage] url")
