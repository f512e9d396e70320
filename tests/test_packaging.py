"""What `pip install .` brings is what alertbot imports, with any supported pip; and the command
line starts without the heavy libraries.

Old pips (23.x, the one Python 3.11 ships) do not install a dependency's extras when the extra's
name is spelt differently (justext asks for `lxml[html_clean]`, lxml calls it `html-clean`): a
distribution reached only through an extra may be missing. So everything our code and the
libraries it imports load must be reachable from pyproject's `dependencies` without extras.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.test_boundaries import imports_of, modules

ROOT = Path(__file__).resolve().parents[1]
OURS = {"bot", "subscriptions"}


def declared() -> list[Requirement]:
    with (ROOT / "pyproject.toml").open("rb") as fh:
        return [Requirement(r) for r in tomllib.load(fh)["project"]["dependencies"]]


def without_extras(requirements: list[Requirement]) -> set[str]:
    """Every distribution the requirements bring in when no extra is honoured."""
    seen: set[str] = set()
    todo = list(requirements)
    while todo:
        req = todo.pop()
        name = canonicalize_name(req.name)
        if name in seen or (req.marker and not req.marker.evaluate({"extra": ""})):
            continue
        seen.add(name)
        todo += [Requirement(r) for r in metadata.requires(req.name) or []]
    return seen


def third_party_imports() -> dict[str, str]:
    """Top-level third-party module -> one of our modules that imports it (even lazily)."""
    found: dict[str, str] = {}
    for name, path in modules():
        for imported in imports_of(path, name):
            top = imported.split(".")[0]
            if top not in sys.stdlib_module_names and top not in OURS | {"__future__"}:
                found.setdefault(top, name)
    return found


def distributions_of(top: str) -> set[str]:
    return {canonicalize_name(d) for d in metadata.packages_distributions().get(top, [])}


def test_every_library_we_import_is_declared() -> None:
    names = {canonicalize_name(r.name) for r in declared()}
    missing = {top: who for top, who in third_party_imports().items()
               if not distributions_of(top) & names}
    assert not missing, f"imported but not in pyproject dependencies: {missing}"


def test_what_those_libraries_load_comes_without_extras() -> None:
    """Import each library in a fresh interpreter and see which distributions it loads."""
    tops = sorted(third_party_imports())
    script = ("import json, sys\nat_start = set(sys.modules)  # site's own .pth hooks\n"
              f"for m in {tops!r}: __import__(m)\n"
              "print(json.dumps(sorted({m.split('.')[0] for m in set(sys.modules) - at_start})))")
    loaded = json.loads(subprocess.run([sys.executable, "-c", script], check=True,
                                       capture_output=True, text=True).stdout)
    reachable = without_extras(declared())
    unreachable = {top: sorted(dists) for top in loaded
                   if (dists := distributions_of(top)) and not dists & reachable}
    assert not unreachable, (f"loaded, but reached only through an extra old pips skip "
                             f"(declare them in pyproject dependencies): {unreachable}")


def test_help_and_version_need_no_heavy_library() -> None:
    """trafilatura (lxml, justext...) is imported only to extract text from a page."""
    script = ("import sys\nsys.modules['trafilatura'] = None  # import trafilatura fails\n"
              "from bot.cli import main\n"
              "try:\n    main(sys.argv[1:])\nexcept SystemExit as exc:\n"
              "    assert 'bot.app' not in sys.modules, 'the composition root was loaded'\n"
              "    raise\n")
    for flag, expected in (("--help", "check-config"), ("--version", "alertbot ")):
        done = subprocess.run([sys.executable, "-c", script, flag], capture_output=True,
                              text=True, cwd=ROOT)
        assert done.returncode == 0, done.stderr
        assert expected in done.stdout
