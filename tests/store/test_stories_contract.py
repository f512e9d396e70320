"""The Store contract, continued: developing stories. What record_refresh does with story links
and heads, the reading methods, and the migration to schema version 3.

Runs once per entry of conftest.BACKENDS, through the Store protocol only (the shared migration
list is swapped to build a version-2 database).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

import pytest

from bot.errors import StoreError
from bot.models import Annotations, Item, Story, StoryLink
from bot.store import Store, migrations

from .conftest import (
    T0,
    as_of_version,
    at,
    baseline,
    make_item,
    make_state,
    match,
    new,
    revised,
    seen,
    tag,
)


def link(item: Item, story_id: str = "s-a", role: str = "development", **kw: object) -> StoryLink:
    score = 1.0 if role == "first" else 0.5
    return StoryLink(story_id, item.key, role, **{"score": score, **kw})  # type: ignore[arg-type]


def head(story_id: str = "s-a", title: str = "Story A", *, created: datetime = T0,
         updated: datetime = T0) -> Story:
    """A story head as the tracker hands it over; its item keys are not stored."""
    return Story(story_id, title, item_keys=("ignored",), created=created, updated=updated)


def notes(links: list[StoryLink], heads: list[Story], **kw: object) -> Annotations:
    return Annotations(links=tuple(links), stories=tuple(heads), **kw)  # type: ignore[arg-type]


async def start(store: Store, item: Item, story_id: str = "s-a", when: datetime = T0) -> None:
    """Record `item` NEW, starting story `story_id`."""
    first = notes([link(item, story_id, "first")], [head(story_id, created=when, updated=when)])
    await store.record_refresh(make_state(), [new(item)], when, first)


# --- writing ----------------------------------------------------------------------------------
async def test_a_new_item_starts_a_story(store: Store) -> None:
    a = make_item("a")
    first = link(a, role="first")
    recorded = await store.record_refresh(
        make_state(), [new(a)], T0, notes([first], [head()], tags=(tag("a", "us-ca"),))
    )
    assert recorded == (new(a),)

    story = Story("s-a", "Story A", ("a",), T0, T0, ("ice",), ("ICE",), ("CA",))
    assert await store.story("s-a") == story
    assert await store.stories() == [story]
    assert await store.story_links("s-a") == [first]
    assert await store.story_of("a") == first


async def test_a_development_joins_at_position_two(store: Store) -> None:
    a, b = make_item("a"), make_item("b", source_id="dhs", agency="DHS")
    await start(store, a)
    joined = link(b, responds_to="a", lag_seconds=3600.0)
    # the head's title and update time count; its creation time does not
    moved = head(title="Story A, day two", created=at(50), updated=at(60))
    await store.record_refresh(make_state("dhs"), [new(b)], at(60), notes([joined], [moved]))

    assert await store.story_links("s-a") == [link(a, role="first"), joined]
    assert await store.story_of("b") == joined
    story = Story("s-a", "Story A, day two", ("a", "b"), T0, at(60), ("ice", "dhs"), ("ICE", "DHS"))
    assert await store.story("s-a") == story


async def test_links_of_one_refresh_join_in_their_order(store: Store) -> None:
    a, b, c, d = (make_item(k) for k in "abcd")
    links = [link(a, role="first"), link(c), link(d, "s-d", "first"), link(b)]
    heads = [head(), head("s-d", "Story D")]
    changes = [new(i) for i in (a, b, c, d)]
    await store.record_refresh(make_state(), changes, T0, notes(links, heads))
    assert [lk.item_key for lk in await store.story_links("s-a")] == ["a", "c", "b"]
    assert await store.story_links("s-d") == [link(d, "s-d", "first")]


async def test_a_new_that_lost_the_race_writes_no_story_row(store: Store) -> None:
    first = make_item("a", source_id="ice", text="ICE wording.")
    raced = make_item("a", source_id="cbp", text="CBP wording.")
    await start(store, first)
    loser = notes([link(raced, "s-other", "first")], [head("s-other", updated=at(1))])
    assert await store.record_refresh(make_state("cbp"), [new(raced)], at(1), loser) == (
        seen(raced),
    )
    assert await store.story_of("a") == link(first, role="first")
    assert await store.story("s-other") is None
    assert [(s.id, s.updated) for s in await store.stories()] == [("s-a", T0)]


async def test_only_new_items_join_revised_and_baseline_do_not(store: Store) -> None:
    a1, b = make_item("a"), make_item("b")
    await start(store, a1)
    await store.record_refresh(make_state(), [baseline(b)], T0)
    a2 = make_item("a", text="Edited.")
    moved = notes([link(a2, "s-x", "first"), link(b, "s-x")], [head("s-x")])
    await store.record_refresh(make_state(), [revised(a2, a1), seen(b)], at(1), moved)
    c = make_item("c")
    await store.record_refresh(make_state("x"), [baseline(c)], at(2), notes([link(c)], [head()]))

    assert await store.story_of("a") == link(a1, role="first")  # the item keeps its story
    assert await store.story_of("b") is None and await store.story_of("c") is None
    assert [s.id for s in await store.stories()] == ["s-a"]
    assert (await store.story("s-a")) == Story("s-a", "Story A", ("a",), T0, T0, ("ice",), ("ICE",))


async def test_a_story_linked_without_a_head_must_exist_and_is_updated_now(store: Store) -> None:
    a, b = make_item("a"), make_item("b")
    await start(store, a)
    await store.record_refresh(make_state(), [new(b)], at(5), notes([link(b)], []))
    story = await store.story("s-a")
    assert story is not None and story.item_keys == ("a", "b")
    assert (story.title, story.created, story.updated) == ("Story A", T0, at(5))


# --- nothing written half ---------------------------------------------------------------------
REFUSED = {
    "link of a key no change carries": ([link(make_item("zzz"))], [head()], "no change carries"),
    "new story without a head": ([link(make_item("b"), "s-new")], [], "head is missing"),
    "first link without a head": ([link(make_item("b"), "s-a", "first")], [], "head is missing"),
    "two links of one key": ([link(make_item("b")), link(make_item("b"), "s-b")], [head()],
                             "another link"),
    "unknown role": ([link(make_item("b"), role="sequel")], [head()], "role"),
    "two heads of one story": ([link(make_item("b"))], [head(), head()], "two heads"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
async def test_a_bad_link_is_refused_and_nothing_written(store: Store, case: str) -> None:
    links, heads, message = REFUSED[case]
    b = make_item("b")
    with pytest.raises(ValueError, match=message):
        noted = notes(links, heads, tags=(tag("b"),), matches=(match(b, 1),))
        await store.record_refresh(make_state(etag="new"), [new(b)], T0, noted)
    assert await store.count_items() == 0
    assert await store.source_states() == {}
    assert await store.stories() == [] and await store.story_of("b") is None
    assert await store.item_matches("b") == []


async def test_a_link_failing_in_the_database_writes_nothing(store: Store) -> None:
    a, b, c = make_item("a"), make_item("b"), make_item("c")
    await start(store, a)
    broken = dataclasses.replace(link(c), score=None)  # violates NOT NULL, written last
    moved = head(title="Moved", updated=at(1))
    with pytest.raises(StoreError):
        await store.record_refresh(
            make_state(etag="new"), [new(b), new(c)], at(1), notes([link(b), broken], [moved])
        )
    assert await store.known_items(["b", "c"]) == {}
    assert await store.source_state("ice") == make_state()
    assert await store.story_links("s-a") == [link(a, role="first")]
    assert await store.story("s-a") == Story("s-a", "Story A", ("a",), T0, T0, ("ice",), ("ICE",))


# --- reading ----------------------------------------------------------------------------------
async def test_stories_most_recently_updated_first_with_limit_and_since(store: Store) -> None:
    for n, key in enumerate(["a", "b", "c", "d"]):
        await start(store, make_item(key), f"s-{key}", at(10 * n))
    await store.record_refresh(
        make_state(), [new(make_item("e"))], at(100), notes([link(make_item("e"), "s-b")], [])
    )
    assert [s.id for s in await store.stories()] == ["s-b", "s-d", "s-c", "s-a"]
    assert [s.id for s in await store.stories(limit=2)] == ["s-b", "s-d"]
    assert [s.id for s in await store.stories(updated_since=at(20))] == ["s-b", "s-d", "s-c"]
    assert [s.id for s in await store.stories(1, updated_since=at(20))] == ["s-b"]
    assert await store.stories(updated_since=at(101)) == []
    assert await store.stories(limit=0) == []


async def test_unknown_story_and_item(store: Store) -> None:
    assert await store.story("s-none") is None
    assert await store.story_links("s-none") == []
    assert await store.story_of("none") is None


async def test_a_pruned_item_keeps_its_place(store: Store) -> None:
    a, b = make_item("a"), make_item("b", source_id="dhs", agency="DHS")
    first = notes([link(a, role="first")], [head()], tags=(tag("a", "us-ca"), tag("a", "us-ny")))
    await store.record_refresh(make_state(), [new(a)], T0, first)
    joined = notes([link(b)], [head(updated=at(120))], tags=(tag("b", "us-tx"), tag("b", "us-ca")))
    await store.record_refresh(make_state("dhs"), [new(b)], at(120), joined)
    story = await store.story("s-a")
    assert story is not None and story.places == ("CA", "NY", "TX")

    assert await store.prune(before=at(60)) == 1
    assert await store.story("s-a") == Story(
        "s-a", "Story A", ("a", "b"), T0, at(120), ("dhs",), ("DHS",), ("CA", "TX")
    )
    assert [lk.item_key for lk in await store.story_links("s-a")] == ["a", "b"]
    assert await store.story_of("a") == link(a, role="first")


# --- migration --------------------------------------------------------------------------------
async def test_a_version_2_database_migrates_keeping_its_data(
    unmigrated_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = unmigrated_store
    a = make_item("a")
    with monkeypatch.context() as patch:
        as_of_version(patch, 2)
        assert await store.migrate() == 2
        # No matches: today's record_refresh puts a match's alert in the outbox (version 4).
        old = Annotations(tags=(tag("a"),))
        await store.record_refresh(make_state(etag="x"), [new(a)], T0, old)
        # (No subscriber: today's subscriber columns — quiet hours, version 5 — are not there.)

    assert await store.migrate() == migrations.LATEST >= 3
    assert await store.item("a") == a and await store.source_state("ice") == make_state(etag="x")
    assert await store.item_tags("a") == [tag("a")]
    assert await store.stories() == [] and await store.story_of("a") is None

    b = make_item("b")
    await store.record_refresh(make_state(), [new(b)], at(1), notes([link(b, "s-b", "first")],
                                                                    [head("s-b")]))
    assert await store.story_of("b") == link(b, "s-b", "first")
