"""A feed that arrives broken: the parser says so, and what it lacks is no edit.

Real local HTTP server, fetcher, parser and SQLite store (the rig of test_refresh).
"""

from __future__ import annotations

import logging

import pytest

from bot.ingest.feeds import parse_feed
from bot.models import ChangeKind, Outcome
from tests.ingest.test_refresh import RSS, Rig, rig  # noqa: F401 (the fixture)
from tests.paths import GOV, OWN

WHOLE = GOV / "DERIVED_ice_breaking_reconstructed.rss.xml"
TRUNCATED = OWN / "broken" / "ice-breaking-truncated.rss.xml"


def test_parser_flags_a_cut_document_as_broken_and_only_that() -> None:
    def parse(body: bytes, charset: str | None = None):  # type: ignore[no-untyped-def]
        return parse_feed(body, source_id="s", base_url="https://www.ice.gov/", charset=charset)

    cut = parse(TRUNCATED.read_bytes())
    assert cut.broken and "XML parse error" in cut.broken and len(cut.items) == 6
    assert parse(WHOLE.read_bytes()).broken is None
    # A charset the header gets wrong is fixed by detection: the document itself is whole.
    latin1 = WHOLE.read_bytes().replace(b"fraud", "fraude é".encode("latin-1"))
    mislabelled = parse(latin1.replace(b'encoding="utf-8"', b'encoding="iso-8859-1"'), "utf-8")
    assert mislabelled.warnings and mislabelled.broken is None


async def test_truncated_feed_keeps_the_stored_text_and_says_why(
    rig: Rig, caplog: pytest.LogCaptureFixture  # noqa: F811
) -> None:
    src = rig.source("/ice", "ice-breaking")
    rig.server.serve_file("/ice", WHOLE, RSS)
    await rig.refresh(src)
    [sentinel] = [i for i in await rig.store.recent_items(limit=10) if "Sentinel" in i.title]
    rig.server.serve_file("/ice", TRUNCATED, RSS)
    with caplog.at_level(logging.WARNING, logger="alertbot.refresh"):
        cut = await rig.refresh(src)
    assert cut.outcome is Outcome.OK
    assert not cut.of_kind(ChangeKind.REVISED) and not cut.of_kind(ChangeKind.NEW)
    assert await rig.store.item(sentinel.key) == sentinel  # the whole text, not the cut one
    assert await rig.store.revisions(sentinel.key) == []
    [refused] = [r for r in caplog.records if r.getMessage() == "revision_refused"]
    fields = refused.fields  # type: ignore[attr-defined]
    assert fields["source"] == "ice-breaking" and fields["item"] == sentinel.key
    assert fields["kept"] == len(sentinel.text) > 400 and fields["received"] == 0
    rig.server.serve_file("/ice", WHOLE, RSS)
    again = await rig.refresh(src)
    assert {c.kind for c in again.changes} == {ChangeKind.SEEN}
