"""What each agency is doing, for the adaptive schedule: when it last released something, and
when a story it is part of — or one whose releases name it — last moved.

Kept in memory like the story tracker, and like it without I/O: the composition root builds
it over the tracker's open stories (those that moved within `developing_for` count at once,
so a restart keeps the pace), the scheduler hands it each agency's newest stored release at
start (`load`) and teaches it every refresh report (`learn`). `learn` answers the agencies a
NEW item just set developing: the reporting source's own agency, the other agencies in the
stories the item joined, the agencies those stories' releases name — a DHS release calling
on "Gavin Newsom" is addressed to the Governor, one announced "with ICE" to ICE — and, once
a story develops (a second release joins it), the newsrooms whose jurisdiction covers a place
it is about: its likely next voices, the California AG and Governor for a story about
California or a county in it. Places are the items' jurisdiction tags (the gazetteer's
`tag`, as the stories' places are); a federal source covers no place here — federal
agencies answer a story by the other rules, not for every place in the country. Such a
story's last move is also kept as the newsroom's `about`: until the newsroom publishes again
the story awaits its answer, and the schedule keeps it off the night pace (an open story of
any age counts here at start: the schedule judges how old is too old).

Must not import bot.store, bot.channels or bot.delivery.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta, tzinfo

from bot.ingest.schedule import Activity
from bot.models import FEDERAL, ChangeKind, RefreshReport, Source
from bot.stories.cluster import Features, OpenStory
from subscriptions.jurisdictions import Gazetteer, UnknownPlace, tag

# How releases name the built-in agencies. Acronyms are matched case-sensitively: "ice" in
# running text is frozen water. Any other agency is named by its id as an upper-case word.
NAMED_BY: dict[str, tuple[str, ...]] = {
    "ice": (r"\bICE\b", r"(?i:\bimmigration and customs enforcement\b)"),
    "dhs": (r"\bDHS\b", r"(?i:\bhomeland security\b)"),
    "governor": (r"(?i:\bgovernor\b|\bnewsom\b)",),
    "ag": (r"(?i:\battorney general\b|\bbonta\b)",),
}

OpenStories = Callable[[], Sequence[OpenStory]]


class AgencyActivity:
    def __init__(
        self, sources: Iterable[Source], *, developing_for: float, now: datetime,
        zones: Mapping[str, tzinfo] | None = None, stories: OpenStories = tuple,
        gazetteer: Gazetteer | None = None,
    ) -> None:
        """Without a `gazetteer`, no agency is set developing by a story's places."""
        self._sources = tuple(sources)
        self._zones = dict(zones or {})
        self._window = timedelta(seconds=developing_for)
        self._stories = stories
        self._names = {a: _pattern(a) for a in {s.agency for s in self._sources}}
        self._gazetteer = gazetteer
        self._areas = _areas(self._sources, gazetteer) if gazetteer else {}
        # A story's members are tagged again each time it moves: remember the recent ones.
        self._places = functools.lru_cache(maxsize=4096)(self._tag)
        self._released: dict[str, datetime] = {}
        self._developed: dict[str, datetime] = {}
        self._about: dict[str, datetime] = {}
        for story in stories():
            voices = self._move(story, story.updated)
            if now - story.updated <= self._window:
                for agency in voices:
                    _note(self._developed, agency, story.updated)

    def load(self, released: Mapping[str, datetime], now: datetime) -> None:
        """Each agency's newest stored release (a date in the future counts as `now`)."""
        for agency, when in released.items():
            _note(self._released, agency, min(when, now))

    def of(self, source: Source) -> Activity:
        """The activity of the source's agency, in the source's own time zone."""
        return Activity(last_release=self._released.get(source.agency),
                        developed=self._developed.get(source.agency),
                        about=self._about.get(source.agency),
                        zone=self._zones.get(source.id, UTC))

    def learn(self, source: Source, report: RefreshReport, now: datetime) -> frozenset[str]:
        """Record what the report's NEW items did; return the agencies they set developing."""
        new = report.of_kind(ChangeKind.NEW)
        if not new:
            return frozenset()
        _note(self._released, source.agency, now)
        joined = {link.story_id for link in report.links}
        texts = [(c.item.agency, c.item.title, c.item.text) for c in new]
        involved = {source.agency} | self._named(texts)
        for story in self._stories():
            if story.id in joined:
                involved |= self._move(story, now)
        for agency in involved:
            _note(self._developed, agency, now)
        return frozenset(involved)

    def sources_of(self, agencies: Iterable[str]) -> list[Source]:
        wanted = set(agencies)
        return [s for s in self._sources if s.agency in wanted]

    def _move(self, story: OpenStory, when: datetime) -> set[str]:
        """The agencies a move of `story` at `when` concerns: its members' and those they
        name, and once it has developed (more than one release) those covering a place it
        is about — whose `about` it notes: the story awaits their answer."""
        voices = self._involved(story.members)
        if len(story.members) > 1:
            local = self._covering(story.members)
            for agency in local:
                _note(self._about, agency, when)
            voices |= local
        return voices

    def _covering(self, members: Sequence[Features]) -> set[str]:
        if self._gazetteer is None or not self._areas:
            return set()
        within = self._gazetteer.within
        places = {p for m in members for p in self._places(m.title, m.text, m.jurisdiction)}
        return {agency for agency, areas in self._areas.items()
                if any(within(p, area) for p in places for area in areas)}

    def _tag(self, title: str, text: str, jurisdiction: str) -> frozenset[str]:
        """The ids of the places a release is about, as the stories' places are tagged."""
        assert self._gazetteer is not None
        try:
            found = tag(title, text, source_jurisdiction=jurisdiction, gazetteer=self._gazetteer)
        except UnknownPlace:  # a release stored under a jurisdiction since renamed
            found = tag(title, text, source_jurisdiction=None, gazetteer=self._gazetteer)
        return frozenset(t.place.id for t in found)

    def _involved(self, members: Sequence[Features]) -> set[str]:
        rows = [(m.agency, m.title, m.text) for m in members]
        return {a for a, _, _ in rows if a in self._names} | self._named(rows)

    def _named(self, rows: Iterable[tuple[str, str, str]]) -> set[str]:
        """The watched agencies a release names, other than its own."""
        found: set[str] = set()
        for agency, title, text in rows:
            words = f"{title}\n{text}"
            found |= {a for a, p in self._names.items() if a != agency and p.search(words)}
        return found


def _areas(sources: Iterable[Source], gazetteer: Gazetteer) -> dict[str, frozenset[str]]:
    """Each agency's jurisdictions as place ids, federal sources (the country) left out."""
    areas: dict[str, set[str]] = {}
    for source in sources:
        try:
            place = gazetteer.resolve(source.jurisdiction)
        except UnknownPlace:  # check-config refuses it; the agency just covers nothing
            continue
        if source.jurisdiction != FEDERAL and place.kind != "country":
            areas.setdefault(source.agency, set()).add(place.id)
    return {agency: frozenset(ids) for agency, ids in areas.items()}


def _pattern(agency: str) -> re.Pattern[str]:
    forms = NAMED_BY.get(agency.casefold(), (rf"\b{re.escape(agency.upper())}\b",))
    return re.compile("|".join(forms))


def _note(seen: dict[str, datetime], agency: str, when: datetime) -> None:
    if agency not in seen or when > seen[agency]:
        seen[agency] = when
