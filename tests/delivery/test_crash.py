"""Nothing is lost when the worker dies: a fan-out of 1,000 alerts is delivered by a worker
process (tests/delivery/crash_worker.py) that is SIGKILLed at random points and restarted until
the outbox is empty. Then every subscriber has exactly its alerts, all sent; the fake Bot API
received every one of them; and the only repeats are sends that were in flight at a kill.

Nor do subscribers wait for a dead worker's lease: with production's 120 s lease, a worker
killed with claims in hand and restarted at once delivers them within seconds (its
predecessor's heartbeat went stale); the time from the restart is measured and printed.

The fake's flood limits are scaled up (more messages per second) so 1,000 messages take
seconds, and the worker's Pacer gets the same limits: it must still provoke no 429 storm.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import sqlite3
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from bot.delivery.dispatcher import DispatchPolicy
from bot.models import Annotations, ItemMatch, Story, StoryLink
from bot.store import open_store
from tests.fakebot import FakeBotAPI, Limits
from tests.store.conftest import T0, make_item, make_state, new

ROOT = Path(__file__).resolve().parents[2]
SEED = 20240501
SUBSCRIBERS, ITEMS = 200, 5  # 1,000 alerts
FIRST_CHAT = 10_000
LIMITS = Limits(global_per_s=200, chat_per_s=2, group_per_min=20)  # Telegram's: 30, 1, 20
LEASE, BATCH = 1.5, 40
MAX_KILLS = 8
HREF = re.compile(r'<a href="https://www\.ice\.gov/news/([^"]+)">')


async def fill_outbox(db: Path) -> dict[int, set[str]]:
    """SUBSCRIBERS subscribers matched by ITEMS items of one developing story (the first item
    "new", the others developments, sent as replies): chat id -> the item keys it must get."""
    store = open_store(f"sqlite:///{db}")
    await store.migrate()
    try:
        subs = [await store.ensure_subscriber("telegram", str(FIRST_CHAT + n), T0)
                for n in range(SUBSCRIBERS)]
        wants = {s.id: (await store.add_subscription(s.id, "detainer", "instant", T0, 10)).id
                 for s in subs}
        story = Story("crash-story", "Detainers in Ventura County", (), T0, T0)
        keys = [f"crash-{n}" for n in range(ITEMS)]
        for n, key in enumerate(keys):
            item = make_item(key, title=f"Detainer update {n} <&>",
                             text=f"Officers released update {n} about detainers in Ventura "
                                  "County on Tuesday. More information will follow soon.")
            link = StoryLink(story.id, key, "first" if n == 0 else "development")
            matches = tuple(ItemMatch(key, item.content_hash, wants[s.id], s.id, ("detainer",))
                            for s in subs)
            notes = Annotations(matches=matches, links=(link,), stories=(story,) if n == 0 else ())
            await store.record_refresh(make_state(), [new(item)], T0, notes)
        counts = await store.outbox_counts()
        assert counts["pending"] == SUBSCRIBERS * ITEMS
    finally:
        await store.close()
    return {int(s.address): set(keys) for s in subs}


async def launch(fake: FakeBotAPI, db: Path, name: str, log: Path,
                 lease: float = LEASE) -> asyncio.subprocess.Process:
    args = ["--db", str(db), "--base-url", fake.base_url, "--token", fake.token,
            "--worker", name, "--lease", str(lease), "--batch", str(BATCH),
            "--global-per-s", str(LIMITS.global_per_s), "--chat-per-s", str(LIMITS.chat_per_s),
            "--group-per-min", str(LIMITS.group_per_min)]
    env = {**os.environ, "PTB_TIMEDELTA": "true", "PYTHONPATH": str(ROOT)}
    with log.open("ab") as err:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.delivery.crash_worker", *args, cwd=ROOT, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=err)


async def test_a_fan_out_killed_at_random_points_loses_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    db, log = tmp_path / "alertbot.db", tmp_path / "workers.log"
    expected = await fill_outbox(db)
    rng = random.Random(SEED)
    fake = FakeBotAPI(limits=LIMITS)
    await fake.start()
    kills, launches, started = 0, 0, time.monotonic()
    proc: asyncio.subprocess.Process | None = None
    progress: list[int] = []  # messages received by each kill
    try:
        while True:
            launches += 1
            proc = await launch(fake, db, f"crash-worker-{launches}", log)
            assert proc.stdout is not None
            ready = await asyncio.wait_for(proc.stdout.readline(), 30)
            assert ready == b"ready\n", log.read_text()
            if kills < MAX_KILLS:
                try:  # kill it anywhere: claiming, rendering, sending, recording
                    await asyncio.wait_for(proc.wait(), rng.uniform(0.05, 2.0))
                except TimeoutError:
                    proc.kill()  # SIGKILL: no cleanup, no last commit
                    await proc.wait()
                    kills += 1
                    progress.append(len(fake.all_sent))
                    continue
            else:
                await asyncio.wait_for(proc.wait(), 60)
            out = await proc.stdout.read()
            assert proc.returncode == 0 and out.startswith(b"done"), log.read_text()
            break
    finally:
        if proc is not None and proc.returncode is None:  # the test failed: leave no orphan
            proc.kill()
            await proc.wait()
        await fake.stop()
    elapsed = time.monotonic() - started

    # The outbox: every alert sent, nothing failed, merged or left over, and each one records
    # a message that chat really received about that item.
    delivered = {(m.chat_id, str(m.message_id)): HREF.findall(m.text) for m in fake.all_sent}
    store = open_store(f"sqlite:///{db}")
    try:
        counts = await store.outbox_counts()
        assert counts["sent"] == SUBSCRIBERS * ITEMS, counts
        for address, keys in expected.items():
            sub = await store.subscriber("telegram", str(address))
            assert sub is not None and sub.active
            everything, sent = await store.alerts_of(sub.id), await store.alerts_of(sub.id, "sent")
            assert sorted(a.item_key for a in everything) == sorted(keys)  # exactly its alerts
            assert everything == sent
            for alert in sent:
                record = await store.alert_record(alert.id)
                assert record is not None and record.platform_message_id is not None
                assert delivered[(address, record.platform_message_id)] == [alert.item_key]
    finally:
        await store.close()

    # What Telegram received: every (chat, item) at least once, nothing else, few repeats.
    received = Counter((m.chat_id, key) for m in fake.all_sent for key in HREF.findall(m.text))
    wanted = {(chat, key) for chat, keys in expected.items() for key in keys}
    assert set(received) == wanted  # none lost, none to the wrong chat
    duplicates = sum(received.values()) - len(wanted)
    # A repeat is a send in flight at a kill: claimed by the dead worker, sent, not yet marked.
    # A claim holds at most BATCH alerts, one send in flight per destination.
    assert duplicates <= kills * BATCH, (duplicates, kills)
    assert kills >= 3, "the seed must exercise restarts"
    print(f"\ncrash test: {launches} launches, {kills} kills, {len(fake.all_sent)} messages, "
          f"{duplicates} duplicates, {fake.rejected_429} x 429, {elapsed:.1f} s; "
          f"messages received by each kill: {progress}")


async def ready(proc: asyncio.subprocess.Process) -> bool:
    assert proc.stdout is not None
    return await asyncio.wait_for(proc.stdout.readline(), 30) == b"ready\n"


def claimed_by(db: Path, worker: str) -> set[tuple[int, str]]:
    """(chat, item key) of the alerts `worker` has claimed, read from the database file."""
    con = sqlite3.connect(db)
    try:
        rows = con.execute(
            "SELECT b.address, a.item_key FROM alerts AS a JOIN subscribers AS b "
            "ON b.id = a.subscriber_id WHERE a.state = 'claimed' AND a.worker = ?", (worker,))
        return {(int(address), key) for address, key in rows}
    finally:
        con.close()


async def test_a_worker_killed_and_restarted_at_once_delivers_its_claims_in_seconds(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    db, log = tmp_path / "alertbot.db", tmp_path / "workers.log"
    expected = await fill_outbox(db)
    fake = FakeBotAPI(limits=LIMITS)
    await fake.start()
    long_lease, procs = 120.0, []  # production's lease: a takeover before it is the heartbeat's
    try:
        procs.append(await launch(fake, db, "takeover-1", log, long_lease))
        assert await ready(procs[0]), log.read_text()
        async with asyncio.timeout(30):  # mid-flow: sending, with two batches in hand
            while len(fake.all_sent) < 2 * BATCH:
                await asyncio.sleep(0.005)
        procs[0].kill()
        await procs[0].wait()
        held, seen = claimed_by(db, "takeover-1"), len(fake.all_sent)
        restarted = time.monotonic()
        procs.append(await launch(fake, db, "takeover-2", log, long_lease))
        assert await ready(procs[1]), log.read_text()
        async with asyncio.timeout(long_lease):
            while not any((m.chat_id, key) in held for m in fake.all_sent[seen:]
                          for key in HREF.findall(m.text)):
                await asyncio.sleep(0.01)
        took = time.monotonic() - restarted
        await asyncio.wait_for(procs[1].wait(), 60)
        assert procs[1].stdout is not None
        out = await procs[1].stdout.read()
        assert procs[1].returncode == 0 and out.startswith(b"done"), log.read_text()
    finally:
        for proc in procs:
            if proc.returncode is None:  # the test failed: leave no orphan
                proc.kill()
                await proc.wait()
        await fake.stop()

    assert held, "the kill must leave claims in hand"
    assert took < long_lease / 4  # taken over, not waited out
    received = Counter((m.chat_id, key) for m in fake.all_sent for key in HREF.findall(m.text))
    assert set(received) == {(chat, key) for chat, keys in expected.items() for key in keys}
    duplicates = sum(received.values()) - len(received)
    assert duplicates <= 2 * BATCH  # at most the sends in flight at the kill
    policy = DispatchPolicy()
    print(f"\ntakeover: killed with {len(held)} claims in hand; the first of them delivered "
          f"{took:.1f} s after the restart (lease {long_lease:g} s, heartbeat every "
          f"{policy.beat:g} s, dead after {policy.stale:g} s); {duplicates} duplicates")
