"""`alertbot`'s global flags, --help and --version, as an operator types them; and the read-only
commands on a machine with no database yet (they say so and create nothing)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from bot.cli import _parser
from tests.httpserver import LocalServer
from tests.ingest.test_refresh import RSS, A, rss
from tests.test_cli import _env, alertbot, config

# What a command needs besides flags; a command missing here fails the flag test loudly.
REQUIRED = {"poll": ["--once"], "match": ["detainer"], "story": ["s-1"]}
READ_ONLY = ("stories", "story", "match", "sources")


def _commands() -> dict[str, str]:
    """Command name -> its one-line help, read from the parser itself."""
    sub = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    return {a.dest: a.help or "" for a in sub._choices_actions}


async def test_help_lists_every_command_and_the_global_flags(tmp_path: Path) -> None:
    code, out, _ = await alertbot("--help", cwd=tmp_path)
    assert code == 0
    lines = out.splitlines()
    for name, text in _commands().items():
        assert text, f"{name} has no one-line help"
        assert any(line.split()[:1] == [name] and text.split()[0] in line for line in lines), (
            f"{name} is not listed with its help in:\n{out}")
    for flag in ("--config PATH", "--db PATH", "--log-format", "--log-level", "--version"):
        assert flag in out
    assert "before or after" in out


async def test_version_names_the_installed_version(tmp_path: Path) -> None:
    code, out, _ = await alertbot("--version", cwd=tmp_path)
    assert code == 0 and out.strip() == f"alertbot {metadata.version('alertbot')}"


@pytest.mark.parametrize("command", sorted(_commands()))
def test_global_flags_go_before_or_after_every_command(command: str) -> None:
    flags = ["--config", "c.toml", "--db", "d.db", "--log-format", "json", "--log-level", "DEBUG"]
    rest = REQUIRED.get(command, [])
    before = vars(_parser().parse_args([*flags, command, *rest]))
    after = vars(_parser().parse_args([command, *rest, *flags]))
    assert before == after
    assert before["config"] == "c.toml" and before["db"] == "d.db"
    assert before["log_format"] == "json" and before["log_level"] == "DEBUG"


async def test_flags_after_the_command_are_obeyed_and_flags_before_are_kept(
    local_server: LocalServer, tmp_path: Path
) -> None:
    local_server.serve_bytes("/ice", rss(A), RSS)
    local_server.respond("/down", 503)
    cfg = str(config(tmp_path, local_server))
    code, out, err = await alertbot("poll", "--once", "--config", cfg, "--log-format", "json",
                                    "--db", str(tmp_path / "other.db"), cwd=tmp_path)
    assert code == 1, err  # the config's "down" source answers 503: one source failed
    assert "ice-test: ok" in out  # the sources of the config given after the command
    assert any(json.loads(line)["event"] == "refresh" for line in err.splitlines()
               if line.startswith("{"))
    assert (tmp_path / "other.db").exists() and not (tmp_path / "alertbot.db").exists()
    # Given before the command, a flag is not reset by the command's own copy of it.
    code, out, _ = await alertbot("--config", cfg, "--db", "kept.db", "check-config",
                                  cwd=tmp_path)
    assert code == 0 and json.loads(out)["storage"]["url"] == "sqlite:///kept.db"


@pytest.mark.parametrize("command", READ_ONLY)
async def test_read_only_command_without_a_database_says_so_and_creates_none(
    command: str, tmp_path: Path
) -> None:
    code, out, err = await alertbot(command, *REQUIRED.get(command, []), cwd=tmp_path)
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert f"no database at {tmp_path / 'alertbot.db'} (the default [storage] url" in err
    assert "no config file" in err
    assert "`alertbot poll --once` or `alertbot run` creates it" in err
    assert "`alertbot demo`" in err
    assert list(tmp_path.iterdir()) == []


async def test_no_database_message_says_where_the_path_came_from(tmp_path: Path) -> None:
    code, _, err = await alertbot("stories", "--db", "elsewhere/x.db", cwd=tmp_path)
    assert code == 2 and f"no database at {tmp_path / 'elsewhere' / 'x.db'} (--db)" in err
    (tmp_path / "config.toml").write_text('[storage]\nurl = "sqlite:///state/a.db"\n')
    code, _, err = await alertbot("sources", cwd=tmp_path)
    assert code == 2
    assert f"no database at {tmp_path / 'state' / 'a.db'} ([storage] url in config.toml)" in err
    (tmp_path / "config.toml").write_text('[log]\nlevel = "INFO"\n')
    code, _, err = await alertbot("match", "detainer", cwd=tmp_path)
    assert code == 2 and "(the default [storage] url" in err and "not set in config.toml" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]



def test_a_reader_that_leaves_early_gets_no_traceback(tmp_path: Path) -> None:
    """`alertbot check-config | head -0`: the pipe's reader is gone before the first byte."""
    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run([sys.executable, "-m", "bot", "check-config"], cwd=tmp_path,
                              env=_env(), stdout=write, stderr=subprocess.PIPE, timeout=60)
    finally:
        os.close(write)
    assert done.stderr == b"", done.stderr.decode()
    assert done.returncode == 141  # as a process killed by SIGPIPE, like `cat`
