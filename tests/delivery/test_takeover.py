"""Workers' liveness, seen from the dispatcher: a dead worker's claims are delivered by a live
one within seconds, not at the end of their lease; a live worker whose send is slow keeps its
claims because it beats; a worker that stops hands back what it still holds; and the worker
`alertbot run` starts is never taken for its predecessor, even with the same host and pid.

Time: the wall clock (what heartbeats and leases are written in) is manual; the heartbeats
themselves come every `beat` seconds of real time, written at the manual clock's time.
A kill -9 of a real worker process, measured: test_crash.py.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import socket
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from telegram import Bot

from bot import app as application
from bot.delivery.dispatcher import DispatchPolicy
from bot.models import DeliveryResult, Message
from bot.settings import PollingSettings, Settings, StorageSettings, TelegramSettings
from bot.store import Store
from tests.delivery.kit import Clock, dispatcher, enqueue, keys_in, only_alert, state_of
from tests.fakebot import FakeBotAPI
from tests.store.conftest import T0, make_item, make_subscriber

LEASE, STALE = 120.0, 6.0  # production's
POLICY = DispatchPolicy(lease=LEASE, beat=0.02, stale=STALE, idle=0.02)


class SlowChannel:
    """Answers "sent", but only when told to."""

    name = "email"

    def __init__(self, *, answer: bool = False) -> None:
        self.answer = asyncio.Event()
        if answer:
            self.answer.set()
        self.calls = 0

    def is_group(self, address: str) -> bool:
        return False

    async def send(self, address: str, messages: Sequence[Message]) -> DeliveryResult:
        self.calls += 1
        await self.answer.wait()
        return DeliveryResult("ok", message_id=f"m-{self.calls}")


async def test_a_dead_workers_claims_are_delivered_in_seconds_a_slow_live_ones_are_kept(
        store: Store, bot: Bot, fake_bot: FakeBotAPI, clock: Clock) -> None:
    reader = await make_subscriber(store, "1701")
    await enqueue(store, make_item("dead-1"), [reader])
    # A worker claims it and is killed (nothing more of it ever reaches the store).
    assert len(await store.claim_alerts("dead:1", clock.now, LEASE, 10, stale=STALE)) == 1
    # Another is alive, its send hanging on a slow platform, its hands full (two batches of
    # one): it claims no more, only its heartbeat says it lives.
    slow = SlowChannel()
    mailbox = await store.ensure_subscriber("email", "slow@example.org", T0)
    for key in ("slow-1", "slow-2"):
        await enqueue(store, make_item(key), [mailbox])
    stop = asyncio.Event()
    busy = dataclasses.replace(POLICY, batch=1)
    tasks = [asyncio.create_task(dispatcher(store, bot, clock, slow, policy=busy,
                                            worker="slow:2").run(stop))]
    while not slow.calls or len(await store.alerts_of(mailbox.id, "claimed")) < 2:
        await asyncio.sleep(0.01)

    clock.advance(STALE + 1)  # well within the lease, past the dead worker's last beat
    await asyncio.sleep(0.2)  # the slow one beats meanwhile: alive at the new time
    tasks.append(asyncio.create_task(dispatcher(store, bot, clock, SlowChannel(answer=True),
                                                policy=POLICY, worker="live:3").run(stop)))
    assert keys_in(await fake_bot.wait_for_messages(1701, 1)) == ["dead-1"]
    await asyncio.sleep(0.2)
    taken = await only_alert(store, reader)
    assert await state_of(store, taken) == ("sent", None) and taken.attempt == 1
    kept = [await store.alert_record(a.id) for a in await store.alerts_of(mailbox.id)]
    assert [(r.state, r.worker, r.alert.attempt) for r in kept if r] == [
        ("claimed", "slow:2", 0)] * 2

    slow.answer.set()
    stop.set()
    await asyncio.wait_for(asyncio.gather(*tasks), 5)
    # The send in flight finished; the other claim went back at the stop, untried.
    assert slow.calls == 1 and len(fake_bot.sent(1701)) == 1  # nothing sent twice
    states = [((await state_of(store, a))[0], a.attempt)
              for a in await store.alerts_of(mailbox.id)]
    assert sorted(states) == [("pending", 0), ("sent", 0)]


async def test_a_worker_cancelled_mid_send_hands_its_claims_to_the_next_at_once(
        store: Store, bot: Bot, fake_bot: FakeBotAPI, clock: Clock) -> None:
    mailbox = await store.ensure_subscriber("email", "slow@example.org", T0)
    await enqueue(store, make_item("x-1"), [mailbox])
    hanging = SlowChannel()
    stop = asyncio.Event()
    first = dispatcher(store, bot, clock, hanging, policy=POLICY, worker="first:1")
    task = asyncio.create_task(first.run(stop))
    while not hanging.calls:
        await asyncio.sleep(0.01)
    stop.set()  # a clean stop waits for the send; this one never answers: shutdown cancels
    await asyncio.sleep(0.1)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)

    alert = await only_alert(store, mailbox)
    assert await state_of(store, alert) == ("pending", None) and alert.attempt == 0
    # The next worker, at the same moment: no lease nor staleness limit to wait for.
    answering = SlowChannel(answer=True)
    second = dispatcher(store, bot, clock, answering, policy=POLICY, worker="second:2")
    assert await second.drain_once() == 1
    assert answering.calls == 1 and await state_of(store, alert) == ("sent", None)


async def test_a_worker_restarted_with_its_predecessors_pid_takes_its_claims_over(
        fake_bot: FakeBotAPI, tmp_path: Path) -> None:
    """In a container a restarted process often gets the pid it had: the new worker must not
    take the claims left behind for its own (and wait out their lease)."""
    cfg = Settings(
        storage=StorageSettings(url=f"sqlite:///{tmp_path}/a.db"),
        polling=PollingSettings(builtin_sources=False),
        telegram=TelegramSettings(token=fake_bot.token, base_url=fake_bot.base_url),
    )
    app = await application.build(cfg, sources=())
    reader = await make_subscriber(app.store, "1801")
    killed = app.clock() - timedelta(seconds=STALE + 1)  # it claimed, then was killed
    await enqueue(app.store, make_item("left-behind"), [reader], when=killed)
    same_name = f"{socket.gethostname()}:{os.getpid()}"
    assert await app.store.claim_alerts(same_name, killed, LEASE, 10, stale=STALE)
    stop = asyncio.Event()
    worker = asyncio.create_task(application.run(app, stop))
    try:
        [alert] = await fake_bot.wait_for_messages(1801, 1, timeout=10)  # not in 2 minutes
        assert keys_in([alert]) == ["left-behind"]
    finally:
        stop.set()
        await asyncio.wait_for(worker, timeout=20)
        await app.close()
