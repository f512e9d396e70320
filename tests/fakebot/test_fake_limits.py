"""The fake's flood limits, seen through PTB's RetryAfter.

A manual clock makes the windows exact: the fake reads time only through the clock it is given.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from telegram import Bot
from telegram.error import RetryAfter

from tests.fakebot import FakeBotAPI, Limits


class ManualClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def clocked(monkeypatch: pytest.MonkeyPatch,
                  clock: ManualClock) -> AsyncIterator[FakeBotAPI]:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # see the fake_bot fixture
    fake = FakeBotAPI(clock=clock)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


@pytest.fixture
async def bot(clocked: FakeBotAPI) -> AsyncIterator[Bot]:
    async with Bot(clocked.token, base_url=clocked.base_url) as bot:
        yield bot


async def refused(bot: Bot, chat_id: int) -> timedelta:
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(chat_id, "x")
    retry_after = caught.value.retry_after
    assert isinstance(retry_after, timedelta)
    return retry_after


async def test_one_message_per_second_per_chat(
        bot: Bot, clocked: FakeBotAPI, clock: ManualClock) -> None:
    await bot.send_message(42, "first")
    clock.now += 0.3
    assert await refused(bot, 42) == timedelta(seconds=1)  # 0.7 s left, in whole seconds
    await bot.send_message(43, "another chat is not held up")
    clock.now += 0.7
    await bot.send_message(42, "second")
    assert [m.plain for m in clocked.sent(42)] == ["first", "second"]
    assert clocked.rejected_429 == 1 and len(clocked.calls["sendMessage"]) == 4


async def test_thirty_messages_per_second_overall(
        bot: Bot, clocked: FakeBotAPI, clock: ManualClock) -> None:
    for chat_id in range(1, 31):
        await bot.send_message(chat_id, "x")
    clock.now += 0.4
    assert await refused(bot, 31) == timedelta(seconds=1)
    clock.now += 0.6
    await bot.send_message(31, "x")
    assert len(clocked.all_sent) == 31 and clocked.rejected_429 == 1


async def test_twenty_messages_per_minute_per_group(
        bot: Bot, clocked: FakeBotAPI, clock: ManualClock) -> None:
    clocked.add_chat(-5)
    clocked.add_chat(-6)
    for _ in range(20):
        await bot.send_message(-5, "x")
        clock.now += 1.0  # the 1/s per chat rule holds in groups too
    clock.now += 0.5  # 20.5 s after the first of the 20
    assert await refused(bot, -5) == timedelta(seconds=40)  # 39.5 s until it leaves the window
    await bot.send_message(-6, "x")
    clock.now += 39.5
    await bot.send_message(-5, "x")
    assert len(clocked.sent(-5)) == 21 and clocked.rejected_429 == 1


async def test_a_forced_429_is_answered_exactly_and_held_until_it_ends(
        bot: Bot, clocked: FakeBotAPI, clock: ManualClock) -> None:
    clocked.forced_429(42, retry_after=3)
    await bot.send_message(7, "other chats still go")
    assert await refused(bot, 42) == timedelta(seconds=3)
    clock.now += 1.2
    assert await refused(bot, 42) == timedelta(seconds=2)
    clock.now += 1.8
    await bot.send_message(42, "after the wait")
    assert clocked.rejected_429 == 2


async def test_a_forced_429_for_the_whole_bot(
        bot: Bot, clocked: FakeBotAPI, clock: ManualClock) -> None:
    clocked.forced_429(None, retry_after=5)
    assert await refused(bot, 42) == timedelta(seconds=5)
    assert await refused(bot, 43) == timedelta(seconds=5)
    clock.now += 5
    await bot.send_message(43, "x")


async def test_refused_content_does_not_use_a_slot(bot: Bot, clocked: FakeBotAPI) -> None:
    with pytest.raises(Exception, match="(?i)parse entities"):
        await bot.send_message(42, "<b>", parse_mode="HTML")
    await bot.send_message(42, "fine")


async def test_scaled_windows_keep_a_real_clock_test_fast(
        fake_bot: FakeBotAPI) -> None:
    fake_bot.set_limits(Limits().scaled(0.01))  # a "second" lasts 10 ms, a "minute" 0.6 s
    async with Bot(fake_bot.token, base_url=fake_bot.base_url) as bot:
        await bot.send_message(42, "x")
        retry_after = await refused(bot, 42)
        assert timedelta(0) < retry_after <= timedelta(seconds=0.01)
        await asyncio.sleep(retry_after.total_seconds())
        await bot.send_message(42, "y")


async def test_limits_can_be_switched_off(fake_bot: FakeBotAPI) -> None:
    fake_bot.set_limits(Limits.off())
    fake_bot.add_chat(-5)
    async with Bot(fake_bot.token, base_url=fake_bot.base_url) as bot:
        for _ in range(40):
            await bot.send_message(-5, "x")
    assert fake_bot.rejected_429 == 0
