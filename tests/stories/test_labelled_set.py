"""The labelled story set (tests/fixtures/stories/labelled.json) is well formed.

The benchmark's scores are only as good as its labels, so the set's own invariants are tested:
key facts are really in the item (a summary can keep them verbatim), the real ICE items are the
fixture's items unchanged, and every multi-item story has enough items to be worth scoring.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from email.utils import parsedate_to_datetime

import pytest

from tests.paths import GOV, OWN

ITEMS = json.loads((OWN / "stories" / "labelled.json").read_text(encoding="utf-8"))["items"]
REAL_FIXTURE = json.loads((GOV / "ice_feed_items_2025-12_to_2026-02.json").read_text())["items"]
MAIN_STORY = "ca-detainers-33179"
FIELDS = {"id", "story", "dup_group", "source_id", "agency", "jurisdiction", "published",
          "title", "text", "url", "key_facts", "origin", "note"}
JURISDICTION = {"ice": "federal", "dhs": "federal", "mirror": "federal",
                "governor": "California", "ag": "California"}


def ids(items: list[dict]) -> list[str]:
    return [e["id"] for e in items]


def test_fields_and_ids_unique() -> None:
    assert all(set(e) == FIELDS for e in ITEMS)
    assert len(set(ids(ITEMS))) == len(ITEMS)
    assert len({e["url"] for e in ITEMS}) == len(ITEMS)


@pytest.mark.parametrize("entry", ITEMS, ids=ids(ITEMS))
def test_entry_is_well_formed(entry: dict) -> None:
    published = datetime.fromisoformat(entry["published"])
    assert published.tzinfo is not None and published.utcoffset() is not None
    assert entry["agency"] in JURISDICTION
    assert entry["jurisdiction"] == JURISDICTION[entry["agency"]]
    assert entry["url"].startswith("https://")
    assert entry["origin"] in ("real", "written")
    assert entry["story"] and entry["title"] and entry["note"]


@pytest.mark.parametrize("entry", ITEMS, ids=ids(ITEMS))
def test_key_facts_occur_verbatim(entry: dict) -> None:
    facts = entry["key_facts"]
    assert 3 <= len(facts) <= 6
    haystack = entry["title"] + "\n" + entry["text"]
    assert [f for f in facts if f not in haystack] == []


def test_dup_groups_share_a_story() -> None:
    groups: dict[str, set[str]] = {}
    for e in ITEMS:
        if e["dup_group"] is not None:
            groups.setdefault(e["dup_group"], set()).add(e["story"])
    assert groups, "the set must hold at least one near-duplicate pair"
    assert all(len(stories) == 1 for stories in groups.values())
    sizes = Counter(e["dup_group"] for e in ITEMS if e["dup_group"])
    assert min(sizes.values()) >= 2  # a group of one is not a duplicate of anything


def test_multi_item_stories_have_at_least_three_items() -> None:
    sizes = Counter(e["story"] for e in ITEMS)
    assert sizes[MAIN_STORY] >= 5
    assert [s for s, n in sizes.items() if n == 2] == []
    assert sum(1 for n in sizes.values() if n >= 3) >= 2


def test_singleton_labels_are_the_item_id() -> None:
    sizes = Counter(e["story"] for e in ITEMS)
    assert all(e["story"] == e["id"] for e in ITEMS if sizes[e["story"]] == 1)


def test_real_items_are_the_fixture_verbatim() -> None:
    real = {e["url"]: e for e in ITEMS if e["origin"] == "real"}
    assert len(real) == len(REAL_FIXTURE) == 9
    for raw in REAL_FIXTURE:
        entry = real[raw["link"]]
        assert entry["title"] == raw["title"]
        assert entry["text"] == raw["description"]
        assert datetime.fromisoformat(entry["published"]) == parsedate_to_datetime(raw["pubDate"])
        want = "ice-breaking" if raw["project_feed_label"] == "breaking" else "ice-ero"
        assert (entry["agency"], entry["source_id"]) == ("ice", want)


def test_written_items_say_so_and_have_body_text() -> None:
    written = [e for e in ITEMS if e["origin"] == "written"]
    assert 12 <= len(written) <= 18
    for e in written:
        assert "not a real release" in e["note"], e["id"]
        assert 400 <= len(e["text"]) <= 2500, e["id"]


def test_set_is_in_published_order() -> None:
    times = [datetime.fromisoformat(e["published"]) for e in ITEMS]
    assert times == sorted(times)


def test_bench_reads_the_set_as_items() -> None:
    from bench.relevance import gold_duplicates, load_entries, to_item

    entries = load_entries()
    items = [to_item(e) for e in entries]
    assert all(i.published is not None and i.published.tzinfo for i in items)
    assert len({i.content_hash for i in items}) == len(items)
    assert gold_duplicates(entries) == {
        "mirror-2025-09-19-letters-follow-up": "dhs-2025-09-18-letters-follow-up",
        "mirror-2026-02-11-detainers-33179-follow-up": "dhs-2026-02-10-detainers-33179-follow-up",
    }
