"""Composition root: the ONLY module that wires concrete classes together.

`build(settings)` opens the store (migrating it), makes the fetcher, the refresher and the
scheduler, and connects refresh reports to the console channel and the worker's `Recorder`
(what /metrics and /healthz report). `run(app, stop)` is the worker: the scheduler loop plus
the optional /healthz server and the Telegram bot, until `stop` is set.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import logging
import os
import random
import secrets
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

import httpx
from telegram.ext import Application

from bot.channels import telegram_bot, telegram_service
from bot.channels.commands import Commands
from bot.channels.console import ConsoleChannel
from bot.channels.telegram import TelegramChannel
from bot.config.unused import unused_sections
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.pacing import Pacer
from bot.delivery.views import ViewBuilder
from bot.errors import AlertbotError
from bot.ingest import schedule
from bot.ingest.activity import AgencyActivity
from bot.ingest.fetcher import Fetcher
from bot.ingest.flood import FloodPolicy
from bot.ingest.refresh import Refresher
from bot.ingest.scheduler import Scheduler
from bot.ingest.tagging import Annotator
from bot.ingest.zones import zone_of
from bot.logs import event
from bot.models import Change, ChangeKind, RefreshReport, Source, StoryLink, Summary
from bot.queries import StoreQueries
from bot.reading.health import as_json, sources_health
from bot.reading.items import items_of
from bot.reading.reader import Reading
from bot.settings import Settings
from bot.store import Store, open_store
from bot.stories.summarize import ExtractiveSummarizer, LLMSummarizer, Summarizer, as_async
from bot.stories.timeline import development_note, revision_note, story_view
from bot.stories.tracker import StoryTracker
from bot.telemetry import OK, Recorder, assess
from bot.web import health, metrics
from subscriptions.gazetteer import load_gazetteer
from subscriptions.query import Limits
from subscriptions.service import SubscriptionService
from subscriptions.terms import load_synonyms

ALERTING = (ChangeKind.NEW, ChangeKind.REVISED)
PRUNE_EVERY = 6 * 3600.0  # seconds between retention passes
SETTLE = 10.0  # seconds the start-up line waits for Telegram's first answer
log = logging.getLogger("alertbot.app")


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class App:
    settings: Settings
    sources: tuple[Source, ...]
    store: Store
    fetcher: Fetcher
    scheduler: Scheduler
    policy: schedule.PollPolicy
    subscriptions: SubscriptionService
    summarize: Callable[[str, str], Awaitable[Summary]]
    reading: Reading
    clock: Callable[[], datetime] = utcnow
    recorder: Recorder = field(default_factory=lambda: Recorder(utcnow))

    async def close(self) -> None:
        await self.fetcher.aclose()
        await self.store.close()

    async def story_text(self, story_id: str) -> str | None:
        """The story's summary and timeline as text, or None if there is no such story."""
        page = await self.reading.story_page(story_id)
        if page is None:
            return None
        members = page.timeline  # a pruned item keeps its place but has no text to show
        title, text = (members[0][0].title, members[0][0].text) if members else (
            page.story.title, "")
        return story_view(page.story, members, await self.summarize(title, text))

    async def metrics(self, dispatcher: Dispatcher | None) -> metrics.Snapshot:
        health = await self.health()
        try:
            queue = await self.store.outbox_counts() if health["store"] == "ok" else {}
        except Exception:  # the store went away between the two questions: no queue to show
            queue = {}
        seen = self.recorder.observed()
        return metrics.Snapshot(
            queue=queue, counters=dict(dispatcher.counters) if dispatcher else {},
            sources={sid: bool(h["healthy"]) for sid, h in health["sources"].items()},
            last_success={sid: datetime.fromisoformat(h["last_success"]).timestamp()
                          for sid, h in health["sources"].items() if h["last_success"]},
            fetches=seen.fetches, items=seen.items, alerts=seen.alerts, latency=seen.latency,
            latency_sum=seen.latency_sum, latency_count=seen.latency_count)

    async def health(self) -> dict[str, Any]:
        """What /healthz says: the store, each source (as `alertbot sources` and /sources
        see it), each channel, and the verdict."""
        try:
            ok = await self.store.ping()
            states = await self.store.source_states() if ok else {}
        except Exception:  # a store that raises instead of answering is as unreachable
            ok, states = False, {}
        health = sources_health(self.sources, states, self.policy, self.clock())
        sources = {h.id: as_json(h) for h in health}
        channels = {"console": {"state": OK}}
        channels.update({name: c.report() for name, c in self.recorder.channels.items()})
        return assess(ok, sources, channels)


def policy_from(settings: Settings) -> schedule.PollPolicy:
    p = settings.polling
    return schedule.PollPolicy(
        floor=p.floor, ceiling=p.ceiling, default_interval=p.default_interval,
        jitter=p.jitter, unhealthy_after=p.unhealthy_after, adaptive=p.adaptive,
        developing_interval=p.developing_interval, developing_for=p.developing_for,
        quiet_after=p.quiet_after, quiet_factor=p.quiet_factor, night_factor=p.night_factor,
        night_start=p.night_start, night_end=p.night_end,
    )


async def build(
    settings: Settings, *, out: TextIO | None = None,
    clock: Callable[[], datetime] = utcnow, transport: httpx.AsyncBaseTransport | None = None,
    sources: tuple[Source, ...] | None = None,
) -> App:
    for section, why in unused_sections(settings).items():
        event(log, "config_not_used", logging.WARNING, section=f"[{section}]",
              detail=f"accepted but not used yet: {why}")
    store = open_store(settings.storage.url)
    await store.migrate()
    p = settings.polling
    fetcher = Fetcher(
        user_agent=p.user_agent, timeout=p.timeout, max_body_bytes=p.max_body_bytes,
        max_redirects=p.max_redirects, per_host_concurrency=p.per_host_concurrency,
        transport=transport,
    )
    policy = policy_from(settings)
    recorder = Recorder(clock, secrets=(settings.telegram.token,))
    chosen = sources if sources is not None else settings.effective_sources()
    service = subscription_service(settings, store, chosen)
    await service.load()
    # The subscription index lives as long as the worker: keep the garbage collector from
    # rescanning it on every collection (bench/match.py shows the pauses it causes).
    gc.freeze()
    annotator = Annotator(service.gazetteer, service.match)
    tracker = await story_tracker(store, clock())
    activity = AgencyActivity(
        chosen, developing_for=policy.developing_for, now=clock(),
        zones={s.id: zone_of(s, service.gazetteer) for s in chosen},
        stories=lambda: tracker.open_stories, gazetteer=service.gazetteer,
    ) if policy.adaptive else None
    refresher = Refresher(store=store, fetcher=fetcher, policy=policy, clock=clock,
                          rand=random.random, annotate=annotator.annotate, stories=tracker,
                          activity=activity.of if activity else None,
                          flood=FloodPolicy(p.max_alerting_changes, p.on_flood == "notice"))
    console = ConsoleChannel(out)

    async def deliver(source: Source, report: RefreshReport) -> None:
        recorder.refreshed(report)
        if report.flood is not None:  # recorded, not announced (bot.ingest.flood)
            if report.flood.notice:
                await console.flood(source, report.flood)
            return
        links = {lk.item_key: lk for lk in report.links}
        for change in report.changes:
            if change.kind in ALERTING:
                notes = await alert_notes(store, change, links.get(change.item.key))
                await console.publish(source, change, notes)

    scheduler = Scheduler(chosen, refresher, concurrency=p.concurrency, clock=clock,
                          on_report=deliver, activity=activity)
    return App(settings=settings, sources=chosen, store=store, fetcher=fetcher,
               scheduler=scheduler, policy=policy, subscriptions=service,
               summarize=as_async(summarizer_from(settings)),
               reading=Reading(store, chosen, policy, clock), clock=clock, recorder=recorder)


def summarizer_from(settings: Settings) -> Summarizer:
    cfg = settings.summaries
    if not cfg.llm_base_url:
        return ExtractiveSummarizer()
    return LLMSummarizer(base_url=cfg.llm_base_url, model=cfg.llm_model,
                         api_key=cfg.llm_api_key, timeout=cfg.llm_timeout)


async def alert_notes(store: Store, change: Change, link: StoryLink | None) -> list[str]:
    """What an alert adds to the item: its story and what is new in it, or what a revision
    changed. (Per-subscriber "what you already got" arrives with the outbox.)"""
    if change.kind is ChangeKind.REVISED and change.previous is not None:
        return revision_note(change.previous, change.item)
    if link is None or link.role == "first":
        return []
    story = await store.story(link.story_id)
    keys = story.item_keys if story else ()
    earlier = await items_of(store, (k for k in keys if k != change.item.key))
    return development_note(change.item, link, story, earlier)


async def story_tracker(store: Store, now: datetime) -> StoryTracker:
    """The open stories, rebuilt from the store, so a restart keeps threading developments:
    two reads, the stories and all their items."""
    tracker = StoryTracker()
    heads = await store.stories(limit=100_000, updated_since=now - tracker.policy.window)
    found = await store.items(k for story in heads for k in story.item_keys)
    tracker.load([(story, [found[k] for k in story.item_keys if k in found])
                  for story in heads], now)
    return tracker


def source_names(sources: tuple[Source, ...]) -> dict[str, str]:
    """Every valid from: value — source ids and agencies — with the name users see."""
    names = {s.agency: s.agency.upper() if len(s.agency) <= 4 else s.agency.title()
             for s in sources}
    names.update({s.id: s.name or s.id for s in sources})
    return names


def subscription_service(
    settings: Settings, store: Store, sources: tuple[Source, ...]
) -> SubscriptionService:
    sub = settings.subscriptions
    limits = Limits(max_length=sub.max_query_length, max_terms=sub.max_terms,
                    max_subscriptions=sub.max_subscriptions)
    return SubscriptionService(store, load_gazetteer(), load_synonyms(sub.synonyms),
                               limits=limits, sources=source_names(sources))


async def run(app: App, stop: asyncio.Event,
              on_ready: Callable[[str], None] | None = None) -> None:
    """The worker: poll until `stop`; serve /healthz when `[web] listen` is set; prune items
    older than the retention period to tombstones (they never come back as new); with a
    Telegram token, answer chat commands and deliver the outbox. `on_ready` is told where
    alerts go once Telegram's first start has an outcome (the start-up line)."""
    runner = None
    tasks = [asyncio.create_task(_prune_forever(app, stop))]
    telegram_app, dispatcher = telegram_parts(app) if app.settings.telegram.token else (None,
                                                                                         None)
    if app.settings.web.listen:
        runner = await health.start(app.health, app.settings.web.listen,
                                    functools.partial(app.metrics, dispatcher))
    settled = asyncio.Event()
    if telegram_app is not None and dispatcher is not None:
        sending = asyncio.create_task(dispatcher.run(stop))
        tasks.append(asyncio.create_task(telegram_service.serve(
            telegram_app, stop, app.recorder.channel("telegram"), drain=sending,
            settled=settled)))
        tasks.append(sending)
    else:
        settled.set()
    if on_ready is not None:
        tasks.append(asyncio.create_task(
            _announce(settled, stop, lambda: on_ready(destinations(app, telegram_app)))))
    try:
        await app.scheduler.run(stop)
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        if runner is not None:
            await runner.cleanup()


async def _announce(settled: asyncio.Event, stop: asyncio.Event,
                    say: Callable[[], None]) -> None:
    """Say where alerts go once Telegram's first start has an outcome (or after SETTLE);
    nothing when the worker is stopping already."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(settled.wait(), SETTLE)
    if not stop.is_set():
        say()


def destinations(app: App, tg: Application | None) -> str:
    """Where alerts go, in words, as things stand (never the token)."""
    if tg is None:
        return "console (no chat token)"
    return telegram_service.describe(tg, app.recorder.channel("telegram"),
                                     app.settings.telegram.base_url)


def telegram_parts(app: App) -> tuple[Application, Dispatcher]:
    """The Telegram bot (chat commands) and the dispatcher that sends through it."""
    cfg = app.settings.telegram
    queries = StoreQueries(app.store, app.reading, app.clock)
    commands = Commands(app.subscriptions, app.subscriptions.gazetteer, queries)
    pacer = Pacer()  # one per bot: command replies and alerts share each chat's limits
    tg = telegram_bot.build_application(cfg.token, cfg.base_url, commands,
                                        operators=frozenset(cfg.operators), clock=app.clock,
                                        pacer=pacer)
    views = ViewBuilder(app.store, app.summarize, source_names(app.sources))
    dispatcher = Dispatcher(app.store, {"telegram": TelegramChannel(tg.bot)}, views,
                            worker=worker_name(), clock=app.clock,
                            monotonic=time.monotonic, pacers={"telegram": pacer},
                            recorder=app.recorder)
    return tg, dispatcher


def worker_name() -> str:
    """host:pid, and a random tag: a process restarted in a container often gets the pid it
    had (1). A worker taken for its killed predecessor would see the claims left behind as its
    own, and wait their lease out instead of taking them over at once."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


async def _prune_forever(app: App, stop: asyncio.Event) -> None:
    keep = timedelta(days=app.settings.storage.retention_days)
    while not stop.is_set():
        try:
            pruned = await app.store.prune(app.clock() - keep)
            if pruned:
                event(log, "prune", items=pruned, before=app.clock() - keep)
        except AlertbotError as exc:  # a busy or broken store: polling goes on, retry later
            event(log, "prune_failed", logging.WARNING, error=str(exc))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), PRUNE_EVERY)
