"""The `alertbot` command as an operator runs it: a real process against a local server."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

import httpx

from tests.httpserver import LocalServer, unused_port
from tests.ingest.test_refresh import RSS, A, B, C, rss

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "123456:SECRET-token-never-printed"


async def alertbot(*args: str, cwd: Path, timeout: float = 60) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=cwd, env=_env(),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), timeout)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALERTBOT_")}
    return {**env, "PYTHONPATH": str(ROOT), "TELEGRAM_BOT_TOKEN": TOKEN}


def config(tmp_path: Path, server: LocalServer, extra: str = "") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f"""
[storage]
url = "sqlite:///{tmp_path}/alertbot.db"
[polling]
builtin_sources = false
floor = 0.2
default_interval = 0.2
timeout = 2
{extra}
[[sources]]
id = "ice-test"
url = "{server.url('/ice')}"
agency = "ice"
[[sources]]
id = "down"
url = "{server.url('/down')}"
agency = "dhs"
""")
    return path


async def test_poll_once_records_silently_then_prints_new_releases(
    local_server: LocalServer, tmp_path: Path
) -> None:
    local_server.serve_bytes("/ice", rss(A, B), RSS)
    local_server.respond("/down", 503)
    cfg = str(config(tmp_path, local_server))
    code, out, _ = await alertbot("--config", cfg, "poll", "--once", cwd=tmp_path)
    assert code == 1  # one source failed
    assert "ice-test: ok — 0 new, 0 revised, 2 recorded silently (first poll)" in out
    assert "down: server_error" in out
    local_server.serve_bytes("/ice", rss(C, A, B), RSS)
    code, out, _ = await alertbot("--config", cfg, "poll", "--once", "--source", "ice-test",
                                  cwd=tmp_path)
    assert code == 0 and "NEW · ice-test" in out and "Release C 33,179" in out
    assert "https://www.ice.gov/news/releases/c" in out and "ice-test: ok — 1 new" in out
    code, out, _ = await alertbot("--config", cfg, "sources", cwd=tmp_path)
    rows = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert "healthy" in rows["ice-test"] and "failing (1x)" in rows["down"]
    assert "HTTP 503" in rows["down"]


async def test_unknown_source_and_bad_config_get_clear_answers(
    local_server: LocalServer, tmp_path: Path
) -> None:
    cfg = str(config(tmp_path, local_server))
    code, _, err = await alertbot("--config", cfg, "poll", "--once", "--source", "nope",
                                  cwd=tmp_path)
    assert code == 2 and "unknown source id(s): nope; known: down, ice-test" in err
    bad = tmp_path / "bad.toml"
    bad.write_text("[polling]\nceiling = 'soon'\n")
    code, _, err = await alertbot("--config", str(bad), "migrate", cwd=tmp_path)
    assert code == 2 and "polling.ceiling = 'soon'" in err and "Traceback" not in err


async def test_check_config_redacts_secrets(local_server: LocalServer, tmp_path: Path) -> None:
    code, out, err = await alertbot("--config", str(config(tmp_path, local_server)),
                                    "check-config", cwd=tmp_path)
    assert code == 0 and TOKEN not in out + err
    shown = json.loads(out)
    assert shown["telegram"]["token"] == "<redacted>"
    assert shown["effective_sources"] == ["ice-test", "down"]


async def test_run_logs_json_serves_healthz_and_stops_on_sigterm(
    local_server: LocalServer, tmp_path: Path
) -> None:
    local_server.serve_bytes("/ice", rss(A), RSS)
    local_server.respond("/down", 503)
    port = unused_port()
    cfg = config(tmp_path, local_server, extra=f'[web]\nlisten = "127.0.0.1:{port}"\n')
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "--config", str(cfg), "--log-format", "json", "run",
        cwd=tmp_path, env=_env(), stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    try:
        health = await _get_healthz(port)
        assert health["store"] == "ok" and set(health["sources"]) == {"ice-test", "down"}
        await asyncio.sleep(0.8)
        async with httpx.AsyncClient() as client:
            scraped = (await client.get(f"http://127.0.0.1:{port}/metrics")).text
        assert 'alertbot_outbox_alerts{state="pending"} 0.0' in scraped
        assert 'alertbot_source_healthy{source="ice-test"} 1.0' in scraped
        assert "alertbot_sends_total 0.0" in scraped
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode == 0
    lines = [json.loads(x) for x in err.decode().splitlines() if x.startswith("{")]
    refreshes = [x for x in lines if x["event"] == "refresh"]
    assert {"ice-test", "down"} <= {x["source"] for x in refreshes}
    assert all({"outcome", "status", "new", "ms", "next_check"} <= set(x) for x in refreshes)
    assert TOKEN not in err.decode()


async def _get_healthz(port: int) -> dict:  # type: ignore[type-arg]
    async with httpx.AsyncClient() as client:
        for _ in range(100):
            try:
                reply = await client.get(f"http://127.0.0.1:{port}/healthz")
                return reply.json()  # type: ignore[no-any-return]
            except httpx.TransportError:
                await asyncio.sleep(0.1)
    raise AssertionError("/healthz never answered")


async def test_demo_shows_the_33179_release_a_revision_and_a_new_item(tmp_path: Path) -> None:
    code, out, err = await alertbot("demo", cwd=tmp_path, timeout=120)
    assert code == 0, err
    step2 = out.split("Step 2")[1].split("Step 3")[0]
    assert step2.count("NEW ·") == 2 and "33,179" in step2  # once, though on two feeds
    step3 = out.split("Step 3")[1].split("Step 4")[0]
    assert "REVISED · ICE breaking news" in step3 and "4,561" in step3
    # The DHS listing has no text: what shows is the release page's, fetched for new items.
    assert "NEW · DHS press releases" in step3 and "WASHINGTON" in step3
    step4 = out.split("Step 4")[1]
    assert "NEW ·" not in step4 and "parsed" not in step4.replace("no parse", "")


async def test_match_previews_stored_items_with_reasons(
    local_server: LocalServer, tmp_path: Path
) -> None:
    local_server.serve_bytes("/ice", rss(A, B, C), RSS)
    local_server.respond("/down", 503)
    cfg = str(config(tmp_path, local_server))
    await alertbot("--config", cfg, "poll", "--once", cwd=tmp_path)
    code, out, _ = await alertbot("--config", cfg, "match", "33179 from:ice", cwd=tmp_path)
    assert code == 0, out
    assert "1 of the 3 most recent items" in out and "Release C 33,179" in out
    assert 'because: "33179" in title; from ICE' in out
    code, _, err = await alertbot("--config", cfg, "match", 'detainer "ICE hold', cwd=tmp_path)
    assert code == 2 and "unclosed quote at 9" in err
    assert err.splitlines()[-1] == "           ^"  # points at the quote
