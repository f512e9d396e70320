"""Long polling for chat commands (getUpdates) inside our event loop, instead of PTB's Updater.

Why not the Updater: when stopped it cancels the long poll and calls getUpdates once more, and
when that call fails or times out it logs a traceback at ERROR (a ~60-line one, after ~5 s,
was what SIGTERM printed); nor does it tell anyone how polling goes. Here, PTB's documented
way of feeding updates from elsewhere (`ApplicationBuilder().updater(None)`, then
`application.update_queue`) is fed by a loop that reports to the channel's status:

    getUpdates answered          status ok; updates queued; the next request's offset
                                 confirms them to Telegram
    RetryAfter (429)             wait exactly as long as Telegram says
    InvalidToken                 status rejected; polling ends (one ERROR line)
    Conflict (409)               Telegram answered (status ok), but another poller with this
                                 token or a webhook takes the updates: said once, asked again
                                 slowly (1 s growing to 30 s)
    anything else (TimedOut,     status unreachable; asked again after 1 s, growing to 30 s,
    NetworkError, Conflict…)     without waiting for updates, so a recovery shows at once;
                                 one WARNING line when it starts failing, one INFO when back

A stop abandons the long poll at once. Telegram is asked once more (briefly) only when updates
were handed over that no answered request confirmed yet; if that fails, it is one WARNING
line: those commands may be answered again after a restart.

Must not import bot.store or bot.ingest.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Sequence
from datetime import timedelta
from typing import TypeVar

from telegram import Bot
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError, TimedOut

from bot.channels.telegram import REFUSED, retry_seconds
from bot.logs import event
from bot.telemetry import ChannelStatus

log = logging.getLogger("alertbot.telegram")
FIRST_RETRY, LAST_RETRY = 1.0, 30.0  # seconds between failed polls: from, growing up to
CONFIRM_WAIT = 3.0  # seconds the last confirmation may take at stop
T = TypeVar("T")


class Poller:
    def __init__(self, bot: Bot, queue: asyncio.Queue[object], status: ChannelStatus, *,
                 timeout: float, allowed: Sequence[str]) -> None:
        self._bot = bot
        self._queue = queue
        self._status = status
        self._timeout = timeout
        self._allowed = list(allowed)
        self._offset: int | None = None  # the next request's: confirms every update before it
        self._confirmed: int | None = None  # the offset of the last request Telegram answered
        self._failures = 0
        self._conflicts = 0  # in a row
        self._conflict_said = False

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until `stop`, then confirm what was handed over if no answer confirmed it."""
        while not stop.is_set():
            wait = await self._poll(stop)
            if wait is None:
                return  # the token was rejected: asking again changes nothing
            if wait:
                await pause(stop, wait)
        await self._confirm()

    async def _poll(self, stop: asyncio.Event) -> float | None:
        """One long poll; how long to wait before the next (None: never)."""
        offset = self._offset
        # After a failure, a quick poll first: a long one would tell only in `timeout` seconds
        # that Telegram answers again.
        timeout = timedelta(seconds=0 if self._failures else self._timeout)
        try:
            updates = await until_stopped(stop, self._bot.get_updates(
                offset=offset, timeout=timeout, allowed_updates=self._allowed))
        except InvalidToken:
            token_rejected(self._status)
            return None
        except RetryAfter as exc:
            return retry_seconds(exc)
        except Conflict as exc:
            return self._conflict(exc)
        except Exception as exc:  # polling must outlive any one failure
            return self._failed(exc)
        if updates is None:
            return 0.0  # stopped
        self._answered(offset)
        for update in updates:
            await self._queue.put(update)
        if updates:
            self._offset = updates[-1].update_id + 1
        return 0.0

    def _answered(self, offset: int | None) -> None:
        self._confirmed = offset
        if self._failures:
            event(log, "telegram_poll_recovered", failures=self._failures)
        self._failures = self._conflicts = 0
        self._status.ok()

    def _conflict(self, exc: Conflict) -> float:
        """Reached, but not ours alone: a second worker polling with the same token (or a
        webhook) — a deployment to fix, not an outage."""
        if not self._conflict_said:
            self._conflict_said = True
            event(log, "telegram_poll_conflict", logging.WARNING,
                  error=self._status.scrub(exc.message),
                  hint="another process polls updates with this token, or a webhook is set: "
                       "each command reaches only one of them")
        self._conflicts += 1
        self._status.ok()
        return min(LAST_RETRY, FIRST_RETRY * 1.5 ** (self._conflicts - 1))

    def _failed(self, exc: Exception) -> float:
        # An error may quote a URL, and bot URLs hold the token.
        error = self._status.scrub(exc.message if isinstance(exc, TelegramError)
                                   else f"{type(exc).__name__}: {exc}")
        self._failures += 1
        if self._failures == 1:
            event(log, "telegram_poll_failed", logging.WARNING, error=error)
        self._status.failed(error)
        if isinstance(exc, TimedOut) and self._failures == 1:
            return 0.0  # one long poll without an answer in time happens: ask again now
        return min(LAST_RETRY, FIRST_RETRY * 1.5 ** (self._failures - 1))

    async def _confirm(self) -> None:
        if self._offset is None or self._offset == self._confirmed:
            return
        try:
            await self._bot.get_updates(offset=self._offset, timeout=timedelta(0),
                                        allowed_updates=self._allowed,
                                        read_timeout=CONFIRM_WAIT)
        except TelegramError as exc:
            event(log, "telegram_updates_unconfirmed", logging.WARNING,
                  error=self._status.scrub(exc.message),
                  hint="the last commands received may be answered again after a restart")


class Polling:
    """A running Poller: `stop()` ends it and waits until it has."""

    def __init__(self, poller: Poller) -> None:
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(poller.run(self._stop))

    async def stop(self) -> None:
        self._stop.set()
        await self._task


def token_rejected(status: ChannelStatus) -> None:
    """Said once, clearly: asking again with the same token changes nothing. Not in PTB's
    words: they quote the token. (PTB says InvalidToken for a 404 too, which is also what a
    wrong base_url gets.)"""
    event(log, "telegram_token_rejected", logging.ERROR, error=REFUSED)
    status.rejected(REFUSED)


async def until_stopped(stop: asyncio.Event, call: Awaitable[T]) -> T | None:
    """`call`'s result, or None when `stop` came first: the call is then cancelled, and waited
    for, so its connection is closed before anything else uses the pool."""
    task = asyncio.ensure_future(call)
    halt = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, halt}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        halt.cancel()
        if not task.done():
            task.cancel()
            await asyncio.wait({task})
    if task.cancelled():
        return None
    return task.result()


async def pause(stop: asyncio.Event, seconds: float) -> bool:
    """Wait `seconds` unless `stop` comes first; True when it did."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
    return stop.is_set()
