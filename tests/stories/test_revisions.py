"""Revisions: what changed when a release was edited in place, table-driven, pure.

The release texts are WRITTEN FOR THESE TESTS (our paraphrase of the 33,179-detainers story in
tests/fixtures/gov/story_timeline_33179_detainers.md), not copies of an agency page.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.stories.facts import figures, norm_figure
from bot.stories.revisions import RevisionDiff, describe_revision, diff

TITLE = "DHS and ICE call on Gavin Newsom not to release 33,179 criminal illegal aliens"
FIRST = "ICE says 33,179 people held in California custody have active immigration detainers."
RECORDS = "Their records include 399 homicides and 3,313 assaults."
LETTER = "Acting Director Todd Lyons wrote to Attorney General Rob Bonta."
RELEASED = "Since Jan. 20, 2025, 4,561 were released after detainers were not honored."
FOLLOW = "A spokesperson said more details would follow."
TEXT = " ".join([FIRST, RECORDS, LETTER])


def text(*parts: str) -> str:
    return " ".join(parts)


CASES = [
    # id, old (title, text), new (title, text), expected fields
    pytest.param(
        (TITLE, TEXT.replace("33,179", "33,000")), (TITLE, TEXT),
        {"removed": (FIRST.replace("33,179", "33,000"),), "added": (FIRST,),
         "figures_changed": (("33,000", "33,179"),), "substantive": True},
        id="figure-changed",
    ),
    pytest.param(
        (TITLE, TEXT), (TITLE, text(TEXT, RELEASED)),
        {"removed": (), "added": (RELEASED,), "figures_changed": (), "substantive": True},
        id="sentence-added",
    ),
    pytest.param(
        (TITLE, text(FIRST, FOLLOW, RECORDS)), (TITLE, text(FIRST, RECORDS)),
        {"removed": (FOLLOW,), "added": (), "figures_changed": (), "substantive": True},
        id="sentence-removed",
    ),
    pytest.param(
        (TITLE.replace("33,179", "33,000"), TEXT), (TITLE, TEXT),
        {"removed": (), "added": (), "figures_changed": (("33,000", "33,179"),),
         "title_changed": (TITLE.replace("33,179", "33,000"), TITLE), "substantive": True},
        id="title-changed",
    ),
    pytest.param(
        (TITLE, TEXT), (TITLE, TEXT),
        {"removed": (), "added": (), "figures_changed": (), "substantive": False, "empty": True},
        id="redated-unchanged",  # the date is not an input: same title and text
    ),
    pytest.param(
        (TITLE, TEXT), ("  " + TITLE + " ", TEXT.replace(". ", ".\n\n  ") + "\n"),
        {"removed": (), "added": (), "figures_changed": (), "substantive": False, "empty": True},
        id="whitespace-only",
    ),
    pytest.param(
        (TITLE, text("Updated Feb. 6, 2026.", TEXT)), (TITLE, text("Updated Feb. 9, 2026.", TEXT)),
        {"figures_changed": (), "substantive": False},
        id="dateline-only",
    ),
    pytest.param(
        (TITLE, TEXT), (TITLE, TEXT.replace("Director Todd", "Director, Todd")),
        {"figures_changed": (), "substantive": False},
        id="punctuation-only",
    ),
    pytest.param(
        (TITLE, text(FIRST, RECORDS, LETTER)), (TITLE, text(LETTER, FIRST, RECORDS)),
        {"removed": (), "added": (), "substantive": False, "empty": True},
        id="sentence-moved",
    ),
]


@pytest.mark.parametrize(("old", "new", "expected"), CASES)
def test_diff(old: tuple[str, str], new: tuple[str, str], expected: dict) -> None:
    d = diff(old[0], old[1], new[0], new[1])
    for field in ("removed", "added", "figures_changed"):
        if field in expected:
            assert getattr(d, field) == expected[field], field
    assert d.title_changed == expected.get("title_changed")
    assert d.is_substantive is expected["substantive"]
    if "empty" in expected:
        assert d.is_empty is expected["empty"]


def test_figure_changes_in_one_sentence_pair_by_position() -> None:
    old = "Their records include 399 homicides and 3,313 assaults."
    new = "Their records include 1,011 robberies, 400 homicides and 3,313 assaults."
    d = diff(TITLE, old, TITLE, new)
    assert d.figures_changed == (("399", "400"),)  # the inserted 1,011 shifts nothing


def test_unrelated_replacement_pairs_no_figures() -> None:
    d = diff(TITLE, text(FIRST, FOLLOW), TITLE, text(FIRST, RELEASED))
    assert d.removed == (FOLLOW,) and d.added == (RELEASED,)
    assert d.figures_changed == ()


def test_describe_revision_says_what_changed() -> None:
    old_title = TITLE.replace("33,179", "33,000")
    d = diff(old_title, text(FIRST.replace("33,179", "33,000"), FOLLOW), TITLE,
             text(FIRST, RELEASED))
    out = describe_revision(d)
    assert out.startswith("Revised: 33,000 → 33,179.")
    assert f"Title: “{old_title}” → “{TITLE}”." in out
    assert f"Added: “{FIRST}” “{RELEASED}”" in out
    assert out.endswith(f"Removed: “{FIRST.replace('33,179', '33,000')}” “{FOLLOW}”")


def test_describe_an_empty_diff_is_empty() -> None:
    assert describe_revision(RevisionDiff()) == ""


@pytest.mark.parametrize("limit", [600, 120, 60, 20, 1, 0])
def test_describe_revision_respects_the_limit(limit: int) -> None:
    d = diff(TITLE, TEXT.replace("33,179", "33,000"), TITLE, text(TEXT, RELEASED, FOLLOW))
    out = describe_revision(d, limit=limit)
    assert len(out) <= limit


def fig_set(*texts: str) -> set[str]:
    return {norm_figure(f) for t in texts for f in figures(t)}


words = st.sampled_from(
    ["ICE", "DHS", "33,179", "33,000", "4,561", "33179", "399", "400", "Feb. 6, 2026",
     "released", "the", "jail", ".", ",", "!", "\n", "  ", "Mr.", "1.5", "-3", "U.S.", "“x”"]
)
texts = st.one_of(st.text(max_size=300), st.lists(words, max_size=60).map(" ".join))


@settings(max_examples=150, deadline=None)
@given(old_title=texts, old=texts, new_title=texts, new=texts, limit=st.integers(0, 700))
def test_diff_never_raises_and_describes_only_the_inputs_figures(
    old_title: str, old: str, new_title: str, new: str, limit: int
) -> None:
    d = diff(old_title, old, new_title, new)
    out = describe_revision(d, limit=limit)
    assert len(out) <= limit
    assert fig_set(out) <= fig_set(old_title, old, new_title, new)
    assert diff(old_title, old, old_title, old).is_empty
