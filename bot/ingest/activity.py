"""What each agency is doing, for the adaptive schedule: when it last released something, and
when a story it is part of — or one whose releases name it — last moved.

Kept in memory like the story tracker, and like it without I/O: the composition root builds
it over the tracker's open stories (those that moved within `developing_for` count at once,
so a restart keeps the pace), the scheduler hands it each agency's newest stored release at
start (`load`) and teaches it every refresh report (`learn`). `learn` answers the agencies a
NEW item just set developing: the reporting source's own agency, the other agencies in the
stories the item joined, and the agencies those stories' releases name — a DHS release
calling on "Gavin Newsom" is addressed to the Governor, one announced "with ICE" to ICE.

Must not import bot.store, bot.channels or bot.delivery.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta, tzinfo

from bot.ingest.schedule import Activity
from bot.models import ChangeKind, RefreshReport, Source
from bot.stories.cluster import Features, OpenStory

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
    ) -> None:
        self._sources = tuple(sources)
        self._zones = dict(zones or {})
        self._window = timedelta(seconds=developing_for)
        self._stories = stories
        self._names = {a: _pattern(a) for a in {s.agency for s in self._sources}}
        self._released: dict[str, datetime] = {}
        self._developed: dict[str, datetime] = {}
        for story in stories():
            if now - story.updated <= self._window:
                for agency in self._involved(story.members):
                    _note(self._developed, agency, story.updated)

    def load(self, released: Mapping[str, datetime], now: datetime) -> None:
        """Each agency's newest stored release (a date in the future counts as `now`)."""
        for agency, when in released.items():
            _note(self._released, agency, min(when, now))

    def of(self, source: Source) -> Activity:
        """The activity of the source's agency, in the source's own time zone."""
        return Activity(last_release=self._released.get(source.agency),
                        developed=self._developed.get(source.agency),
                        zone=self._zones.get(source.id, UTC))

    def learn(self, source: Source, report: RefreshReport, now: datetime) -> frozenset[str]:
        """Record what the report's NEW items did; return the agencies they set developing."""
        new = report.of_kind(ChangeKind.NEW)
        if not new:
            return frozenset()
        _note(self._released, source.agency, now)
        joined = {link.story_id for link in report.links}
        members = [m for s in self._stories() if s.id in joined for m in s.members]
        texts = [(c.item.agency, c.item.title, c.item.text) for c in new]
        involved = {source.agency} | self._involved(members) | self._named(texts)
        for agency in involved:
            _note(self._developed, agency, now)
        return frozenset(involved)

    def sources_of(self, agencies: Iterable[str]) -> list[Source]:
        wanted = set(agencies)
        return [s for s in self._sources if s.agency in wanted]

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


def _pattern(agency: str) -> re.Pattern[str]:
    forms = NAMED_BY.get(agency.casefold(), (rf"\b{re.escape(agency.upper())}\b",))
    return re.compile("|".join(forms))


def _note(seen: dict[str, datetime], agency: str, when: datetime) -> None:
    if agency not in seen or when > seen[agency]:
        seen[agency] = when
