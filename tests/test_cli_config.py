"""Bad configuration through the real `alertbot` command: exit 2, one line naming the file or
the key, the value and what is allowed — never a traceback — for `check-config` and `run`
alike; and the sections nothing uses yet said once at start-up."""

from __future__ import annotations

import asyncio
import ctypes
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.httpserver import unused_port

ROOT = Path(__file__).resolve().parents[1]
PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 24, 1, 2
SECRET = "987654:discord-secret-never-printed"

# Each case: (id, the config's sections as raw TOML values, environment, expected in the line).
# Every config also switches the built-in sources off: nothing here may reach the network.
CASES = [
    ("timeout-string", {"polling": {"timeout": '"20"'}}, {},
     "polling.timeout = '20': expected a number above 0 and at most 300, not a string "
     "(write timeout = 20)"),
    ("bool-string", {"polling": {"builtin_sources": '"no"'}}, {},
     "polling.builtin_sources = 'no': expected true or false, not a string "
     "(write builtin_sources = false)"),
    ("timeout-inf", {"polling": {"timeout": "inf"}}, {},
     "polling.timeout = inf: expected a number above 0 and at most 300"),
    ("ceiling-inf", {"polling": {"ceiling": "inf"}}, {},
     "polling.ceiling = inf: expected a number above 0 and at most 604_800"),
    ("ceiling-1e12", {"polling": {"ceiling": "1e12"}}, {},
     "polling.ceiling = 1000000000000.0: expected a number above 0 and at most 604_800"),
    ("sqlite-no-path", {"storage": {"url": '"sqlite:///"'}}, {},
     "storage.url = 'sqlite:///': no database file named: all state would be lost at exit; "
     "write sqlite:///alertbot.db"),
    ("sqlite-memory-env", {}, {"ALERTBOT_STORAGE_URL": "sqlite://:memory:"},
     "storage.url = 'sqlite://:memory:': an in-memory database loses all state at exit"),
    ("host-with-space", {"sources": {"url": '"https://www.ice .gov/feed"'}}, {},
     "sources.0.url = 'https://www.ice .gov/feed': the host 'www.ice .gov' has a space in it"),
    ("unclosed-ipv6", {"sources": {"url": '"http://[::1/feed"'}}, {},
     "sources.0.url = 'http://[::1/feed': the IPv6 host is not valid"),
    ("port-99999", {"sources": {"url": '"https://www.ice.gov:99999/feed"'}}, {},
     "sources.0.url = 'https://www.ice.gov:99999/feed': the port must be a number from 1 "
     "to 65535"),
    ("listen-port", {"web": {"listen": '"127.0.0.1:99999"'}}, {},
     "web.listen = '127.0.0.1:99999': port 99999 is out of range: use 1 to 65535"),
    ("telegram-base-url", {"telegram": {"base_url": '"api.telegram.org/bot"'}}, {},
     "telegram.base_url = 'api.telegram.org/bot': the address must start with http://"),
    ("user-agent-accent", {"polling": {"user_agent": '"alertbot café"'}}, {},
     "polling.user_agent = 'alertbot café': it is sent as an HTTP header"),
    ("token-line-break", {}, {"TELEGRAM_BOT_TOKEN": "123456:abc\n"},
     "telegram.token = <redacted>: it contains a space, a line break"),
    ("interval-below-floor", {"sources": {"interval": "5"}}, {},
     "sources.0.interval = 5 is outside [polling] floor..ceiling (60..3600)"),
]


def toml(sections: dict[str, dict[str, str]], tmp: Path) -> str:
    polling = {"builtin_sources": "false", **sections.get("polling", {})}
    out = [f'[storage]\nurl = "sqlite:///{tmp}/alertbot.db"\n'] if "storage" not in sections \
        else []
    for name, values in {**sections, "polling": polling}.items():
        if name == "sources":
            values = {"id": '"x"', "agency": '"x"', "url": '"https://x.gov/feed"', **values}
        out.append(f"[[{name}]]\n" if name == "sources" else f"[{name}]\n")
        out.extend(f"{k} = {v}\n" for k, v in values.items())
    return "".join(out)


def env(**extra: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith("ALERTBOT_") and not k.endswith("_BOT_TOKEN")}
    return {**clean, "PYTHONPATH": str(ROOT), **extra}


async def alertbot(*args: str, cwd: Path, environ: dict[str, str],
                   preexec: Callable[[], None] | None = None) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=cwd, env=environ, preexec_fn=preexec,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await asyncio.wait_for(proc.communicate(), 60)
    finally:
        if proc.returncode is None:  # a config wrongly accepted: `run` would not stop
            proc.kill()
            await proc.wait()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def refused_in_one_line(config: Path, cwd: Path, environ: dict[str, str],
                              preexec: Callable[[], None] | None = None) -> list[str]:
    """Run `check-config` and `run` on the config; both must refuse it the same way."""
    said = []
    for code, out, err in await asyncio.gather(*(
            alertbot("--config", str(config), command, cwd=cwd, environ=environ,
                     preexec=preexec)
            for command in ("check-config", "run"))):
        assert "Traceback" not in out + err, err
        assert code == 2 and out == "", (code, out, err)
        assert len(err.splitlines()) == 1 and err.startswith("alertbot: "), err
        said.append(err.strip())
    assert said[0] == said[1]
    return said


@pytest.mark.parametrize(("sections", "extra_env", "expected"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
async def test_bad_values_are_one_line_and_exit_2(
    tmp_path: Path, sections: dict[str, dict[str, str]], extra_env: dict[str, str],
    expected: str,
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(toml(sections, tmp_path), encoding="utf-8")
    said = await refused_in_one_line(config, tmp_path, env(**extra_env))
    assert said[0].startswith(f"alertbot: invalid configuration: {config}: {expected}")
    assert "secret" not in said[0] and "abc" not in said[0]


@pytest.mark.parametrize(("content", "expected"), [
    (None, "is a directory: name the file itself, e.g. --config "),
    (b'[polling]\nuser_agent = "caf\xe9"\n', "is not UTF-8 text: byte 0xe9 at line 2"),
    (b"[polling]\nfloor = \n", "not valid TOML: Invalid value (at line 2, column 9); "
                               "config.example.toml shows the syntax of every key"),
], ids=["directory", "not-utf8", "toml-syntax"])
async def test_a_config_file_that_cannot_be_read_is_one_line(
    tmp_path: Path, content: bytes | None, expected: str,
) -> None:
    config = tmp_path / "config.toml"
    if content is None:
        config.mkdir()
    else:
        config.write_bytes(content)
    [said, _] = await refused_in_one_line(config, tmp_path, env())
    assert str(config) in said and expected in said


def without_root_file_access() -> None:
    """In the child, before exec: drop the two capabilities that let root read any file, so
    the file's mode bits apply to it as to any user. (Running it as nobody is not enough:
    the interpreter may live where nobody may not go, such as /root/.pyenv.)"""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) refused")


async def test_an_unreadable_config_file_is_one_line(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[polling]\nbuiltin_sources = false\n")
    config.chmod(0o000)
    # CI runs the tests as root, whom chmod 000 does not stop: take that power away.
    preexec = without_root_file_access if os.geteuid() == 0 else None
    [said, _] = await refused_in_one_line(config, tmp_path, env(), preexec=preexec)
    assert said == (f"alertbot: config file {config} cannot be read: permission denied; make "
                    "it readable by the user alertbot runs as (chmod or chown)")


def unused(tmp_path: Path, **sections: dict[str, str]) -> tuple[Path, dict[str, str]]:
    config = tmp_path / "config.toml"
    config.write_text(toml({"email": {"smtp_host": '"mail.example.org"'}, **sections},
                           tmp_path))
    return config, env(DISCORD_BOT_TOKEN=SECRET)


def warnings_in(err: str) -> list[str]:
    return [line for line in err.splitlines() if "config_not_used" in line]


async def test_poll_once_says_once_that_discord_and_email_are_not_used_yet(
    tmp_path: Path,
) -> None:
    config, environ = unused(tmp_path)
    code, _, err = await alertbot("--config", str(config), "poll", "--once", cwd=tmp_path,
                                  environ=environ)
    assert code == 0 and "Traceback" not in err and SECRET not in err
    discord, email = warnings_in(err)
    assert "WARNING" in discord and "section=[discord]" in discord
    assert "accepted but not used yet: the Discord channel is not built, so nothing is sent " \
           "to Discord" in discord
    assert "section=[email]" in email and "the email channel is not built" in email


async def test_run_says_it_once_at_start_up(tmp_path: Path) -> None:
    port = unused_port()
    config, environ = unused(tmp_path, web={"listen": f'"127.0.0.1:{port}"'})
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "--config", str(config), "run", cwd=tmp_path,
        env=environ, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        await answered(f"http://127.0.0.1:{port}/healthz")  # the worker is up
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0
    said = err.decode()
    assert [w.split("section=")[1].split()[0] for w in warnings_in(said)] == \
        ["[discord]", "[email]"]
    assert SECRET not in said and "Traceback" not in said


async def answered(url: str) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(300):
            try:
                await client.get(url)
                return
            except httpx.TransportError:
                await asyncio.sleep(0.1)
    raise AssertionError(f"{url} never answered")
