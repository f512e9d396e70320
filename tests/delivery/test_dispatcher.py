"""The dispatcher end to end: alerts enqueued the real way (record_refresh with the matches they
come from), delivered by `Dispatcher` through the real `TelegramChannel` (python-telegram-bot)
to the fake Bot API, which validates HTML and length and enforces Telegram's flood limits.

Time: the dispatcher's wall clock (`clock`, what the outbox's next_at is written in) is a
manual one, so "retried exactly after retry_after" is an equality; its monotonic clock (what
the pacer waits on) is real, as the fake's flood windows are.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Sequence
from datetime import timedelta

from telegram import Bot

from bot.channels.render import render_merged
from bot.delivery.dispatcher import Dispatcher, DispatchPolicy
from bot.delivery.sending import SendPolicy
from bot.delivery.views import ViewBuilder
from bot.models import (
    DeliveryResult,
    Item,
    Message,
    Story,
    StoryLink,
)
from bot.store import Store
from bot.stories.summarize import ExtractiveSummarizer, as_async
from subscriptions.models import Subscriber
from tests.delivery.kit import (
    BODY,
    SOURCES,
    Clock,
    dispatcher,
    enqueue,
    keys_in,
    next_at,
    only_alert,
    squash,
    state_of,
)
from tests.fakebot import FakeBotAPI
from tests.store.conftest import T0, make_item, make_subscriber


# --- what an alert says ------------------------------------------------------------------------
async def test_an_alert_names_its_title_escaped_its_link_and_why_it_matched(
        store: Store, bot: Bot, fake_bot: FakeBotAPI, clock: Clock) -> None:
    sub = await make_subscriber(store, "501")
    title = 'Detainers <b>& "holds"</b> in Ventura & Los Angeles'
    item = make_item("k1", title=title, text=BODY)
    await enqueue(store, item, [sub], ["detainer", "in:Ventura County"])

    assert await dispatcher(store, bot, clock).drain_once() == 1

    [msg] = fake_bot.sent(501)
    assert msg.parse_mode == "HTML" and msg.link_preview is False and msg.reply_to is None
    assert title in msg.plain  # exactly as published: nothing eaten, nothing interpreted
    assert "Detainers &lt;b&gt;&amp; \"holds\"&lt;/b&gt; in Ventura &amp; Los Angeles" in msg.text
    assert '<a href="https://www.ice.gov/news/k1">Read the release</a>' in msg.text
    assert "Why you got this: detainer; in:Ventura County" in msg.plain
    assert "Officers arrested 12 people in Ventura County on Tuesday." in msg.plain
    assert "ICE · ICE Newsroom" in msg.plain
    assert [b.text for row in msg.buttons for b in row] == ["Unsubscribe"]
    record = await store.alert_record((await only_alert(store, sub)).id)
    assert record is not None and record.state == "sent"
    assert record.platform_message_id == str(msg.message_id) and record.sent_at == clock.now


async def test_a_development_is_a_reply_to_the_storys_last_message_in_that_chat(
        store: Store, bot: Bot, fake_bot: FakeBotAPI, clock: Clock) -> None:
    ana, ben = await make_subscriber(store, "601"), await make_subscriber(store, "602")
    first = make_item("s1", title="ICE detainer ignored in Ventura County", text=BODY)
    story = Story("story-s1", first.title, (), T0, T0)
    await enqueue(store, first, [ana, ben], links=[StoryLink(story.id, "s1", "first")],
                  heads=[story])
    fake_bot.user_sends(602, "hello")  # ben's chat has a message of its own: ids differ by chat
    d = dispatcher(store, bot, clock)
    assert await d.drain_once() == 2
    [a1], [b1] = fake_bot.sent(601), fake_bot.sent(602)
    assert (a1.message_id, b1.message_id) == (1, 2)

    later = clock.advance(600)
    update = make_item("s2", title="Ventura County answers ICE on the detainer",
                       text="The county said it followed state law. " + BODY)
    await enqueue(store, update, [ana, ben], ["in:Ventura County"], when=later,
                  links=[StoryLink(story.id, "s2", "development", score=0.8)])
    assert await d.drain_once() == 2

    [_, a2], [_, b2] = fake_bot.sent(601), fake_bot.sent(602)
    assert (a2.reply_to, b2.reply_to) == (a1.message_id, b1.message_id)
    assert a2.plain.startswith("🔄 Development")
    assert [a.kind for a in await store.alerts_of(ana.id, "sent")] == ["new", "development"]
    assert await store.thread("telegram", "601", story.id) == str(a2.message_id)
    assert await store.thread("telegram", "602", story.id) == str(b2.message_id)


# --- what Telegram answers ---------------------------------------------------------------------
async def test_a_429_is_waited_out_in_place_and_holds_only_its_chat(
        store: Store, bot: Bot, fake_bot: FakeBotAPI, clock: Clock) -> None:
    """The 429'd alert is not sent to the back of the outbox (behind everything due) nor
    counted as a failed attempt: its destination waits exactly retry_after and sends it."""
    limited, other = await make_subscriber(store, "701"), await make_subscriber(store, "702")
    await enqueue(store, make_item("r1"), [limited, other])
    fake_bot.forced_429(701, retry_after=1)
    d = dispatcher(store, bot, clock)
    started = time.monotonic()

    assert await d.drain_once() == 2
    assert fake_bot.rejected_429 == 1 and d.counters["rate_limited"] == 1
    [first] = fake_bot.sent(702)
    assert first.at - started < 0.9  # a 429 for one chat holds back that chat only
    [late] = fake_bot.sent(701)
    assert late.at - started >= 0.99  # exactly the wait asked for, then the same message
    alert = await only_alert(store, limited)
    assert await state_of(store, alert) == ("sent", None) and alert.attempt == 0


async def test_a_long_429_goes_back_to_the_outbox_for_exactly_its_time_uncounted(
        store: Store, bot: Bot, fake_bot: FakeBotAPI, clock: Clock) -> None:
    limited, other = await make_subscriber(store, "701"), await make_subscriber(store, "702")
    await enqueue(store, make_item("r1"), [limited, other])
    fake_bot.forced_429(701, retry_after=1)
    short = DispatchPolicy(send=SendPolicy(longest_wait=0.5))  # 1 s is "long" here
    d = dispatcher(store, bot, clock, policy=short)

    assert await d.drain_once() == 2
    refused_at = time.monotonic()
    assert fake_bot.rejected_429 == 1 and d.counters["rate_limited"] == 1
    assert len(fake_bot.sent(702)) == 1  # a 429 for one chat holds back that chat only
    alert = await only_alert(store, limited)
    assert await state_of(store, alert) == ("pending", "rate limited")
    assert await next_at(store, alert) == clock.now + timedelta(seconds=1)  # exactly

    clock.advance(0.999)
    assert await d.drain_once() == 0  # not a moment early
    clock.advance(0.001)
    assert await d.drain_once() == 1
    [msg] = fake_bot.sent(701)
    assert msg.at - refused_at >= 0.99  # the pacer waited the retry_after out in real time too
    assert fake_bot.rejected_429 == 1  # and was not refused again
    assert await state_of(store, alert) == ("sent", None)
    assert (await only_alert(store, limited)).attempt == 0  # the platform's wait: no failure


async def test_a_blocked_subscriber_is_deactivated_and_its_alerts_failed_untried(
        store: Store, bot: Bot, fake_bot: FakeBotAPI, clock: Clock) -> None:
    blocker, friend = await make_subscriber(store, "801"), await make_subscriber(store, "802")
    for key in ("b1", "b2", "b3"):
        await enqueue(store, make_item(key), [blocker])
    await enqueue(store, make_item("b4"), [friend])
    fake_bot.block(801)
    d = dispatcher(store, bot, clock)

    assert await d.drain_once() == 4
    sub = await store.subscriber_by_id(blocker.id)
    assert sub is not None and sub.active is False
    reasons = [(await store.alert_record(a.id)).reason  # type: ignore[union-attr]
               for a in await store.alerts_of(blocker.id, "failed")]
    assert reasons == ["Forbidden: bot was blocked by the user"] * 3
    to_blocker = [c for c in fake_bot.calls["sendMessage"] if c["chat_id"] == "801"]
    assert len(to_blocker) == 1  # once Telegram said "blocked", nothing more is tried there
    assert len(fake_bot.sent(802)) == 1
    clock.advance(7200)
    assert await d.drain_once() == 0  # no retries, ever


async def test_a_migrated_group_moves_its_subscriber_and_gets_the_alert_there(
        store: Store, bot: Bot, fake_bot: FakeBotAPI, clock: Clock) -> None:
    old, new_id = -4711, -1_000_000_004_711
    fake_bot.add_chat(old, "group", title="Ventura watchers")
    group = await make_subscriber(store, str(old))
    await enqueue(store, make_item("m1"), [group])
    await enqueue(store, make_item("m2"), [group])
    fake_bot.migrate(old, new_id)
    d = dispatcher(store, bot, clock)

    assert await d.drain_once() == 2
    moved = await store.subscriber_by_id(group.id)
    assert moved is not None and moved.address == str(new_id) and moved.active
    assert [await state_of(store, a) for a in await store.alerts_of(group.id)] == [
        ("pending", "chat moved")] * 2
    assert await d.drain_once() == 2  # due at once, at the new address
    assert keys_in(fake_bot.sent(new_id)) == ["m1", "m2"]
    assert [a.address for a in await store.alerts_of(group.id, "sent")] == [str(new_id)] * 2
    assert fake_bot.sent(old) == [] and fake_bot.rejected_429 == 0
    to_old = [c for c in fake_bot.calls["sendMessage"] if c["chat_id"] == str(old)]
    assert len(to_old) == 1  # the move is learnt once


async def test_a_502_backs_the_channel_off_doubling_and_costs_the_alert_no_attempt(
        store: Store, bot: Bot, fake_bot: FakeBotAPI, clock: Clock) -> None:
    sub = await make_subscriber(store, "901")
    await enqueue(store, make_item("t1"), [sub])
    fake_bot.fail_next(2, status=502)
    d = dispatcher(store, bot, clock, policy=DispatchPolicy(backoff_base=5.0, backoff_cap=60))
    alert = await only_alert(store, sub)

    assert await d.drain_once() == 1
    assert await state_of(store, alert) == ("pending", "Bad Gateway")
    assert await next_at(store, alert) == clock.now + timedelta(seconds=5)
    clock.advance(5)
    assert await d.drain_once() == 1
    assert await next_at(store, alert) == clock.now + timedelta(seconds=10)  # doubled
    clock.advance(9.9)
    assert await d.drain_once() == 0
    clock.advance(0.1)
    assert await d.drain_once() == 1
    assert await state_of(store, alert) == ("sent", None)
    assert keys_in(fake_bot.sent(901)) == ["t1"]
    assert len(fake_bot.calls["sendMessage"]) == 3 and d.counters["deferred"] == 2
    assert (await only_alert(store, sub)).attempt == 0  # Telegram's trouble, not the alert's


class MailboxBusy:
    """A platform that answers "later" for one destination (a mailbox over quota): the
    destination's trouble, so every try is one of the alert's attempts."""

    name = "email"

    def is_group(self, address: str) -> bool:
        return False

    async def send(self, address: str, messages: Sequence[Message]) -> DeliveryResult:
        return DeliveryResult("retry", reason="452 mailbox over quota")


async def test_retries_give_up_after_max_attempts_with_the_reason(
        store: Store, bot: Bot, fake_bot: FakeBotAPI, clock: Clock) -> None:
    sub = await store.ensure_subscriber("email", "full@example.org", T0)
    await enqueue(store, make_item("t2"), [sub])
    d = dispatcher(store, bot, clock, MailboxBusy(),
                   policy=DispatchPolicy(max_attempts=3, backoff_cap=1))
    for _ in range(3):
        assert await d.drain_once() == 1
        clock.advance(1)
    assert await state_of(store, await only_alert(store, sub)) == (
        "failed", "452 mailbox over quota")
    assert await d.drain_once() == 0


# --- subscriber controls and bursts ------------------------------------------------------------
async def test_a_paused_subscriber_is_held_then_released(
        store: Store, bot: Bot, fake_bot: FakeBotAPI, clock: Clock) -> None:
    paused = await make_subscriber(store, "1001", paused=True)
    await enqueue(store, make_item("p1"), [paused])
    d = dispatcher(store, bot, clock)

    assert await d.drain_once() == 1
    alert = await only_alert(store, paused)
    assert await state_of(store, alert) == ("held", "paused")
    clock.advance(30 * 86400)
    assert await d.drain_once() == 0 and fake_bot.sent(1001) == []

    await store.update_subscriber(dataclasses.replace(paused, paused=False))
    assert await store.release_held(paused.id, clock.now) == 1
    assert await d.drain_once() == 1
    assert keys_in(fake_bot.sent(1001)) == ["p1"]
    assert await state_of(store, alert) == ("sent", None)


async def test_a_burst_for_one_chat_goes_as_one_merged_message(
        store: Store, bot: Bot, fake_bot: FakeBotAPI, clock: Clock) -> None:
    sub, bystander = await make_subscriber(store, "1101"), await make_subscriber(store, "1102")
    keys = [f"burst-{n:02d}" for n in range(70)]
    for key in keys:
        await enqueue(store, make_item(key, title=f"Release {key}", text="Short."), [sub])
    await enqueue(store, make_item("solo"), [bystander])
    d = dispatcher(store, bot, clock)

    assert await d.drain_once() == 71
    parts = fake_bot.sent(1101)
    head, *rest = await store.alerts_of(sub.id)
    views = ViewBuilder(store, as_async(ExtractiveSummarizer()), SOURCES)
    merged = render_merged([v for a in [head, *rest] if (v := await views(a)) is not None])
    assert len(parts) == len(merged)  # the parts of ONE message, not 70
    assert len(parts) <= 3
    assert parts[0].plain.startswith("📰 70 alerts")
    assert keys_in(parts) == keys  # every alert, in order, once
    assert await state_of(store, head) == ("sent", None)
    for alert in rest:
        record = await store.alert_record(alert.id)
        assert record is not None and (record.state, record.merged_into) == ("merged", head.id)
    assert keys_in(fake_bot.sent(1102)) == ["solo"]  # its own, unmerged
    assert fake_bot.rejected_429 == 0 and d.counters["merged"] == 69


# --- one channel down never blocks another -----------------------------------------------------
class BrokenChannel:
    """A platform that is down: its client raises."""

    name = "discord"

    def __init__(self) -> None:
        self.calls = 0

    def is_group(self, address: str) -> bool:
        return False

    async def send(self, address: str, messages: Sequence[Message]) -> DeliveryResult:
        self.calls += 1
        raise ConnectionResetError("discord.com: connection reset by peer")


class BusyChannel:
    """A platform that answers "later", slowly: it holds its sends until told to answer."""

    name = "email"

    def __init__(self) -> None:
        self.answer = asyncio.Event()
        self.calls = 0

    def is_group(self, address: str) -> bool:
        return False

    async def send(self, address: str, messages: Sequence[Message]) -> DeliveryResult:
        self.calls += 1
        await self.answer.wait()
        return DeliveryResult("retry", reason="421 try again later")


async def test_one_channel_down_never_blocks_another(
        store: Store, bot: Bot, fake_bot: FakeBotAPI, clock: Clock) -> None:
    broken, busy = BrokenChannel(), BusyChannel()
    discord = [await store.ensure_subscriber("discord", f"chan-{n}", T0) for n in range(3)]
    email = [await store.ensure_subscriber("email", f"u{n}@example.org", T0) for n in range(3)]
    telegram = [await make_subscriber(store, str(1200 + n)) for n in range(3)]
    for key in ("d1", "d2"):  # interleaved: every channel has alerts early and late in the batch
        await enqueue(store, make_item(key), [*discord, *email, *telegram])
    d = dispatcher(store, bot, clock, broken, busy,
                   policy=DispatchPolicy(backoff_base=5.0))

    drain = asyncio.create_task(d.drain_once())
    for n in range(3):  # Telegram chats get theirs while email is still waiting for an answer
        assert keys_in(await fake_bot.wait_for_messages(1200 + n, 1)) == ["d1"]
    assert not drain.done() and busy.calls == 3
    busy.answer.set()
    assert await drain == 18

    for n in range(3):
        assert keys_in(await fake_bot.wait_for_messages(1200 + n, 2)) == ["d1", "d2"]
        assert len(await store.alerts_of(telegram[n].id, "sent")) == 2
    # Discord's connection failing is Discord's failure: tried once, the rest wait untried.
    assert broken.calls == 1 and busy.calls == 6
    for sub in discord:
        for alert in await store.alerts_of(sub.id):
            assert await state_of(store, alert) == (
                "pending", "ConnectionResetError: discord.com: connection reset by peer")
            assert await next_at(store, alert) == clock.now + timedelta(seconds=5)
    for sub in email:
        assert [await state_of(store, a) for a in await store.alerts_of(sub.id)] == [
            ("pending", "421 try again later")] * 2


# --- hostile feed text -------------------------------------------------------------------------
NASTY = [
    "a < b && c > d </b> <b>unclosed <i>nested</b></i> &amp; &lt; &#0; &#x110000; & ;",
    "</a><a href=\"javascript:alert(1)\">click</a> <script>x</script> <br> <tg-emoji>",
    "Emoji 👩‍👩‍👧‍👦 👍🏽 🇺🇸 ❤️ ✏️ and CJK 中文 and RTL مرحبا, and a no\u00a0break space",
    "<" * 300 + "&" * 300 + "</b>" * 100,
]


def hostile_items() -> list[Item]:
    long_body = " ".join(NASTY) + " " + ("Detainer <b>& more</b> 😀 " * 400)[:10_000]
    long_word = "😀&<" * 3400  # one "word" of 10,200 characters: cut between characters
    return [
        make_item("x0", title=NASTY[0], text=NASTY[1] + " " + NASTY[2]),
        make_item("x1", title=NASTY[1], text=long_body),
        make_item("x2", title=NASTY[2], text=NASTY[3]),
        make_item("x3", title=NASTY[3], text=long_word),
        make_item("x4", title=("Title <b>&</b> 🇺🇸 " * 700)[:10_000], text=long_body),
        make_item("x5", title=long_word, text="Short."),
    ]


async def test_hostile_feed_text_always_yields_messages_telegram_accepts(
        store: Store, bot: Bot, fake_bot: FakeBotAPI, clock: Clock) -> None:
    items = hostile_items()
    subs = [await make_subscriber(store, str(1300 + n)) for n in range(len(items))]
    for n, item in enumerate(items):
        await enqueue(store, item, [subs[n]], [f"{NASTY[0]} ⊃ «{item.key}»", "in:<CA>"])
    d = dispatcher(store, bot, clock)

    assert await d.drain_once() == len(items)

    for n, item in enumerate(items):
        assert [a.kind for a in await store.alerts_of(subs[n].id, "sent")] == ["new"], item.key
        parts = fake_bot.sent(1300 + n)
        assert parts and all(p.parse_mode == "HTML" for p in parts)
        seen = squash("".join(p.plain for p in parts))
        assert squash(item.title) in seen, item.key  # the whole title, literally
        assert squash(f"{NASTY[0]} ⊃ «{item.key}»") in seen
        assert parts[-1].buttons and not any(p.buttons for p in parts[:-1])
    assert len(fake_bot.sent(1304)) >= 3 and len(fake_bot.sent(1305)) >= 3  # split, not cut
    assert fake_bot.rejected_429 == 0
    assert len(fake_bot.calls["sendMessage"]) == len(fake_bot.all_sent)  # nothing refused


async def test_a_long_development_goes_in_parts_each_in_its_own_slot_replying_once(
        store: Store, bot: Bot, fake_bot: FakeBotAPI, clock: Clock) -> None:
    """Regression: the parts of one alert were paced, then sent back to back, so the second
    part of any split message broke the 1-per-second chat limit (429), and the retry did the
    same again: a long alert never got through whole."""
    sub = await make_subscriber(store, "1501")
    first = make_item("l1", title="Detainers in Ventura County")
    story = Story("story-l1", first.title, (), T0, T0)
    await enqueue(store, first, [sub], links=[StoryLink(story.id, "l1", "first")], heads=[story])
    d = dispatcher(store, bot, clock)
    assert await d.drain_once() == 1
    [root] = fake_bot.sent(1501)

    title = ("Ventura County <answers> ICE & the detainer 📜 " * 120)[:5_000]
    await enqueue(store, make_item("l2", title=title), [sub], when=clock.advance(60),
                  links=[StoryLink(story.id, "l2", "development")])
    assert await d.drain_once() == 1

    _, *parts = fake_bot.sent(1501)
    assert len(parts) == 2 and fake_bot.rejected_429 == 0
    assert parts[1].at - parts[0].at >= 1.0  # one slot each
    assert [p.reply_to for p in parts] == [root.message_id, None]  # the first part replies
    assert squash(title) in squash(parts[0].plain + parts[1].plain)
    alert = (await store.alerts_of(sub.id))[-1]
    record = await store.alert_record(alert.id)
    assert record is not None and record.state == "sent" and alert.attempt == 0
    assert await store.thread("telegram", "1501", story.id) == str(parts[1].message_id)


# --- run -----------------------------------------------------------------------------------------
async def test_run_delivers_what_arrives_until_stopped(
        store: Store, bot: Bot, fake_bot: FakeBotAPI, clock: Clock) -> None:
    sub = await make_subscriber(store, "1401")
    d = dispatcher(store, bot, clock, policy=DispatchPolicy(idle=0.05))
    stop = asyncio.Event()
    task = asyncio.create_task(d.run(stop))

    await enqueue(store, make_item("run-1"), [sub])
    assert keys_in(await fake_bot.wait_for_messages(1401, 1)) == ["run-1"]
    await asyncio.sleep(0.2)  # idling on an empty outbox sends nothing more
    await enqueue(store, make_item("run-2"), [sub])
    assert keys_in(await fake_bot.wait_for_messages(1401, 2)) == ["run-1", "run-2"]

    stop.set()
    await asyncio.wait_for(task, 1)
    assert [a.item_key for a in await store.alerts_of(sub.id, "sent")] == ["run-1", "run-2"]
    assert d.counters["sent"] == 2 and fake_bot.rejected_429 == 0


async def test_a_hanging_destination_does_not_hold_up_alerts_claimed_after_it(
        store: Store, bot: Bot, fake_bot: FakeBotAPI, clock: Clock) -> None:
    """The worker's loop keeps claiming while one destination's send hangs: a release for
    another chat published meanwhile arrives before the hanging send answers."""
    busy = BusyChannel()
    stuck = await store.ensure_subscriber("email", "slow@example.org", T0)
    sub = await make_subscriber(store, "1402")
    await enqueue(store, make_item("h-1"), [stuck])
    d = dispatcher(store, bot, clock, busy, policy=DispatchPolicy(idle=0.05))
    stop = asyncio.Event()
    task = asyncio.create_task(d.run(stop))
    while not busy.calls:  # the email send is under way, and does not answer
        await asyncio.sleep(0.01)

    await enqueue(store, make_item("h-2"), [sub])
    assert keys_in(await fake_bot.wait_for_messages(1402, 1)) == ["h-2"]
    assert not busy.answer.is_set()  # still hanging: it held up nobody else

    busy.answer.set()
    stop.set()
    await asyncio.wait_for(task, 5)
    assert await state_of(store, (await store.alerts_of(stuck.id))[0]) == (
        "pending", "421 try again later")


class SlowChannel(BusyChannel):
    """Answers "sent", but only when told to."""

    async def send(self, address: str, messages: Sequence[Message]) -> DeliveryResult:
        self.calls += 1
        await self.answer.wait()
        return DeliveryResult("ok", message_id=f"m-{self.calls}")


async def sending_slowly(store: Store, bot: Bot, clock: Clock, *, lease: float
                         ) -> tuple[SlowChannel, Subscriber, asyncio.Event, asyncio.Task[None]]:
    """The worker's loop running, one alert's send under way on a channel that has not
    answered yet."""
    slow = SlowChannel()
    sub = await store.ensure_subscriber("email", "slow@example.org", T0)
    await enqueue(store, make_item("x-1"), [sub])
    d = dispatcher(store, bot, clock, slow, policy=DispatchPolicy(idle=0.02, lease=lease))
    stop = asyncio.Event()
    task = asyncio.create_task(d.run(stop))
    while not slow.calls:
        await asyncio.sleep(0.01)
    return slow, sub, stop, task


async def test_a_claim_that_expires_while_its_send_is_under_way_is_not_sent_twice(
        store: Store, bot: Bot, fake_bot: FakeBotAPI, clock: Clock) -> None:
    """The lease runs out during a very slow send before it could be renewed (a store hiccup,
    a stalled process), so the worker's own loop claims the alert again; the copy must not
    become a second message."""
    # Renewals every 10 s of real time: none happens in this test.
    slow, sub, stop, task = await sending_slowly(store, bot, clock, lease=30.0)
    clock.advance(60)  # the lease is over: the alert is due again, and claimed again
    for _ in range(100):
        if (await store.alerts_of(sub.id))[0].attempt:
            break
        await asyncio.sleep(0.02)
    assert (await store.alerts_of(sub.id))[0].attempt == 1  # taken over (by us)
    slow.answer.set()
    await asyncio.sleep(0.3)
    stop.set()
    await asyncio.wait_for(task, 5)
    assert slow.calls == 1  # one message, not two
    assert await state_of(store, (await store.alerts_of(sub.id))[0]) == ("sent", None)


async def test_a_slow_send_keeps_its_claim_renewed_so_nobody_takes_it_over(
        store: Store, bot: Bot, fake_bot: FakeBotAPI, clock: Clock) -> None:
    slow, sub, stop, task = await sending_slowly(store, bot, clock, lease=0.3)
    [alert] = await store.alerts_of(sub.id)
    for _ in range(5):  # over and over past the first lease's end: it is renewed each time
        clock.advance(0.2)
        until = clock.now + timedelta(seconds=0.3)
        for _ in range(100):
            record = await store.alert_record(alert.id)
            assert record is not None and record.state == "claimed"
            if record.lease_until is not None and record.lease_until >= until - timedelta(
                    seconds=0.05):
                break
            await asyncio.sleep(0.02)
        assert record.lease_until is not None and record.lease_until > clock.now
    assert (await store.alerts_of(sub.id))[0].attempt == 0  # never taken over
    slow.answer.set()
    stop.set()
    await asyncio.wait_for(task, 5)
    assert slow.calls == 1 and await state_of(store, alert) == ("sent", None)


# --- pacing under concurrency --------------------------------------------------------------------
async def test_a_fan_out_to_many_chats_keeps_thirty_a_second_and_provokes_no_429(
        store: Store, bot: Bot, fake_bot: FakeBotAPI, clock: Clock) -> None:
    subs = [await make_subscriber(store, str(2000 + n)) for n in range(100)]
    await enqueue(store, make_item("fan"), subs)
    d = dispatcher(store, bot, clock)

    assert await d.drain_once() == 100

    assert fake_bot.rejected_429 == 0
    assert len(fake_bot.all_sent) == 100
    times = sorted(m.at for m in fake_bot.all_sent)
    busiest = max(sum(1 for t in times[i:] if t < start + 1.0) for i, start in enumerate(times))
    assert busiest <= 30


async def test_a_muted_story_sends_nothing_more_but_other_stories_still_arrive(
        store: Store, bot: Bot, fake_bot: FakeBotAPI, clock: Clock) -> None:
    from subscriptions.models import Mute

    sub = await make_subscriber(store, "1301")
    muted, other = make_item("m1"), make_item("o1")
    await enqueue(store, muted, [sub], links=[StoryLink("s-muted", muted.key, "first")],
                  heads=[Story("s-muted", "Muted story", (), T0, T0)])
    await enqueue(store, other, [sub], links=[StoryLink("s-other", other.key, "first")],
                  heads=[Story("s-other", "Other story", (), T0, T0)])
    await store.add_mute(Mute(sub.id, "s-muted"))
    assert await dispatcher(store, bot, clock).drain_once() == 2
    assert keys_in(fake_bot.sent(1301)) == ["o1"]
    states = {a.item_key: await state_of(store, a) for a in await store.alerts_of(sub.id)}
    assert states == {"m1": ("failed", "story muted"), "o1": ("sent", None)}


# --- a message in parts, interrupted ----------------------------------------------------------
async def test_a_split_alert_whose_second_part_fails_sends_only_the_rest_on_retry(
        store: Store, bot: Bot, fake_bot: FakeBotAPI, clock: Clock) -> None:
    sub = await make_subscriber(store, "1601")
    title = ("Ventura County <answers> ICE & the detainer 📜 " * 200)[:9_000]
    await enqueue(store, make_item("p1", title=title), [sub])
    fake_bot.fail_next(1, 502, after=1)  # part 1 goes, part 2 is refused once
    d = dispatcher(store, bot, clock)

    assert await d.drain_once() == 1
    sent_first = fake_bot.sent(1601)
    assert len(sent_first) == 1
    alert = await only_alert(store, sub)
    state, reason = await state_of(store, alert)
    assert (state, reason) == ("pending", "Bad Gateway")
    assert alert.parts_sent == 1 and alert.attempt == 0  # Telegram's 502: not the alert's

    clock.advance(3600)
    assert await d.drain_once() == 1
    parts = fake_bot.sent(1601)
    assert len(parts) == 3  # part 1 once, then parts 2 and 3: nothing twice
    assert squash(title) in squash("".join(p.plain for p in parts))
    assert parts[-1].buttons and not any(p.buttons for p in parts[:-1])
    assert await state_of(store, alert) == ("sent", None)


async def test_a_merged_message_cut_short_delivers_what_went_and_retries_only_the_rest(
        store: Store, bot: Bot, fake_bot: FakeBotAPI, clock: Clock) -> None:
    sub = await make_subscriber(store, "1602")
    keys = [f"m{n:02}" for n in range(70)]
    for n, key in enumerate(keys):
        long_title = f"Detainer update {n}: " + "Ventura County operation details " * 6
        await enqueue(store, make_item(key, title=long_title), [sub])
    fake_bot.fail_next(1, 502, after=1)
    d = dispatcher(store, bot, clock)

    assert await d.drain_once() == 70
    [part1] = fake_bot.sent(1602)
    delivered = keys_in([part1])
    assert 0 < len(delivered) < 70
    states = {a.item_key: (await state_of(store, a))[0] for a in await store.alerts_of(sub.id)}
    assert {k for k, s in states.items() if s in ("sent", "merged")} == set(delivered)
    assert {k for k, s in states.items() if s == "pending"} == set(keys) - set(delivered)

    clock.advance(3600)
    while await d.drain_once():
        clock.advance(3600)
    everything = keys_in(fake_bot.sent(1602))
    assert sorted(everything) == keys  # every alert once: none lost, none repeated


async def test_a_send_that_never_answers_times_out_and_is_retried(
        store: Store, bot: Bot, fake_bot: FakeBotAPI, clock: Clock) -> None:
    sub = await make_subscriber(store, "1603")
    await enqueue(store, make_item("h1"), [sub])

    class Hanging:
        name = "telegram"

        def is_group(self, address: str) -> bool:
            return False

        async def send(self, address: str, messages: Sequence[Message]) -> DeliveryResult:
            await asyncio.sleep(3600)
            return DeliveryResult("ok", message_id="never")

    views = ViewBuilder(store, as_async(ExtractiveSummarizer()), SOURCES)
    d = Dispatcher(store, {"telegram": Hanging()}, views, worker="test:1", clock=clock,
                   monotonic=time.monotonic,
                   policy=DispatchPolicy(send=SendPolicy(timeout=0.2)))
    assert await asyncio.wait_for(d.drain_once(), 5) == 1  # the batch is not stalled
    assert await state_of(store, await only_alert(store, sub)) == ("pending", "no answer in 0.2 s")
