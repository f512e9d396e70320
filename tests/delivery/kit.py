"""What the dispatcher tests share: alerts enqueued the real way (record_refresh with the
matches they come from, by real subscriptions), a dispatcher over the real TelegramChannel, a
manual wall clock, and readers of the outbox and of what the fake Bot API received."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from datetime import datetime, timedelta

from telegram import Bot

from bot.channels.telegram import TelegramChannel
from bot.delivery.dispatcher import Channel, Dispatcher, DispatchPolicy
from bot.delivery.views import ViewBuilder
from bot.models import Alert, Annotations, Item, ItemMatch, Story, StoryLink
from bot.store import Store
from bot.stories.summarize import ExtractiveSummarizer, as_async
from bot.telemetry import Recorder
from subscriptions.models import Subscriber
from tests.fakebot import SentMessage
from tests.store.conftest import T0, make_state, new

SOURCES = {"ice": "ICE Newsroom"}
BODY = ("Officers arrested 12 people in Ventura County on Tuesday. The operation lasted two days "
        "and involved three field offices. A spokesperson said more arrests are expected.")


class Clock:
    """The dispatcher's wall clock: moves only when told."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


def dispatcher(store: Store, bot: Bot, clock: Clock, *extra: Channel,
               policy: DispatchPolicy | None = None, worker: str = "test:1",
               recorder: Recorder | None = None) -> Dispatcher:
    channels: dict[str, Channel] = {"telegram": TelegramChannel(bot)}
    channels.update({c.name: c for c in extra})
    views = ViewBuilder(store, as_async(ExtractiveSummarizer()), SOURCES)
    return Dispatcher(store, channels, views, worker=worker, clock=clock,
                      monotonic=time.monotonic, policy=policy, recorder=recorder)


async def enqueue(store: Store, item: Item, subs: Sequence[Subscriber],
                  reasons: Sequence[str] = ("detainer",), *, links: Sequence[StoryLink] = (),
                  heads: Sequence[Story] = (), when: datetime = T0) -> None:
    """Record `item` as NEW with a match by each of `subs`' first subscription (made if it
    has none: an alert whose subscriptions were all removed is dropped), with the reasons
    given: what puts alerts in the outbox."""
    wants = [await subscription_of(store, s) for s in subs]
    matches = tuple(ItemMatch(item.key, item.content_hash, w, s.id, tuple(reasons))
                    for w, s in zip(wants, subs, strict=True))
    notes = Annotations(matches=matches, links=tuple(links), stories=tuple(heads))
    await store.record_refresh(make_state(), [new(item)], when, notes)


async def subscription_of(store: Store, sub: Subscriber, mode: str = "instant") -> int:
    existing = await store.subscriptions_of(sub.id)
    if existing:
        return existing[0].id
    return (await store.add_subscription(sub.id, "detainer", mode, T0, 100)).id


async def only_alert(store: Store, sub: Subscriber) -> Alert:
    [alert] = await store.alerts_of(sub.id)
    return alert


async def state_of(store: Store, alert: Alert) -> tuple[str, str | None]:
    record = await store.alert_record(alert.id)
    assert record is not None
    return record.state, record.reason


async def next_at(store: Store, alert: Alert) -> datetime:
    record = await store.alert_record(alert.id)
    assert record is not None
    return record.next_at


def squash(text: str) -> str:
    return "".join(text.split())


HREF = re.compile(r'<a href="https://www\.ice\.gov/news/([^"]+)">')


def keys_in(messages: Sequence[SentMessage]) -> list[str]:
    return [k for m in messages for k in HREF.findall(m.text)]
