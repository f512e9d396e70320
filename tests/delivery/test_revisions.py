"""A revised release, delivered: only to who got the earlier version, as a reply in the story's
thread, saying what changed — even moments after the first version went out (the dispatcher's
view of an item is kept a moment for fan-outs, and must never show the old version)."""

from __future__ import annotations

from telegram import Bot

from bot.models import Annotations, ItemMatch, Story, StoryLink
from bot.store import Store
from tests.delivery.kit import Clock, dispatcher, enqueue, subscription_of
from tests.fakebot import FakeBotAPI
from tests.store.conftest import make_item, make_state, make_subscriber, revised

BEFORE = "ICE lodged 33,000 detainers with California. The Governor's office disputes it."
AFTER = "ICE lodged 33,179 detainers with California. The Governor's office disputes it."


async def test_a_revision_right_after_the_release_goes_to_earlier_recipients_only(
        store: Store, bot: Bot, fake_bot: FakeBotAPI, clock: Clock) -> None:
    early, late = await make_subscriber(store, "3001"), await make_subscriber(store, "3002")
    first = make_item("rv1", title="ICE: 33,000 detainers ignored", text=BEFORE)
    story = Story("s-rv1", first.title, (), clock.now, clock.now)
    await enqueue(store, first, [early], links=[StoryLink(story.id, first.key, "first")],
                  heads=[story])
    d = dispatcher(store, bot, clock)
    assert await d.drain_once() == 1
    [original] = fake_bot.sent(3001)
    assert "33,000" in original.plain

    second = make_item("rv1", title="ICE: 33,179 detainers ignored", text=AFTER)
    wants = [(await subscription_of(store, s), s.id) for s in (early, late)]
    matches = tuple(ItemMatch(second.key, second.content_hash, w, s, ("detainer",))
                    for w, s in wants)
    await store.record_refresh(make_state(), [revised(second, first)], clock.advance(1),
                               Annotations(matches=matches))
    assert await d.drain_once() == 1  # the late subscriber never heard of it: no revision
    _, revision = fake_bot.sent(3001)
    assert "33,179 detainers ignored" in revision.plain  # the new version, not the kept one
    assert "33,000" in revision.plain and "33,179" in revision.plain  # what changed
    assert revision.reply_to == original.message_id  # in the story's thread
    assert fake_bot.sent(3002) == []
