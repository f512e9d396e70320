"""`alertbot run` as an operator runs it: a real process, its stderr read as it comes.

    worker = await Worker.start(cfg, tmp_path, token=fake_bot.token)
    await worker.wait_for("baseline=1")                # a line of its log, as it arrives
    code, err, seconds = await worker.stop()           # SIGTERM; what it said; how long it took

`worker_config` writes a config with one feed source (`/ice` on the local server), and
optionally Telegram's base_url and the web listen address.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

from tests.httpserver import LocalServer

ROOT = Path(__file__).resolve().parents[1]


def worker_config(tmp_path: Path, server: LocalServer, *, base_url: str | None = None,
                  listen: str | None = None, sources: tuple[str, ...] = ("ice",)) -> Path:
    path = tmp_path / "config.toml"
    telegram = f'[telegram]\nbase_url = "{base_url}"\n' if base_url else ""
    web = f'[web]\nlisten = "{listen}"\n' if listen else ""
    feeds = "".join(f'[[sources]]\nid = "{s}"\nurl = "{server.url("/" + s)}"\nagency = "ice"\n'
                    for s in sources)
    path.write_text(f"""
[storage]
url = "sqlite:///{tmp_path}/alertbot.db"
[polling]
builtin_sources = false
floor = 0.2
default_interval = 0.2
jitter = 0
unhealthy_after = 2
timeout = 2
{telegram}{web}{feeds}""")
    return path


def worker_env(token: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("ALERTBOT_") and k != "TELEGRAM_BOT_TOKEN"}
    env.update(PYTHONPATH=str(ROOT), PTB_TIMEDELTA="true")
    if token is not None:
        env["TELEGRAM_BOT_TOKEN"] = token
    return env


class Worker:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.lines: list[str] = []
        self._more = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def start(cls, cfg: Path, cwd: Path, *, token: str | None) -> Worker:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "--config", str(cfg), "run", cwd=cwd,
            env=worker_env(token), stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE)
        return cls(proc)

    async def _read(self) -> None:
        assert self.proc.stderr is not None
        async for raw in self.proc.stderr:
            self.lines.append(raw.decode().rstrip("\n"))
            self._more.set()
        self._more.set()

    @property
    def stderr(self) -> str:
        return "\n".join(self.lines)

    async def wait_for(self, text: str, timeout: float = 20) -> str:
        """The first line of its stderr that contains `text`, waiting for it to be written."""
        async def seen() -> str:
            while True:
                found = [line for line in self.lines if text in line]
                if found:
                    return found[0]
                if self._reader.done():
                    raise AssertionError(f"the worker ended without saying {text!r}:\n"
                                         f"{self.stderr}")
                self._more.clear()
                await self._more.wait()
        return await asyncio.wait_for(seen(), timeout)

    async def stop(self, timeout: float = 60) -> tuple[int, str, float]:
        """SIGTERM; its exit code, all it wrote to stderr, and the seconds it took to exit."""
        began = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(self.proc.wait(), timeout)
        seconds = time.monotonic() - began
        await self._reader
        return code, self.stderr, seconds

    async def kill(self) -> None:
        if self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()
        await self._reader
