"""The import boundaries of ARCHITECTURE.md, held by walking every module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# (package prefix, forbidden import prefixes)
RULES = [
    ("subscriptions", ("bot",)),
    ("bot.models", ("bot", "subscriptions")),
    ("bot.errors", ("bot", "subscriptions")),
    ("bot.ingest", ("bot.channels", "bot.delivery", "bot.app", "bot.cli")),
    ("bot.stories", ("bot.channels", "bot.delivery", "bot.app", "bot.cli")),
    # The channels use the read models, never what reads them from the store.
    ("bot.channels", ("bot.store", "bot.ingest", "bot.app", "bot.cli", "bot.reading.reader",
                      "bot.reading.health", "bot.reading.items")),
    ("bot.store", ("bot.ingest", "bot.channels", "bot.delivery", "bot.app", "bot.cli")),
    ("bot.web", ("bot.store", "bot.ingest", "bot.app", "bot.cli")),
    ("bot.reading", ("bot.channels", "bot.delivery", "bot.web", "bot.app", "bot.cli")),
    ("bot.reading.models", ("bot.store", "bot.ingest", "bot.stories", "bot.reading.reader",
                            "bot.reading.health", "bot.reading.items", "subscriptions")),
    ("bot.reading.health", ("bot.store",)),  # a pure decision: state, policy and now in
    ("bot.reading.items", ("bot.ingest",)),  # bot.delivery's too, which must not reach it
    ("bot.telemetry", ("bot.store", "bot.ingest", "bot.channels", "bot.delivery", "bot.web",
                       "bot.app", "bot.cli", "subscriptions")),
    ("bot.config", ("bot.models", "bot.ingest", "bot.stories", "bot.store", "bot.channels",
                    "bot.delivery", "bot.web", "bot.settings", "bot.app", "bot.cli")),
]
# Only the composition root (and the CLI/demo that call it) build concrete objects.
WIRING = ("bot.app", "bot.cli", "bot.demo", "bot.__main__")


def modules() -> list[tuple[str, Path]]:
    out = []
    for pkg in ("bot", "subscriptions"):
        for path in sorted((ROOT / pkg).rglob("*.py")):
            rel = path.relative_to(ROOT).with_suffix("")
            name = ".".join(p for p in rel.parts if p != "__init__")
            out.append((name, path))
    return out


def imports_of(path: Path, module: str) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the module's package
                base = module.split(".")[: -node.level or None]
                found.add(".".join([*base, node.module or ""]).rstrip("."))
            elif node.module:
                found.add(node.module)
                found.update(f"{node.module}.{a.name}" for a in node.names)
    return found


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


@pytest.mark.parametrize(("name", "path"), modules(), ids=[m for m, _ in modules()])
def test_module_respects_boundaries(name: str, path: Path) -> None:
    imported = imports_of(path, name)
    for prefix, forbidden in RULES:
        if not _within(name, prefix):
            continue
        bad = sorted(i for i in imported for f in forbidden if _within(i, f))
        assert not bad, f"{name} must not import {', '.join(bad)} ({prefix} boundary)"
    if not any(_within(name, w) for w in WIRING):
        assert not any(_within(i, "bot.app") for i in imported), f"{name} imports bot.app"


def test_walker_sees_forbidden_imports(tmp_path: Path) -> None:
    """The walker itself must catch a violation, or the test above proves nothing."""
    bad = tmp_path / "m.py"
    bad.write_text("from bot.channels import console\nimport bot.delivery.outbox\n")
    assert {"bot.channels", "bot.delivery.outbox"} <= imports_of(bad, "bot.ingest.m")


def test_no_side_effects_at_import() -> None:
    """Importing every module must not configure logging or open anything."""
    import importlib
    import logging

    handlers_before = list(logging.getLogger().handlers)
    for name, _ in modules():
        if name.endswith("__main__"):
            continue
        importlib.import_module(name)
    assert logging.getLogger().handlers == handlers_before
