"""A delivering worker's liveness: while it runs, its heartbeat and the leases of the claims it
holds are kept fresh; when it stops, what it still holds goes back to the outbox.

Another worker takes a claim over when its worker's heartbeat is older than the staleness limit
(a worker killed, its host gone: within seconds) or when its lease ends (the backstop for a
worker that still beats but is stuck). So a live worker beats every `beat` seconds, and renews
the leases of what it holds every third of a lease: a destination that takes long (a group's
20 a minute, a digest in many parts) is slow, not dead, and taking its alerts over would send
them twice. A worker that stops cleanly hands back what it still holds (a send cancelled at
shutdown) and removes its heartbeat, so a planned restart waits for nothing.

Must not import bot.ingest or bot.channels.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from types import TracebackType

from bot.logs import event
from bot.store import Store

log = logging.getLogger("alertbot.dispatch")


class Liveness:
    """`async with Liveness(...)`: beats and renewals run inside, the worker retires on exit."""

    def __init__(self, store: Store, worker: str, clock: Callable[[], datetime], *,
                 lease: float, beat: float, holding: Collection[int]) -> None:
        self._store = store
        self._worker = worker
        self._clock = clock
        self._lease = lease
        self._beat = beat
        self._holding = holding  # the ids the worker holds, kept up to date by it
        self._tasks: list[asyncio.Task[None]] = []

    async def __aenter__(self) -> Liveness:
        self._tasks = [asyncio.create_task(self._beating()),
                       asyncio.create_task(self._renewing())]
        return self

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        try:
            released = await self._store.retire(self._worker)
        except Exception as error:  # then its heartbeat goes stale and others take over
            event(log, "retire_failed", logging.WARNING,
                  error=f"{type(error).__name__}: {error}")
            return
        event(log, "worker_stopped", worker=self._worker, released=released)

    async def _beating(self) -> None:
        while True:  # until __aexit__ cancels it
            try:
                await self._store.beat(self._worker, self._clock())
            except Exception as exc:  # next time, then; a claim beats too
                event(log, "heartbeat_failed", logging.WARNING,
                      error=f"{type(exc).__name__}: {exc}")
            await asyncio.sleep(self._beat)

    async def _renewing(self) -> None:
        while True:
            await asyncio.sleep(self._lease / 3)
            if self._holding:
                until = self._clock() + timedelta(seconds=self._lease)
                try:
                    await self._store.renew_claims(list(self._holding), self._worker, until)
                except Exception as exc:  # next time, then; the lease itself is the fallback
                    event(log, "renew_failed", logging.WARNING,
                          error=f"{type(exc).__name__}: {exc}")
