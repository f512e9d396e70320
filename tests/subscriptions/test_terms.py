"""terms: tokens, plural folding, numbers, and the synonym table (packaged and operator)."""

from __future__ import annotations

import re
import tomllib
from importlib import resources

import ahocorasick
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from subscriptions.terms import (
    _APOSTROPHE,
    _DIGIT_RUN,
    _DOTTED_ACRONYM,
    _NON_ASCII,
    _TOKEN,
    _TYPOGRAPHY,
    Synonyms,
    _apostrophe,
    _plain_run,
    _unseparated,
    fold,
    load_synonyms,
    tokens,
)
from tests.paths import OWN


def contains(document: str, term: str) -> bool:
    """The matching rule of the design: the term's tokens as a contiguous run in the doc's."""
    return f" {' '.join(tokens(term))} " in f" {' '.join(tokens(document))} "


# --- fold ---------------------------------------------------------------------------------
FOLDS = [
    ("detainers", "detainer"), ("aliases", "alias"), ("counties", "county"),
    ("policies", "policy"), ("cities", "city"), ("offenses", "offense"),
    ("releases", "release"), ("buses", "bus"), ("agencies", "agency"), ("detainees", "detainee"),
    ("attorneys", "attorney"), ("classes", "class"), ("searches", "search"), ("taxes", "tax"),
    ("crashes", "crash"), ("statuses", "status"), ("biases", "bias"), ("crises", "crisis"),
    ("vetoes", "veto"), ("heroes", "hero"), ("shoes", "shoe"), ("movies", "movie"),
    ("caches", "cache"), ("archives", "archive"), ("wolves", "wolf"), ("women", "woman"),
    ("israelis", "israeli"), ("menus", "menu"), ("flies", "fly"), ("ties", "tie"),
    ("DETAINERS", "detainer"), ("Sanctuaries", "sanctuary"),
    # never broken: short words, acronyms, singulars ending in s, words with digits
    ("ICE", "ice"), ("DHS", "dhs"), ("news", "news"), ("us", "us"), ("this", "this"),
    ("series", "series"), ("species", "species"), ("alias", "alias"), ("bus", "bus"),
    ("status", "status"), ("crisis", "crisis"), ("class", "class"), ("dangerous", "dangerous"),
    ("USCIS", "uscis"), ("Texas", "texas"), ("Customs", "customs"), ("its", "its"),
    ("was", "was"), ("is", "is"),
    ("247a", "247a"), ("1990s", "1990s"), ("33179", "33179"), ("", ""),
]


@pytest.mark.parametrize(("word", "expected"), FOLDS)
def test_fold(word: str, expected: str) -> None:
    assert fold(word) == expected


@pytest.mark.parametrize(("word", "expected"), FOLDS)
def test_fold_is_idempotent_and_singular_is_stable(word: str, expected: str) -> None:
    assert fold(expected) == expected  # so the singular and the plural meet


@given(st.text(alphabet=st.characters(categories=["Ll", "Lu"]), max_size=12))
def test_fold_is_idempotent(word: str) -> None:
    assert fold(fold(word)) == fold(word)


# --- tokens -------------------------------------------------------------------------------
TOKENS = [
    ("Form I-247A", ["form", "i", "247a"]),
    ("i-247a", ["i", "247a"]),
    ("I 247A", ["i", "247a"]),
    ("33,179 detainers", ["33179", "detainer"]),
    ("33179", ["33179"]),
    ("33,000", ["33000"]),
    ("1,234,567 and $4,561.", ["1234567", "and", "4561"]),
    ("1.5 million", ["1.5", "million"]),
    ("1,2,3", ["1", "2", "3"]),  # a list, not a number
    ("2019,2020", ["2019", "2020"]),
    ("12,345,67", ["12", "345", "67"]),
    ("SANCTUARY-CITY", ["sanctuary", "city"]),
    ("sanctuary — city", ["sanctuary", "city"]),
    ("Newsom\u2019s \u201csanctuary\u201d state", ["newsom", "sanctuary", "state"]),
    ("don't", ["dont"]),
    ("U.S. Immigration & Customs", ["us", "immigration", "and", "customs"]),
    ("Washington, D.C.", ["washington", "dc"]),
    ("Café ﬁle Straße", ["cafe", "file", "strasse"]),
    ("ＤＨＳ", ["dhs"]),  # full-width letters
    ("snake_case/slash", ["snake", "case", "slash"]),
    ("", []),
    ("!!! — … ‘’", []),
]


@pytest.mark.parametrize(("text", "expected"), TOKENS)
def test_tokens(text: str, expected: list[str]) -> None:
    assert tokens(text) == expected


@pytest.mark.parametrize(("a", "b"), [
    ("33,179", "33179"), ("I-247A", "i 247a"), ("sanctuary-city", "Sanctuary City"),
    ("détainers", "DETAINER"), ("Immigration & Customs", "immigration and customs"),
])
def test_spelling_variants_tokenise_alike(a: str, b: str) -> None:
    assert tokens(a) == tokens(b)


@pytest.mark.parametrize(("document", "term", "found"), [
    ("to not release 33,179 criminal illegal aliens", "33179", True),
    ("to not release 33,179 criminal illegal aliens", "33,179", True),
    ("to not release 33,179 criminal illegal aliens", "33,000", False),
    ("stop releasing 33,000 criminal illegal aliens", "33,179", False),
    ("free up to 33 thousand", "33179", False),
    ("with active ICE detainers", "detainer", True),
    ("with an active ICE detainer", "detainers", True),
    ("the police said", "ice", False),  # word boundaries
    ("detained at the border", "detainer", False),
    ("a Form I-247A was lodged", "I-247A", True),
    ("SANCTUARY CALAMITY", "sanctuary calamity", True),
    ("sanctuary California", "California sanctuary", False),  # order matters in a phrase
])
def test_contiguous_matching(document: str, term: str, found: bool) -> None:
    assert contains(document, term) is found


@given(st.text())
def test_tokens_are_stable_under_retokenising(text: str) -> None:
    found = tokens(text)
    assert all(t and not re.search(r"\s", t) for t in found)
    assert tokens(" ".join(found)) == found  # a query's tokens meet a document's tokens


def reference_tokens(text: str) -> list[str]:
    """tokens() without its shortcuts: every pass over the whole text, then the regex."""
    text = _NON_ASCII.sub(_plain_run, text).lower()
    text = text.replace("&", " and ").replace("_", " ")
    text = _DIGIT_RUN.sub(_unseparated, text)
    text = _DOTTED_ACRONYM.sub(lambda m: m.group().replace(".", ""), text)
    text = _APOSTROPHE.sub(_apostrophe, text)
    return [fold(t) for t in _TOKEN.findall(text)]


# What the shortcuts handle: typographic marks, thousands, acronyms, decimals, apostrophes.
TRICKY = "aAsSeE1203.,'&_- \n\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u00a0é\u0301ﬁΣ٣²"


@settings(max_examples=300)
@given(st.text(alphabet=TRICKY, max_size=60) | st.text(alphabet="aS1203.,' ", max_size=60))
def test_tokens_shortcuts_change_nothing(text: str) -> None:
    assert tokens(text) == reference_tokens(text)


@given(st.text(max_size=60))
def test_tokens_shortcuts_change_nothing_on_any_text(text: str) -> None:
    assert tokens(text) == reference_tokens(text)


def test_tokens_shortcuts_change_nothing_on_the_releases() -> None:
    for page in sorted((OWN / "dhs").glob("release-*.html")):
        text = re.sub(r"<[^>]+>", " ", page.read_text("utf-8"))
        assert tokens(text) == reference_tokens(text), page.name


def test_typographic_marks_become_what_plain_text_makes_of_them_or_a_space() -> None:
    """A mark replaced by a space must be one that only ever separated words."""
    for mark, plain in _TYPOGRAPHY.items():
        made = _NON_ASCII.sub(_plain_run, mark)
        assert plain == made or (plain == " " and not re.search(r"[\w.,'&]", made)), mark


def test_fixture_release_matches_its_story() -> None:
    html = (OWN / "dhs" / "release-2026-02-11-detainers-33179.html").read_text("utf-8")
    text = re.sub(r"<[^>]+>", " ", html)
    for term in ("33,179", "33179", "detainers", "Ventura County Jail", "sanctuary California"):
        assert contains(text, term), term
    assert not contains(text, "33,000")


def test_alternatives_fit_an_aho_corasick_automaton() -> None:
    """The matcher's plan: every alternative, joined by spaces, in one automaton."""
    synonyms = load_synonyms()
    automaton = ahocorasick.Automaton()
    for term in ("detainer", "sanctuary"):
        for alt in synonyms.alternatives(tokens(term)):
            automaton.add_word(f" {' '.join(alt)} ", (term, alt))
    automaton.make_automaton()
    doc = " " + " ".join(tokens("Jails ignored ICE holds under the California Values Act.")) + " "
    found = {value for _, value in automaton.iter(doc)}
    assert found == {("detainer", ("ice", "hold")),
                     ("sanctuary", ("california", "value", "act"))}


# --- synonyms -----------------------------------------------------------------------------
def packaged() -> list[list[str]]:
    text = resources.files("subscriptions").joinpath("data", "synonyms.toml").read_text("utf-8")
    return [g["terms"] for g in tomllib.loads(text)["group"]]


@pytest.mark.parametrize("group", packaged(), ids=lambda g: g[0])
def test_every_packaged_group_loads_whole(group: list[str]) -> None:
    synonyms = load_synonyms()
    keys = [tuple(tokens(m)) for m in group]
    assert all(keys), "every member has something to match"
    assert len(set(keys)) == len(keys), "no member repeats another after tokenising"
    for key in keys:
        assert set(synonyms.alternatives(key)) == set(keys)
    for a in keys:  # "U.S. Immigration and Customs Enforcement" would add nothing
        for b in keys:
            assert a == b or f" {' '.join(a)} " not in f" {' '.join(b)} ", (a, b)


def test_packaged_groups_are_disjoint_and_avoid_common_words() -> None:
    members = [tuple(tokens(m)) for g in packaged() for m in g]
    assert len(members) == len(set(members))
    common = {"us", "it", "in", "on", "or", "and", "the", "a", "an", "of", "to", "at", "ag"}
    assert not [m for m in members if len(m) == 1 and m[0] in common]
    assert len(load_synonyms().groups) == len(packaged())


@pytest.mark.parametrize("group", load_synonyms().groups, ids=lambda g: g[0])
def test_alternatives_are_symmetric_and_start_with_the_phrase(group: tuple[str, ...]) -> None:
    synonyms = load_synonyms()
    for member in group:
        alts = synonyms.alternatives(tokens(member))
        assert alts[0] == tuple(tokens(member))
        for alt in alts:
            assert tuple(tokens(member)) in synonyms.alternatives(alt)


@pytest.mark.parametrize(("term", "expected"), [
    ("detainers", ("ICE hold", "immigration hold", "I-247A")),
    ("i-247a", ("detainer", "ICE hold", "immigration hold")),
    ("SB54", ("sanctuary", "SB 54", "Senate Bill 54", "California Values Act")),
    ("Department of Homeland Security", ("DHS",)),
    ("ICE", ("Immigration and Customs Enforcement",)),
    ("state prison", ("CDCR", "Department of Corrections and Rehabilitation")),
    ("football", ()),
    ("immigration detainer", ()),  # synonyms replace whole terms, not words in a phrase
])
def test_also_matching_shows_display_strings(term: str, expected: tuple[str, ...]) -> None:
    assert load_synonyms().also_matching(tokens(term)) == expected


def test_unknown_phrase_is_its_own_only_alternative() -> None:
    assert load_synonyms().alternatives(["ice", "hockey"]) == (("ice", "hockey"),)


def test_operator_groups_extend_and_join_the_table() -> None:
    synonyms = load_synonyms([["ICE hold", "hold request"], ["Bonta", "Attorney General Bonta"]])
    assert ("hold", "request") in synonyms.alternatives(("detainer",))
    assert ("detainer",) in synonyms.alternatives(("hold", "request"))
    assert synonyms.also_matching(tokens("bonta")) == ("Attorney General Bonta",)
    assert len(synonyms.groups) == len(packaged()) + 1


def test_groups_sharing_a_member_merge() -> None:
    synonyms = Synonyms(groups=(("a1", "b2"), ("c3", "d4"), ("B2", "c3", "e5")))
    assert synonyms.groups == (("a1", "b2", "c3", "d4", "e5"),)
    assert set(synonyms.alternatives(("a1",))) == {("a1",), ("b2",), ("c3",), ("d4",), ("e5",)}


@pytest.mark.parametrize(("extra", "message"), [
    ([["hold request"]], "needs at least two different terms"),
    ([["detainer", "Detainers"]], "needs at least two different terms"),
    ([["ICE hold", "!!!"]], "'!!!' has no letters or digits"),
    (["ICE hold"], "must be a list of terms"),
    ([["ICE hold", 5]], "5 is not text"),
])
def test_bad_operator_groups_are_reported(extra: list, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        load_synonyms(extra)
