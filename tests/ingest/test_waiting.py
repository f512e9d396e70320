"""Servers' limits, honoured and explained: a 410 Gone disables a source (logged once, polled
again only when forced or when its url changes); a Retry-After is kept as the reason a source
waits, and an absurd one says the schedule waits its ceiling instead. Real server, real store."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.ingest import waiting
from bot.models import Outcome, RefreshReport, Source, SourceState
from tests.ingest import test_refresh
from tests.ingest.test_refresh import RSS, T0, A, Rig, rss

rig = test_refresh.rig  # the fixture: a refresher on a real local server and store
LOGGER = "alertbot.refresh"


async def forced(rig: Rig, source: Source) -> RefreshReport:
    """`alertbot poll --once --force`: a minute later, fetched whatever the state says."""
    rig.clock[0] += timedelta(seconds=60)
    return await rig.refresher.refresh(source, force=True)


def disabling_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.getMessage() in ("source_disabled", "source_enabled")]


async def test_410_disables_the_source_until_a_forced_poll_succeeds(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    rig.server.respond("/old", 410)
    src = rig.source("/old", sid="old")
    gone = await rig.refresh(src)
    assert gone.outcome is Outcome.GONE and gone.detail == "HTTP 410 Gone"
    assert waiting.disabled(gone.state, src) and gone.state.disabled_since == rig.clock[0]
    assert disabling_lines(caplog) == ["source_disabled"]
    [line] = [r for r in caplog.records if r.getMessage() == "source_disabled"]
    assert line.levelno == logging.WARNING
    assert "--force --source old" in line.fields["detail"]  # type: ignore[attr-defined]
    since = rig.clock[0]

    for _ in range(3):  # the worker's loop asks again: nothing is fetched, nothing logged
        again = await rig.refresh(src, advance=3600)
        assert again.outcome is Outcome.GONE and again.detail.startswith("DISABLED: 410 Gone")
    assert rig.server.hits["/old"] == 1 and disabling_lines(caplog) == ["source_disabled"]
    stored = await rig.store.source_state("old")
    assert stored is not None and waiting.disabled(stored, src)

    retried = await forced(rig, src)  # still gone: still disabled, since the first
    assert retried.outcome is Outcome.GONE and rig.server.hits["/old"] == 2
    assert retried.state.disabled_since == since and disabling_lines(caplog) == ["source_disabled"]

    rig.server.serve_bytes("/old", rss(A), RSS)  # the address works again
    back = await forced(rig, src)
    assert back.outcome is Outcome.OK and not waiting.disabled(back.state, src)
    assert back.state.disabled_url is None and back.state.disabled_since is None
    assert disabling_lines(caplog) == ["source_disabled", "source_enabled"]
    assert (await rig.refresh(src)).outcome is Outcome.NOT_MODIFIED  # polled as usual again


async def test_a_new_url_in_the_config_is_polled_at_once(rig: Rig) -> None:
    rig.server.respond("/old", 410)
    rig.server.serve_bytes("/new", rss(A), RSS)
    await rig.refresh(rig.source("/old", sid="ice"))
    moved = rig.source("/new", sid="ice")
    report = await rig.refresh(moved)
    assert report.outcome is Outcome.OK and rig.server.hits["/new"] == 1
    assert report.state.disabled_url is None


async def test_404_is_a_client_error_with_backoff_not_a_disabled_source(rig: Rig) -> None:
    src = rig.source("/missing")
    for why in ("backing off after 1 failure in a row", "backing off after 2 failures in a row"):
        report = await rig.refresh(src)
        assert report.outcome is Outcome.CLIENT_ERROR and not waiting.disabled(report.state, src)
        assert report.state.wait_reason == why
    assert rig.server.hits["/missing"] == 2


async def test_retry_after_is_the_reason_and_an_absurd_one_waits_the_ceiling(rig: Rig) -> None:
    rig.server.respond("/busy", 429, headers={"Retry-After": "120"})
    src = rig.source("/busy")
    report = await rig.refresh(src, advance=0)
    assert report.state.next_check == T0 + timedelta(seconds=120)
    assert report.state.wait_reason == waiting.RETRY_AFTER
    assert report.detail == "HTTP 429 Too Many Requests, retry after 2 min"
    skip = waiting.skip_reason(src, report.state, T0 + timedelta(seconds=30))
    assert skip == "next check at 19:02 UTC (in 1 min 30 s; the server asked to wait: Retry-After)"
    assert waiting.skip_reason(src, report.state, T0 + timedelta(seconds=120)) is None

    rig.server.respond("/busy", 429, headers={"Retry-After": "2300050000"})
    absurd = await rig.refresh(src, advance=120)
    assert absurd.state.next_check == rig.clock[0] + timedelta(seconds=600)  # POLICY.ceiling
    said = "HTTP 429 Too Many Requests, retry after 73 years; waiting 10 min, the ceiling"
    assert absurd.detail == absurd.state.last_error == said


def test_skip_reasons_read_as_words() -> None:
    src = Source(id="f", kind="feed", url="https://example.org/f", agency="ice",
                 jurisdiction="federal")
    assert waiting.skip_reason(src, None, T0) is None  # never polled: due
    state = SourceState("f", next_check=T0 + timedelta(hours=26))
    assert waiting.skip_reason(src, state, T0) == (
        "next check at 2026-02-07 21:00 UTC (in 1 day 2 h; not due yet)")
    gone = replace(state, disabled_url=src.url, disabled_since=T0)
    assert waiting.skip_reason(src, gone, T0) == (
        "DISABLED: 410 Gone since 2026-02-06 19:00 UTC; "
        "`alertbot poll --once --force --source f` tries it again")
    moved = replace(src, url="https://example.org/new")
    assert waiting.skip_reason(moved, gone, T0 + timedelta(days=2)) is None
