"""The polling loop: refresh each source when it is due, a bounded number at a time.

Due times live in the store (`SourceState.next_check`), so a restart resumes the schedule
instead of hammering every source at once. One source's failure (even an unexpected exception
or a store hiccup) is logged and retried later; it never stops the loop or the other sources.
`run(stop)` returns once `stop` is set and the refreshes in flight have finished (or the grace
period ran out). Reports go to `on_report`, which the composition root wires to the channels.

Must not import bot.channels or bot.delivery.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime, timedelta

from bot.ingest.refresh import Refresher
from bot.logs import event
from bot.models import RefreshReport, Source

log = logging.getLogger("alertbot.scheduler")
OnReport = Callable[[Source, RefreshReport], Awaitable[None]]
RETRY_AFTER_CRASH = 60.0  # seconds before retrying a source whose refresh raised
MAX_SLEEP = 30.0  # wake up at least this often, e.g. to notice a stop quickly


class Scheduler:
    def __init__(
        self, sources: Sequence[Source], refresher: Refresher, *, concurrency: int,
        clock: Callable[[], datetime], on_report: OnReport,
    ) -> None:
        self._sources = {s.id: s for s in sources}
        self._refresher = refresher
        self._limit = asyncio.Semaphore(concurrency)
        self._clock = clock
        self._on_report = on_report
        self._due: dict[str, datetime] = {}
        self._running: dict[str, asyncio.Task[None]] = {}

    async def poll_once(self, source_ids: Iterable[str] | None = None) -> list[RefreshReport]:
        """Refresh the given sources (default: all) now, whatever their schedule."""
        ids = list(source_ids) if source_ids is not None else list(self._sources)
        unknown = [i for i in ids if i not in self._sources]
        if unknown:
            raise KeyError(f"unknown source id(s): {', '.join(unknown)}; "
                           f"known: {', '.join(sorted(self._sources))}")
        results = await asyncio.gather(*(self._refresh(self._sources[i]) for i in ids))
        return [r for r in results if r is not None]

    async def run(self, stop: asyncio.Event, grace: float = 30.0) -> None:
        await self._load_due()
        while not stop.is_set():
            now = self._clock()
            for sid, due in list(self._due.items()):
                if due <= now and sid not in self._running:
                    self._running[sid] = asyncio.create_task(self._run_one(sid))
            await self._sleep(stop, self._seconds_until_next(now))
        await self._drain(grace)

    async def _load_due(self) -> None:
        states = await self._refresher.store.source_states()
        now = self._clock()
        for sid in self._sources:
            state = states.get(sid)
            self._due[sid] = state.next_check if state and state.next_check else now

    async def _run_one(self, sid: str) -> None:
        try:
            report = await self._refresh(self._sources[sid])
            self._due[sid] = (
                report.state.next_check if report and report.state.next_check
                else self._clock() + timedelta(seconds=RETRY_AFTER_CRASH)
            )
        finally:
            self._running.pop(sid, None)

    async def _refresh(self, source: Source) -> RefreshReport | None:
        async with self._limit:
            try:
                report = await self._refresher.refresh(source)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # one source's bug must not stop the others
                event(log, "refresh_crashed", logging.ERROR, source=source.id,
                      error=f"{type(exc).__name__}: {exc}")
                log.debug("traceback", exc_info=True)
                return None
        try:
            await self._on_report(source, report)
        except Exception as exc:
            event(log, "report_failed", logging.ERROR, source=source.id,
                  error=f"{type(exc).__name__}: {exc}")
        return report

    def _seconds_until_next(self, now: datetime) -> float:
        waiting = [d for sid, d in self._due.items() if sid not in self._running]
        if not waiting:
            return MAX_SLEEP
        return max(0.05, min(MAX_SLEEP, (min(waiting) - now).total_seconds()))

    async def _sleep(self, stop: asyncio.Event, seconds: float) -> None:
        """Sleep until the next due time, a refresh finishing, or stop."""
        waiters = [asyncio.ensure_future(stop.wait()), *self._running.values()]
        try:
            await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiters[0].cancel()

    async def _drain(self, grace: float) -> None:
        tasks = list(self._running.values())
        if not tasks:
            return
        _, pending = await asyncio.wait(tasks, timeout=grace)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
