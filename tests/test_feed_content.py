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


def releases(n: int, text: str = "Text.") -> list[tuple[str, str, str, str]]:
    return [(f"Release {i}", f"https://www.ice.gov/news/releases/r{i}", f"{text} {i}.",
             "Mon, 02 Feb 2026 10:00:00 -0500") for i in range(n)]


async def test_a_feed_rewritten_whole_is_recorded_not_announced(
    local_server: LocalServer, tmp_path: Path
) -> None:
    local_server.respond("/down", 503)
    cfg = str(config(tmp_path, local_server))

    async def poll() -> tuple[str, str]:
        code, out, err = await alertbot("--config", cfg, "poll", "--once", "--source",
                                        "ice-test", cwd=tmp_path)
        assert code == 0, err
        return out, err

    local_server.serve_bytes("/ice", rss(*releases(300)), RSS)
    await poll()  # the first poll records silently
    local_server.serve_bytes("/ice", rss(*releases(300, "Text, in the new template.")), RSS)
    out, err = await poll()
    assert ("ice-test: ok — 0 new, 300 revised; a flood: recorded, no alerts (more than 25 "
            "changes at once, [polling] max_alerting_changes)") in out  # recorded ...
    assert "REVISED ·" not in out and "HELD BACK" not in out  # ... and not one printed
    [flood] = [line for line in err.splitlines() if " flood " in line]
    assert "WARNING" in flood and "source=ice-test" in flood and "changed=300" in flood
    assert "limit=25" in flood
    code, out, _ = await alertbot("--config", cfg, "sources", cwd=tmp_path)
    row = next(line for line in out.splitlines() if line.startswith("ice-test"))
    assert "300 changes held back at" in row and "max_alerting_changes" in row
    # The next normal refresh alerts as usual, and the source is itself again.
    fresh = ("Release C", "https://www.ice.gov/news/releases/c", "New.", B[3])
    local_server.serve_bytes("/ice", rss(fresh, *releases(300, "Text, in the new template.")),
                             RSS)
    out, err = await poll()
    assert out.count("NEW · ice-test") == 1 and "Release C" in out and " flood " not in err
    code, out, _ = await alertbot("--config", cfg, "sources", cwd=tmp_path)
    assert "held back" not in out


async def test_with_notices_the_console_prints_one_block_for_a_flood(
    local_server: LocalServer, tmp_path: Path
) -> None:
    local_server.respond("/down", 503)
    cfg = str(config(tmp_path, local_server, 'max_alerting_changes = 10\non_flood = "notice"'))
    local_server.serve_bytes("/ice", rss(A), RSS)
    await alertbot("--config", cfg, "poll", "--once", "--source", "ice-test", cwd=tmp_path)
    local_server.serve_bytes("/ice", rss(*releases(30), A), RSS)
    code, out, err = await alertbot("--config", cfg, "poll", "--once", "--source", "ice-test",
                                    cwd=tmp_path)
    assert code == 0, err
    assert out.count("HELD BACK · ice-test") == 1 and "NEW ·" not in out
    assert "30 items changed at once, more than the 10 one refresh may announce" in " ".join(
        out.split())
