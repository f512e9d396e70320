"""Fixtures of the dispatcher tests: a SQLite file store, a python-telegram-bot Bot talking to
the fake Bot API, and the dispatcher's manual wall clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram import Bot

from bot.store import Store, open_store
from tests.delivery.kit import Clock
from tests.fakebot import FakeBotAPI


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    s = open_store(f"sqlite:///{tmp_path / 'alertbot.db'}")
    await s.migrate()
    try:
        yield s
    finally:
        await s.close()


@pytest.fixture
async def bot(fake_bot: FakeBotAPI) -> AsyncIterator[Bot]:
    async with Bot(fake_bot.token, base_url=fake_bot.base_url) as bot:
        yield bot


@pytest.fixture
def clock() -> Clock:
    return Clock()
