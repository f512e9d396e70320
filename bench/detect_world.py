"""The simulated newsrooms of bench/detect.py: who publishes what and when, how their servers
answer, and an event loop whose clock is virtual.

- `publish(weeks, rng)`: releases over whole weeks starting on a Monday, 00:00 in Washington.
  Background releases follow office hours in each agency's own zone (fewer at weekends) and
  mostly start stories of their own; developing stories run DHS release → ICE follow-up
  within the hour → Governor response within hours → AG, DHS back, the Governor again, ICE
  the next day; one story a week starts at the Governor instead. Releases say where: a
  story is about one place — three in four in California (the state, a county or a city:
  the 33,179 detainers story), the rest elsewhere, answered by DHS and ICE only; DHS's and
  ICE's other releases report arrests across the country (one in seven in California), the
  Governor's and the AG's are tagged California by their source.
- `Newsrooms`: the servers. Each request is counted per host and hour. Feeds answer OK when
  something appeared since the source's last poll, else 304; full-text sources fetch each NEW
  release's page (one more request), the DHS listing its second page when it changed. The
  Governor's WordPress feed sits behind a CDN: Cache-Control max-age=300, must-revalidate,
  and a copy the CDN refreshes every 300 s (other readers keep it warm), so any poll sees
  the copy — a release shows from the CDN's next refresh on — with an `Age` that says how
  far into its life the copy is (half-way on average). The others say nothing. Any request
  may get a 429 with Retry-After 120 (p = 0.002). `floors()`: the earliest moment anyone
  could see each release (its publication, or the CDN's next copy).
- `SimRefresher`: stands where `bot.ingest.refresh.Refresher` stands for the real Scheduler.
  It asks `Newsrooms` instead of the network and keeps the open stories instead of the
  store; it reads the CDN's headers with the fetcher's own `max_age_seconds` and plans the
  next poll with the same calls to `bot.ingest.schedule` as the refresher's `_next_state`
  does (glue, replicated: none of the decisions).
- `VirtualLoop`: an asyncio loop whose clock jumps to the next timer whenever nothing is
  ready, so the real Scheduler's sleeps take no real time. Nothing here may use threads.
"""

from __future__ import annotations

import asyncio
import math
import random
import selectors
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from zoneinfo import ZoneInfo

from bot.ingest import schedule
from bot.ingest.fetcher import max_age_seconds
from bot.models import (
    Change,
    ChangeKind,
    Item,
    Outcome,
    RefreshReport,
    Source,
    SourceState,
    StoryLink,
)
from bot.stories.cluster import OpenStory, features

EPOCH = datetime(2026, 4, 6, 4, 0, tzinfo=UTC)  # Monday 00:00 EDT, no DST change for weeks
DAY, HOUR, MINUTE = 86400.0, 3600.0, 60.0
NY, LA = ZoneInfo("America/New_York"), ZoneInfo("America/Los_Angeles")
HOSTS = {"ice-breaking": "www.ice.gov", "ice-ero": "www.ice.gov", "dhs-press": "www.dhs.gov",
         "ca-governor": "www.gov.ca.gov", "ca-ag": "oag.ca.gov"}
CDN = {"www.gov.ca.gov": 300.0}  # host -> the max-age its CDN copies live for
P_429, RETRY_AFTER = 0.002, 120.0
FULL_TEXT = {"ice-breaking", "ice-ero", "dhs-press", "ca-ag"}
# Releases per weekday and per weekend day, the zone of its office hours, and the names its
# background releases often carry (ICE releases quote DHS officials, DHS announces ICE work).
AGENCIES = {"ice": (6.0, 1.0, NY, "DHS"), "dhs": (4.0, 1.0, NY, "ICE"),
            "governor": (3.0, 0.5, LA, ""), "ag": (1.5, 0.2, LA, "")}
# What a story release names, by agency: whom it answers (elsewhere: no Governor Newsom).
NAMES = {"dhs": "ICE officers and Governor Newsom", "ice": "DHS and Governor Newsom",
         "governor": "DHS and ICE", "ag": "DHS"}
NAMES_ELSEWHERE = {"dhs": "ICE officers and state officials", "ice": "DHS and state officials"}
# Where news happens. The tagger reads these as the places a release is about.
CALIFORNIA = ("California", "Los Angeles County", "San Diego", "Fresno County", "Sacramento")
ELSEWHERE = ("Texas", "Chicago", "New York City", "Miami", "Houston", "Arizona")
P_ELSEWHERE, P_ARREST_IN_CALIFORNIA = 0.25, 1 / 7


@dataclass(frozen=True)
class Release:
    key: str
    agency: str
    at: float  # seconds after EPOCH
    story: str
    follow_up: bool  # a development of a story already under way
    sources: tuple[str, ...]
    text: str


def publish(weeks: int, rng: random.Random) -> list[Release]:
    out: list[Release] = []
    for day in range(7 * weeks):
        weekday = day % 7 < 5
        for agency, (on, off, zone, named) in AGENCIES.items():
            for _ in range(_poisson(on if weekday else off, rng)):
                at = _office_hour(day, zone, rng)
                text = f"{named} said." if named and rng.random() < 0.4 else "Local news."
                if agency in NAMES_ELSEWHERE:  # federal: arrests across the country
                    cal = rng.random() < P_ARREST_IN_CALIFORNIA
                    text += f" Arrests in {rng.choice(CALIFORNIA if cal else ELSEWHERE)}."
                out.append(_release(len(out), agency, at, None, text, rng))
        if weekday and rng.random() < 0.6:  # ~3 developing stories a week
            t0, kind = _office_hour(day, NY, rng, 9, 16), rng.random()
            out.extend(_story(len(out), t0, rng, governor_first=kind < 0.3 * (1 - P_ELSEWHERE),
                              elsewhere=kind >= 1 - P_ELSEWHERE))
    end = 7 * weeks * DAY
    return sorted((r for r in out if r.at < end), key=lambda r: r.at)


def _story(n: int, t0: float, rng: random.Random, governor_first: bool,
           elsewhere: bool) -> list[Release]:
    story = f"s{n}"
    steps = [("dhs", 0.0), ("ice", rng.uniform(10, 60) * MINUTE)]
    if elsewhere:  # no California voice: DHS back within hours, maybe ICE the next day
        steps.append(("dhs", rng.uniform(2, 9) * HOUR))
        if rng.random() < 0.5:
            steps.append(("ice", DAY + rng.uniform(-2, 2) * HOUR))
        return _voices(n, story, t0, steps, rng.choice(ELSEWHERE), NAMES_ELSEWHERE, rng)
    if governor_first:
        steps = [("governor", 0.0), ("dhs", rng.uniform(1, 4) * HOUR)]
    t_gov = rng.uniform(1, 5) * HOUR
    steps.append(("governor", t_gov) if not governor_first else ("ice", rng.uniform(1, 3) * HOUR))
    if rng.random() < 0.5:
        steps.append(("ag", t_gov + rng.uniform(0.5, 3) * HOUR))
    back = t_gov + rng.uniform(1, 4) * HOUR
    steps.append(("dhs", back))
    if rng.random() < 0.5:
        steps.append(("governor", back + rng.uniform(1, 6) * HOUR))
    if rng.random() < 0.5:
        steps.append(("ice", DAY + rng.uniform(-2, 2) * HOUR))
    return _voices(n, story, t0, steps, rng.choice(CALIFORNIA), NAMES, rng)


def _voices(n: int, story: str, t0: float, steps: list[tuple[str, float]], place: str,
            names: dict[str, str], rng: random.Random) -> list[Release]:
    out = []
    for i, (agency, dt) in enumerate(sorted(steps, key=lambda s: s[1])):
        text = f"Answering {names[agency]} on the detainers in {place}."
        out.append(_release(n + i, agency, t0 + dt, story, text, rng, follow_up=i > 0))
    return out


def _release(n: int, agency: str, at: float, story: str | None, text: str,
             rng: random.Random, follow_up: bool = False) -> Release:
    sources = {"ice": ("ice-breaking",) if story else
               rng.choice([("ice-breaking",), ("ice-ero",), ("ice-breaking", "ice-ero")]),
               "dhs": ("dhs-press",), "governor": ("ca-governor",), "ag": ("ca-ag",)}[agency]
    return Release(f"r{n}", agency, at, story or f"solo{n}", follow_up, sources, text)


def _poisson(mean: float, rng: random.Random) -> int:
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k, p = k + 1, p * rng.random()
    return k


def _office_hour(day: int, zone: ZoneInfo, rng: random.Random, lo: float = 7,
                 hi: float = 22) -> float:
    """Seconds after EPOCH of a moment on `day`, at a local office hour around 1 pm."""
    hour = min(max(rng.gauss(13, 3.5), lo), hi)
    date = (EPOCH + timedelta(days=day)).astimezone(NY).date()  # the week is Washington's
    local = datetime.combine(date, dtime(0), zone)
    return (local + timedelta(hours=hour) - EPOCH).total_seconds()


@dataclass
class Newsrooms:
    releases: list[Release]
    rng: random.Random
    requests: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    detected: dict[str, float] = field(default_factory=dict)  # release key -> delay (s)
    _seen: Counter[str] = field(default_factory=Counter)  # per source: releases served

    def __post_init__(self) -> None:
        self._feed = {sid: [r for r in self.releases if sid in r.sources] for sid in HOSTS}
        self._phase = {host: self.rng.uniform(0, life) for host, life in CDN.items()}

    def request(self, host: str, at: float) -> None:
        self.requests[host][int(at // HOUR)] += 1

    def copy_made(self, host: str, at: float) -> float:
        """When the copy a request at `at` gets was made: `at` itself without a CDN."""
        if host not in CDN:
            return at
        life, phase = CDN[host], self._phase[host]
        return phase + math.floor((at - phase) / life) * life

    def floors(self) -> dict[str, float]:
        """Per release, the least delay any client could see it with: the wait for the
        CDN's next copy (0 on hosts without one)."""
        def shown(host: str, at: float) -> float:
            made = self.copy_made(host, at)
            return at if made == at else made + CDN[host]
        return {r.key: min(shown(HOSTS[s], r.at) for s in r.sources) - r.at
                for r in self.releases}

    def poll(self, sid: str, at: float) -> tuple[Outcome, list[Release], list[Release]]:
        """One poll: the outcome, the releases NEW to alertbot, and those another feed had."""
        host = HOSTS[sid]
        self.request(host, at)
        if self.rng.random() < P_429:
            return Outcome.RATE_LIMITED, [], []
        feed, done, copy = self._feed[sid], self._seen[sid], self.copy_made(host, at)
        upto = done
        while upto < len(feed) and feed[upto].at <= copy:
            upto += 1
        fresh = feed[done:upto]
        if not fresh:
            return Outcome.NOT_MODIFIED, [], []
        self._seen[sid] = upto
        if sid == "dhs-press":
            self.request(host, at)  # the listing's second page
        new = [r for r in fresh if r.key not in self.detected]
        for r in new:
            self.detected[r.key] = at - r.at
            if sid in FULL_TEXT:
                self.request(host, at)  # the release page
        return Outcome.OK, new, [r for r in fresh if r.key not in {n.key for n in new}]


class SimStore:
    async def source_states(self) -> dict[str, SourceState]:
        return {}

    async def recent_items(self, limit: int = 20, source_id: str | None = None) -> list[Item]:
        return []


@dataclass
class SimRefresher:
    newsrooms: Newsrooms
    policy: schedule.PollPolicy
    clock: Callable[[], datetime]
    rng: random.Random
    activity: Callable[[Source], schedule.Activity] | None = None
    store: SimStore = field(default_factory=SimStore)
    stories: dict[str, OpenStory] = field(default_factory=dict)
    _states: dict[str, SourceState] = field(default_factory=dict)

    def open_stories(self) -> list[OpenStory]:
        return list(self.stories.values())

    async def refresh(self, source: Source, *, force: bool = False) -> RefreshReport:
        now = self.clock()
        at = (now - EPOCH).total_seconds()
        outcome, new, seen = self.newsrooms.poll(source.id, at)
        await asyncio.sleep(0.5)  # the request's own time
        prev = self._states.get(source.id, SourceState(source.id))
        max_age = self._max_age(HOSTS[source.id], at) if not outcome.is_failure else None
        retry = RETRY_AFTER if outcome is Outcome.RATE_LIMITED else None
        # The refresher's _next_state, replicated: the glue around bot.ingest.schedule.
        failures = schedule.failures_after(prev.consecutive_failures, outcome)
        activity = self.activity(source) if self.activity else None
        if activity is not None and new:
            activity = replace(activity, last_release=now)
        state = replace(prev, consecutive_failures=failures, last_attempt=now,
                        last_outcome=outcome.value, next_check=schedule.next_check(
                            self.policy, now=now, outcome=outcome, failures=failures,
                            interval=source.interval, max_age=max_age, retry_after=retry,
                            rand=self.rng.random(), activity=activity))
        self._states[source.id] = state
        items = {r.key: self._item(r, source, now) for r in new + seen}
        links = tuple(self._join(r, items[r.key], now) for r in new)
        changes = tuple(Change(ChangeKind.NEW, items[r.key]) for r in new) + tuple(
            Change(ChangeKind.SEEN, items[r.key]) for r in seen)
        not_before = now + timedelta(seconds=schedule.not_before_seconds(
            outcome=outcome, failures=failures, policy=self.policy, max_age=max_age,
            retry_after=retry))
        return RefreshReport(source_id=source.id, outcome=outcome, status=None,
                             changes=changes, state=state, links=links,
                             not_before=not_before)

    def _max_age(self, host: str, at: float) -> float | None:
        """What the fetcher reads of the CDN's headers: the copy's freshness left."""
        if host not in CDN:
            return None
        age = at - self.newsrooms.copy_made(host, at)
        return max_age_seconds({"cache-control": f"max-age={CDN[host]:.0f}, must-revalidate",
                                "age": str(int(age))}, now=self.clock())

    def _item(self, r: Release, source: Source, now: datetime) -> Item:
        return Item(key=r.key, source_id=source.id, url=f"https://{HOSTS[source.id]}/{r.key}",
                    title=f"{r.agency} release {r.key}", text=r.text,
                    published=EPOCH + timedelta(seconds=r.at), content_hash=r.key,
                    agency=r.agency, jurisdiction=source.jurisdiction)

    def _join(self, r: Release, item: Item, now: datetime) -> StoryLink:
        """What the story tracker would record: the ground truth of the simulation."""
        story = self.stories.get(r.story)
        member = features(item)
        if story is None:
            self.stories[r.story] = OpenStory(r.story, item.title, (member,), now, now)
            role = "first"
        else:
            self.stories[r.story] = replace(story, members=(*story.members, member), updated=now)
            role = "development"
        for sid, s in list(self.stories.items()):  # closed after 14 quiet days, as clustered
            if now - s.updated > timedelta(days=14):
                del self.stories[sid]
        return StoryLink(r.story, r.key, role)


class _VirtualSelector(selectors.DefaultSelector):  # type: ignore[misc, valid-type]
    """Real readiness for the loop's own wake-up pipe; waiting advances the virtual clock."""

    def __init__(self) -> None:
        super().__init__()
        self.now = 0.0

    def select(self, timeout: float | None = None):  # type: ignore[no-untyped-def]
        ready = super().select(0)
        if ready or timeout == 0:
            return ready
        if timeout is None:
            raise RuntimeError("nothing scheduled: the simulation would wait forever")
        self.now += timeout
        return []


class VirtualLoop(asyncio.SelectorEventLoop):
    def __init__(self) -> None:
        self._virtual = _VirtualSelector()
        super().__init__(self._virtual)

    def time(self) -> float:
        return self._virtual.now
