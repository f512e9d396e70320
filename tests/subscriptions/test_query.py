"""query: the grammar, every error with its position, limits, and the one-line description."""

from __future__ import annotations

import contextlib
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subscriptions.query import (
    Limits,
    Query,
    QueryError,
    also_matching,
    check_quota,
    describe,
    parse_query,
)
from subscriptions.terms import load_synonyms

SYNONYMS = load_synonyms()
SOURCES = ("dhs", "ice", "governor", "ag", "ice-breaking", "ice-ero", "dhs-press", "ca-governor")
PLACES = {"california": "California", "los angeles": "Los Angeles",
          "los angeles county": "Los Angeles County", "ca": "California"}


class UnknownPlace(LookupError):
    """What the gazetteer raises: str() is the user message."""


def resolve(name: str) -> str:
    try:
        return PLACES[name.casefold()]
    except KeyError:
        hint = ' — did you mean "Los Angeles"?' if name.startswith("Los") else ""
        raise UnknownPlace(f'unknown place "{name}"{hint}') from None


def shape(query: Query) -> tuple:
    """A query as plain data: ([[(text, phrase), ...], ...], [excluded], places, sources)."""
    return ([[(t.text, t.phrase) for t in group.terms] for group in query.required],
            [(t.text, t.phrase) for t in query.excluded], list(query.places), list(query.sources))


GRAMMAR = [
    ("detainer", ([[("detainer", False)]], [], [], [])),
    ('"immigration detainer"', ([[("immigration detainer", True)]], [], [], [])),
    ("detainer sanctuary", ([[("detainer", False)], [("sanctuary", False)]], [], [], [])),
    ('detainer OR "ICE hold"', ([[("detainer", False), ("ICE hold", True)]], [], [], [])),
    ("a OR b c", ([[("a", False), ("b", False)], [("c", False)]], [], [], [])),  # OR first
    ("a OR b OR c", ([[("a", False), ("b", False), ("c", False)]], [], [], [])),
    ("a|b", ([[("a", False), ("b", False)]], [], [], [])),
    ("a | b", ([[("a", False), ("b", False)]], [], [], [])),
    ("detainer or hold", ([[("detainer", False)], [("or", False)], [("hold", False)]], [], [], [])),
    ('"OR" detainer', ([[("OR", True)], [("detainer", False)]], [], [], [])),
    ("detainer -football", ([[("detainer", False)]], [("football", False)], [], [])),
    ('detainer -"ice hockey"', ([[("detainer", False)]], [("ice hockey", True)], [], [])),
    ("a \u2212b \u2014c", ([[("a", False)]], [("b", False), ("c", False)], [], [])),  # phones
    ("in:California", ([], [], ["California"], [])),
    ('in:"Los Angeles County"', ([], [], ["Los Angeles County"], [])),
    ("IN:California In:Nevada in:California", ([], [], ["California", "Nevada"], [])),
    ("in:Fresno, in:Kern", ([], [], ["Fresno", "Kern"], [])),
    ("from:ice FROM:DHS from:ice", ([], [], [], ["ice", "dhs"])),
    ('from:"ICE"', ([], [], [], ["ice"])),
    ("-football in:California", ([], [("football", False)], ["California"], [])),
    ("\u201cICE hold\u201d \u00absanctuary city\u00bb",
     ([[("ICE hold", True)], [("sanctuary city", True)]], [], [], [])),
    ("  detainer\t\n33,179  ", ([[("detainer", False)], [("33,179", False)]], [], [], [])),
    ("I-247A sanctuary-city Newsom's", ([[("I-247A", False)], [("sanctuary-city", False)],
                                         [("Newsom's", False)]], [], [], [])),
    ("--football detainer", ([[("detainer", False)]], [("-football", False)], [], [])),
]


@pytest.mark.parametrize(("text", "expected"), GRAMMAR)
def test_grammar(text: str, expected: tuple) -> None:
    query = parse_query(text)
    assert shape(query) == expected
    assert query.source_text == text


def test_terms_carry_tokens_and_positions() -> None:
    query = parse_query('in:CA detainers OR "ICE holds" -Football')
    a, b = query.required[0].terms
    (x,) = query.excluded
    assert (a.tokens, a.position) == (("detainer",), 6)
    assert (b.tokens, b.position, b.phrase) == (("ice", "hold"), 19, True)  # the opening quote
    assert (x.tokens, x.position) == (("football",), 32)  # after the "-"


def test_resolver_gives_canonical_places() -> None:
    query = parse_query('in:ca in:"los angeles county"', resolve_place=resolve)
    assert query.places == ("California", "Los Angeles County")


def test_known_sources_accept_ids_and_agencies_in_any_case() -> None:
    query = parse_query("from:ICE from:ca-governor", known_sources=SOURCES)
    assert query.sources == ("ice", "ca-governor")


ERRORS = [
    # (query, expected str(error), position)
    ('in:California "ICE', 'unclosed quote at 14 — add a closing " after the phrase', 14),
    ('"', 'unclosed quote at 0 — add a closing " after the phrase', 0),
    ('a ""', 'empty quotes at 2 — put words between them, e.g. "ICE hold"', 2),
    ('a " "', 'empty quotes at 2 — put words between them, e.g. "ICE hold"', 2),
    ('"ICE hold"s', "no space after the closing quote at 9 — add a space after it", 9),
    ('detainer"', 'stray quote at 8 — quotes go around a phrase, e.g. "ICE hold"', 8),
    ("(a OR b) c", "parentheses are not supported at 0 — OR binds first: a OR b c means "
                   "(a OR b) c", 0),
    ("OR detainer", 'OR has no term before it at 0 — put a term on each side, e.g. detainer '
                    'OR "ICE hold"', 0),
    ("detainer OR", 'OR has no term after it at 9 — put a term on each side, e.g. detainer '
                    'OR "ICE hold"', 9),
    ("a OR OR b", 'OR has no term after it at 2 — put a term on each side, e.g. detainer '
                  'OR "ICE hold"', 2),
    ("a |", 'OR has no term after it at 2 — put a term on each side, e.g. detainer '
            'OR "ICE hold"', 2),
    ("a OR -b", "OR joins terms, not exclusions at 2 — write -a -b to exclude both", 2),
    ("-a OR b", "OR joins terms, not exclusions at 3 — write -a -b to exclude both", 3),
    ("in:CA OR in:NV", "OR joins terms, not in: filters at 6 — several in: already mean "
                       "either", 6),
    ("detainer OR from:ice", "OR joins terms, not from: filters at 9 — several from: already "
                             "mean either", 9),
    ("a -", "nothing to exclude after '-' at 2 — write -word to leave out items that mention "
            "it, e.g. -football", 2),
    ("-in:California", "in: cannot be excluded at 0 — write -word to leave out items that "
                       "mention it, e.g. -football", 0),
    ("detainer in:", 'in: needs a value at 9 — name a place, e.g. in:California or '
                     'in:"Los Angeles County"', 9),
    ("from: ice", "from: needs a value at 0 — name a source or agency, e.g. from:ice "
                  "(/sources lists them)", 0),
    ("in:,", 'in: needs a value at 0 — name a place, e.g. in:California or '
             'in:"Los Angeles County"', 0),
    ("form:ice", 'unknown filter "form:" at 0 — did you mean "from:"?', 0),
    ("detainer at:Fresno", 'unknown filter "at:" at 9 — filters are in: (a place) and from: '
                           "(a source); to search for the text, quote it", 9),
    ("!!!", "nothing to match in '!!!' at 0 — use letters or numbers", 0),
    ('a "!?"', "nothing to match in '\"!?\"' at 2 — use letters or numbers", 2),
    ("a -!!!", "nothing to match in '!!!' at 3 — use letters or numbers", 3),
    ("-football", 'only exclusions — add a term to match, e.g. "detainer -football"', None),
    ("-a -b", 'only exclusions — add a term to match, e.g. "detainer -football"', None),
    ("", "a query needs at least one term or in:/from: — e.g. detainer in:California", None),
    ("   ", "a query needs at least one term or in:/from: — e.g. detainer in:California", None),
]


@pytest.mark.parametrize(("text", "message", "position"), ERRORS)
def test_errors(text: str, message: str, position: int | None) -> None:
    with pytest.raises(QueryError) as caught:
        parse_query(text)
    assert str(caught.value) == message
    assert caught.value.position == position  # 0-based: text[position] is the culprit
    assert caught.value.message and caught.value.hint
    assert caught.value.message in message


@pytest.mark.parametrize(("text", "message"), [
    ("in:Los_Angles", 'unknown place "Los_Angles" at 3 — did you mean "Los Angeles"?'),
    ('detainer in:"Los Angles"', 'unknown place "Los Angles" at 12 — did you mean '
                                 '"Los Angeles"?'),
    ("in:Atlantis", 'unknown place "Atlantis" at 3'),
])
def test_unknown_place_keeps_the_resolvers_message_and_points_at_the_value(
    text: str, message: str
) -> None:
    with pytest.raises(QueryError) as caught:
        parse_query(text, resolve_place=resolve)
    assert str(caught.value) == message
    assert isinstance(caught.value.__cause__, UnknownPlace)


def test_a_resolver_raising_key_error_still_gets_a_readable_message() -> None:
    with pytest.raises(QueryError, match='unknown place "Nowhere" at 3'):
        parse_query("in:Nowhere", resolve_place={}.__getitem__)


@pytest.mark.parametrize(("text", "message"), [
    ("from:icee", 'unknown source "icee" at 5 — did you mean "ice"?'),
    ("a from:CA-GOVERNER", 'unknown source "ca-governer" at 7 — did you mean "ca-governor"?'),
    ("from:fbi", 'unknown source "fbi" at 5 — /sources lists them'),
])
def test_unknown_source(text: str, message: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse_query(text, known_sources=SOURCES)
    assert str(caught.value) == message


def test_query_length_limit() -> None:
    limits = Limits(max_length=20)
    assert parse_query("x" * 20, limits=limits)
    with pytest.raises(QueryError) as caught:
        parse_query("x" * 21, limits=limits)
    assert str(caught.value) == (
        "query is too long (21 characters; the most is 20) — shorten it or split it in two")
    assert caught.value.position is None
    with pytest.raises(QueryError, match="the most is 300"):
        parse_query("detainer " * 40)


def test_term_limit_counts_alternatives_and_exclusions() -> None:
    limits = Limits(max_terms=3)
    assert parse_query("a OR b -c in:X from:y", limits=limits)
    with pytest.raises(QueryError) as caught:
        parse_query("a OR b -c d", limits=limits)
    assert str(caught.value) == (
        "too many terms (the most is 3) at 10 — split the query into several subscriptions")
    with pytest.raises(QueryError, match="the most is 20"):
        parse_query(" ".join(f"t{i}" for i in range(21)))


def test_quota() -> None:
    check_quota(49, Limits())
    check_quota(0, Limits(max_subscriptions=1))
    with pytest.raises(QueryError) as caught:
        check_quota(50, Limits())
    assert str(caught.value) == (
        "you have 50 subscriptions, the most allowed is 50 — /unsubscribe one first")
    with pytest.raises(QueryError, match="you have 3 subscriptions, the most allowed is 2"):
        check_quota(3, Limits(max_subscriptions=2))


@pytest.mark.parametrize("bad", [{"max_length": 0}, {"max_terms": -1}, {"max_subscriptions": 0}])
def test_limits_must_be_positive(bad: dict) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Limits(**bad)


def test_query_error_is_a_value_error_and_pickles() -> None:
    error = QueryError("unclosed quote", 14, 'add a closing "')
    assert isinstance(error, ValueError)
    assert str(error) == 'unclosed quote at 14 — add a closing "'
    assert str(pickle.loads(pickle.dumps(error))) == str(error)
    assert str(QueryError("only exclusions")) == "only exclusions"


DESCRIPTIONS = [
    ("detainer in:California from:ice",
     "detainer (also matching: ICE hold, immigration hold, I-247A) · in California · from ICE"),
    ('detainer OR "ICE hold"',
     'detainer or "ICE hold" (also matching: immigration hold, I-247A)'),
    ("33,179 -ICE", "33,179 · not ICE (also excluding: Immigration and Customs Enforcement)"),
    ('"immigration detainer" in:CA in:Nevada', '"immigration detainer" · in CA or Nevada'),
    ("in:California", "everything · in California"),
    ("from:ice-breaking from:governor", "everything · from ice-breaking or governor"),
]


@pytest.mark.parametrize(("text", "expected"), DESCRIPTIONS)
def test_describe(text: str, expected: str) -> None:
    assert describe(parse_query(text), SYNONYMS) == expected


def test_describe_uses_source_names() -> None:
    query = parse_query("sanctuary from:ca-governor")
    names = {"ca-governor": "the California Governor"}
    assert describe(query, SYNONYMS, source_names=names) == (
        "sanctuary (also matching: SB 54, SB54, Senate Bill 54, California Values Act)"
        " · from the California Governor")


def test_also_matching_lists_widened_terms_only() -> None:
    query = parse_query("Detainers football -DHS")
    pairs = [(term.text, alts) for term, alts in also_matching(query, SYNONYMS)]
    assert pairs == [("Detainers", ("ICE hold", "immigration hold", "I-247A")),
                     ("DHS", ("Department of Homeland Security",))]


# --- fuzzing ------------------------------------------------------------------------------
PIECES = st.sampled_from([
    " ", "  ", "\t", '"', "\u201c", "\u201d", "\u00ab", "-", "\u2014", "OR", "or", "|", "in:",
    "IN:", "from:", "form:", "at:", ":", "(", ")", "detainer", "ICE hold", "33,179", "I-247A",
    "Los Angles", "California", "ice", "!!!", "é", "\u00a0", "\u200b", "'", ",", ".",
])
QUERIES = st.one_of(st.text(), st.lists(st.one_of(PIECES, st.text(max_size=3))).map("".join))


@given(QUERIES)
def test_fuzz_only_query_errors(text: str) -> None:
    for kwargs in ({}, {"resolve_place": resolve, "known_sources": SOURCES}):
        try:
            query = parse_query(text, **kwargs)
        except QueryError as error:
            assert str(error)
            assert error.position is None or 0 <= error.position <= len(text)
            continue
        assert query.required or query.places or query.sources
        for term in [t for g in query.required for t in g.terms] + list(query.excluded):
            assert term.tokens
            assert text.startswith(term.text, term.position + term.phrase)
        describe(query, SYNONYMS)


@given(QUERIES)
def test_fuzz_with_tight_limits(text: str) -> None:
    with contextlib.suppress(QueryError):  # anything else fails the test
        parse_query(text, limits=Limits(max_length=12, max_terms=2))
