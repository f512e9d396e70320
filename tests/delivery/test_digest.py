"""Digests and the other reasons an alert waits or is dropped before it is sent: the pure
decision (holds.plan, quiet.digest_due) and the dispatcher acting on it, end to end through
python-telegram-bot to the fake Bot API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from telegram import Bot

from bot.delivery.dispatcher import DispatchPolicy
from bot.delivery.holds import plan
from bot.delivery.quiet import digest_due
from bot.models import Alert
from bot.store import Store
from subscriptions.models import Mute, Subscriber, Subscription
from tests.delivery.kit import Clock, dispatcher, enqueue, keys_in, state_of
from tests.fakebot import FakeBotAPI
from tests.store.conftest import T0, make_item, make_subscriber

LA = ZoneInfo("America/Los_Angeles")


def local(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=LA)  # type: ignore[misc]


# --- when a digest is due -----------------------------------------------------------------------
@pytest.mark.parametrize(("local_now", "period", "at", "due"), [
    (local(2026, 2, 6, 7, 59), "daily", "08:00", local(2026, 2, 6, 8, 0)),
    (local(2026, 2, 6, 8, 0), "daily", "08:00", local(2026, 2, 7, 8, 0)),
    (local(2026, 2, 6, 20, 0), "daily", "18:30", local(2026, 2, 7, 18, 30)),
    # 6 Feb 2026 is a Friday: the weekly digest is Monday's.
    (local(2026, 2, 6, 9, 0), "weekly", "08:00", local(2026, 2, 9, 8, 0)),
    (local(2026, 2, 9, 7, 0), "weekly", "08:00", local(2026, 2, 9, 8, 0)),
    (local(2026, 2, 9, 8, 0), "weekly", "08:00", local(2026, 2, 16, 8, 0)),
    # Daylight saving begins 8 March 2026: 08:00 is PDT that day, whatever it was the day before.
    (local(2026, 3, 7, 9, 0), "daily", "08:00", local(2026, 3, 8, 8, 0)),
    (local(2026, 2, 6, 9, 0), "daily", "nonsense", local(2026, 2, 7, 8, 0)),
])
def test_a_digest_is_due_at_the_next_local_time(local_now: datetime, period: str, at: str,
                                                 due: datetime) -> None:
    got = digest_due(local_now.astimezone(UTC), "America/Los_Angeles", period, at)
    assert got == due and got.utcoffset() == due.utcoffset()


def test_an_unknown_period_is_refused() -> None:
    with pytest.raises(ValueError, match="hourly"):
        digest_due(T0, "UTC", "hourly", "08:00")


# --- what waits, what goes, what is dropped (pure) ----------------------------------------------
def alert(n: int, *subs: int, story: str | None = None, held_for: str | None = None) -> Alert:
    return Alert(n, 1, "telegram", "1", f"k{n}", "h", "new", story_id=story,
                 subscription_ids=subs, released=held_for is not None, held_for=held_for)


def subscriber(**kw: object) -> Subscriber:
    return Subscriber(1, "telegram", "1", **kw)  # type: ignore[arg-type]


SUBS = (Subscription(10, 1, "detainer", "instant"), Subscription(11, 1, "sanctuary", "daily"),
        Subscription(12, 1, "raid", "weekly"))
NOON = datetime(2026, 2, 6, 20, 0, tzinfo=UTC)  # Friday noon in Los Angeles


def test_plan_sends_instant_holds_digests_and_drops_what_nobody_wants_any_more() -> None:
    alerts = [alert(1, 10), alert(2, 11), alert(3, 12), alert(4, 11, 12), alert(5, 10, 12),
              alert(6, 99), alert(7), alert(8, 10, story="s-muted")]
    decided = plan(alerts, subscriber(timezone="America/Los_Angeles"), SUBS,
                   [Mute(1, "s-muted")], NOON)
    assert [a.id for a in decided.send] == [1, 5, 7]  # 5: one of its subscriptions is instant
    held = {until: [a.id for a in xs] for until, why, xs in decided.held}
    assert held == {local(2026, 2, 7, 8, 0): [2, 4],  # daily wins over weekly
                    local(2026, 2, 9, 8, 0): [3]}
    assert {why for _, why, _ in decided.held} == {"digest"}
    assert {why: [a.id for a in xs] for why, xs in decided.dropped} == {
        "unsubscribed": [6], "story muted": [8]}
    assert not decided.digest


def test_a_digest_that_came_due_is_sent_not_held_again_and_says_so() -> None:
    decided = plan([alert(2, 11, held_for="digest"), alert(3, 11, held_for="released")],
                   subscriber(), SUBS, [], NOON)
    assert [a.id for a in decided.send] == [2]  # released by hand: still wants a digest
    assert decided.digest and len(decided.held) == 1


def test_pause_and_quiet_hours_hold_everything_first() -> None:
    alerts = [alert(1, 10), alert(2, 11)]
    paused = plan(alerts, subscriber(paused=True), SUBS, [], NOON)
    assert [(why, len(xs)) for _, why, xs in paused.held] == [("paused", 2)]
    quiet = plan(alerts, subscriber(timezone="America/Los_Angeles", quiet_hours="11:00-13:00"),
                 SUBS, [], NOON)
    assert [(until, why) for until, why, _ in quiet.held] == [
        (local(2026, 2, 6, 13, 0), "quiet hours")]


# --- the dispatcher acting on it ------------------------------------------------------------
async def test_a_daily_digest_waits_and_arrives_as_one_message_at_its_time(
        store: Store, bot: Bot, fake_bot: FakeBotAPI, clock: Clock) -> None:
    sub = await make_subscriber(store, "2001", timezone="America/Los_Angeles")
    await store.add_subscription(sub.id, "detainer", "daily", T0, 10)
    instant = await make_subscriber(store, "2002")
    for key in ("d1", "d2", "d3"):
        await enqueue(store, make_item(key), [sub, instant])
    d = dispatcher(store, bot, clock)

    assert await d.drain_once() == 6
    assert len(fake_bot.sent(2002)) == 3 and fake_bot.sent(2001) == []
    # T0 is 05:00 in Los Angeles: the digest is due at 08:00 there, 15:00 UTC.
    due = datetime(2024, 5, 1, 15, 0, tzinfo=UTC)
    for a in await store.alerts_of(sub.id):
        assert await state_of(store, a) == ("held", "digest")
    clock.now = due - timedelta(seconds=1)
    assert await d.drain_once() == 0
    clock.now = due
    assert await d.drain_once() == 3
    [message] = fake_bot.sent(2001)
    assert message.plain.startswith("📰 Your digest: 3 alerts")
    assert keys_in([message]) == ["d1", "d2", "d3"]
    states = [(await state_of(store, a))[0] for a in await store.alerts_of(sub.id)]
    assert sorted(states) == ["merged", "merged", "sent"]


async def test_turning_the_digest_off_releases_what_waited_at_once(
        store: Store, bot: Bot, fake_bot: FakeBotAPI, clock: Clock) -> None:
    sub = await make_subscriber(store, "2003")
    wanted = await store.add_subscription(sub.id, "detainer", "weekly", T0, 10)
    for key in ("w1", "w2"):
        await enqueue(store, make_item(key), [sub])
    d = dispatcher(store, bot, clock)
    assert await d.drain_once() == 2 and fake_bot.sent(2003) == []

    await store.set_modes(sub.id, [wanted.id], "instant")  # what /digest off does
    assert await store.release_held(sub.id, clock.now) == 2
    assert await d.drain_once() == 2
    [message] = fake_bot.sent(2003)  # what waited arrives as one message
    assert keys_in([message]) == ["w1", "w2"]


async def test_an_alert_for_a_removed_subscription_is_not_sent(
        store: Store, bot: Bot, fake_bot: FakeBotAPI, clock: Clock) -> None:
    sub = await make_subscriber(store, "2004")
    await enqueue(store, make_item("u1"), [sub])
    [wanted] = await store.subscriptions_of(sub.id)
    await store.remove_subscriptions(sub.id, [wanted.id])  # /unsubscribe before it went out
    d = dispatcher(store, bot, clock)
    assert await d.drain_once() == 1
    assert fake_bot.sent(2004) == []
    [a] = await store.alerts_of(sub.id)
    assert await state_of(store, a) == ("failed", "unsubscribed")
    assert d.counters["dropped:unsubscribed"] == 1


async def test_a_digest_bigger_than_a_batch_still_arrives_as_one_message(
        store: Store, bot: Bot, fake_bot: FakeBotAPI, clock: Clock) -> None:
    sub = await make_subscriber(store, "2005")
    await store.add_subscription(sub.id, "detainer", "daily", T0, 10)
    keys = [f"b{n:02}" for n in range(25)]
    for key in keys:
        await enqueue(store, make_item(key), [sub])
    d = dispatcher(store, bot, clock, policy=DispatchPolicy(batch=10))
    while await d.drain_once():
        pass
    assert fake_bot.sent(2005) == []
    clock.now = datetime(2024, 5, 2, 8, 0, tzinfo=UTC)  # 08:00 UTC the next day
    while await d.drain_once():
        pass
    sent = fake_bot.sent(2005)
    assert sent[0].plain.startswith("📰 Your digest: 25 alerts")
    assert keys_in(sent) == keys  # one message (in parts if it must), every alert once
