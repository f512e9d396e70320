"""`alertbot poll --once` tells the truth, as an operator runs it (a real process, a real local
server, a real SQLite file): one line per source, always; exit 0 only when every source it
polled succeeded, 1 when any failed or crashed (a locked or read-only database), 2 for a usage
error; a server's Retry-After and a 410 Gone are honoured unless --force."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot import app as application
from bot.models import Source
from bot.settings import PollingSettings
from tests.httpserver import LocalServer
from tests.ingest.test_refresh import RSS, A, B, rss
from tests.ingest.test_scheduler import feed, settings
from tests.test_cli import alertbot, config


def lines(out: str) -> dict[str, str]:
    """The poll's line of each source, by source id."""
    return {line.split(":")[0]: line for line in out.splitlines() if ": " in line}


def no_traceback(err: str) -> None:
    assert "Traceback" not in err and "File \"" not in err, err


@contextmanager
def write_locked(db: Path) -> Iterator[None]:
    """Another process holds the database's write lock (a second worker, a backup tool)."""
    holder = sqlite3.connect(db, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def make_read_only(db: Path) -> None:
    """Mark the file read-only for SQLite itself: a file format write version it does not know
    (byte 18 of the header) makes every write fail as on a read-only file, even for root."""
    with sqlite3.connect(db) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    data = bytearray(db.read_bytes())
    data[18] = 3
    db.write_bytes(bytes(data))


async def test_a_locked_database_is_a_crash_on_every_line_and_exit_1(
    local_server: LocalServer, tmp_path: Path
) -> None:
    local_server.serve_bytes("/ice", rss(A, B), RSS)
    local_server.respond("/down", 503)
    cfg = str(config(tmp_path, local_server))
    await alertbot("--config", cfg, "poll", "--once", cwd=tmp_path)
    with write_locked(tmp_path / "alertbot.db"):
        code, out, err = await alertbot("--config", cfg, "poll", "--once", "--force",
                                        cwd=tmp_path)
    assert code == 1
    found = lines(out)
    assert set(found) == {"ice-test", "down"}
    for sid, line in found.items():
        assert line.startswith(f"{sid}: crashed — SQLite database "), line
        assert "database is locked (another process held its write lock" in line
    no_traceback(err)


async def test_a_read_only_database_is_a_crash_on_every_line_and_exit_1(
    local_server: LocalServer, tmp_path: Path
) -> None:
    local_server.serve_bytes("/ice", rss(A, B), RSS)
    local_server.serve_bytes("/down", rss(B), RSS)
    cfg = str(config(tmp_path, local_server))
    code, _, _ = await alertbot("--config", cfg, "poll", "--once", cwd=tmp_path)
    assert code == 0
    make_read_only(tmp_path / "alertbot.db")
    code, out, err = await alertbot("--config", cfg, "poll", "--once", "--force", cwd=tmp_path)
    assert code == 1
    found = lines(out)
    assert set(found) == {"ice-test", "down"}
    for sid, line in found.items():
        assert line.startswith(f"{sid}: crashed — SQLite database "), line
        assert "attempt to write a readonly database (alertbot may not write it" in line
    no_traceback(err)


async def test_retry_after_is_honoured_until_forced(
    local_server: LocalServer, tmp_path: Path
) -> None:
    local_server.serve_bytes("/ice", rss(A), RSS)
    local_server.respond("/down", 429, headers={"Retry-After": "120"})
    cfg = str(config(tmp_path, local_server))
    code, out, _ = await alertbot("--config", cfg, "poll", "--once", cwd=tmp_path)
    assert code == 1
    assert "down: rate_limited — 0 new, 0 revised (HTTP 429 Too Many Requests, retry after " \
        "2 min)" in out

    code, out, err = await alertbot("--config", cfg, "poll", "--once", cwd=tmp_path)
    assert code == 0, out  # a source that waits is not a failure
    assert local_server.hits["/down"] == 1  # not asked again
    skipped = lines(out)["down"]
    # Retry-After 120, jitter only ever adding to it (up to 10%), less the time gone by:
    assert re.fullmatch(r"down: skipped — next check at \d\d:\d\d UTC \(in [12] min( \d+ s)?; "
                        r"the server asked to wait: Retry-After\)", skipped), skipped
    assert "--force polls them now" in err
    assert lines(out)["ice-test"].startswith("ice-test: ")  # every source has its line

    code, out, _ = await alertbot("--config", cfg, "poll", "--once", "--force", "--source",
                                  "down", cwd=tmp_path)
    assert code == 1 and local_server.hits["/down"] == 2
    assert set(lines(out)) == {"down"} and "down: rate_limited" in out


async def test_410_disables_the_source_until_a_forced_poll_succeeds(
    local_server: LocalServer, tmp_path: Path
) -> None:
    local_server.serve_bytes("/ice", rss(A), RSS)
    local_server.respond("/down", 410)
    cfg = str(config(tmp_path, local_server))
    code, out, err = await alertbot("--config", cfg, "poll", "--once", cwd=tmp_path)
    assert code == 1
    assert lines(out)["down"] == ("down: gone — 0 new, 0 revised (HTTP 410 Gone); disabled: "
                                  "`alertbot poll --once --force --source down` tries it again")
    assert err.count("source_disabled") == 1
    code, out, _ = await alertbot("--config", cfg, "sources", cwd=tmp_path)
    row = next(line for line in out.splitlines() if line.startswith("down "))
    assert re.search(r"DISABLED: 410 Gone since \d{4}-\d\d-\d\d \d\d:\d\d UTC", row), row

    code, out, err = await alertbot("--config", cfg, "poll", "--once", cwd=tmp_path)
    assert code == 0 and local_server.hits["/down"] == 1  # not retried as temporary
    assert lines(out)["down"].startswith("down: skipped — DISABLED: 410 Gone since ")
    assert "source_disabled" not in err  # logged once, when it happened

    local_server.serve_bytes("/down", rss(B), RSS)
    code, out, err = await alertbot("--config", cfg, "poll", "--once", "--force", "--source",
                                    "down", cwd=tmp_path)
    assert code == 0 and "down: ok" in out and "source_enabled" in err
    code, out, _ = await alertbot("--config", cfg, "sources", cwd=tmp_path)
    assert "DISABLED" not in out


async def test_one_result_per_source_in_order_even_for_a_crash(
    local_server: LocalServer, tmp_path: Path
) -> None:
    local_server.serve_bytes("/f", rss(A), RSS)
    local_server.respond("/page", 200, body=b"<html></html>", content_type="text/html")
    buggy = Source(id="bug", kind="html", url=local_server.url("/page"), agency="dhs",
                   jurisdiction="federal")  # no selectors: a state settings never let through
    slow = PollingSettings(floor=300, default_interval=300, jitter=0, builtin_sources=False)
    app = await application.build(
        settings(tmp_path).model_copy(update={"polling": slow}),
        sources=(feed(local_server, "f", "/f"), buggy))
    try:
        first = await app.scheduler.poll_once()
        assert [r.source_id for r in first] == ["f", "bug"]
        assert first[0].report is not None and not first[0].failed
        assert first[1].failed and first[1].report is None
        assert first[1].error.startswith("internal error AssertionError")
        again = await app.scheduler.poll_once()
        assert again[0].skipped.endswith("(in 5 min; not due yet)") and not again[0].failed
        assert again[1].error  # nothing was recorded for it: due, and crashing, again
        assert local_server.hits["/f"] == 1 and local_server.hits["/page"] == 2
    finally:
        await app.close()
