"""What alerts and `alertbot story` say about a story: developments, responses, revisions."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bot.channels.console import render_console
from bot.models import Change, ChangeKind, Source, Story, StoryLink
from tests.stories.test_cluster import labelled

ITEMS = {i.key: i for i, _ in labelled()}
ICE = ITEMS["ice-2026-02-06-sanctuary-calamity-33179"]
FOLLOW_UP = ITEMS["dhs-2026-02-10-detainers-33179-follow-up"]
GOV = ITEMS["gov-2026-02-06-newsom-office-responds-33179"]
STORY = Story("s-1", ICE.title, (ICE.key, FOLLOW_UP.key), datetime(2026, 2, 6, tzinfo=UTC),
              datetime(2026, 2, 10, tzinfo=UTC))
SOURCE = Source(id="dhs-press", kind="html", url="https://www.dhs.gov/", agency="dhs",
                jurisdiction="federal", name="DHS press releases")


def test_development_says_what_is_new_not_the_whole_story() -> None:
    from bot.stories.timeline import development_note

    link = StoryLink("s-1", FOLLOW_UP.key, "development", 0.5)
    notes = development_note(FOLLOW_UP, link, STORY, [ICE])
    assert notes[0].startswith("Story: ") and "(2 items)" in notes[0]
    assert "Jorge Lopez Santos" in notes[1] and "Ventura County Jail" in notes[1]
    shown = render_console(SOURCE, Change(ChangeKind.NEW, FOLLOW_UP), notes)
    assert FOLLOW_UP.text[:200] not in shown  # the note replaces the full text


def test_first_item_of_a_story_gets_no_note() -> None:
    from bot.stories.timeline import development_note

    assert development_note(ICE, StoryLink("s-1", ICE.key, "first"), STORY, []) == []


def test_response_says_who_responded_and_how_fast() -> None:
    from bot.stories.timeline import development_note

    assert GOV.published and ICE.published
    lag = (GOV.published - ICE.published).total_seconds()
    link = StoryLink("s-1", GOV.key, "response", 0.4, responds_to=ICE.key, lag_seconds=lag)
    notes = development_note(GOV, link, STORY, [ICE])
    assert any(n.startswith("California responded") for n in notes)


def test_revision_note_shows_changed_figures_and_nothing_for_a_redate() -> None:
    from bot.stories.timeline import revision_note

    edited = replace(ICE, text=ICE.text.replace("33,000", "33,179"))
    [note] = revision_note(ICE, edited)
    assert "33,000 → 33,179" in note
    assert revision_note(ICE, replace(ICE, published=datetime(2026, 2, 9, tzinfo=UTC))) == []
