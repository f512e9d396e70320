"""The polling loop: refresh each source when it is due, a bounded number at a time.

Due times live in the store (`SourceState.next_check`), so a restart resumes the schedule
instead of hammering every source at once. One source's failure (even an unexpected exception
or a store hiccup) is logged and retried later; it never stops the loop or the other sources.
`poll_once` is one pass with one result per source: refreshed, skipped (it waits: not due, a
Retry-After, a backoff, or disabled by a 410 Gone; `force` polls it anyway) or crashed.
`run(stop)` returns once `stop` is set and the refreshes in flight have finished (or the grace
period ran out). Reports go to `on_report`, which the composition root wires to the channels.

With an `AgencyActivity` (the adaptive schedule), the loop loads each agency's newest stored
release at start and teaches it every report. When a NEW item sets agencies developing (its
own, the other agencies in the story it joined, the agencies that story names, and once the
story has developed the newsrooms covering its places), their other sources are re-planned
at once — due no later than their last attempt plus the developing
pace (`schedule.brought_forward`) — instead of waiting out a quiet interval. Only sources
refreshed since start are brought forward: their server's "not before" is known.

Must not import bot.channels or bot.delivery.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime, timedelta

from bot.errors import AlertbotError, StoreError
from bot.ingest import schedule, waiting
from bot.ingest.activity import AgencyActivity
from bot.ingest.refresh import Refresher
from bot.logs import event
from bot.models import PollResult, RefreshReport, Source

log = logging.getLogger("alertbot.scheduler")
OnReport = Callable[[Source, RefreshReport], Awaitable[None]]
RETRY_AFTER_CRASH = 60.0  # seconds before retrying a source whose refresh raised
MAX_SLEEP = 30.0  # wake up at least this often, e.g. to notice a stop quickly


class Scheduler:
    def __init__(
        self, sources: Sequence[Source], refresher: Refresher, *, concurrency: int,
        clock: Callable[[], datetime], on_report: OnReport,
        activity: AgencyActivity | None = None,
    ) -> None:
        self._sources = {s.id: s for s in sources}
        self._refresher = refresher
        self._limit = asyncio.Semaphore(concurrency)
        self._clock = clock
        self._on_report = on_report
        self._due: dict[str, datetime] = {}
        self._running: dict[str, asyncio.Task[None]] = {}
        self._activity = activity
        self._last: dict[str, RefreshReport] = {}  # each source's latest report since start

    async def poll_once(
        self, source_ids: Iterable[str] | None = None, *, force: bool = False
    ) -> list[PollResult]:
        """One pass over the given sources (default: all): one result each, in order. A source
        that waits is skipped, unless `force`. KeyError names unknown ids, before any poll."""
        ids = list(source_ids) if source_ids is not None else list(self._sources)
        unknown = [i for i in ids if i not in self._sources]
        if unknown:
            raise KeyError(f"unknown source id(s): {', '.join(unknown)}; "
                           f"known: {', '.join(sorted(self._sources))}")
        try:
            skips = {} if force else await self._waiting(ids)
        except Exception as exc:  # the store cannot say: every source's pass failed with it
            return [PollResult(i, error=_in_words(exc)) for i in ids]
        return list(await asyncio.gather(*(
            self._poll(self._sources[i], skips.get(i), force=force) for i in ids)))

    async def _waiting(self, ids: list[str]) -> dict[str, str]:
        states, now = await self._refresher.store.source_states(), self._clock()
        return {i: why for i in ids
                if (why := waiting.skip_reason(self._sources[i], states.get(i), now))}

    async def _poll(self, source: Source, skipped: str | None, *, force: bool) -> PollResult:
        if skipped:
            return PollResult(source.id, skipped=skipped)
        done = await self._attempt(source, force=force)
        if isinstance(done, RefreshReport):
            return PollResult(source.id, report=done)
        return PollResult(source.id, error=done)

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
        if self._activity is not None:
            try:
                self._activity.load(await self._latest_releases(), now)
            except StoreError as exc:  # the pace starts from what refreshes teach it
                event(log, "activity_unread", logging.WARNING, error=str(exc))

    async def _latest_releases(self) -> dict[str, datetime]:
        """Each agency's newest stored release date: how long it has been quiet."""
        latest: dict[str, datetime] = {}
        for source in self._sources.values():
            items = await self._refresher.store.recent_items(limit=1, source_id=source.id)
            when = items[0].published if items else None
            if when is not None and (source.agency not in latest or when > latest[source.agency]):
                latest[source.agency] = when
        return latest

    async def _run_one(self, sid: str) -> None:
        try:
            report = await self._refresh(self._sources[sid])
            self._due[sid] = (
                report.state.next_check if report and report.state.next_check
                else self._clock() + timedelta(seconds=RETRY_AFTER_CRASH)
            )
            if report is not None:
                self._last[sid] = report
                try:
                    self._bring_forward(self._sources[sid], report)
                except Exception as exc:  # a re-planning bug must not stop the loop
                    event(log, "bring_forward_failed", logging.ERROR, source=sid,
                          error=f"{type(exc).__name__}: {exc}")
        finally:
            self._running.pop(sid, None)

    async def _refresh(self, source: Source) -> RefreshReport | None:
        done = await self._attempt(source)
        return done if isinstance(done, RefreshReport) else None

    async def _attempt(self, source: Source, *, force: bool = False) -> RefreshReport | str:
        """Refresh and hand the report on; a crash is logged and comes back in words."""
        async with self._limit:
            try:
                report = await self._refresher.refresh(source, force=force)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # one source's bug must not stop the others
                event(log, "refresh_crashed", logging.ERROR, source=source.id,
                      error=f"{type(exc).__name__}: {exc}")
                log.debug("traceback", exc_info=True)
                return _in_words(exc)
        try:
            await self._on_report(source, report)
        except Exception as exc:
            event(log, "report_failed", logging.ERROR, source=source.id,
                  error=f"{type(exc).__name__}: {exc}")
        return report

    def _bring_forward(self, source: Source, report: RefreshReport) -> None:
        """Re-plan the sources of the agencies this report set developing."""
        if self._activity is None:
            return
        now = self._clock()
        for other in self._activity.sources_of(self._activity.learn(source, report, now)):
            last = self._last.get(other.id)
            if other.id == source.id or other.id in self._running or last is None:
                continue
            due = schedule.brought_forward(
                self._refresher.policy, due=self._due[other.id], now=now,
                last_attempt=last.state.last_attempt, outcome=last.outcome,
                failures=last.state.consecutive_failures, not_before=last.not_before)
            if due < self._due[other.id]:
                event(log, "brought_forward", source=other.id, by=source.id,
                      was=self._due[other.id], due=due)
                self._due[other.id] = due

    def _seconds_until_next(self, now: datetime) -> float:
        due = [d for sid, d in self._due.items() if sid not in self._running]
        if not due:
            return MAX_SLEEP
        return max(0.05, min(MAX_SLEEP, (min(due) - now).total_seconds()))

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


def _in_words(exc: Exception) -> str:
    """What went wrong, for an operator: our own errors say it already (the store names the
    database and what it was doing); anything else is a bug."""
    if isinstance(exc, AlertbotError):
        return str(exc)
    return (f"internal error {type(exc).__name__}: {exc} (a bug: please report it; "
            "--log-level DEBUG logs the traceback)")
