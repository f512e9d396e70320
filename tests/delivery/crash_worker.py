"""A delivery worker for test_crash.py, run as its own process (and SIGKILLed at random points).

    python -m tests.delivery.crash_worker --db PATH --base-url URL --token TOKEN
        --worker NAME --lease SECONDS --batch N --global-per-s N --chat-per-s N

It builds what the application builds — SQLite store, python-telegram-bot `Bot`, TelegramChannel,
ViewBuilder, Dispatcher with a Pacer at the limits given (the fake Bot API's, scaled up for a fast
test) — prints "ready", and drains the outbox until nothing is pending, claimed or held; then
prints "done" and its counters as JSON. Run with the repository root as the working directory
and PTB_TIMEDELTA=true in the environment (see the `fake_bot` fixture).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from datetime import UTC, datetime

from telegram import Bot

from bot.channels.telegram import TelegramChannel
from bot.delivery.dispatcher import Dispatcher, DispatchPolicy
from bot.delivery.pacing import Limits, Pacer
from bot.delivery.views import ViewBuilder
from bot.store import open_store
from bot.stories.summarize import ExtractiveSummarizer, as_async

OPEN = ("pending", "claimed", "held")


def utcnow() -> datetime:
    return datetime.now(UTC)


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="crash_worker")
    p.add_argument("--db", required=True)
    p.add_argument("--base-url", required=True)
    p.add_argument("--token", required=True)
    p.add_argument("--worker", required=True)
    p.add_argument("--lease", type=float, required=True)
    p.add_argument("--batch", type=int, required=True)
    p.add_argument("--global-per-s", type=int, required=True)
    p.add_argument("--chat-per-s", type=int, required=True)
    p.add_argument("--group-per-min", type=int, default=20)
    return p.parse_args(argv)


async def main(args: argparse.Namespace) -> int:
    store = open_store(f"sqlite:///{args.db}")
    await store.migrate()
    limits = Limits(global_per_s=args.global_per_s, chat_per_s=args.chat_per_s,
                    group_per_min=args.group_per_min)
    policy = DispatchPolicy(lease=args.lease, batch=args.batch, idle=0.05,
                            backoff_base=0.2, backoff_cap=1.0)
    try:
        async with Bot(args.token, base_url=args.base_url) as bot:
            views = ViewBuilder(store, as_async(ExtractiveSummarizer()), {"ice": "ICE Newsroom"})
            dispatcher = Dispatcher(
                store, {"telegram": TelegramChannel(bot)}, views, worker=args.worker,
                clock=utcnow, monotonic=time.monotonic, policy=policy,
                pacers={"telegram": Pacer(limits)})
            print("ready", flush=True)
            # The worker's own loop (two batches in hand), stopped once nothing is open: a
            # dead worker's claims are open until their lease runs out and they are taken over.
            stop = asyncio.Event()
            running = asyncio.create_task(dispatcher.run(stop))
            while not running.done():
                await asyncio.sleep(policy.idle)
                counts = await store.outbox_counts()
                if not any(counts[state] for state in OPEN):
                    stop.set()
            await running
            print("done", json.dumps(dict(dispatcher.counters), sort_keys=True), flush=True)
    finally:
        await store.close()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse(sys.argv[1:]))))
