"""The checkout is self-contained: no code, test, bench or build file reads outside it.

A clone with nothing beside it must run `make test` (.ci/run proves it for real by cloning into
an empty temporary folder); this test catches the slip before CI does.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests import paths

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("bot", "subscriptions", "tests", "bench", ".ci", "Makefile", "pyproject.toml")
# Ways a path escapes the checkout: a sibling folder, an absolute path of this machine, or a
# climb above the repository root.
OUTSIDE = re.compile(
    r"\.\.[/\\]shared"
    r"|/\s*[\"']shared[\"']"
    r"|/work/"
    r"|parents\[\d+\]\.parent"
    r"|\bROOT\.parent\b"
)


def scanned_files() -> list[Path]:
    out = []
    for name in SCANNED:
        top = ROOT / name
        files = [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file())
        out += [p for p in files if "__pycache__" not in p.parts and p.suffix != ".pyc"]
    # This file names the patterns it looks for.
    return [p for p in out if p != Path(__file__).resolve()]


def test_nothing_refers_to_a_path_outside_the_checkout() -> None:
    found = []
    for path in scanned_files():
        text = path.read_bytes().decode("utf-8", errors="replace")
        for m in OUTSIDE.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            found.append(f"{path.relative_to(ROOT)}:{line}: {m.group(0)!r}")
    assert not found, "reads outside the checkout:\n" + "\n".join(found)


def test_the_scan_sees_each_way_out(tmp_path: Path) -> None:
    """The pattern must catch every escape it claims to, or the test above proves nothing."""
    for bad in ('ROOT.parent / "shared" / "fixtures"', "../shared/fixtures/gov/x.json",
                'Path(__file__).resolve().parents[2].parent / "x"', "/work/shared/fixtures"):
        assert OUTSIDE.search(bad), bad
    assert not OUTSIDE.search('ROOT / "tests" / "fixtures" / "feeds"')


@pytest.mark.parametrize("name", [n for n, v in vars(paths).items() if isinstance(v, Path)])
def test_every_fixture_path_is_inside_the_repository(name: str) -> None:
    where = getattr(paths, name).resolve()
    assert where.is_relative_to(ROOT), f"tests.paths.{name} = {where} is outside {ROOT}"
    assert where.exists(), f"tests.paths.{name} = {where} does not exist"
