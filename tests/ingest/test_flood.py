"""The flood limit, pure: which refreshes are too big to announce one by one."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.ingest.flood import FloodPolicy, flood_of
from bot.models import Change, ChangeKind, Flood
from bot.settings import load_settings
from tests.ingest.test_dedup import item

NEW, REVISED, SEEN, BASELINE = (ChangeKind.NEW, ChangeKind.REVISED, ChangeKind.SEEN,
                                ChangeKind.BASELINE)


def changes(**counts: int) -> list[Change]:
    kinds = {"new": NEW, "revised": REVISED, "seen": SEEN, "baseline": BASELINE}
    return [Change(kinds[k], item(f"{k}{n}")) for k, c in counts.items() for n in range(c)]


@pytest.mark.parametrize(
    ("counts", "flood"),
    [
        ({"new": 3, "revised": 2}, None),  # a busy refresh
        ({"new": 10}, None),  # at the limit: announced
        ({"new": 6, "revised": 5}, Flood(changed=11, limit=10)),  # NEW and REVISED count
        ({"revised": 44_000}, Flood(changed=44_000, limit=10)),  # a feed rewritten whole
        # What nobody is told of is no flood: a first poll's backlog, unchanged items.
        ({"baseline": 500, "seen": 500, "new": 1}, None),
    ],
)
def test_more_announced_changes_than_the_limit_are_a_flood(
    counts: dict[str, int], flood: Flood | None
) -> None:
    assert flood_of(changes(**counts), FloodPolicy(limit=10)) == flood


def test_the_policy_says_whether_subscribers_get_a_notice() -> None:
    flood = flood_of(changes(new=30), FloodPolicy(limit=25, notice=True))
    assert flood == Flood(changed=30, limit=25, notice=True)


@pytest.mark.parametrize(("line", "key"), [("max_alerting_changes = 0", "max_alerting_changes"),
                                            ('on_flood = "loud"', "on_flood")])
def test_the_flood_settings_are_bounded(tmp_path: Path, line: str, key: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f"[polling]\n{line}\n")
    with pytest.raises(ConfigError, match=f"polling.{key}"):
        load_settings(path, {})
