"""A tiny aiohttp app: `/healthz` answers whether the store is reachable and which sources are
healthy (200 when the store answers, 503 when it does not; unhealthy sources are listed).

It is handed a `check()` coroutine by the composition root; it must not import bot.store or
bot.ingest itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

HealthCheck = Callable[[], Awaitable[dict[str, Any]]]


def make_app(check: HealthCheck) -> web.Application:
    async def healthz(_: web.Request) -> web.Response:
        try:
            report = await check()
        except Exception as exc:  # the probe must answer even when the store is gone
            report = {"store": "unreachable", "error": f"{type(exc).__name__}: {exc}"}
        status = 200 if report.get("store") == "ok" else 503
        return web.json_response(report, status=status)

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    return app


async def start(check: HealthCheck, listen: str) -> web.AppRunner:
    """Serve on `host:port`; the caller keeps the runner and calls `cleanup()` to stop."""
    host, _, port = listen.rpartition(":")
    runner = web.AppRunner(make_app(check), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host.strip("[]") or "127.0.0.1", int(port)).start()
    return runner
