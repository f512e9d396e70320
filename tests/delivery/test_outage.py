"""A channel down or refusing us loses nothing: Telegram answering 401 (the token revoked) or 502
(down) for hours leaves every alert pending, with no attempt counted, long past the point where
counted retries would have failed them all; the channel is tried once per backoff, not once per
alert; /healthz's view of the channel (the Recorder) says what is wrong; and when Telegram
accepts again, everything is delivered once, in order per chat. A chat that blocked the bot
meanwhile is still that chat's permanent failure, and holds up no one else.

Time: the dispatcher's wall clock (the outbox's, and the channel backoff's) is manual and moved
by hours; the fake Bot API is real HTTP on 127.0.0.1.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from telegram import Bot

from bot.channels.telegram import REFUSED
from bot.delivery.dispatcher import DispatchPolicy
from bot.store import Store
from bot.telemetry import Recorder, assess
from tests.delivery.kit import Clock, dispatcher, enqueue, keys_in, next_at, state_of
from tests.fakebot import FakeBotAPI
from tests.store.conftest import make_item, make_subscriber

CHATS = {3001: ["a1", "a2", "a3", "a4"], 3002: ["b1", "b2", "b3"], 3003: ["c1", "c2"]}
BLOCKER = 3004  # blocks the bot during the outage


@pytest.mark.parametrize(("status", "reason", "state"), [
    (401, REFUSED, "rejected"),
    (502, "Bad Gateway", "unreachable"),
])
async def test_a_channel_down_for_a_day_loses_nothing_and_delivers_everything_once_in_order(
        store: Store, bot: Bot, fake_bot: FakeBotAPI, clock: Clock,
        status: int, reason: str, state: str) -> None:
    policy = DispatchPolicy()  # production's: 12 counted attempts would end within ~3 h
    subs = {chat: await make_subscriber(store, str(chat)) for chat in [BLOCKER, *CHATS]}
    await enqueue(store, make_item("z1"), [subs[BLOCKER]])
    for chat, keys in CHATS.items():
        for key in keys:
            await enqueue(store, make_item(key), [subs[chat]])
    recorder = Recorder(clock)
    d = dispatcher(store, bot, clock, policy=policy, recorder=recorder)
    fake_bot.outage(status)

    assert await d.drain_once() == 10
    tries = len(fake_bot.calls["sendMessage"])
    assert 1 <= tries <= 4  # the first sends to each chat were under way at once; no more
    hours = 30
    for _ in range(hours):  # far past max_attempts × backoff
        clock.advance(3600)
        assert await d.drain_once() == 10
        assert len(fake_bot.calls["sendMessage"]) == tries + 1  # one probe, not ten sends
        tries += 1
        alerts = [a for sub in subs.values() for a in await store.alerts_of(sub.id)]
        assert {(await state_of(store, a), a.attempt) for a in alerts} == {
            (("pending", reason), 0)}
    assert await next_at(store, alerts[0]) == clock.now + timedelta(seconds=300)  # the cap
    channel = recorder.channel("telegram").report()
    assert channel["state"] == state and channel["last_error"] == reason
    [problem] = assess(True, {}, {"telegram": channel})["problems"]
    assert problem.startswith(f"telegram: {state} since ")

    fake_bot.block(BLOCKER)
    fake_bot.outage(None)  # Telegram accepts again
    clock.advance(300)
    assert await d.drain_once() == 10
    for chat, keys in CHATS.items():
        assert keys_in(fake_bot.sent(chat)) == keys  # each once, in order
        assert len(await store.alerts_of(subs[chat].id, "sent")) == len(keys)
    [blocked] = await store.alerts_of(subs[BLOCKER].id)
    assert await state_of(store, blocked) == ("failed", "Forbidden: bot was blocked by the user")
    assert recorder.channel("telegram").state == "ok"
    clock.advance(3600)
    assert await d.drain_once() == 0  # nothing left, nothing repeated
    assert len(fake_bot.all_sent) == 9 and d.counters["sent"] == 9
    assert d.counters["deferred"] == 10 * (hours + 1) and not d.counters["retries"]
    print(f"{status} for {hours} h: {tries} tries of sendMessage for 10 alerts, none lost")
