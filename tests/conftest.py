"""Fixtures shared by every test package."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakebot import FakeBotAPI
from tests.httpserver import LocalServer


@pytest.fixture
async def local_server() -> AsyncIterator[LocalServer]:
    """A scriptable HTTP server on 127.0.0.1 (random port), stopped after the test."""
    server = LocalServer()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def fake_bot(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeBotAPI]:
    """A fake Telegram Bot API on 127.0.0.1 with Telegram's limits; give PTB
    `base_url(fake_bot.base_url)` and `token(fake_bot.token)`.

    Sets PTB_TIMEDELTA=true for the test: PTB 22.8 builds every RetryAfter through a deprecated
    int accessor, so under filterwarnings=error a 429 would surface as PTBDeprecationWarning
    instead of RetryAfter. With it, RetryAfter.retry_after is a datetime.timedelta."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    fake = FakeBotAPI()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()
