"""`alertbot run` says where alerts go, once Telegram has answered (or not), and where /healthz
is — never the token. The real CLI, against the fake Bot API."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.fakebot import FakeBotAPI
from tests.httpserver import LocalServer, unused_port
from tests.ingest.test_refresh import RSS, A, rss
from tests.worker import Worker, worker_config


async def start_line(cfg: Path, tmp_path: Path, token: str | None) -> tuple[str, str]:
    """The start-up line, and all the worker said until it stopped."""
    worker = await Worker.start(cfg, tmp_path, token=token)
    try:
        line = await worker.wait_for("alerts go to:")
        code, err, _ = await worker.stop()
    finally:
        await worker.kill()
    assert code == 0
    return line, err


async def test_without_a_token_alerts_go_to_the_console(
    local_server: LocalServer, tmp_path: Path
) -> None:
    local_server.serve_bytes("/ice", rss(A), RSS)
    port = unused_port()
    line, _ = await start_line(worker_config(tmp_path, local_server,
                                             listen=f"127.0.0.1:{port}"), tmp_path, None)
    assert line == (f"alertbot: watching 1 sources (ice); alerts go to: console (no chat "
                    f"token); /healthz and /metrics on http://127.0.0.1:{port}. Ctrl-C stops.")


async def test_with_telegram_it_names_the_bot_and_the_server_never_the_token(
    fake_bot: FakeBotAPI, local_server: LocalServer, tmp_path: Path
) -> None:
    local_server.serve_bytes("/ice", rss(A), RSS)
    cfg = worker_config(tmp_path, local_server, base_url=fake_bot.base_url)
    line, err = await start_line(cfg, tmp_path, fake_bot.token)
    assert (f"alerts go to: Telegram bot @alertbot_test_bot (via 127.0.0.1:{fake_bot.port}) "
            "and console. Ctrl-C stops.") in line
    assert fake_bot.token not in err and fake_bot.token.split(":")[1] not in err


async def test_a_rejected_token_is_said_at_start_and_by_healthz(
    fake_bot: FakeBotAPI, local_server: LocalServer, tmp_path: Path
) -> None:
    local_server.serve_bytes("/ice", rss(A), RSS)
    port = unused_port()
    wrong = "999999:not-the-token-of-this-bot"
    cfg = worker_config(tmp_path, local_server, base_url=fake_bot.base_url,
                        listen=f"127.0.0.1:{port}")
    worker = await Worker.start(cfg, tmp_path, token=wrong)
    try:
        line = await worker.wait_for("alerts go to:")
        async with httpx.AsyncClient() as client:
            reply = await client.get(f"http://127.0.0.1:{port}/healthz")
        code, err, _ = await worker.stop()
    finally:
        await worker.kill()
    assert "alerts go to: console only — Telegram refused the token: check [telegram] token " \
           "or TELEGRAM_BOT_TOKEN (and [telegram] base_url)" in line
    assert reply.status_code == 503 and reply.json()["problems"][0].startswith("telegram: ")
    assert code == 0 and "Traceback" not in err
    assert wrong not in err + reply.text and wrong.split(":")[1] not in err + reply.text
