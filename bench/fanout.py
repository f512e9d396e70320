"""Fan-out benchmark: one story matched by N subscribers, delivered at Telegram's real limits.

Run: .venv/bin/python bench/fanout.py [--subscribers N] [--baseline M]

One NEW item (a real ICE release, through parse → normalise) is matched by N subscriptions, each
of a distinct private chat, and recorded the real way: `record_refresh` with one `ItemMatch` per
subscription and the item's story link, which puts N alerts in the outbox of a SQLite file
store in that one transaction. The real `Dispatcher` (with `ViewBuilder`, the extractive
summarizer and the default `Pacer`) drains it through `TelegramChannel` on a real
python-telegram-bot `Bot` (built as bot.channels.telegram_bot builds it) to the fake Bot API on
127.0.0.1 (tests/fakebot), which enforces Telegram's REAL limits — 30 msg/s overall, 1/s per
chat, 20/min per group — and answers 429 with retry_after beyond them.

Prints the delivery figures beside baselines measured or computed in the same run:
- msg/s sustained (messages / time from first to last delivery), beside the ideal 30 msg/s and
  the pacer's own ceiling (30 per 1.05 s: it keeps a 5 % margin);
- 429s the fake answered, send attempts, and how long a refused chat waited for its retry;
- per-chat spacing (min gap between two messages to one chat: each chat gets one here, so a
  second message would be a duplicate) and the most messages admitted, and attempted, in any
  1-s window overall (the fake's flood-control clock);
- time to last delivery beside the ideal N/30 s; the process's CPU;
- the dispatcher's counters and the outbox's states at the end;
- where the time goes, watched from outside (bot/ untouched): each batch (drain_once) and how
  long from its claim to its first send, the store calls per alert sent, channel.send latency;
- baseline: the same Bot and a `Pacer` in one bare loop (no outbox, no store, one send at a
  time), M messages to fresh chats: what the transport and the pacing alone achieve here now.

The fake runs in the same process and event loop (as in the tests). No asserts: the goal line
says met or NOT met.
"""

from __future__ import annotations

import os

os.environ.setdefault("PTB_TIMEDELTA", "true")  # before telegram is imported: PTB 22.8 warns

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import Counter, defaultdict  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from pathlib import Path  # noqa: E402

from telegram.ext import ApplicationBuilder  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fanout_watch import (  # noqa: E402  (bench/ is the script's own folder)
    Attempt,
    Attempts,
    Probe,
    max_in_window,
    pct,
    rate,
    spacing,
)

from bot.channels.render import render_telegram  # noqa: E402
from bot.channels.telegram import TelegramChannel  # noqa: E402
from bot.delivery.dispatcher import Dispatcher  # noqa: E402
from bot.delivery.pacing import DEFAULT_LIMITS, DEFAULT_MARGIN, Pacer  # noqa: E402
from bot.delivery.views import ViewBuilder  # noqa: E402
from bot.ingest.feeds import parse_feed  # noqa: E402
from bot.ingest.normalize import normalize  # noqa: E402
from bot.models import (  # noqa: E402
    Annotations,
    Change,
    ChangeKind,
    Item,
    ItemMatch,
    Message,
    Source,
    SourceState,
    Story,
    StoryLink,
)
from bot.store import Store, open_store  # noqa: E402
from bot.stories.cluster import story_id  # noqa: E402
from bot.stories.summarize import ExtractiveSummarizer, as_async  # noqa: E402
from tests.fakebot import FakeBotAPI, Limits  # noqa: E402
from tests.paths import GOV  # noqa: E402

SOURCE = Source(id="ice", kind="feed", url="https://www.ice.gov/rss/ice-breaking-news",
                agency="ice", jurisdiction="federal")
QUERY = 'detainer in:"Ventura County"'
REASONS = ("detainer", "in Ventura County")
FIRST_CHAT = 500_000_001  # private chats: positive ids; the baseline's chats start at 2×
GOAL_RATE = 28.0


def utcnow() -> datetime:
    return datetime.now(UTC)


# --- the story and its N subscribers, recorded the real way -----------------------------------


def release() -> Item:
    """A real ICE release (the fixture's longest), through parse_feed → normalize."""
    real = json.loads((GOV / "ice_feed_items_2025-12_to_2026-02.json").read_text())["items"]
    it = max(real, key=lambda r: len(r["description"]))
    doc = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>ICE'
           "</title><link>https://www.ice.gov</link><description>d</description>"
           f"<item><title>{it['title']}</title><link>{it['link']}</link>"
           f"<description><![CDATA[<p>{it['description']}</p>]]></description>"
           f"<pubDate>{it['pubDate']}</pubDate><guid isPermaLink=\"true\">{it['link']}</guid>"
           "</item></channel></rss>").encode()
    parsed = parse_feed(doc, source_id=SOURCE.id, base_url=SOURCE.url)
    item = normalize(parsed.items[0], SOURCE)
    assert item is not None  # the fixture is a valid item (setup, not a measured property)
    return item


async def subscribe(store: Store, n: int, now: datetime) -> list[tuple[int, int]]:
    """N private chats, each subscribed once (as /subscribe leaves them): (subscriber id,
    subscription id) of each."""
    subs = []
    for i in range(n):
        sub = await store.ensure_subscriber("telegram", str(FIRST_CHAT + i), now)
        subs.append((sub.id, (await store.add_subscription(sub.id, QUERY, "instant", now, 10)).id))
    return subs


async def enqueue(store: Store, item: Item, subs: Sequence[tuple[int, int]],
                  now: datetime) -> None:
    """record_refresh: the NEW item, its story ("first") and the match each subscription
    made — one transaction, which writes the N alerts to the outbox."""
    sid = story_id(item.key)
    notes = Annotations(
        matches=tuple(ItemMatch(item.key, item.content_hash, subscription, subscriber, REASONS)
                      for subscriber, subscription in subs),
        links=(StoryLink(sid, item.key, "first"),),
        stories=(Story(sid, item.title, (item.key,), now, now),),
    )
    await store.record_refresh(SourceState(SOURCE.id, baseline_done=True),
                               [Change(ChangeKind.NEW, item)], now, notes)


# --- what the fake saw ------------------------------------------------------------------------




# --- the run ----------------------------------------------------------------------------------


@dataclass
class Delivery:
    n: int
    started: float  # monotonic, when the dispatcher started
    ended: float
    stamps: list[float]  # fake clock of each delivered message (SentMessage.at), sorted
    per_chat: dict[int, list[float]]
    attempts: list[Attempt]
    probe: Probe
    rejected_429: int
    counters: dict[str, int]
    outbox: dict[str, int]
    cpu: float  # process CPU seconds during delivery
    timed_out: bool


async def deliver(store: Store, fake: FakeBotAPI, channel: TelegramChannel, attempts: Attempts,
                  n: int, timeout: float, progress: bool) -> Delivery:
    views = ViewBuilder(store, as_async(ExtractiveSummarizer()), {SOURCE.id: "ICE"})
    dispatcher = Dispatcher(store, {"telegram": channel}, views, worker="bench-fanout",
                            clock=utcnow, monotonic=time.monotonic)
    probe = Probe()
    probe.watch(dispatcher, store, channel)
    before_429 = fake.rejected_429
    stop = asyncio.Event()
    cpu0, t0 = time.process_time(), time.monotonic()
    task = asyncio.create_task(dispatcher.run(stop))
    done = lambda: dispatcher.counters["sent"] + sum(  # noqa: E731
        v for k, v in dispatcher.counters.items() if k.startswith("failed")) >= n
    next_report = t0 + 30
    while not done() and time.monotonic() - t0 < timeout and not task.done():
        await asyncio.sleep(0.05)
        if progress and time.monotonic() >= next_report:
            next_report += 30
            print(f"  … {time.monotonic() - t0:5.0f} s: {dict(dispatcher.counters)}, "
                  f"429s {fake.rejected_429 - before_429}", file=sys.stderr, flush=True)
    ended = time.monotonic()
    cpu = time.process_time() - cpu0
    timed_out = not done()
    stop.set()
    await task
    probe.on = False
    ours = [m for m in fake.all_sent if FIRST_CHAT <= m.chat_id < FIRST_CHAT + n]
    per_chat: dict[int, list[float]] = defaultdict(list)
    for m in ours:
        per_chat[m.chat_id].append(m.at)
    return Delivery(n=n, started=t0, ended=ended, stamps=sorted(m.at for m in ours),
                    per_chat=per_chat, attempts=attempts.of(FIRST_CHAT, n), probe=probe,
                    rejected_429=fake.rejected_429 - before_429,
                    counters=dict(sorted(dispatcher.counters.items())),
                    outbox={k: v for k, v in (await store.outbox_counts()).items() if v},
                    cpu=cpu, timed_out=timed_out)


@dataclass
class Bare:
    n: int
    stamps: list[float]
    attempts: list[Attempt]
    rejected_429: int
    elapsed: float


async def rendered(store: Store) -> list[Message]:
    """The alert as the dispatcher renders it for the first subscriber (for the baseline)."""
    views = ViewBuilder(store, as_async(ExtractiveSummarizer()), {SOURCE.id: "ICE"})
    subscriber = await store.subscriber("telegram", str(FIRST_CHAT))
    assert subscriber is not None  # made by subscribe() above: setup, not a measured property
    [alert] = await store.alerts_of(subscriber.id)
    view = await views(alert)
    assert view is not None
    return render_telegram(view, lang="en")


async def bare_loop(fake: FakeBotAPI, channel: TelegramChannel, attempts: Attempts,
                    messages: Sequence[Message], n: int) -> Bare:
    """Baseline: one task, a fresh Pacer used as the dispatcher uses it (next_slot, take, send,
    settle; each part in its own slot), the same rendered alert, the same Bot; no outbox, no
    store, one send at a time."""
    await asyncio.sleep(1.2)  # let the fake's windows forget the fan-out
    pacer, first = Pacer(), 2 * FIRST_CHAT
    before_429 = fake.rejected_429
    t0 = time.monotonic()
    for i in range(n):
        chat = str(first + i)
        for message in messages:
            wait = pacer.next_slot(chat, group=False, now=time.monotonic()) - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            taken = time.monotonic()
            pacer.take(chat, group=False, now=taken)
            await channel.send(chat, [message])
            pacer.settle(chat, taken, time.monotonic())  # as Dispatcher._paced_send does
    elapsed = time.monotonic() - t0
    stamps = sorted(m.at for m in fake.all_sent if first <= m.chat_id < first + n)
    return Bare(n=n, stamps=stamps, attempts=attempts.of(first, n),
                rejected_429=fake.rejected_429 - before_429, elapsed=elapsed)


def report(d: Delivery, bare: Bare | None, setup: dict[str, float]) -> None:
    limits, ceiling = DEFAULT_LIMITS, DEFAULT_LIMITS.global_per_s / (1 + DEFAULT_MARGIN)
    delivered = len(d.stamps)
    ideal = d.n / limits.global_per_s
    print(f"setup: {d.n:,} subscribers + subscriptions {setup['subscribe']:.1f} s; "
          f"record_refresh (1 item, {d.n:,} matches → {setup['pending']:,.0f} pending alerts, "
          f"one transaction) {setup['enqueue'] * 1000:,.0f} ms; the alert renders as "
          f"{setup['parts']:.0f} message(s) of {setup['chars']:,.0f} characters")
    print(f"delivered {delivered:,} messages to {len(d.per_chat):,} of {d.n:,} chats"
          + ("  (TIMED OUT)" if d.timed_out else ""))
    if delivered < 2:
        return
    sustained = rate(d.stamps)
    last = d.stamps[-1] - d.started
    tried = sorted(t for t, *_ in d.attempts)
    admitted = sorted(t for t, _, ok in d.attempts if ok)
    tries: dict[int, list[float]] = defaultdict(list)
    for t, chat, _ in d.attempts:
        tries[chat].append(t)
    dup_chats, min_gap = spacing(d.per_chat)
    _, min_try_gap = spacing(tries)
    retried = [ts[-1] - ts[0] for ts in tries.values() if len(ts) > 1]
    most_tries = max((len(ts) for ts in tries.values()), default=0)
    print(f"  msg/s sustained          {sustained:6.2f}   (first → last delivery "
          f"{d.stamps[-1] - d.stamps[0]:.1f} s)")
    print(f"    ideal (30/s)           {limits.global_per_s:6.2f}   → {sustained / 30:.1%} "
          f"of Telegram's limit")
    print(f"    pacer ceiling          {ceiling:6.2f}   (30 per {1 + DEFAULT_MARGIN:.2f} s) "
          f"→ {sustained / ceiling:.1%} of it")
    print(f"  429s from the fake       {d.rejected_429:6,}   (send attempts {len(d.attempts):,}; "
          f"most attempts to one chat {most_tries})")
    print(f"  per-chat spacing         chats with > 1 message: {dup_chats:,}; min gap "
          + (f"{min_gap:.3f} s" if min_gap is not None else "n/a (one message per chat)")
          + "; min gap between attempts to one chat "
          + (f"{min_try_gap:.3f} s" if min_try_gap is not None else "n/a"))
    if retried:
        print(f"  a 429'd chat waited      {min(retried):.1f} s (min) to {max(retried):.1f} s "
              f"(max) from its refused attempt to its last")
    print(f"  max in any 1-s window    delivered {max_in_window(admitted):3}   "
          f"attempted {max_in_window(tried):3}   (limit {limits.global_per_s})")
    print(f"  time to last delivery    {last:7.1f} s   ideal N/30 {ideal:7.1f} s   "
          f"→ ×{last / ideal:.2f}   (first delivery after {d.stamps[0] - d.started:.2f} s)")
    print(f"  CPU                      {d.cpu:7.1f} s   ({d.cpu / (d.ended - d.started):.0%} "
          f"of one core over the delivery, the fake's included)")
    print(f"  dispatcher counters      {d.counters}")
    print(f"  outbox at the end        {d.outbox}")
    probe = d.probe
    if probe.batches:
        # The next batch is claimed while the last one is sent (two in hand at most), so a
        # batch boundary should leave no pause: the longest gap between two sends says.
        sizes = Counter(k for *_, k in probe.batches)
        mix = ", ".join(f"{c}×{k}" for k, c in sorted(sizes.items(), reverse=True))
        mean = sum(e - s for s, e, _ in probe.batches) / len(probe.batches)
        gaps = sorted((b - a for a, b in zip(tried, tried[1:], strict=False)), reverse=True)
        print(f"  batches                  {len(probe.batches)} ({mix}), {mean:.2f} s each "
              f"(overlapping); longest gaps between two sends "
              + ", ".join(f"{g * 1000:.0f} ms" for g in gaps[:3]))
        sent = max(d.counters.get("sent", 0), 1)
        calls = probe.store_calls
        print(f"  store calls per sent     {sum(calls.values()) / sent:4.1f}   ("
              + ", ".join(f"{k} {v / sent:.2f}" for k, v in calls.most_common()) + ")")
    if probe.sends:
        print(f"  channel.send latency     p50 {pct(probe.sends, .5) * 1000:5.1f} ms   "
              f"p99 {pct(probe.sends, .99) * 1000:5.1f} ms   max "
              f"{max(probe.sends) * 1000:5.1f} ms   (the pacer's margin: "
              f"{DEFAULT_MARGIN * 1000:.0f} ms per second)")
    if bare is not None and len(bare.stamps) > 1:
        b_tried = sorted(t for t, *_ in bare.attempts)
        print(f"baseline: bare paced loop, same Bot + Pacer, no outbox, {bare.n:,} chats")
        print(f"  msg/s sustained          {rate(bare.stamps):6.2f}   429s {bare.rejected_429}   "
              f"max attempted in 1 s {max_in_window(b_tried)}   time to last "
              f"{bare.elapsed:.1f} s (ideal {bare.n / 30:.1f} s)")
        print(f"  → dispatcher / bare loop {sustained / rate(bare.stamps):.2f}")
    met = sustained >= GOAL_RATE and d.rejected_429 == 0 and len(d.per_chat) == d.n
    print(f"goal: ≥ {GOAL_RATE:.0f} msg/s sustained and 0 × 429 → "
          + ("met" if met else f"NOT met ({sustained:.2f} msg/s, {d.rejected_429:,} × 429"
                                + (f", {d.n - len(d.per_chat):,} chats without their alert"
                                   if len(d.per_chat) < d.n else "") + ")"))


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--subscribers", type=int, default=10_000)
    ap.add_argument("--baseline", type=int, default=None,
                    help="chats for the bare-loop baseline (default min(N, 600); 0: none)")
    ap.add_argument("--timeout", type=float, default=None,
                    help="give up delivering after this many seconds (default 3 × N/30 + 60)")
    ap.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    args = ap.parse_args()
    n = args.subscribers
    baseline = min(n, 600) if args.baseline is None else args.baseline
    timeout = args.timeout or 3 * n / 30 + 60
    logging.getLogger("alertbot").setLevel(logging.WARNING)  # one "send" event per alert

    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{tmp}/fanout.db")
        await store.migrate()
        now = utcnow()
        t = time.perf_counter()
        subs = await subscribe(store, n, now)
        setup = {"subscribe": time.perf_counter() - t}
        item = release()
        t = time.perf_counter()
        await enqueue(store, item, subs, now)
        setup["enqueue"] = time.perf_counter() - t
        setup["pending"] = (await store.outbox_counts())["pending"]
        messages = await rendered(store)
        setup["parts"], setup["chars"] = len(messages), sum(len(m.text) for m in messages)

        fake = FakeBotAPI(limits=Limits())  # Telegram's real limits, unscaled
        await fake.start()
        attempts = Attempts()
        attempts.watch(fake)
        # As bot.channels.telegram_bot.build_application builds the bot (its request pool).
        app = ApplicationBuilder().token(fake.token).base_url(fake.base_url).build()
        await app.bot.initialize()
        try:
            print(f"fan-out: 1 story × {n:,} private chats, SQLite file store, "
                  f"real Dispatcher → PTB → fake Bot API at Telegram's limits "
                  f"(30/s, 1/s per chat, 20/min per group)", flush=True)
            d = await deliver(store, fake, TelegramChannel(app.bot), attempts, n, timeout,
                              progress=not args.quiet)
            bare = None
            if baseline > 0:
                bare = await bare_loop(fake, TelegramChannel(app.bot), attempts, messages,
                                       baseline)
            report(d, bare, setup)
        finally:
            await app.bot.shutdown()
            await fake.stop()
            await store.close()


if __name__ == "__main__":
    asyncio.run(main())
