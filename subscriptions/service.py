"""Subscription use cases: subscribe, list, unsubscribe, pause/resume, mute — and matching.

Chat commands (Telegram, Discord) and the CLI call these; they never touch SQL. The service
keeps the in-memory `Matcher` in step with the `SubscriptionStore`: every change is written
first, then applied to the index, so a crash loses nothing (the index is rebuilt from the store
by `load()` at start).

Errors a user can fix are `QueryError` (a malformed query: position and hint) or
`ServiceError` (no subscription number 7, quota reached), both phrased for the user.
Must not import bot.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from subscriptions.gazetteer import Gazetteer
from subscriptions.matcher import Matcher
from subscriptions.models import MODES, Document, Match, Mute, Subscriber, Subscription
from subscriptions.query import Limits, Query, QueryError, describe, parse_query
from subscriptions.store import QuotaExceeded, SubscriptionStore
from subscriptions.terms import Synonyms


class ServiceError(ValueError):
    """A request that cannot be done as asked; str() is the message for the user."""


@dataclass(frozen=True)
class Listed:
    number: int  # 1-based, what /unsubscribe takes
    subscription: Subscription
    description: str


class SubscriptionService:
    def __init__(
        self, store: SubscriptionStore, gazetteer: Gazetteer, synonyms: Synonyms, *,
        limits: Limits | None = None, sources: Mapping[str, str] | None = None,
    ) -> None:
        """`sources` maps every valid from: value (source ids and agencies) to a display
        name."""
        self._store = store
        self.gazetteer = self._gaz = gazetteer
        self._synonyms = synonyms
        self._limits = limits or Limits()
        self._sources = dict(sources or {})
        self.matcher = Matcher(synonyms, gazetteer.containers,
                               lambda pid: gazetteer.get(pid).name)

    # --- queries --------------------------------------------------------------------------

    def parse(self, text: str) -> Query:
        return self._parse(text)[0]

    def _parse(self, text: str) -> tuple[Query, tuple[str, ...]]:
        """The query and the ids of its in: places, resolved ONCE: a display name such as
        "Orange County" names several places, so it must never be looked up again."""
        known: Collection[str] | None = self._sources or None
        resolved: dict[str, str] = {}  # canonical name -> place id, in query order

        def resolve(name: str) -> str:
            place = self._gaz.resolve(name)
            shown = place.name
            if resolved.get(shown, place.id) != place.id and place.parent:  # a namesake
                shown = f"{place.name} ({self._gaz.get(place.parent).name})"
            resolved.setdefault(shown, place.id)
            return shown

        query = parse_query(text, limits=self._limits, known_sources=known,
                            resolve_place=resolve)
        return query, tuple(resolved[p] for p in query.places if p in resolved)

    def describe(self, query: Query) -> str:
        return describe(query, self._synonyms, source_names=self._sources)

    async def load(self) -> int:
        """Build the index from the store; queries that no longer parse (a place renamed,
        a source removed) are skipped, not fatal. Return how many were indexed."""
        for sub, subscriber in await self._store.active_subscriptions():
            try:
                query, places = self._parse(sub.query)
            except QueryError:
                continue
            self.matcher.add(sub.id, subscriber.id, query, places)
        return len(self.matcher)

    def match(self, doc: Document) -> list[Match]:
        return self.matcher.match(doc)

    def preview(self, text: str, docs: Iterable[Document]) -> list[tuple[Document, Match]]:
        """Which of `docs` the query would match, and why — before anyone subscribes.
        Uses a throwaway index, so the live one is untouched."""
        query, places = self._parse(text)
        index = Matcher(self._synonyms, self._gaz.containers, lambda p: self._gaz.get(p).name)
        index.add(0, 0, query, places)
        return [(d, found[0]) for d in docs if (found := index.match(d))]

    # --- use cases --------------------------------------------------------------------------

    async def subscribe(self, channel: str, address: str, text: str, *, now: datetime,
                        lang: str = "en", mode: str | None = None) -> Listed:
        """`mode` None: the subscriber's chosen default (`/digest daily` makes it daily)."""
        query, places = self._parse(text)  # QueryError before anything is written
        subscriber = await self._store.ensure_subscriber(channel, address, now, lang)
        try:
            sub = await self._store.add_subscription(subscriber.id, text.strip(),
                                                     mode or subscriber.digest, now,
                                                     self._limits.max_subscriptions)
        except QuotaExceeded as exc:
            raise ServiceError(
                f"you have {exc.count} subscriptions, the most allowed is {exc.limit}: "
                "/unsubscribe one first (/list shows them)") from None
        self.matcher.add(sub.id, subscriber.id, query, places)
        number = len(await self._store.subscriptions_of(subscriber.id))
        return Listed(number, sub, self.describe(query))

    async def list(self, channel: str, address: str) -> list[Listed]:
        subscriber = await self._store.subscriber(channel, address)
        if subscriber is None:
            return []
        out = []
        for n, sub in enumerate(await self._store.subscriptions_of(subscriber.id), 1):
            try:
                shown = self.describe(self.parse(sub.query))
            except QueryError as exc:
                shown = f"{sub.query} (not active: {exc})"
            out.append(Listed(n, sub, shown))
        return out

    async def unsubscribe(self, channel: str, address: str, which: str) -> list[Listed]:
        """`which` is "all", a number from /list, or several ("1 3", "1,3")."""
        listed = await self.list(channel, address)
        if not listed:
            raise ServiceError("you have no subscriptions; /subscribe <query> adds one")
        chosen = listed if which.strip().lower() == "all" else _pick(listed, which)
        subscriber_id = listed[0].subscription.subscriber_id
        await self._store.remove_subscriptions(subscriber_id,
                                               [x.subscription.id for x in chosen])
        for x in chosen:
            self.matcher.remove(x.subscription.id)
        return chosen

    async def set_mode(self, channel: str, address: str, mode: str,
                       which: str = "all") -> list[Listed]:
        """Make the subscriptions `which` names ("all", or numbers from /list) instant, daily
        or weekly; "all" also makes it the mode of subscriptions added later. Returns the
        subscriptions changed, as they are now."""
        if mode not in MODES:
            raise ServiceError(f"{mode!r} is not a delivery mode: use one of {', '.join(MODES)}")
        subscriber = await self._require(channel, address)
        listed = await self.list(channel, address)
        everything = which.strip().lower() == "all"
        if not listed and not everything:
            raise ServiceError("you have no subscriptions; /subscribe <query> adds one")
        chosen = listed if everything else _pick(listed, which)
        await self._store.set_modes(subscriber.id, [x.subscription.id for x in chosen], mode)
        if everything and subscriber.digest != mode:
            await self._store.update_subscriber(replace(subscriber, digest=mode))
        return [replace(x, subscription=replace(x.subscription, mode=mode)) for x in chosen]

    async def set_paused(self, channel: str, address: str, paused: bool) -> Subscriber:
        subscriber = await self._require(channel, address)
        updated = replace(subscriber, paused=paused)
        await self._store.update_subscriber(updated)
        return updated

    async def mute(self, channel: str, address: str, story_id: str,
                   until: datetime | None = None) -> Mute:
        subscriber = await self._require(channel, address)
        mute = Mute(subscriber.id, story_id, until)
        await self._store.add_mute(mute)
        return mute

    async def _require(self, channel: str, address: str) -> Subscriber:
        subscriber = await self._store.subscriber(channel, address)
        if subscriber is None:
            raise ServiceError("you have no subscriptions yet; /subscribe <query> adds one")
        return subscriber


def _pick(listed: list[Listed], which: str) -> list[Listed]:
    words = which.replace(",", " ").split()
    if not words:
        raise ServiceError("say which: /unsubscribe <number> (see /list) or /unsubscribe all")
    chosen = []
    for word in words:
        if not word.isdecimal():
            raise ServiceError(f"{word!r} is not a subscription number; "
                               "use a number from /list, or 'all'")
        n = int(word)
        if not 1 <= n <= len(listed):
            raise ServiceError(f"there is no subscription number {n}; you have "
                               f"{len(listed)} (1–{len(listed)}), /list shows them")
        chosen.append(listed[n - 1])
    return list(dict.fromkeys(chosen))
