"""Where test data lives: the repo's own fixtures, and ../shared/fixtures beside the checkout
(CI clones the repo elsewhere with a copy of shared/ beside it, so never an absolute path)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "fixtures"
GOV = SHARED / "gov"
FEEDS = SHARED / "feeds"
OWN = ROOT / "tests" / "fixtures"


def ero_feed(*wanted: str) -> bytes:
    """The real ICE enforcement feed items (DERIVED capture), keeping those that mention a
    wanted word: a feed that grows as the tests say."""
    full = (GOV / "DERIVED_ice_enforcement_reconstructed.rss.xml").read_bytes()
    head, _, rest = full.partition(b"<item>")
    items = [b"<item>" + chunk for chunk in rest.split(b"<item>")]
    items[-1] = items[-1].split(b"</channel>")[0]
    keep = [i for i in items if any(w.encode() in i for w in wanted)]
    return head + b"".join(keep) + b"</channel></rss>"
