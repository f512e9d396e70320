"""`alertbot demo` leaves something to explore: its database is kept, and the commands it prints
at the end work as printed. A rerun starts afresh, and never empties a database of alertbot's
own."""

from __future__ import annotations

import shlex
from pathlib import Path

from tests.test_cli import alertbot


def next_commands(out: str) -> list[list[str]]:
    """The commands the demo tells the user to try next, as argument lists."""
    tail = out.split("═══ What next")[1].splitlines()[1:]
    return [shlex.split(line)[1:] for line in tail if line.strip().startswith("alertbot ")]


async def test_demo_keeps_its_database_and_the_commands_it_prints_explore_it(
    tmp_path: Path,
) -> None:
    code, out, err = await alertbot("demo", cwd=tmp_path, timeout=120)
    assert code == 0, err
    assert (tmp_path / "alertbot-demo.db").exists() and not (tmp_path / "alertbot.db").exists()
    commands = next_commands(out)
    assert [c[:3] for c in commands] == [["--db", "alertbot-demo.db", "stories"],
                                         ["--db", "alertbot-demo.db", "story"],
                                         ["--db", "alertbot-demo.db", "match"]]
    (_, listed, _), (_, story, _), (_, matched, _) = [
        await _ok(*c, cwd=tmp_path) for c in commands]
    assert "SANCTUARY CALAMITY" in listed and commands[1][3] in listed
    assert "33,179" in story and "Timeline:" in story and "DHS" in story
    assert "SANCTUARY CALAMITY" in matched and "because:" in matched


async def test_a_rerun_starts_afresh(tmp_path: Path) -> None:
    await _ok("demo", "--db", "explore.db", cwd=tmp_path)
    _, first, _ = await _ok("--db", "explore.db", "stories", cwd=tmp_path)
    _, out, _ = await _ok("demo", "--db", "explore.db", cwd=tmp_path)
    assert "started empty" in out.splitlines()[0]
    step1 = out.split("Step 1")[1].split("Step 2")[0]
    assert "recorded silently 4" in step1  # a first poll again, not "seen"
    _, again, _ = await _ok("--db", "explore.db", "stories", cwd=tmp_path)
    assert [line.split()[0] for line in again.splitlines()] == [
        line.split()[0] for line in first.splitlines()]


async def test_demo_never_empties_a_database_it_did_not_make(tmp_path: Path) -> None:
    await _ok("--db", "alertbot.db", "migrate", cwd=tmp_path)
    before = (tmp_path / "alertbot.db").read_bytes()
    code, out, err = await alertbot("demo", "--db", "alertbot.db", cwd=tmp_path)
    assert code == 2 and out == "" and "Traceback" not in err
    assert "alertbot.db exists and is not a demo database" in err and "--db PATH" in err
    assert (tmp_path / "alertbot.db").read_bytes() == before


async def _ok(*args: str, cwd: Path) -> tuple[int, str, str]:
    code, out, err = await alertbot(*args, cwd=cwd, timeout=120)
    assert code == 0, f"alertbot {' '.join(args)}: {err}"
    return code, out, err
