"""Where test data lives: the repo's own fixtures, and ../shared/fixtures beside the checkout
(CI clones the repo elsewhere with a copy of shared/ beside it, so never an absolute path)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "fixtures"
GOV = SHARED / "gov"
FEEDS = SHARED / "feeds"
OWN = ROOT / "tests" / "fixtures"
