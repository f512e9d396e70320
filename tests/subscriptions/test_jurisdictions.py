"""jurisdictions + gazetteer: places from the packages, their hierarchy, and the tagger on real
ICE items and on items written from the 33,179-detainers fact sheet."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from subscriptions.gazetteer import Gazetteer
from subscriptions.jurisdictions import Tag, UnknownPlace, load_gazetteer, tag
from tests.paths import GOV

ICE_ITEMS = json.loads((GOV / "ice_feed_items_2025-12_to_2026-02.json").read_text())["items"]
ANAHEIM = "us-ca-city-anaheim"
ORANGE_CA, VENTURA_CO, LA_CO = "us-ca-county-06059", "us-ca-county-06111", "us-ca-county-06037"
LA, SF = "us-ca-city-los-angeles", "us-ca-city-san-francisco"


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return load_gazetteer()


def ice_item(words: str) -> dict:
    (item,) = [i for i in ICE_ITEMS if words in i["title"]]
    return item


def ids(tags: tuple[Tag, ...]) -> set[str]:
    return {t.place.id for t in tags}


def tag_text(gaz: Gazetteer, text: str, source: str | None = None, title: str = "") -> set[str]:
    return ids(tag(title, text, source_jurisdiction=source, gazetteer=gaz))


# ---- the real ICE feed items ------------------------------------------------------------------

@pytest.mark.parametrize(
    ("title_words", "expected", "absent"),
    [
        ("negligent vehicular manslaughter", {"us-ca", ANAHEIM},
         {"us-ca-city-martinez", "us-co"}),  # "Bahamon Martinez" is a person
        ("border tunnel", {"us-tx"}, {"us-de", "us-tx-city-el-paso"}),
        # the HSI El Paso office and "Cartel de Jalisco" say nothing of where: only the source
        ("5 of 37 fugitives", {"us"}, {"us-de", "us-tx", "us-tx-city-el-paso"}),
        ("in West Virginia", {"us-wv", "us-wv-city-martinsburg", "us-wv-city-morgantown",
                              "us-wv-city-charleston", "us-wv-city-huntington"},
         {"us-va", "us-pa-city-philadelphia", "us-sc-city-charleston"}),
        ("sexual predator with final order", {"us-ny"}, {"us-ny-city-buffalo"}),
        ("Highway Sentinel", {"us-ca"}, {LA, SF, "us-ca-county-06075"}),
        ("marriage fraud", {"us-fl", "us-fl-city-jacksonville"}, {"us-ca-city-homeland"}),
        ("counterfeit IDs", {"us"}, {"us-tx-city-dallas"}),  # "HSI Dallas" is an office
        ("SANCTUARY CALAMITY", {"us-ca"}, set()),
    ],
)
def test_real_ice_items(gaz: Gazetteer, title_words: str, expected: set, absent: set) -> None:
    item = ice_item(title_words)
    got = tag_text(gaz, item["description"], "federal", item["title"])
    assert expected <= got and not absent & got, got


def test_anaheim_rolls_up_through_orange_county(gaz: Gazetteer) -> None:
    item = ice_item("negligent vehicular manslaughter")
    tags = tag(item["title"], item["description"], source_jurisdiction="federal", gazetteer=gaz)
    (anaheim,) = [t for t in tags if t.place.id == ANAHEIM]
    assert (anaheim.matched, anaheim.where) == ("Anaheim", "text")
    assert item["description"][anaheim.start:].startswith("Anaheim")
    assert [p.name for p in gaz.ancestors(ANAHEIM)] == ["Orange County", "California",
                                                        "United States"]


def test_highway_sentinel_also_names_the_other_states_it_mentions(gaz: Gazetteer) -> None:
    # "accidents in California, Florida and Oregon": those are real mentions, not offices
    item = ice_item("Highway Sentinel")
    tags = tag(item["title"], item["description"], source_jurisdiction="federal", gazetteer=gaz)
    assert [(t.place.id, t.where) for t in tags] == [
        ("us-ca", "title"), ("us-fl", "text"), ("us-or", "text")]


# ---- items written from the fact sheet --------------------------------------------------------

VENTURA_ITEM = (
    "DHS urgently calls on Gavin Newsom and sanctuary California to not release 33,179 criminal "
    "illegal aliens from jails back into California communities",
    "On Feb. 2, ICE arrested Jorge Lopez Santos in the lobby of the Ventura County Jail after the "
    "jail declined his detainer. About 15 protesters surrounded officers. Oxnard police declined "
    "an earlier detainer in March 2025.",
)


def test_ventura_county_jail_and_oxnard(gaz: Gazetteer) -> None:
    tags = tag(*VENTURA_ITEM, source_jurisdiction="federal", gazetteer=gaz)
    by_id = {t.place.id: t for t in tags}
    assert set(by_id) == {"us-ca", VENTURA_CO, "us-ca-city-oxnard"}
    assert by_id[VENTURA_CO].matched == "Ventura County Jail"
    assert gaz.within("us-ca-city-oxnard", VENTURA_CO)


@pytest.mark.parametrize(
    ("text", "place_id", "matched"),
    [
        ("Officers in Los Angeles arrested two men.", LA, "Los Angeles"),
        ("Officers in L.A. arrested two men.", LA, "L.A."),
        ("LA officials said the raids went on.", LA, "LA"),
        ("Jails in LA County hold 1,200 people with detainers.", LA_CO, "LA County"),
        ("The LASD declined the detainer.", LA_CO, "LASD"),
        ("Los Angeles County Sheriff's Department deputies declined.", LA_CO,
         "Los Angeles County Sheriff's Department"),
        ("Protests spread across the Bay Area.", "region-bay-area", "Bay Area"),
        ("Raids in the Inland Empire continued.", "region-inland-empire", "Inland Empire"),
        ("The CDCR has transferred 10,588 people to ICE since 2019.", "us-ca", "CDCR"),
        ("It is Gavin Newsom's California now.", "us-ca", "California"),
        ("A lawsuit in SF federal court.", SF, "SF"),
        ("Agents in Altadena searched a home.", "us-ca-city-altadena", "Altadena"),
    ],
)
def test_los_angeles_forms_and_aliases(gaz: Gazetteer, text: str, place_id: str,
                                       matched: str) -> None:
    tags = tag("", text, source_jurisdiction=None, gazetteer=gaz)
    assert [(t.place.id, t.matched, t.where) for t in tags] == [(place_id, matched, "text")]
    assert text[tags[0].start:].startswith(matched)


@pytest.mark.parametrize(
    ("text", "source", "expected"),
    [
        # the Governor's statewide item names no place: its source's jurisdiction does
        ("The Governor announced $200 million for communities across the state.", "California",
         [("us-ca", "California", "source")]),
        ("Police in Anaheim said.", "California", [(ANAHEIM, "Anaheim", "text")]),
        # a Governor's item about Texas alone is still California's news too
        ("The Governor wrote to Texas.", "California",
         [("us-tx", "Texas", "text"), ("us-ca", "California", "source")]),
        ("A nationwide scheme.", "federal", [("us", "federal", "source")]),
        ("Arrests in Texas.", "federal", [("us-tx", "Texas", "text")]),
        ("A nationwide scheme.", None, []),
    ],
)
def test_source_jurisdiction_only_when_nothing_more_specific(gaz: Gazetteer, text: str,
                                                             source: str | None,
                                                             expected: list) -> None:
    tags = tag("", text, source_jurisdiction=source, gazetteer=gaz)
    assert [(t.place.id, t.matched, t.where) for t in tags] == expected
    assert all(t.start == -1 for t in tags if t.where == "source")


def test_unknown_source_jurisdiction_is_a_configuration_error(gaz: Gazetteer) -> None:
    with pytest.raises(UnknownPlace):
        tag("", "text", source_jurisdiction="Californa", gazetteer=gaz)


# ---- ambiguity --------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("He flew to El Paso.", {"us-tx-city-el-paso"}),
        ("Arrests in West Virginia.", {"us-wv"}),
        ("Protesters met in Washington.", {"us-wa"}),
        ("Officials in Washington, D.C. replied.", {"us-dc"}),
        ("Officials in Washington, DC replied.", {"us-dc"}),
        # once DC is named for certain, a bare "Washington" is its city
        ("In Washington, D.C. and in Washington the mood differed.",
         {"us-dc", "us-dc-city-washington"}),
        ("George Washington slept here.", set()),
        ("From New York City to New York.", {"us-ny-city-new-york-city", "us-ny"}),
        ("Arrests in Charleston.", {"us-sc-city-charleston"}),
        ("Arrests in Charleston, West Virginia.", {"us-wv-city-charleston", "us-wv"}),
        ("In Glendale, police arrested two.", {"us-az-city-glendale"}),
        ("In Glendale, California, police arrested two.", {"us-ca-city-glendale", "us-ca"}),
        ("Orange County deputies declined.", {ORANGE_CA}),
        ("Orange County, Florida, deputies declined.", {"us-fl-county-12095", "us-fl"}),
        ("He grew orange trees and sold oranges in orange county.", set()),
        ("Orange juice and oranges in California.", {"us-ca"}),
        ("Officers in Orange arrested him in California.", {"us-ca-city-orange", "us-ca"}),
        ("The Department of Homeland Security in California.", {"us-ca"}),
        ("He sold to Commerce Department officials in California.", {"us-ca"}),
        ("Acting Director Todd Lyons said. Martinez was arrested. Juan Martinez fled.", set()),
        ("Tracy Morgan visited Tracy, California.", {"us-ca-city-tracy", "us-ca"}),
        ("A man from Delhi and Venice was held.", set()),  # foreign namesakes need their state
        ("Arrests in Martinsburg.", set()),  # a small town far away needs its state named
        ("Southern California and Northern Virginia", {"region-southern-california", "us-va"}),
    ],
)
def test_ambiguous_names(gaz: Gazetteer, text: str, expected: set) -> None:
    assert tag_text(gaz, text) == expected


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("ICE Arrests Illegal Alien Sex Offender In Anaheim", {ANAHEIM}),  # Headline Case
        ("ICE Los Angeles arrests sex offender", set()),
        ("HSI San Francisco and ERO San Diego announce arrests in Fresno",
         {"us-ca-city-fresno"}),
        ("ICE's Los Angeles field office arrests 5", set()),
        ("Orange man arrested", set()),  # a sentence start is no evidence of the city
    ],
)
def test_titles(gaz: Gazetteer, title: str, expected: set) -> None:
    assert tag_text(gaz, "", title=title) == expected


# ---- the gazetteer ----------------------------------------------------------------------------

def test_counts(gaz: Gazetteer) -> None:
    places = gaz.places.values()
    states = [p for p in places if p.kind == "state"]
    assert len(states) == 51 and {"us-dc", "us-ca", "us-wv"} <= {p.id for p in states}
    ca_counties = [p for p in places if p.kind == "county" and p.parent == "us-ca"]
    assert len(ca_counties) == 58
    ca_cities = [p for p in places if p.kind == "city" and p.id.startswith("us-ca-")]
    assert len(ca_cities) >= 450
    assert all(gaz.get(c.parent).kind == "county" and c.parent.startswith("us-ca-county-")
               for c in ca_cities)
    assert len([p for p in places if p.kind == "county"]) > 3100


@pytest.mark.parametrize(
    ("inner", "outer", "expected"),
    [
        (ANAHEIM, ORANGE_CA, True), (ORANGE_CA, "us-ca", True), ("us-ca", "us", True),
        (ANAHEIM, "us", True), (ANAHEIM, ANAHEIM, True), ("us-ca-city-altadena", LA_CO, True),
        ("us-ca-city-oxnard", VENTURA_CO, True), ("us-wv-city-martinsburg", "us-wv", True),
        ("us-ca", ANAHEIM, False), (ANAHEIM, LA_CO, False), ("us-tx-city-el-paso", "us-ca", False),
        ("us-ca-city-oakland", "region-bay-area", True), (SF, "region-bay-area", True),
        ("us-ca-county-06085", "region-bay-area", True), (LA, "region-bay-area", False),
        ("region-bay-area", "us-ca", True), ("region-bay-area", "us-ca-county-06085", False),
        ("region-inland-empire", "region-southern-california", True),
        ("us-ca-city-riverside", "region-inland-empire", True),
    ],
)
def test_within(gaz: Gazetteer, inner: str, outer: str, expected: bool) -> None:
    assert gaz.within(inner, outer) is expected
    assert (outer == inner or outer in gaz.containers(inner)) is expected


def test_martinsburg_is_in_berkeley_county(gaz: Gazetteer) -> None:
    assert [p.name for p in gaz.ancestors("us-wv-city-martinsburg")] == [
        "Berkeley County", "West Virginia", "United States"]


@pytest.mark.parametrize(
    ("name", "place_id"),
    [
        ("Los Angeles", LA), ("los  angeles", LA), ("L.A.", LA), ("LA", LA),
        ("LA County", LA_CO), ("Los Angeles County", LA_CO), ("LASD", LA_CO),
        ("Washington", "us-wa"), ("Washington, D.C.", "us-dc"), ("DC", "us-dc"),
        ("New York", "us-ny"), ("NYC", "us-ny-city-new-york-city"), ("CA", "us-ca"),
        ("Orange County", ORANGE_CA), ("Orange County, FL", "us-fl-county-12095"),
        ("Bay Area", "region-bay-area"), ("the Inland Empire", "region-inland-empire"),
        ("federal", "us"), ("United States", "us"), ("St. Louis", "us-mo-city-st-louis"),
        ("La Cañada Flintridge", "us-ca-city-la-canada-flintridge"),
        ("La Canada Flintridge", "us-ca-city-la-canada-flintridge"),
        (ANAHEIM, ANAHEIM),
    ],
)
def test_resolve(gaz: Gazetteer, name: str, place_id: str) -> None:
    assert gaz.resolve(name).id == place_id


def test_resolve_error_suggests(gaz: Gazetteer) -> None:
    with pytest.raises(UnknownPlace) as err:
        gaz.resolve("Los Angles")
    assert err.value.name == "Los Angles"
    assert err.value.suggestions[0] == "Los Angeles"
    assert str(err.value).startswith('unknown place "Los Angles" — did you mean "Los Angeles"')
    with pytest.raises(UnknownPlace, match="no similar place found"):
        gaz.resolve("Qqxzv")
    with pytest.raises(LookupError):
        gaz.get("us-zz")


def test_lookup_ranks_namesakes(gaz: Gazetteer) -> None:
    assert [p.id for p in gaz.lookup("Washington")][:2] == ["us-wa", "us-dc-city-washington"]
    assert gaz.lookup("nowhere at all") == []


def test_names_lists_states_and_counties_first(gaz: Gazetteer) -> None:
    found = gaz.names("Ventura")
    assert [p.kind for p in found[:2]] == ["county", "city"]
    assert [p.name for p in gaz.names("Califor")][0] == "California"
    assert {p.kind for p in gaz.names("bay ar")} == {"region"}


def test_gazetteer_is_cached() -> None:
    assert load_gazetteer() is load_gazetteer()


def test_common_words_name_real_places(gaz: Gazetteer) -> None:
    names = {p.name for p in gaz.places.values()}
    assert sorted(gaz.context.common_words - names) == []


# ---- robustness -------------------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(title=st.text(max_size=80), text=st.text(max_size=400))
def test_tag_never_raises(title: str, text: str) -> None:
    tags = tag(title, text, source_jurisdiction="California", gazetteer=load_gazetteer())
    for t in tags:
        field = {"title": title, "text": text}.get(t.where)
        assert t.where == "source" or field[t.start:t.start + len(t.matched)] == t.matched


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(
    ["Los Angeles", "ICE", "HSI", "Orange", "orange", "County", "Jail", "Washington", "D.C.",
     ",", ".", " ", "Todd", "Martinez", "West", "Virginia", "Bay Area", "İ", "’s", "\n"]),
    max_size=25))
def test_tag_never_raises_on_place_soup(words: list[str]) -> None:
    text = " ".join(words)
    tag(text, text, source_jurisdiction="federal", gazetteer=load_gazetteer())


@pytest.mark.parametrize(("text", "expected"), [
    ("WASHINGTON – The Department of Homeland Security renewed its call.", set()),
    ("SACRAMENTO, Calif. — Governor Newsom signed the bill.", set()),
    ("Storms hit Ventura County.\nWASHINGTON — DHS said more.", {"Ventura County"}),
    ("Officials in Washington said so.", {"Washington"}),
])
def test_datelines_are_where_the_release_was_written_not_the_news(
    text: str, expected: set[str]
) -> None:
    found = tag("A release", text, source_jurisdiction=None, gazetteer=load_gazetteer())
    assert {t.place.name for t in found} == expected
