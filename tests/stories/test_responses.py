"""Responses: who answered whom in a story, and how long it took. Table-driven, pure.

Texts are WRITTEN FOR THESE TESTS (see test_developments and the fact sheet
tests/fixtures/gov/story_timeline_33179_detainers.md); the Governor's statement is our
paraphrase of the reaction reported in coverage, not a quotation.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from bot.models import Item
from bot.stories.members import StoryMember
from bot.stories.responses import Response, describe_lag, find_response
from tests.stories.test_developments import (
    DHS_RETOLD,
    FOLLOW_UP,
    GOVERNOR_STATEMENT,
    ICE_TEXT,
    ICE_TITLE,
)

EST = timezone(timedelta(hours=-5))
ICE_AT = datetime(2026, 2, 6, 13, 48, 51, tzinfo=EST)  # the ICE release, per the fact sheet
HOUR = timedelta(hours=1)
AGENCY_JURISDICTION = {"ice": "federal", "dhs": "federal", "governor": "California",
                       "ag": "California"}


def member(key: str, agency: str, at: datetime | None, title: str, text: str) -> StoryMember:
    return StoryMember(item_key=key, agency=agency, jurisdiction=AGENCY_JURISDICTION[agency],
                       published=at, title=title, text=text)


ICE = member("ice-1", "ice", ICE_AT, ICE_TITLE, ICE_TEXT)
DHS = member("dhs-1", "dhs", ICE_AT + 2 * HOUR, "DHS urges Newsom to honor detainers", DHS_RETOLD)
GOVERNOR = member("gov-1", "governor", ICE_AT + 5 * HOUR,
                  "Governor's office disputes DHS detainer numbers", GOVERNOR_STATEMENT)
WILDFIRE = member(
    "gov-2", "governor", ICE_AT + 3 * HOUR, "Governor Newsom announces wildfire recovery grants",
    "Governor Gavin Newsom today announced $25 million in grants to help Los Angeles County "
    "communities rebuild after the January wildfires. The grants pay for debris removal and "
    "temporary housing.",
)
ICE_LATER = member("ice-2", "ice", ICE_AT + 6 * HOUR,
                   "ICE arrests criminal alien in Ventura County", FOLLOW_UP)
DHS_REPLY = member(
    "dhs-2", "dhs", ICE_AT + 5 * HOUR + timedelta(days=2),
    "DHS answers Newsom on detainers",
    "Gavin Newsom's office is wrong: the 33,179 detainers are for local jails, not prisons.",
)


@pytest.mark.parametrize(
    ("new", "earlier", "expected"),
    [
        pytest.param(GOVERNOR, [ICE], ("ice-1", 5 * 3600.0), id="governor-answers-ice"),
        pytest.param(GOVERNOR, [ICE, DHS], ("dhs-1", 3 * 3600.0), id="most-recent-wins"),
        pytest.param(GOVERNOR, [DHS, ICE], ("dhs-1", 3 * 3600.0), id="order-independent"),
        pytest.param(DHS_REPLY, [ICE, GOVERNOR], ("gov-1", 2 * 86400.0), id="dhs-answers-ca"),
        pytest.param(WILDFIRE, [ICE], None, id="unrelated-governor-item"),
        pytest.param(ICE_LATER, [ICE, DHS], None, id="same-side"),
        pytest.param(ICE, [GOVERNOR], None, id="earlier-than-the-other"),
        pytest.param(GOVERNOR, [], None, id="nothing-earlier"),
    ],
)
def test_find_response(
    new: StoryMember, earlier: list[StoryMember], expected: tuple[str, float] | None
) -> None:
    found = find_response(new, earlier)
    if expected is None:
        assert found is None
        return
    assert found == Response(item_key=new.item_key, responds_to=expected[0],
                             lag_seconds=expected[1], responder=new.agency)


@pytest.mark.parametrize(
    ("new", "earlier"),
    [
        pytest.param(replace(GOVERNOR, published=ICE_AT + timedelta(days=15)), [ICE],
                     id="outside-the-window"),
        pytest.param(replace(GOVERNOR, published=None), [ICE], id="new-undated"),
        pytest.param(GOVERNOR, [replace(ICE, published=None)], id="earlier-undated"),
    ],
)
def test_no_response_without_a_usable_time(new: StoryMember, earlier: list[StoryMember]) -> None:
    assert find_response(new, earlier) is None


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("The Trump administration's numbers do not add up.", "names the other side"),
        ("The Governor's office called the figures misleading.", "reply word"),
        ("Of the 33,179 people cited, most are in county custody.", "shared key figure"),
    ],
)
def test_each_kind_of_reference_is_enough(text: str, why: str) -> None:
    reply = member("gov-3", "ag", ICE_AT + HOUR, "Attorney General on detainers", text)
    assert find_response(reply, [ICE]) is not None, why


def test_a_shared_year_is_not_a_reference() -> None:
    reply = member("gov-4", "ag", ICE_AT + HOUR, "Attorney General Bonta on budget",
                   "Bonta outlined the 2026 budget for the Department of Justice.")
    assert find_response(reply, [ICE]) is None


@pytest.mark.parametrize(
    ("seconds", "responder", "expected"),
    [
        (5 * 3600, "governor", "California responded 5 h later"),
        (40 * 60, "ag", "California responded 40 min later"),
        (2 * 86400, "dhs", "DHS responded 2 days later"),
        (86400, "ice", "ICE responded 1 day later"),
        (10, "dhs", "DHS responded 1 min later"),
        (3590, "ice", "ICE responded 1 h later"),  # not "60 min"
        (-5, "dhs", "DHS responded 1 min later"),
        (3 * 3600, "cbp", "cbp responded 3 h later"),
    ],
)
def test_describe_lag(seconds: float, responder: str, expected: str) -> None:
    assert describe_lag(seconds, responder) == expected


def test_found_response_reads_as_california_5_h_later() -> None:
    found = find_response(GOVERNOR, [ICE])
    assert found is not None
    assert describe_lag(found.lag_seconds, found.responder) == "California responded 5 h later"


def test_member_from_item() -> None:
    item = Item(key="ice-1", source_id="ice-breaking", url="https://www.ice.gov/x", title=ICE_TITLE,
                text=ICE_TEXT, published=ICE_AT, content_hash="h", agency="ice",
                jurisdiction="federal")
    assert StoryMember.from_item(item) == ICE
