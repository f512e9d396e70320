"""Subscription use cases over the real SQLite store, and the refresh pipeline recording who
wants each new item (real HTTP server, real store, nothing mocked)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot import app as application
from bot.models import ChangeKind, Source
from bot.settings import PollingSettings, Settings, StorageSettings, SubscriptionSettings
from bot.store import Store, open_store
from subscriptions.gazetteer import load_gazetteer
from subscriptions.query import Limits, QueryError
from subscriptions.service import ServiceError, SubscriptionService
from subscriptions.terms import load_synonyms
from tests.httpserver import LocalServer
from tests.paths import ero_feed

NOW = datetime(2026, 2, 6, tzinfo=UTC)
CHAT = ("telegram", "1001")
SOURCES = {"ice": "ICE", "dhs": "DHS", "ice-breaking": "ICE breaking news"}


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    s = open_store(f"sqlite:///{tmp_path}/subs.db")
    await s.migrate()
    yield s
    await s.close()


def service(store: Store, limit: int = 50) -> SubscriptionService:
    return SubscriptionService(store, load_gazetteer(), load_synonyms(),
                               limits=Limits(max_subscriptions=limit), sources=SOURCES)


async def test_subscribe_confirms_with_synonyms_and_lists_in_order(store: Store) -> None:
    svc = service(store)
    first = await svc.subscribe(*CHAT, "detainer in:California", now=NOW)
    assert first.number == 1
    assert first.description.startswith("detainer (also matching: ")
    assert "ICE hold" in first.description and "in California" in first.description
    await svc.subscribe(*CHAT, 'sanctuary from:dhs', now=NOW)
    assert [x.number for x in await svc.list(*CHAT)] == [1, 2]
    second = (await svc.list(*CHAT))[1].description
    assert second.startswith("sanctuary (also matching: ") and second.endswith(" · from DHS")
    assert "California Values Act" in second


@pytest.mark.parametrize(("query", "message"), [
    ('"immigration detainer', "unclosed quote at"),
    ("in:\"Los Angles\"", 'unknown place "Los Angles" at 3 — did you mean "Los Angeles"'),
    ("-football", "only exclusions"),
    ("from:cbp", 'unknown source "cbp" at 5 — /sources lists them'),
])
async def test_bad_queries_are_refused_and_nothing_is_written(
    store: Store, query: str, message: str
) -> None:
    svc = service(store)
    with pytest.raises(QueryError, match=message):
        await svc.subscribe(*CHAT, query, now=NOW)
    assert await store.subscriber(*CHAT) is None and len(svc.matcher) == 0


async def test_quota_is_enforced_with_a_way_out(store: Store) -> None:
    svc = service(store, limit=2)
    await svc.subscribe(*CHAT, "detainer", now=NOW)
    await svc.subscribe(*CHAT, "sanctuary", now=NOW)
    with pytest.raises(ServiceError, match="the most allowed is 2: /unsubscribe one first"):
        await svc.subscribe(*CHAT, "jail", now=NOW)
    assert len(await svc.list(*CHAT)) == 2 and len(svc.matcher) == 2


async def test_unsubscribe_one_several_all_and_wrong_numbers(store: Store) -> None:
    svc = service(store)
    for q in ("detainer", "sanctuary", "jail", "tunnel"):
        await svc.subscribe(*CHAT, q, now=NOW)
    gone = await svc.unsubscribe(*CHAT, "2")
    assert [x.subscription.query for x in gone] == ["sanctuary"]
    assert [x.subscription.query for x in await svc.list(*CHAT)] == ["detainer", "jail", "tunnel"]
    with pytest.raises(ServiceError, match="no subscription number 9; you have 3"):
        await svc.unsubscribe(*CHAT, "9")
    with pytest.raises(ServiceError, match="'two' is not a subscription number"):
        await svc.unsubscribe(*CHAT, "two")
    await svc.unsubscribe(*CHAT, "1, 3")
    assert [x.subscription.query for x in await svc.list(*CHAT)] == ["jail"]
    await svc.unsubscribe(*CHAT, "all")
    assert await svc.list(*CHAT) == [] and len(svc.matcher) == 0
    with pytest.raises(ServiceError, match="no subscriptions"):
        await svc.unsubscribe(*CHAT, "all")


async def test_index_is_rebuilt_from_the_store_at_start(store: Store) -> None:
    await service(store).subscribe(*CHAT, "detainer in:California", now=NOW)
    await service(store).subscribe("email", "a@example.org", "tunnel", now=NOW)
    fresh = service(store)
    assert await fresh.load() == 2


async def test_pause_resume_and_mute(store: Store) -> None:
    svc = service(store)
    with pytest.raises(ServiceError, match="no subscriptions yet"):
        await svc.set_paused(*CHAT, True)
    await svc.subscribe(*CHAT, "detainer", now=NOW)
    assert (await svc.set_paused(*CHAT, True)).paused
    assert not (await svc.set_paused(*CHAT, False)).paused
    mute = await svc.mute(*CHAT, "story-1")
    assert mute.story_id == "story-1"


async def test_refresh_records_who_wants_each_new_item(
    local_server: LocalServer, tmp_path: Path
) -> None:
    cfg = Settings(storage=StorageSettings(url=f"sqlite:///{tmp_path}/a.db"),
                   polling=PollingSettings(builtin_sources=False),
                   subscriptions=SubscriptionSettings())
    src = Source(id="ice-ero", kind="feed", url=local_server.url("/ero"), agency="ice",
                 jurisdiction="federal")
    app = await application.build(cfg, sources=(src,))
    try:
        svc = app.subscriptions
        ca = await svc.subscribe(*CHAT, 'detainer in:"Orange County"', now=NOW)
        await svc.subscribe("telegram", "2002", "detainer in:Texas", now=NOW)
        await svc.subscribe("telegram", "3003", "in:\"West Virginia\"", now=NOW)
        local_server.serve_bytes("/ero", ero_feed("New York"), "application/rss+xml")
        await app.scheduler.poll_once(force=True)  # baseline
        local_server.serve_bytes("/ero", ero_feed("New York", "Anaheim", "West Virginia"),
                                 "application/rss+xml")
        [polled] = await app.scheduler.poll_once(force=True)
        report = polled.report
        assert report is not None
        new = {c.item.title: c.item for c in report.of_kind(ChangeKind.NEW)}
        anaheim = next(i for t, i in new.items() if "manslaughter" in t)
        [m] = await app.store.item_matches(anaheim.key)
        assert m.subscription_id == ca.subscription.id
        assert any("Anaheim ⊂ Orange County" in r for r in m.reasons)
        assert "Anaheim" in {t.name for t in await app.store.item_tags(anaheim.key)}
        wv = next(i for t, i in new.items() if "West Virginia" in t)
        assert [x.subscriber_id for x in await app.store.item_matches(wv.key)] == [
            (await app.store.subscriber("telegram", "3003")).id]  # type: ignore[union-attr]
    finally:
        await app.close()


async def test_namesake_places_keep_the_place_the_user_chose(store: Store) -> None:
    svc = service(store)
    florida = await svc.subscribe(*CHAT, 'in:"Orange County, Florida"', now=NOW)
    query, ids = svc._parse(florida.subscription.query)  # noqa: SLF001 — the ids are the point
    assert ids == ("us-fl-county-12095",)
    _, both = svc._parse('in:"Orange County, Florida" in:"Orange County"')  # noqa: SLF001
    assert both == ("us-fl-county-12095", "us-ca-county-06059")
