"""The subscription index: semantics (table-driven), reasons, incremental add/remove, and
agreement with a naive loop over every subscription."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from subscriptions.gazetteer import load_gazetteer
from subscriptions.jurisdictions import tag
from subscriptions.matcher import Matcher
from subscriptions.models import Document, PlaceTag
from subscriptions.query import Query, parse_query
from subscriptions.terms import load_synonyms, tokens

GAZ = load_gazetteer()
SYN = load_synonyms()

SANCTUARY = (
    "SANCTUARY CALAMITY: DHS and ICE urgently call on Gavin Newsom and sanctuary California to "
    "not release 33,179 criminal illegal aliens including murderers, sex offenders, and drug "
    "traffickers from jails back into California communities",
    "The U.S. Immigration and Customs Enforcement (ICE) Acting Director Todd Lyons sent a "
    "letter to California Attorney General Rob Bonta calling on him to put the safety of "
    "Americans first and honor ICE arrest detainers of the more than 33,000 criminal illegal "
    "aliens in California's custody.",
)
VENTURA = (
    "DHS renews call on California after arrest at Ventura County Jail",
    "ICE arrested Jorge Lopez Santos in the lobby of the Ventura County Jail after the jail "
    "declined an ICE hold. Oxnard police had declined an earlier request.",
)
ANAHEIM = (
    "ICE lodges immigration detainer against criminal illegal alien accused of negligent "
    "vehicular manslaughter in California",
    "ICE lodged an immigration detainer against Darwin Felipe Bahamon Martinez, accused of "
    "leading Anaheim police on a high-speed chase.",
)
TEXAS = ("Texas man sentenced for role in border tunnel smuggling conspiracy",
         "Following an ICE Homeland Security Investigations El Paso investigation, a local man "
         "was sentenced to federal prison.")


def doc(title: str, text: str, source: str = "ice-breaking", agency: str = "ice",
        jurisdiction: str = "federal") -> Document:
    tags = tag(title, text, source_jurisdiction=jurisdiction, gazetteer=GAZ)
    return Document(key=title[:20], title=title, text=text, source_id=source, agency=agency,
                    places=tuple(PlaceTag(t.place.id, t.place.name, t.matched, t.where)
                                 for t in tags))


def parse(text: str) -> tuple[Query, tuple[str, ...]]:
    query = parse_query(text, resolve_place=lambda n: GAZ.resolve(n).name)
    return query, tuple(GAZ.resolve(p).id for p in query.places)


def matcher(*queries: str) -> Matcher:
    m = Matcher(SYN, GAZ.containers, lambda pid: GAZ.get(pid).name)
    for n, q in enumerate(queries, 1):
        query, places = parse(q)
        m.add(n, 100 + n, query, places)
    return m


def matches(query: str, d: Document) -> bool:
    return bool(matcher(query).match(d))


CASES = [
    ("detainer", SANCTUARY, True),  # plural folded: "detainers"
    ("detainers", ANAHEIM, True),
    ('"immigration detainer"', ANAHEIM, True),
    ('"immigration detainer"', SANCTUARY, False),
    ("33179", SANCTUARY, True),
    ("33,179", SANCTUARY, True),
    ('"33,000"', SANCTUARY, True),
    ("33,179", ANAHEIM, False),
    ("detainer", VENTURA, True),  # via synonym "ICE hold"
    ("sanctuary -football", SANCTUARY, True),
    ("sanctuary -Newsom", SANCTUARY, False),
    ("manslaughter OR tunnel", ANAHEIM, True),
    ("manslaughter OR tunnel", TEXAS, True),
    ("manslaughter OR tunnel", SANCTUARY, False),
    ("detainer manslaughter", ANAHEIM, True),
    ("detainer tunnel", ANAHEIM, False),
    ("in:California", ANAHEIM, True),  # Anaheim ⊂ Orange County ⊂ California
    ('in:"Orange County"', ANAHEIM, True),
    ('in:"Los Angeles County"', ANAHEIM, False),
    ('in:"Ventura County"', VENTURA, True),
    ("detainer in:Texas", SANCTUARY, False),
    ("in:Texas", TEXAS, True),
    ("ice", TEXAS, True),
    ("police", TEXAS, False),  # "ice" inside "police" is no match, and the reverse
    # two groups or more: posted as a pair, the others checked
    ("detainer sanctuary newsom", SANCTUARY, True),
    ("detainer sanctuary tunnel", SANCTUARY, False),
    ("tunnel detainer sanctuary", SANCTUARY, False),
    ("jail detainer", VENTURA, True),  # the pair's second found through a synonym
    ("tunnel OR border ice", TEXAS, True),
    ("ice tunnel OR border", TEXAS, True),
    ("ice tunnel OR manslaughter", SANCTUARY, False),
    ("detainer detainer", SANCTUARY, True),  # a group twice pairs with itself
    ("jail oxnard in:California -football", VENTURA, True),
    ("jail oxnard in:Texas", VENTURA, False),
    ("jail oxnard -newsom -police", VENTURA, False),
]


@pytest.mark.parametrize(("query", "item", "expected"), CASES)
def test_semantics(query: str, item: tuple[str, str], expected: bool) -> None:
    assert matches(query, doc(*item)) is expected


def test_from_filters_by_source_id_or_agency() -> None:
    d = doc(*VENTURA, source="dhs-press", agency="dhs")
    assert matches("from:dhs", d) and matches("from:dhs-press", d)
    assert not matches("from:ice", d) and matches("jail from:ice from:dhs", d)


def test_reasons_say_why() -> None:
    [m] = matcher("detainer in:California").match(doc(*VENTURA))
    shown = [r.detail for r in m.reasons]
    assert '"ice hold" (as detainer) in text' in shown
    assert "Oxnard ⊂ California" in shown  # the most specific tagged place, then the asked
    [m] = matcher('"immigration detainer"').match(doc(*ANAHEIM))
    assert [r.detail for r in m.reasons] == ['"immigration detainer" in title']


def test_same_query_from_many_subscribers_is_one_entry_with_all_of_them() -> None:
    m = matcher(*["detainer in:California"] * 50, "Detainers in:california")
    found = m.match(doc(*SANCTUARY))
    assert sorted(x.subscription_id for x in found) == list(range(1, 52))
    assert len(m._entries) == 1  # noqa: SLF001 — the dedup is the point of the test


def test_incremental_add_and_remove() -> None:
    m = matcher("detainer", "tunnel")
    assert {x.subscription_id for x in m.match(doc(*ANAHEIM))} == {1}
    m.remove(1)
    assert m.match(doc(*ANAHEIM)) == [] and len(m) == 1
    query, places = parse("manslaughter")
    m.add(7, 9, query, places)
    assert [(x.subscription_id, x.subscriber_id) for x in m.match(doc(*ANAHEIM))] == [(7, 9)]
    m.remove(7)
    m.remove(7)  # twice is harmless
    assert not m._patterns.get(("manslaughter",))  # noqa: SLF001 — nothing left behind


def test_results_come_oldest_query_first() -> None:
    m = matcher("sanctuary", "detainer newsom", "ice", "in:California", "33179 jail")
    found = m.match_queries(doc(*SANCTUARY))
    assert [sorted(q.subscriptions) for q in found] == [[1], [2], [3], [4], [5]]


def test_removing_every_subscription_leaves_an_empty_index() -> None:
    queries = ["detainer", "detainer newsom in:California", "jail oxnard -police from:ice",
               "tunnel OR border ice sanctuary", "in:Texas", "from:dhs"]
    m = matcher(*queries)
    for n in range(1, len(queries) + 1):
        m.remove(n)
    assert not (m._entries or m._post or m._pairs or m._load or len(m._patterns))  # noqa: SLF001
    assert not (m._by_place or m._by_source)  # noqa: SLF001


WORDS = ["detainer", "ice", "sanctuary", "jail", "33,179", '"ice hold"', "police", "border",
         "tunnel", "california", "newsom", "oxnard"]
PLACES = ["", "in:California", 'in:"Ventura County"', "in:Texas", 'in:"Orange County"']
EXCL = ["", "-football", "-tunnel", "-newsom"]


def naive(query: Query, places: tuple[str, ...], d: Document) -> bool:
    """The slow, obvious reading of the semantics, to check the index against."""
    text = " " + " ".join(tokens(d.title) + ["|"] + tokens(d.text)) + " "

    def has(t: tuple[str, ...]) -> bool:
        return any(" " + " ".join(a) + " " in text for a in SYN.alternatives(t))

    ok = all(any(has(t.tokens) for t in g.terms) for g in query.required)
    ok = ok and not any(has(t.tokens) for t in query.excluded)
    inside = {p for tg in d.places for p in (tg.place_id, *GAZ.containers(tg.place_id))}
    return ok and (not places or bool(inside & set(places)))


def random_query(rnd: random.Random) -> str:
    terms = " ".join(rnd.sample(WORDS, rnd.randint(1, 4)))
    if rnd.random() < 0.3:
        terms = terms.replace(" ", " OR ", 1)
    return f"{terms} {rnd.choice(PLACES)} {rnd.choice(EXCL)}".strip()


@settings(max_examples=60, deadline=None)
@given(st.randoms(use_true_random=False))
def test_index_agrees_with_naive_loop(rnd: random.Random) -> None:
    queries = {n: random_query(rnd) for n in range(1, 41)}
    m = matcher(*queries.values())
    for step in range(2):
        for item in (SANCTUARY, VENTURA, ANAHEIM, TEXAS):
            d = doc(*item)
            got = {x.subscription_id for x in m.match(d)}
            want = {n for n, q in queries.items() if naive(*parse(q), d)}
            assert got == want, (step, item[0], [queries[i] for i in got ^ want])
        # then some leave and others come (a number reused with another query)
        for n in rnd.sample(sorted(queries), 15):
            del queries[n]
            m.remove(n)
        for n in rnd.sample(range(1, 61), 15):
            queries[n] = random_query(rnd)
            m.add(n, 100 + n, *parse(queries[n]))
