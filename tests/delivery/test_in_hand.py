"""What a delivering worker holds: never more than two batches' worth of claims while it runs,
and, when it stops, only the sends under way finish; everything else goes back to the outbox at
once, untouched, for the next worker. Against the fake Bot API made slow (`delay`).

Time: the wall clock is manual (nothing here waits on it); the fake's slowness and the pacer
are real time. The stop's duration is printed, not asserted.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time

from telegram import Bot

from bot.delivery.dispatcher import DispatchPolicy
from bot.store import Store
from tests.delivery.kit import Clock, dispatcher, enqueue, keys_in, state_of
from tests.delivery.test_takeover import SlowChannel
from tests.fakebot import FakeBotAPI
from tests.store.conftest import T0, make_item, make_subscriber

POLICY = DispatchPolicy(idle=0.02, beat=0.5, stale=6.0)


async def test_a_stop_finishes_the_sends_under_way_and_hands_the_rest_back_at_once(
        store: Store, bot: Bot, fake_bot: FakeBotAPI, clock: Clock) -> None:
    chats = list(range(4101, 4111))
    subs = [await make_subscriber(store, str(chat)) for chat in chats]
    keys = [f"k{n}" for n in range(4)]  # four alerts for each of ten chats: 1 s apart in each
    for key in keys:
        await enqueue(store, make_item(key), subs)
    fake_bot.delay("sendMessage", 0.5)  # a slow Telegram
    stop = asyncio.Event()
    first = dispatcher(store, bot, clock, policy=POLICY, worker="first:1")
    task = asyncio.create_task(first.run(stop))
    while len(fake_bot.calls["sendMessage"]) < 12:  # every chat's first sent, more under way
        await asyncio.sleep(0.01)

    began = time.monotonic()
    stop.set()
    await asyncio.wait_for(task, 30)
    seconds = time.monotonic() - began
    print(f"stop with {len(chats) * len(keys)} alerts claimed: returned in {seconds:.2f} s")

    # Every send under way finished, was delivered and is recorded: sent once, never again.
    assert len(fake_bot.calls["sendMessage"]) == len(fake_bot.all_sent)
    went = {(m.chat_id, k) for m in fake_bot.all_sent for k in keys_in([m])}
    recorded = {(int(s.address), a.item_key) for s in subs
                for a in await store.alerts_of(s.id, "sent")}
    assert went == recorded and len(went) == len(fake_bot.all_sent)
    assert len(went) < len(chats) * len(keys)  # it did not wait for everything it held
    rest = [a for s in subs for a in await store.alerts_of(s.id) if a.item_key and
            (int(a.address), a.item_key) not in went]
    for alert in rest:  # back in the outbox, due at once, no attempt counted
        record = await store.alert_record(alert.id)
        assert record is not None and (record.state, record.worker) == ("pending", None)
        assert alert.attempt == 0 and record.next_at <= clock.now

    fake_bot.delay("sendMessage", 0)
    second = dispatcher(store, bot, clock, policy=POLICY, worker="second:2")
    while await second.drain_once():
        pass
    for chat in chats:  # everything once, in order
        assert keys_in(fake_bot.sent(chat)) == keys
    assert len(fake_bot.all_sent) == len(chats) * len(keys)


async def test_the_claims_held_never_exceed_two_batches(
        store: Store, bot: Bot, fake_bot: FakeBotAPI, clock: Clock) -> None:
    """Regression: the loop looked at what was in hand again before the delivery it had just
    started had counted its alerts, and claimed a third batch (a killed worker was seen
    holding 112–131 claims with a 40-alert batch)."""
    subs = [await make_subscriber(store, str(4200 + n)) for n in range(60)]
    await enqueue(store, make_item("many"), subs)
    fake_bot.delay("sendMessage", 0.3)
    policy = DispatchPolicy(idle=0.02, beat=0.5, stale=6.0, batch=10)
    stop = asyncio.Event()
    task = asyncio.create_task(dispatcher(store, bot, clock, policy=policy).run(stop))
    most = 0
    while len(fake_bot.all_sent) < len(subs):
        most = max(most, (await store.outbox_counts())["claimed"])
        await asyncio.sleep(0.005)
    stop.set()
    await asyncio.wait_for(task, 10)
    print(f"most claims held at once: {most} (batch {policy.batch})")
    assert 0 < most <= 2 * policy.batch
    assert len(fake_bot.calls["sendMessage"]) == len(subs)  # each chat once


async def test_what_joins_a_released_message_beyond_the_batch_is_held_like_the_rest(
        store: Store, bot: Bot, fake_bot: FakeBotAPI, clock: Clock) -> None:
    """What waited through a pause goes as one message, however many alerts: those claimed to
    join it beyond the batch are in hand like the rest, their leases renewed while it goes.
    They were not: during a slow send another worker could take them over and send them
    again."""
    sub = await make_subscriber(store, "4301", paused=True)
    keys = [f"w{n}" for n in range(5)]
    for key in keys:
        await enqueue(store, make_item(key), [sub])
    lease = 0.6
    policy = DispatchPolicy(idle=0.02, beat=0.1, stale=6.0, batch=2, lease=lease)
    slow = SlowChannel()
    d = dispatcher(store, bot, clock, slow, policy=policy)
    while await d.drain_once():  # held while paused
        pass
    # Two batches in hand, so the worker claims no more: a mailbox's two alerts, older, whose
    # send hangs, then two of the released ones; the other three join their message.
    mailbox = await store.ensure_subscriber("email", "slow@example.org", T0)
    for key in ("o1", "o2"):
        await enqueue(store, make_item(key), [mailbox])
    await store.update_subscriber(dataclasses.replace(sub, paused=False))
    assert await store.release_held(sub.id, clock.advance(10)) == len(keys)
    fake_bot.delay("sendMessage", 2.0)  # the message takes longer than a lease
    stop = asyncio.Event()
    task = asyncio.create_task(d.run(stop))
    while not fake_bot.calls["sendMessage"]:
        await asyncio.sleep(0.01)
    for _ in range(5):  # past the first lease's end while the message is on its way
        clock.advance(lease / 3)
        await asyncio.sleep(lease / 3)

    taken = await store.claim_alerts("other:2", clock.now, 120, 10, stale=6.0)
    await fake_bot.wait_for_messages(4301, 1)
    slow.answer.set()
    stop.set()
    await asyncio.wait_for(task, 10)
    assert [a.item_key for a in taken] == []  # every claim of the message's renewed
    [message] = fake_bot.sent(4301)
    assert sorted(keys_in([message])) == keys
    assert {(await state_of(store, a))[0] for a in await store.alerts_of(sub.id)} == {
        "sent", "merged"}
