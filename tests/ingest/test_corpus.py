"""Robustness and agreement over the shared feed corpus (feed-rs fixtures + feedparser's own
conformance files): every document goes through parse_feed + normalize without an exception,
and where feed-rs recorded its expected parse we read the same entries with the same titles."""

from __future__ import annotations

import json
import traceback
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.ingest.dedup import decide
from bot.ingest.feeds import parse_feed
from bot.ingest.normalize import html_to_text, normalize
from bot.models import ChangeKind, ParsedFeed, Source, SourceState
from bot.store import open_store
from tests.paths import FEEDS

CORPUS_DIRS = (
    FEEDS / "feed-rs" / "fixture",
    FEEDS / "feedparser" / "wellformed",
    FEEDS / "feedparser" / "illformed",
)
BASE_URL = "https://corpus.example/feed"
SOURCE = Source(
    id="corpus", kind="feed", url=BASE_URL, agency="Corpus", jurisdiction="federal"
)

# feed-rs files where our reading legitimately differs from feed-rs's golden output.
# file name -> why. Keep this short: each entry is a disagreement we chose, not one we hid.
FEED_RS_EXCEPTIONS: dict[str, str] = {}


def iter_corpus_files() -> Iterator[Path]:
    """Every feed document of the corpus, in a stable order (expected-output files,
    licences and notes are not documents)."""
    for root in CORPUS_DIRS:
        for path in sorted(root.rglob("*")):
            if not path.is_file() or path.name.endswith(".serde.json"):
                continue
            if path.name.startswith("LICENSE") or path.suffix == ".txt":
                continue
            yield path


def parse_file(path: Path) -> ParsedFeed:
    return parse_feed(path.read_bytes(), source_id=SOURCE.id, base_url=BASE_URL)


def test_corpus_is_there() -> None:
    files = list(iter_corpus_files())
    assert len(files) > 1_800, len(files)


def test_every_corpus_file_parses_and_normalizes() -> None:
    failures: list[str] = []
    for path in iter_corpus_files():
        try:
            parsed = parse_file(path)
            for raw in parsed.items:
                normalize(raw, SOURCE)
        except Exception:
            failures.append(f"{path}: {traceback.format_exc(limit=-3)}")
    assert not failures, f"{len(failures)} files failed:\n" + "\n".join(failures)


async def test_every_corpus_file_goes_through_dedup_into_the_store(tmp_path: Path) -> None:
    """parse → normalise → dedup → SQLite for the whole corpus, twice: the second pass must
    find everything already stored (SEEN), and nothing may be written half."""
    store = open_store(f"sqlite:///{tmp_path}/corpus.db")
    await store.migrate()
    now = datetime(2026, 11, 28, tzinfo=UTC)
    stored_first, keys = 0, set()
    try:
        for rnd in (1, 2):
            for n, path in enumerate(iter_corpus_files()):
                items = [i for r in parse_file(path).items if (i := normalize(r, SOURCE))]
                keys.update(i.key for i in items)
                known = await store.known_items(i.key for i in items)
                changes = decide(items, known, first_poll=rnd == 1)
                state = SourceState(f"corpus-{n}", baseline_done=True, last_success=now)
                recorded = await store.record_refresh(state, changes, now)
                kinds = {c.kind for c in recorded}
                if rnd == 2:
                    assert kinds <= {ChangeKind.SEEN}, (path, kinds)
            if rnd == 1:
                stored_first = await store.count_items()
        # Conformance files share example.org links, so many items are one release.
        assert stored_first == len(keys) > 150
        assert await store.count_items() == stored_first
    finally:
        await store.close()


def _flat(text: str | None) -> str:
    return " ".join(html_to_text(text or "").split())


def _expected_titles(golden: Path) -> list[str]:
    entries = json.loads(golden.read_text(encoding="utf-8"))["entries"]
    return [_flat((entry.get("title") or {}).get("content")) for entry in entries]


def _feed_rs_pairs() -> Iterator[tuple[Path, Path]]:
    for path in iter_corpus_files():
        golden = path.with_name(path.stem + ".serde.json")
        if golden.exists():
            yield path, golden


def test_feed_rs_golden_titles_agree() -> None:
    disagreements: list[str] = []
    compared = 0
    for path, golden in _feed_rs_pairs():
        if path.name in FEED_RS_EXCEPTIONS:
            continue
        compared += 1
        expected = _expected_titles(golden)
        parsed = parse_file(path)
        ours = [_flat(raw.title) for raw in parsed.items]
        if parsed.error:
            disagreements.append(f"{path.name}: error {parsed.error!r}")
        elif len(ours) != len(expected):
            disagreements.append(f"{path.name}: {len(ours)} items, feed-rs {len(expected)}")
        elif ours != expected:
            diff = [(o, e) for o, e in zip(ours, expected, strict=True) if o != e]
            disagreements.append(f"{path.name}: titles differ, ours vs feed-rs: {diff[:3]}")
    assert compared >= 60, compared
    assert not disagreements, "\n".join(disagreements)


def test_exceptions_are_still_needed() -> None:
    """An exception that no longer disagrees must be removed from the list."""
    for name in FEED_RS_EXCEPTIONS:
        path, golden = next((p, g) for p, g in _feed_rs_pairs() if p.name == name)
        ours = [_flat(raw.title) for raw in parse_file(path).items]
        assert ours != _expected_titles(golden), f"{name} agrees now; drop its exception"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.binary(max_size=2_000), content_type=st.sampled_from(
    [None, "application/rss+xml", "text/html", "application/json", "text/xml; charset=utf-8"]
))
def test_parse_feed_never_raises_on_arbitrary_bytes(body: bytes, content_type: str | None) -> None:
    parsed = parse_feed(body, source_id="fuzz", base_url=BASE_URL, content_type=content_type)
    assert isinstance(parsed, ParsedFeed)
    if parsed.error is not None:
        assert parsed.items == ()  # a failure never also claims items
    for raw in parsed.items:
        assert raw.published is None or raw.published.tzinfo is not None


@settings(max_examples=200, deadline=None)
@given(prefix=st.sampled_from([b"<rss version='2.0'><channel><item><title>", b'{"items": [']),
       tail=st.binary(max_size=300))
def test_parse_feed_never_raises_on_damaged_feeds(prefix: bytes, tail: bytes) -> None:
    # Pure random bytes rarely look like a feed; these reach the entry-reading code paths.
    parsed = parse_feed(prefix + tail, source_id="fuzz", base_url=BASE_URL)
    for raw in parsed.items:
        normalize(raw, SOURCE)
