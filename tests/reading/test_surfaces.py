"""`alertbot sources`, the chat's /sources and /stats, and /healthz tell one story about the
sources, read from one place (bot.reading): after real polls of a local server — a feed that
works, one that says Retry-After, one failing until unhealthy, one gone (410), one never
polled — each surface says which is which, and why a source waits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot import app as application
from bot.channels.chat import Request
from bot.channels.commands import Commands
from bot.queries import StoreQueries
from bot.settings import load_settings
from tests.channels.commands_kit import NOW
from tests.fakebot.tghtml import parse_html
from tests.httpserver import LocalServer
from tests.ingest.test_refresh import RSS, A, rss
from tests.test_cli import alertbot

SOURCES = ("works", "busy", "down", "gone", "new")


@pytest.fixture
async def polled(local_server: LocalServer, tmp_path: Path) -> AsyncIterator[
        tuple[application.App, Path]]:
    """The worker's App after one poll of each source but "new" ("down" polled twice), and
    its config file for the CLI."""
    local_server.serve_bytes("/works", rss(A), RSS)
    local_server.respond("/busy", 429, headers={"Retry-After": "3000"})
    local_server.respond("/down", 503)
    local_server.respond("/gone", 410)
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[storage]\nurl = "sqlite:///{tmp_path}/a.db"\n'
                   "[polling]\nbuiltin_sources = false\nunhealthy_after = 2\ntimeout = 2\n"
                   + "".join(f'[[sources]]\nid = "{s}"\nurl = "{local_server.url("/" + s)}"\n'
                             f'agency = "ice"\nname = "The {s} feed"\n' for s in SOURCES))
    app = await application.build(load_settings(cfg, {}))
    try:
        await app.scheduler.poll_once(["works", "busy", "down", "gone"], force=True)
        await app.scheduler.poll_once(["down"], force=True)
        yield app, cfg
    finally:
        await app.close()


async def test_the_cli_says_which_source_is_which_and_why_it_waits(
        polled: tuple[application.App, Path], tmp_path: Path) -> None:
    _, cfg = polled
    code, out, _ = await alertbot("--config", str(cfg), "sources", cwd=tmp_path)
    assert code == 0
    rows = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert "healthy" in rows["works"] and "HTTP 429" in rows["busy"]
    assert "Z (Retry-After)  failing (1x)" in rows["busy"]
    assert "Z (backing off)  UNHEALTHY (2x)" in rows["down"]
    assert "DISABLED: 410 Gone since" in rows["gone"] and "never polled" in rows["new"]


async def test_the_chat_says_what_the_cli_says(polled: tuple[application.App, Path]) -> None:
    app, _ = polled
    commands = Commands(app.subscriptions, app.subscriptions.gazetteer,
                        StoreQueries(app.store, app.reading, app.clock))

    async def say(text: str) -> str:
        reply = await commands.handle(Request("telegram", "1001", "en", text, False, True,
                                              True, NOW))
        return parse_html(reply.text_html)[0]

    shown = (await say("/sources")).splitlines()
    line = {s: next(li for li in shown if f"The {s} feed ({s})" in li) for s in SOURCES}
    assert line["works"].startswith("✅")
    assert line["busy"].startswith("⚠️") and "as the server asked" in line["busy"]
    assert line["down"].startswith("⚠️") and "after each failure" in line["down"]
    assert line["gone"].startswith("⛔") and "410 Gone on" in line["gone"]
    assert line["new"].startswith("⏳") and "not read yet" in line["new"]
    stats = await say("/stats")
    assert "Sources: 3 of 5 healthy" in stats  # the unhealthy and the disabled one are not
    assert stats.index("• down: HTTP 503") < stats.index("• busy: HTTP 429")  # newest first


async def test_healthz_and_metrics_say_what_the_cli_says(
        polled: tuple[application.App, Path]) -> None:
    app, _ = polled
    body = await app.health()
    sources = body["sources"]
    assert {s: sources[s]["state"] for s in SOURCES} == {
        "works": "healthy", "busy": "failing", "down": "unhealthy", "gone": "disabled",
        "new": "never_polled"}
    assert [sources[s]["healthy"] for s in SOURCES] == [True, True, False, False, True]
    assert (sources["busy"]["waiting"], sources["down"]["waiting"]) == ("retry_after",
                                                                        "backoff")
    assert sources["gone"]["next_check"] is None and sources["gone"]["disabled_since"]
    assert body["status"] == "ok"  # some sources work
    [gone] = [w for w in body["warnings"] if w.startswith("source gone:")]
    assert "disabled since" in gone and "poll --once --force --source gone" in gone
    assert (await app.metrics(None)).sources == {  # alertbot_source_healthy
        "works": True, "busy": True, "down": False, "gone": False, "new": True}
