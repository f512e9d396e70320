"""Developments: what a follow-up adds to a story, table-driven, pure.

The texts below are WRITTEN FOR THESE TESTS from the fact sheet
tests/fixtures/gov/story_timeline_33179_detainers.md: our own paraphrase of the
33,179-detainers story (ICE release, DHS retelling, DHS follow-up four days later), not copies
of the agencies' pages. For the test the first release leaves out the 4,561 figure so that
the follow-up has something new to say. test_responses imports them.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.stories.developments import Development, describe_development, development
from bot.stories.facts import figures, norm_figure

ICE_TITLE = (
    "DHS and ICE call on Gavin Newsom and sanctuary California not to release 33,179 "
    "criminal illegal aliens from jails"
)
ICE_TEXT = (
    "U.S. Immigration and Customs Enforcement and the Department of Homeland Security called on "
    "Governor Gavin Newsom to stop releasing criminal illegal aliens from California jails. "
    "ICE says 33,179 people held in California custody have active immigration detainers. "
    "Their records include 399 homicides and 3,313 assaults, according to ICE. "
    "Acting Director Todd Lyons sent a letter to Attorney General Rob Bonta asking whether "
    "California will honor the detainers."
)
DHS_RETOLD = (
    "The Department of Homeland Security urged Governor Gavin Newsom to stop releasing "
    "criminal illegal aliens from California jails. "
    "DHS says 33,179 people held in California custody have active immigration detainers. "
    "Acting Director Todd Lyons sent a letter to Attorney General Rob Bonta asking whether "
    "California will honor the detainers."
)
FOLLOW_UP_SENTENCES = {
    "repeat": "DHS again called on Governor Gavin Newsom to stop releasing criminal illegal "
    "aliens from California jails.",
    "repeat_figure": "DHS says 33,179 people held in California custody have active "
    "immigration detainers.",
    "released": "Since Jan. 20, 2025, 4,561 of them were released after detainers were not "
    "honored.",
    "arrest": "On Feb. 2, ICE arrested Jorge Lopez Santos in the lobby of the Ventura County "
    "Jail after the jail declined an ICE detainer.",
    "protest": "Protesters surrounded the officers during the arrest, and one woman "
    "assaulted an officer.",
}
FOLLOW_UP = " ".join(FOLLOW_UP_SENTENCES.values())
GOVERNOR_STATEMENT = (
    "The Governor's office said the numbers DHS put out are misleading. California already "
    "works with ICE to deport people convicted of serious crimes once they finish their "
    "sentences in state prison. Figures from the California Department of Corrections and "
    "Rehabilitation (CDCR) show 10,588 transfers to ICE since 2019. The office called the "
    "DHS claims a distraction."
)
SEEN = (ICE_TEXT, DHS_RETOLD)


def fig_set(*texts: str) -> set[str]:
    return {norm_figure(f) for t in texts for f in figures(t)}


def test_follow_up_brings_new_figures_and_names_not_the_repeated_ones() -> None:
    d = development(FOLLOW_UP, SEEN)
    assert "4,561" in d.new_figures
    assert "33,179" not in d.new_figures
    assert {"Jorge Lopez Santos", "Ventura County Jail"} <= set(d.new_names)
    assert not {"Todd Lyons", "Gavin Newsom", "Rob Bonta"} & set(d.new_names)


@pytest.mark.parametrize(
    ("sentence", "kept"),
    [
        ("repeat", False),  # restates the call on Newsom: nothing new
        ("repeat_figure", False),  # 33,179 again
        ("released", True),  # new figure
        ("arrest", True),  # new names
        ("protest", True),  # no figure or name, but not close to anything seen
    ],
)
def test_follow_up_keeps_only_sentences_that_carry_something_new(
    sentence: str, kept: bool
) -> None:
    d = development(FOLLOW_UP, SEEN)
    assert (FOLLOW_UP_SENTENCES[sentence] in d.new_sentences) is kept


def test_new_sentences_keep_the_items_order_and_decisions_are_among_them() -> None:
    d = development(FOLLOW_UP, SEEN)
    order = [FOLLOW_UP.index(s) for s in d.new_sentences]
    assert order == sorted(order)
    assert FOLLOW_UP_SENTENCES["arrest"] in d.decisions  # "arrested", "declined"
    assert set(d.decisions) <= set(d.new_sentences)


@pytest.mark.parametrize(
    ("new", "seen"),
    [
        (ICE_TEXT, [ICE_TEXT]),  # the same release again
        (ICE_TEXT, [DHS_RETOLD, ICE_TEXT]),
        ("  " + ICE_TEXT.replace("detainers. ", "detainers.\n\n  "), [ICE_TEXT]),  # re-flowed
        ("", [ICE_TEXT]),
    ],
    ids=["identical", "identical-among-several", "reflowed", "empty"],
)
def test_nothing_new_is_an_empty_development(new: str, seen: list[str]) -> None:
    d = development(new, seen)
    assert d == Development() and d.is_empty
    assert describe_development(d) == ""


def test_retelling_by_dhs_adds_little_to_the_ice_release() -> None:
    d = development(DHS_RETOLD, [ICE_TEXT])
    assert d.new_figures == ()
    assert not {"Todd Lyons", "Gavin Newsom", "Rob Bonta"} & set(d.new_names)


def test_first_item_of_a_story_is_all_new() -> None:
    d = development(ICE_TEXT, [])
    assert "33,179" in d.new_figures and "Todd Lyons" in d.new_names
    assert len(d.new_sentences) == 4


def test_a_changed_figure_in_a_restated_sentence_is_kept() -> None:
    restated = FOLLOW_UP_SENTENCES["repeat_figure"].replace("33,179", "34,020")
    d = development(restated, SEEN)
    assert d.new_figures == ("34,020",) and d.new_sentences == (restated,)


def test_describe_development_leads_with_the_new_facts() -> None:
    text = describe_development(development(FOLLOW_UP, SEEN))
    assert text.startswith("New: 4,561")
    assert "Jorge Lopez Santos" in text and "Ventura County Jail" in text
    assert FOLLOW_UP_SENTENCES["arrest"] in text
    assert "33,179" not in text


@pytest.mark.parametrize("limit", [600, 200, 80, 30, 5, 0])
def test_describe_development_respects_the_limit_and_never_cuts_a_figure(limit: int) -> None:
    text = describe_development(development(FOLLOW_UP, SEEN), limit=limit)
    assert len(text) <= limit
    assert fig_set(text) <= fig_set(FOLLOW_UP)


words = st.sampled_from(
    ["ICE", "DHS", "Newsom", "Ventura County Jail", "33,179", "4,561", "33179", "10,588",
     "Jan. 20, 2025", "released", "arrested", "the", "jail", ".", ",", "!", "?", "\n", "Mr.",
     "1.5", "-3", "$25 million", "“quoted”", "2026-02-06", "U.S.", "e.g."]
)
texts = st.one_of(
    st.text(max_size=300),
    st.lists(words, max_size=60).map(" ".join),
)


@settings(max_examples=150, deadline=None)
@given(new=texts, seen=st.lists(texts, max_size=3), limit=st.integers(0, 700))
def test_development_never_raises_and_describes_only_the_new_texts_figures(
    new: str, seen: list[str], limit: int
) -> None:
    d = development(new, seen)
    assert set(d.decisions) <= set(d.new_sentences)
    text = describe_development(d, limit=limit)
    assert len(text) <= limit
    assert fig_set(text) <= fig_set(new)
