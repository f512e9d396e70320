"""Refresh one source end to end: fetch → parse → normalise → dedup → enrich → store.

The only place that knows the order of the ingest stages; the stages never call each other.
Every outcome ends in a `RefreshReport` and a saved `SourceState`; nothing here raises for a bad
feed or a bad network (only a store failure propagates, and then nothing was written).

Rules that protect users:
- an unchanged feed costs no parse: a 304, or a 200 whose body hash equals the last one;
- a failed, empty or unparseable fetch never touches items (seen-state is never wiped) and
  keeps the previous validators, so the next poll fetches the whole document again;
- the linked release page is fetched only for NEW and REVISED items of `full_text` sources;
- a source whose address answered 410 Gone is not fetched again (`bot.ingest.waiting`) unless
  forced, and the 410 is logged once, when it disabled the source;
- a malformed document's items that only lost text are no revision (dedup rule 6): the stored
  version stays, and a `revision_refused` warning says so;
- a refresh with more changes than the flood limit is recorded, not announced
  (bot.ingest.flood): no release pages, no stories, no alerts but one notice at most.

Must not import bot.channels or bot.delivery.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.ingest import schedule, waiting
from bot.ingest.article import extract_text
from bot.ingest.dedup import decide
from bot.ingest.feeds import parse_feed
from bot.ingest.fetcher import HTML_ACCEPT, Fetcher
from bot.ingest.flood import FloodPolicy, flood_of
from bot.ingest.listings import page_urls, parse_listing
from bot.ingest.normalize import normalize
from bot.logs import event
from bot.models import (
    Annotations,
    Change,
    ChangeKind,
    FetchResult,
    Flood,
    Outcome,
    ParsedFeed,
    RefreshReport,
    Source,
    SourceState,
)
from bot.store import Store
from bot.stories.tracker import StoryTracker
from bot.timetext import duration

log = logging.getLogger("alertbot.refresh")
Annotate = Callable[[Source, Sequence[Change], Flood | None], Annotations]
ENRICH = (ChangeKind.NEW, ChangeKind.REVISED)


@dataclass(frozen=True)
class Refresher:
    store: Store
    fetcher: Fetcher
    policy: schedule.PollPolicy
    clock: Callable[[], datetime]
    rand: Callable[[], float]
    annotate: Annotate | None = None  # tags and matches for NEW/REVISED items
    stories: StoryTracker | None = None  # developing stories the NEW items join
    activity: Callable[[Source], schedule.Activity] | None = None  # the agency's, for the pace
    flood: FloodPolicy = FloodPolicy()  # how many changes one refresh may announce

    async def refresh(self, source: Source, *, force: bool = False) -> RefreshReport:
        """`force`: fetch even a source disabled by a 410 Gone (a success enables it again)."""
        now = self.clock()
        prev = await self.store.source_state(source.id) or SourceState(source.id)
        if not force and waiting.disabled(prev, source):
            return self._still_disabled(source, prev, now)
        result = await self.fetcher.fetch(
            source.url, etag=prev.etag, last_modified=prev.last_modified,
            **({"accept": HTML_ACCEPT} if source.kind == "html" else {}),
        )
        if result.outcome is Outcome.OK and result.body_hash == prev.body_hash:
            result = replace(result, outcome=Outcome.NOT_MODIFIED, detail="body unchanged")
        if result.outcome is not Outcome.OK:
            return await self._finish(source, prev, result, now, changes=(), parsed=False)
        parsed = await self._parse(source, result)
        if parsed.error:
            failed = replace(result, outcome=Outcome.UNPARSEABLE, detail=parsed.error)
            return await self._finish(source, prev, failed, now, changes=(), parsed=True)
        items = [i for raw in parsed.items if (i := normalize(raw, source)) is not None]
        known = await self.store.known_items(i.key for i in items)
        changes = decide(items, known, first_poll=not prev.baseline_done,
                         broken=parsed.broken is not None)
        _log_kept(source, changes)
        flood = flood_of(changes, self.flood)  # too many to announce: record them only
        if source.full_text and flood is None:
            changes = await self._enrich(changes)
        notes = (self.annotate(source, changes, flood) if self.annotate
                 else Annotations(flood=flood))
        finish = functools.partial(
            self._finish, source, prev, result, now, changes=tuple(changes), parsed=True,
            ttl=parsed.ttl, warning="; ".join(parsed.warnings), flood=flood)
        if self.stories is None or flood is not None:
            return await finish(annotations=notes)
        async with self.stories.lock:  # propose + record + learn, one refresh at a time
            new = [c.item for c in changes if c.kind is ChangeKind.NEW]
            feats, links, heads = self.stories.propose(new, now)
            report = await finish(annotations=replace(notes, links=tuple(links),
                                                      stories=tuple(heads)))
            recorded = {c.item.key for c in report.of_kind(ChangeKind.NEW)}
            self.stories.commit(feats, links, recorded, now)
            return report

    async def _parse(self, source: Source, first: FetchResult) -> ParsedFeed:
        """Parse off the event loop; an HTML listing may span several pages."""
        if source.kind != "html":
            return await asyncio.to_thread(
                parse_feed, first.body, source_id=source.id, base_url=first.final_url,
                content_type=first.content_type, charset=first.charset,
            )
        assert source.selectors is not None  # settings guarantee it for kind = "html"
        pages = [first]
        for url in page_urls(source.url, source.selectors)[1:]:
            more = await self.fetcher.fetch(url, accept=HTML_ACCEPT)
            if more.outcome is Outcome.OK:
                pages.append(more)
        parsed = [
            await asyncio.to_thread(
                parse_listing, p.body, source_id=source.id, base_url=p.final_url,
                selectors=source.selectors, charset=p.charset,
            )
            for p in pages
        ]
        if parsed[0].error:
            return parsed[0]
        return ParsedFeed(
            items=tuple(i for p in parsed for i in p.items),
            title=parsed[0].title,
            warnings=tuple(w for p in parsed for w in p.warnings),
        )

    async def _enrich(self, changes: Sequence[Change]) -> list[Change]:
        """Replace teasers by the release page's text for the items users will hear about."""
        todo = [c for c in changes if c.kind in ENRICH]
        texts = await asyncio.gather(*(self._article_text(c.item.url) for c in todo))
        full = {c.item.key: t for c, t in zip(todo, texts, strict=True)}
        out = []
        for c in changes:
            text = _without_headline(full.get(c.item.key), c.item.title)
            if text and len(text) > len(c.item.text):
                c = replace(c, item=replace(c.item, text=text))
            out.append(c)
        return out

    async def _article_text(self, url: str) -> str | None:
        page = await self.fetcher.fetch(url, accept=HTML_ACCEPT)
        if page.outcome is not Outcome.OK:
            event(log, "article", logging.WARNING, url=url, outcome=page.outcome.value,
                  detail=page.detail)
            return None
        return await asyncio.to_thread(extract_text, page.body, url=page.final_url)

    async def _finish(
        self, source: Source, prev: SourceState, result: FetchResult, now: datetime, *,
        changes: tuple[Change, ...], parsed: bool, ttl: float | None = None, warning: str = "",
        annotations: Annotations = Annotations(),  # noqa: B008 (frozen, never mutated)
        flood: Flood | None = None,
    ) -> RefreshReport:
        released = any(c.kind is ChangeKind.NEW for c in changes)
        state = _held_back(self._next_state(source, prev, result, now, ttl, released), changes,
                           flood, now)
        if changes:
            # Announce what the store recorded: another feed may have stored the same
            # release since our dedup read, and then it is SEEN here, not NEW again.
            changes = await self.store.record_refresh(state, changes, now, annotations)
        else:
            await self.store.save_source_state(state)
        new = {c.item.key for c in changes if c.kind is ChangeKind.NEW}
        report = RefreshReport(
            source_id=source.id, outcome=result.outcome, status=result.status,
            changes=changes, state=state,
            detail=(result.detail or warning) + _ceiling_note(result, state.next_check, now),
            elapsed=result.elapsed, bytes_read=result.bytes_read, parsed=parsed,
            links=tuple(lk for lk in annotations.links if lk.item_key in new), flood=flood,
            not_before=now + timedelta(seconds=schedule.not_before_seconds(
                outcome=result.outcome, failures=state.consecutive_failures, policy=self.policy,
                max_age=result.max_age, ttl=ttl, retry_after=result.retry_after)),
        )
        _log_report(report)
        _log_disabling(source, prev, state)
        return report

    def _still_disabled(self, source: Source, prev: SourceState, now: datetime) -> RefreshReport:
        """Not fetched, not logged (the 410 was, once); a loop looks again at the ceiling."""
        later = replace(prev, next_check=now + timedelta(seconds=self.policy.ceiling))
        return RefreshReport(source_id=source.id, outcome=Outcome.GONE, status=None, changes=(),
                             state=later, detail=waiting.disabled_text(prev))

    def _next_state(
        self, source: Source, prev: SourceState, result: FetchResult, now: datetime,
        ttl: float | None, released: bool = False,
    ) -> SourceState:
        outcome = result.outcome
        failures = schedule.failures_after(prev.consecutive_failures, outcome)
        activity = self.activity(source) if self.activity else None
        if activity is not None and released:  # its own release sets the agency developing
            activity = replace(activity, last_release=now)
        next_check = schedule.next_check(
            self.policy, now=now, outcome=outcome, failures=failures, interval=source.interval,
            max_age=result.max_age, ttl=ttl, retry_after=result.retry_after, rand=self.rand(),
            activity=activity,
        )
        off_url, off_since = waiting.disabled_after(prev, source.url, outcome, now)
        common = dict(next_check=next_check, consecutive_failures=failures, last_attempt=now,
                      last_outcome=outcome.value, disabled_url=off_url, disabled_since=off_since,
                      wait_reason=waiting.wait_reason(outcome, failures, result.retry_after))
        if outcome.is_failure:
            # Keep the old validators: the next poll must fetch the whole document again.
            why = (result.detail or outcome.value) + _ceiling_note(result, next_check, now)
            return replace(prev, **common, last_error=why)
        if outcome is Outcome.NOT_MODIFIED:
            return replace(prev, **common, last_success=now, last_error=None,
                           etag=result.etag or prev.etag,
                           last_modified=result.last_modified or prev.last_modified)
        return replace(prev, **common, last_success=now, last_error=None, etag=result.etag,
                       last_modified=result.last_modified, body_hash=result.body_hash,
                       baseline_done=True)


def _without_headline(text: str | None, title: str) -> str | None:
    """Release pages repeat the headline as their first line; the item has it already."""
    if text and text.startswith(title):
        return text[len(title):].lstrip()
    return text


def _ceiling_note(result: FetchResult, next_check: datetime, now: datetime) -> str:
    """Say so when the schedule waits less than the server asked (its ceiling)."""
    wait = (next_check - now).total_seconds()
    if result.retry_after is None or wait >= result.retry_after - 1:
        return ""
    return f"; waiting {duration(wait)}, the ceiling"


def _log_disabling(source: Source, prev: SourceState, state: SourceState) -> None:
    """One line when a 410 Gone disables the source, one when it is polled again with success."""
    if state.disabled_url == source.url and not waiting.disabled(prev, source):
        event(log, "source_disabled", logging.WARNING, source=source.id, url=source.url,
              detail=f"410 Gone: not polled again; {waiting.retry_hint(source.id)}, "
              "and a new url in the config is polled")
    elif prev.disabled_url is not None and state.disabled_url is None:
        event(log, "source_enabled", logging.INFO, source=source.id, url=source.url)


def _held_back(state: SourceState, changes: Sequence[Change], flood: Flood | None,
               now: datetime) -> SourceState:
    """The source's state remembers its last flood until it next announces changes."""
    if flood is not None:
        return replace(state, held_back=flood.changed, held_back_at=now)
    if state.held_back and any(c.kind in ENRICH for c in changes):
        return replace(state, held_back=0, held_back_at=now)
    return state


def _log_kept(source: Source, changes: Sequence[Change]) -> None:
    """Say why a changed version was not announced, once per item and refresh."""
    for c in changes:
        if c.kept and c.previous is not None:
            event(log, "revision_refused", logging.WARNING, source=source.id, item=c.item.key,
                  kept=len(c.previous.text), received=len(c.item.text), why=c.kept)


def _log_report(r: RefreshReport) -> None:
    count = {k: len(r.of_kind(k)) for k in ChangeKind}
    if r.flood is not None:  # the operator hears of it once: subscribers will not
        event(log, "flood", logging.WARNING, source=r.source_id, changed=r.flood.changed,
              limit=r.flood.limit, new=count[ChangeKind.NEW],
              revised=count[ChangeKind.REVISED],
              subscribers="one notice each" if r.flood.notice else "nothing")
    level = logging.WARNING if r.outcome.is_failure else logging.INFO
    event(
        log, "refresh", level, source=r.source_id, outcome=r.outcome.value, status=r.status,
        new=count[ChangeKind.NEW], revised=count[ChangeKind.REVISED],
        seen=count[ChangeKind.SEEN], baseline=count[ChangeKind.BASELINE], parsed=r.parsed,
        bytes=r.bytes_read, ms=round(r.elapsed * 1000), failures=r.state.consecutive_failures,
        next_check=r.state.next_check, detail=r.detail or None,
    )
