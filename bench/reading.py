"""Reading benchmark: a story page, /latest and the tracker's start, read one item at a time
(as before bot.reading) and through the batch read, on a real SQLite file.

Run: .venv/bin/python bench/reading.py [--items 300] [--stories 300] [--rounds 10]
                                      [--cli-runs 3]

Builds a story of N items and S one-item stories, every item matched for one subscriber (an
alert each), then times, best of R rounds and with the store calls counted: the story page
(the story, its links, its items), /latest 10 and 20, and the tracker's start. "one at a time"
reproduces the reads the code did before (one `store.item` per item); "batch" is
bot.reading as the CLI, the chat and the worker now use it. Then `alertbot story` as an
operator runs it (a process, Python's start included), and what the same story costs in
process: its reads beside the summary and the rendering of its timeline.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot import app as application  # noqa: E402
from bot.models import (  # noqa: E402
    Annotations,
    Change,
    ChangeKind,
    Item,
    ItemMatch,
    SourceState,
    Story,
    StoryLink,
)
from bot.reading.reader import Reading  # noqa: E402
from bot.settings import PollingSettings, Settings, StorageSettings  # noqa: E402
from bot.store import Store, open_store  # noqa: E402
from bot.stories.tracker import StoryTracker  # noqa: E402
from tests.reading.counting import Counting  # noqa: E402

T0 = datetime(2026, 2, 1, tzinfo=UTC)
ADDRESS = "1001"


def item(key: str, minute: int) -> Item:
    return Item(key=key, source_id="ice", url=f"https://www.ice.gov/news/{key}",
                title=f"Release {key}: detainer lodged", published=T0 + timedelta(minutes=minute),
                text=f"Officers lodged a detainer in Ventura County. It was number {minute}.",
                content_hash=f"h-{key}", agency="ice", jurisdiction="federal")


async def record(store: Store, sub_id: int, story_id: str, items: list[Item], at: int) -> None:
    links = tuple(StoryLink(story_id, it.key, "first" if i == 0 else "development")
                  for i, it in enumerate(items))
    notes = Annotations(
        matches=tuple(ItemMatch(it.key, it.content_hash, 1, sub_id, ("detainer",))
                      for it in items),
        links=links, stories=(Story(story_id, f"Story {story_id}", (), T0, T0),))
    await store.record_refresh(SourceState("ice"), [Change(ChangeKind.NEW, it) for it in items],
                               T0 + timedelta(minutes=at), notes)


async def build(url: str, n_items: int, n_stories: int) -> None:
    store = open_store(url)
    await store.migrate()
    sub = await store.ensure_subscriber("telegram", ADDRESS, T0)
    await record(store, sub.id, "s-big", [item(f"big-{i}", i) for i in range(n_items)], 0)
    for i in range(n_stories):
        await record(store, sub.id, f"s-{i}", [item(f"one-{i}", n_items + i)], n_items + i)
    await store.close()


async def page_one_at_a_time(store: Store) -> None:
    story = await store.story("s-big")
    assert story is not None
    for link in await store.story_links(story.id):
        await store.item(link.item_key)


async def latest_one_at_a_time(store: Store, n: int) -> None:
    sub = await store.subscriber("telegram", ADDRESS)
    assert sub is not None
    seen: set[str] = set()
    found = 0
    for alert in reversed(await store.alerts_of(sub.id)):
        key = alert.story_id or alert.item_key
        if key not in seen:
            seen.add(key)
            found += await store.item(alert.item_key) is not None
            if found >= n:
                return


async def tracker_one_at_a_time(store: Store, now: datetime) -> None:
    tracker = StoryTracker()
    stored = []
    for story in await store.stories(limit=100_000, updated_since=now - tracker.policy.window):
        stored.append((story, [i for k in story.item_keys if (i := await store.item(k))]))
    tracker.load(stored, now)


async def best(rounds: int, counting: Counting, read: Callable[[], Awaitable[object]]
               ) -> tuple[float, int]:
    """Best wall time in ms over `rounds`, and the store calls of one round."""
    times = []
    for _ in range(rounds):
        counting.calls.clear()
        t = time.perf_counter()
        await read()
        times.append((time.perf_counter() - t) * 1000)
    return min(times), sum(counting.calls.values())


async def compare(app: application.App, counting: Counting, rounds: int) -> None:
    store = cast(Store, counting)
    reading = Reading(store, (), app.policy, app.clock)
    started = T0 + timedelta(hours=1)
    cases: list[tuple[str, Callable[[], Awaitable[object]], Callable[[], Awaitable[object]]]] = [
        ("story page", lambda: page_one_at_a_time(store), lambda: reading.story_page("s-big")),
        ("/latest 10", lambda: latest_one_at_a_time(store, 10),
         lambda: reading.latest("telegram", ADDRESS, 10)),
        ("/latest 20", lambda: latest_one_at_a_time(store, 20),
         lambda: reading.latest("telegram", ADDRESS, 20)),
        ("tracker's start", lambda: tracker_one_at_a_time(store, started),
         lambda: application.story_tracker(store, started)),
    ]
    print(f"  {'':<16} {'one at a time':>22}   {'batch':>22}   one at a time / batch")
    for label, old, new in cases:
        old_ms, old_calls = await best(rounds, counting, old)
        new_ms, new_calls = await best(rounds, counting, new)
        print(f"  {label:<16} {old_ms:8.1f} ms {old_calls:5} calls   {new_ms:8.1f} ms "
              f"{new_calls:5} calls   {old_ms / new_ms:5.1f}×")


async def story_in_process(app: application.App, rounds: int) -> None:
    reads, whole = [], []
    for _ in range(rounds):
        t = time.perf_counter()
        await app.reading.story_page("s-big")
        reads.append(time.perf_counter() - t)
        t = time.perf_counter()
        await app.story_text("s-big")
        whole.append(time.perf_counter() - t)
    print(f"  in process: story_text {min(whole) * 1000:.0f} ms, of which its reads "
          f"{min(reads) * 1000:.1f} ms (the rest: summary and the timeline's rendering)")


def story_cli(db: Path, runs: int) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "bot", "--db", str(db), "story", "s-big"],
                              capture_output=True, text=True, env=env, check=True)
        times.append(time.perf_counter() - t)
    print(f"  alertbot story s-big: best {min(times) * 1000:.0f} ms of {runs} runs "
          f"({len(done.stdout.splitlines())} lines)")


async def run(n_items: int, n_stories: int, rounds: int, cli_runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "reading.db"
        url = f"sqlite:///{db}"
        await build(url, n_items, n_stories)
        cfg = Settings(storage=StorageSettings(url=url),
                       polling=PollingSettings(builtin_sources=False))
        app = await application.build(cfg, sources=())
        try:
            print(f"a story of {n_items} items, {n_stories} one-item stories, one subscriber "
                  f"with {n_items + n_stories} alerts; best of {rounds} rounds")
            await compare(app, Counting(app.store), rounds)
            await story_in_process(app, min(rounds, 3))
        finally:
            await app.close()
        if cli_runs:
            story_cli(db, cli_runs)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--items", type=int, default=300, help="items of the big story")
    p.add_argument("--stories", type=int, default=300, help="one-item stories besides it")
    p.add_argument("--rounds", type=int, default=10)
    p.add_argument("--cli-runs", type=int, default=3, help="0: no `alertbot story` process")
    args = p.parse_args()
    asyncio.run(run(args.items, args.stories, args.rounds, args.cli_runs))


if __name__ == "__main__":
    main()
