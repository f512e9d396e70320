"""The Store contract, continued: reading many items at once (`items`), as the story page, the
chat's /latest, the tracker's start and the alerts' notes do.

Runs once per entry of conftest.BACKENDS, through the Store protocol only.
"""

from __future__ import annotations

from bot.store import Store

from .conftest import T0, at, make_item, make_state, new, revised


async def test_items_are_read_by_key_in_the_order_asked(store: Store) -> None:
    a, b, c = make_item("a"), make_item("b", published=None), make_item("c")
    await store.record_refresh(make_state(), [new(a), new(b), new(c)], T0)

    found = await store.items(["c", "nope", "a", "c", "b"])

    assert found == {"c": c, "a": a, "b": b}
    assert list(found) == ["c", "a", "b"]  # unknown keys left out, a repeated key once
    assert await store.items([]) == {}
    assert await store.items(iter(["b"])) == {"b": b}  # any iterable, read once


async def test_items_give_the_current_version_and_leave_pruned_ones_out(store: Store) -> None:
    old, v1, v2 = make_item("old"), make_item("a", text="One."), make_item("a", text="Two.")
    await store.record_refresh(make_state(), [new(old), new(v1)], T0)
    await store.record_refresh(make_state(), [revised(v2, v1)], at(120))
    assert await store.prune(before=at(60)) == 1

    assert await store.items(["old", "a"]) == {"a": v2}


async def test_items_read_more_keys_than_one_query_may_bind(store: Store) -> None:
    many = [make_item(f"k{n:04}") for n in range(1_203)]  # over two IN (...) chunks
    await store.record_refresh(make_state(), [new(i) for i in many], T0)

    found = await store.items(reversed([i.key for i in many]))

    assert list(found.values()) == many[::-1]
