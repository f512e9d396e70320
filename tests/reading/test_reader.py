"""Reading over a real SQLite store: what /latest, `alertbot story`, the chat's story button,
the tracker's start and the console's notes read, and that each costs a bounded number of
store calls however large the story or the history is. The calls are counted by a wrapper
around the real store that delegates every call (nothing of ours is faked)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import cast

import pytest

from bot import app as application
from bot.ingest.schedule import PollPolicy
from bot.models import Annotations, Change, ChangeKind, Item, Story, StoryLink
from bot.reading.reader import Reading
from bot.store import Store, open_store
from subscriptions.models import Subscriber
from tests.reading.counting import Counting
from tests.store.conftest import T0, make_item, make_state, make_subscriber, match, new

DAY = timedelta(days=1)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    s = open_store(f"sqlite:///{tmp_path}/reading.db")
    await s.migrate()
    yield s
    await s.close()


def reading(store: Store | Counting) -> Reading:
    return Reading(cast(Store, store), (), PollPolicy(), lambda: T0)


async def a_story(store: Store, sub: Subscriber, story_id: str, n: int,
                  when: datetime = T0) -> list[Item]:
    """A story of n items recorded at `when`, each matched for `sub` (n alerts)."""
    items = [make_item(f"{story_id}-{i:03}", published=when + timedelta(minutes=i),
                       text=f"Officers made arrest number {i}.") for i in range(n)]
    links = tuple(StoryLink(story_id, it.key, "first" if i == 0 else "development")
                  for i, it in enumerate(items))
    head = Story(story_id, f"Story {story_id}", (), when, when)
    notes = Annotations(matches=tuple(match(it, 1, sub.id) for it in items), links=links,
                        stories=(head,))
    await store.record_refresh(make_state(), [new(it) for it in items], when, notes)
    return items


async def stories(store: Store, sub: Subscriber, names: Sequence[str],
                  when: datetime = T0) -> None:
    """One-item stories, one after the other (the last one matched last)."""
    for n, name in enumerate(names):
        await a_story(store, sub, name, 1, when + timedelta(minutes=n))


@pytest.mark.parametrize("size", [3, 300])
async def test_a_story_page_is_three_reads_however_long(store: Store, size: int) -> None:
    items = await a_story(store, await make_subscriber(store), "s-big", size)
    counting = Counting(store)

    page = await reading(counting).story_page("s-big")

    assert page is not None and page.story.id == "s-big"
    assert [m.item for m in page.members] == items  # in timeline order, with their items
    assert [m.link.role for m in page.members[:2]] == ["first", "development"][:size]
    assert counting.calls == {"story": 1, "story_links": 1, "items": 1}
    assert await reading(store).story_page("s-nope") is None


async def test_a_pruned_item_keeps_its_place_in_the_story_page(store: Store) -> None:
    sub = await make_subscriber(store)
    items = await a_story(store, sub, "s-a", 3)
    kept = [items[0], items[2]]
    await store.record_refresh(make_state(), [Change(ChangeKind.SEEN, i) for i in kept], T0 + DAY)
    assert await store.prune(before=T0 + DAY / 2) == 1

    page = await reading(store).story_page("s-a")

    assert page is not None
    assert [m.item for m in page.members] == [items[0], None, items[2]]
    assert [item for item, _ in page.timeline] == kept


async def test_latest_is_newest_first_one_per_story_in_three_reads(store: Store) -> None:
    sub = await make_subscriber(store)
    await a_story(store, sub, "s-big", 300)  # 300 alerts of one story, matched first
    await stories(store, sub, [f"s-{n:03}" for n in range(300)], T0 + DAY)
    counting = Counting(store)

    for n in (10, 20):
        counting.calls.clear()
        latest = await reading(counting).latest("telegram", sub.address, n)
        assert [s.story_id for s in latest] == [f"s-{k:03}" for k in range(299, 299 - n, -1)]
        assert counting.calls == {"subscriber": 1, "alerts_of": 1, "items": 1}
    newest = (await reading(store).latest("telegram", sub.address, 1))[0]
    assert (newest.title, newest.url) == ("Release s-299-000",
                                          "https://www.ice.gov/news/s-299-000")
    assert newest.when == T0 + DAY + timedelta(minutes=299)  # when it was matched
    oldest = await reading(store).latest("telegram", sub.address, 500)
    assert len(oldest) == 301 and oldest[-1].story_id == "s-big"  # the big story once


async def test_latest_passes_over_pruned_items_to_older_stories(store: Store) -> None:
    sub = await make_subscriber(store)
    await stories(store, sub, ["s-old-a", "s-old-b", "s-old-c"])
    await stories(store, sub, ["s-new-a", "s-new-b"], T0 + DAY)  # matched later...
    older = await store.items(["s-old-a-000", "s-old-b-000", "s-old-c-000"])
    await store.record_refresh(make_state(), [Change(ChangeKind.SEEN, i) for i in
                                              older.values()], T0 + 3 * DAY)
    assert await store.prune(before=T0 + 2 * DAY) == 2  # ...but seen last long ago
    counting = Counting(store)

    latest = await reading(counting).latest("telegram", sub.address, 3)

    assert [s.story_id for s in latest] == ["s-old-c", "s-old-b", "s-old-a"]
    assert counting.calls["items"] == 2  # the 3 newest (2 pruned), then the next ones
    assert await reading(store).latest("telegram", "no-such-chat", 3) == []


async def test_a_story_button_reads_the_story_and_its_first_item(store: Store) -> None:
    items = await a_story(store, await make_subscriber(store), "s-a", 300)
    counting = Counting(store)

    info = await reading(counting).story_info("s-a")

    assert info is not None and (info.id, info.title, info.url) == (
        "s-a", "Story s-a", items[0].url)
    assert info.agencies == ("ICE",)
    assert counting.calls == {"story": 1, "items": 1}
    assert await reading(store).story_info("s-nope") is None


async def test_the_tracker_starts_from_two_reads_however_many_stories(store: Store) -> None:
    sub = await make_subscriber(store)
    await a_story(store, sub, "s-big", 300)
    await stories(store, sub, [f"s-{n:02}" for n in range(40)])
    counting = Counting(store)

    tracker = await application.story_tracker(cast(Store, counting), T0 + timedelta(hours=1))

    assert len(tracker.open_stories) == 41
    big = next(s for s in tracker.open_stories if s.id == "s-big")
    assert len(big.members) == 300
    assert counting.calls == {"stories": 1, "items": 1}


async def test_a_development_note_reads_the_earlier_items_at_once(store: Store) -> None:
    sub = await make_subscriber(store)
    items = await a_story(store, sub, "s-a", 300)
    last = items[-1]
    link = await store.story_of(last.key)
    counting = Counting(store)

    notes = await application.alert_notes(cast(Store, counting), new(last), link)

    assert notes[0] == "Story: Story s-a (300 items)"
    assert counting.calls == {"story": 1, "items": 1}
