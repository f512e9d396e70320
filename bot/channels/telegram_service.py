"""The Telegram bot's life inside the worker, told to the channel's status for /healthz.

    start    retried with backoff (5 s, doubling to 5 min) while Telegram is unreachable —
             polling the newsrooms goes on meanwhile; a token Telegram rejects is said once,
             clearly, and not retried; a stop abandons a start still waiting for Telegram
    running  the long polling reports every answer and failure (telegram_polling)
    stop     no more updates; the commands in hand answered; the sends in flight finished
             (`drain`: the dispatcher); only then the HTTP client closed — closing it first
             cut the sends in flight mid-request

`settled` is set once the first start has an outcome (connected, rejected, unreachable) or a
stop came: the start-up line waits for it to say where alerts go.

Must not import bot.store or bot.ingest.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from urllib.parse import urlsplit

from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application

from bot.channels import telegram_bot
from bot.channels.telegram_polling import Polling, pause, token_rejected, until_stopped
from bot.logs import event
from bot.telemetry import OK, REJECTED, UNREACHABLE, ChannelStatus

log = logging.getLogger("alertbot.telegram")
FIRST_RETRY, LAST_RETRY = 5.0, 300.0  # seconds between start attempts: from, doubling up to


async def serve(tg: Application, stop: asyncio.Event, status: ChannelStatus, *,
                drain: Awaitable[object] | None = None, settled: asyncio.Event | None = None,
                poll_timeout: float = 10.0) -> None:
    """Answer chat commands until `stop`, then stop in order (see the module docstring)."""
    polling = None
    try:
        polling = await _start(tg, stop, status, settled or asyncio.Event(), poll_timeout)
        await stop.wait()
    finally:
        if settled is not None:
            settled.set()
        await telegram_bot.stop(tg, polling, drain=drain)


async def _start(tg: Application, stop: asyncio.Event, status: ChannelStatus,
                 settled: asyncio.Event, poll_timeout: float) -> Polling | None:
    delay = FIRST_RETRY
    while not stop.is_set():
        try:
            polling = await until_stopped(stop, telegram_bot.start(
                tg, poll_timeout=poll_timeout, status=status))
        except InvalidToken:
            token_rejected(status)
            settled.set()
            return None
        except Exception as exc:  # unreachable, or refusing: asked again, never fatal
            error = status.scrub(exc.message if isinstance(exc, TelegramError)
                                 else f"{type(exc).__name__}: {exc}")
            status.failed(error)
            event(log, "telegram_unreachable", logging.WARNING, error=error, retry_in=delay)
            settled.set()
            await pause(stop, delay)
            delay = min(delay * 2, LAST_RETRY)
            continue
        if polling is not None:
            status.ok()
            event(log, "telegram_started", bot=f"@{tg.bot.username}")
        settled.set()
        return polling
    return None


def describe(tg: Application, status: ChannelStatus, base_url: str) -> str:
    """Where alerts go, as things stand with Telegram, for the start-up line (the console
    prints them too). Never the token."""
    url = urlsplit(base_url)
    via = f"{url.hostname}:{url.port}" if url.port else str(url.hostname)
    if status.state == OK:
        return f"Telegram bot @{tg.bot.username} (via {via}) and console"
    if status.state == REJECTED:
        return f"console only — {status.error}"
    if status.state == UNREACHABLE:
        return f"console; Telegram (via {via}) once it answers — retrying: {status.error}"
    return f"console; Telegram (via {via}) once connected"
