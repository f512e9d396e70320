"""Where test data lives: tests/fixtures, inside the checkout (a clone with nothing beside it
runs the whole suite; tests/test_self_contained.py holds every path here to that)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OWN = ROOT / "tests" / "fixtures"
GOV = OWN / "gov"
FEEDS = OWN / "feeds"


def ero_feed(*wanted: str) -> bytes:
    """The real ICE enforcement feed items (DERIVED capture), keeping those that mention a
    wanted word: a feed that grows as the tests say."""
    full = (GOV / "DERIVED_ice_enforcement_reconstructed.rss.xml").read_bytes()
    head, _, rest = full.partition(b"<item>")
    items = [b"<item>" + chunk for chunk in rest.split(b"<item>")]
    items[-1] = items[-1].split(b"</channel>")[0]
    keep = [i for i in items if any(w.encode() in i for w in wanted)]
    return head + b"".join(keep) + b"</channel></rss>"
