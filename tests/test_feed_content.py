"""What a feed carries, seen where an operator sees it: the real `alertbot` process against a
feed on a local server. Hostile or broken content must not reach the console."""

from __future__ import annotations

from pathlib import Path

from tests.httpserver import LocalServer
from tests.ingest.test_controls import FORBIDDEN
from tests.ingest.test_refresh import RSS, A, B, rss
from tests.test_cli import alertbot, config

HOSTILE = (
    "Detainers \x1b[31mrose\x1b[0m\x1b]0;pwned\x07 in \u202eainrofilaC\u202c\x9b2J",
    "https://www.ice.gov/news/releases/\x1b[31mhostile\u202e",
    "Text \x1b[2J\x1b[Hwith a bell\x07, a null&#0; and an \u2066isolate\u2069.\r\nEnd.",
    "Wed, 11 Feb 2026 10:00:00 -0500",
)


async def test_console_shows_no_escape_or_bidi_control_from_a_feed(
    local_server: LocalServer, tmp_path: Path
) -> None:
    local_server.serve_bytes("/ice", rss(A, B), RSS)
    local_server.respond("/down", 503)
    cfg = str(config(tmp_path, local_server))
    await alertbot("--config", cfg, "poll", "--once", "--source", "ice-test", cwd=tmp_path)
    local_server.serve_bytes("/ice", rss(HOSTILE, A, B), RSS)
    code, out, err = await alertbot("--config", cfg, "poll", "--once", "--source", "ice-test",
                                    cwd=tmp_path)
    assert code == 0, err
    assert "NEW · ice-test" in out and "Detainers rose in ainrofilaC" in out
    assert "with a bell, a null and an isolate.\nEnd." in out.replace("\n\n", "\n")
    assert "https://www.ice.gov/news/releases/%1B[31mhostile%E2%80%AE" in out
    shown = out + err
    assert not [c for c in FORBIDDEN if c in shown.replace("\n", "")]
    assert "[31m" not in shown.replace("%1B[31m", "") and "pwned" not in shown
