"""A tiny aiohttp app: `/metrics` (Prometheus text) and `/healthz`: 200 with
`{"status": "ok", ...}`, or 503 with `{"status": "degraded", "problems": [...], ...}` when the
store does not answer, every source is failing, or a channel was rejected or is unreachable
(bot.telemetry.assess decides; the body says what, per part, and never a secret).

It is handed a `check()` coroutine by the composition root; it must not import bot.store or
bot.ingest itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.web import metrics

HealthCheck = Callable[[], Awaitable[dict[str, Any]]]
MetricsSource = Callable[[], Awaitable[metrics.Snapshot]]


def make_app(check: HealthCheck, snapshot: MetricsSource | None = None) -> web.Application:
    async def healthz(_: web.Request) -> web.Response:
        try:
            report = await check()
        except Exception as exc:  # the probe must answer even when the store is gone
            report = {"status": "degraded", "store": "unreachable",
                      "problems": [f"health check failed: {type(exc).__name__}: {exc}"]}
        status = 200 if report.get("status") == "ok" else 503
        return web.json_response(report, status=status)

    async def scrape(_: web.Request) -> web.Response:
        snap = await snapshot() if snapshot else metrics.Snapshot()
        return web.Response(body=metrics.render(snap),
                            headers={"Content-Type": metrics.CONTENT_TYPE})

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", scrape)
    return app


async def start(check: HealthCheck, listen: str,
                snapshot: MetricsSource | None = None) -> web.AppRunner:
    """Serve on `host:port`; the caller keeps the runner and calls `cleanup()` to stop."""
    host, _, port = listen.rpartition(":")
    runner = web.AppRunner(make_app(check, snapshot), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host.strip("[]") or "127.0.0.1", int(port)).start()
    return runner
