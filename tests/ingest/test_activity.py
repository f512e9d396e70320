"""AgencyActivity: which agencies a NEW release sets developing — its own, the others in the
story it joined, the ones it names — and what a restart remembers."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.ingest.activity import AgencyActivity
from bot.models import (
    FEDERAL,
    Change,
    ChangeKind,
    Item,
    Outcome,
    RefreshReport,
    Source,
    SourceState,
    StoryLink,
)
from bot.stories.cluster import OpenStory, features
from subscriptions.gazetteer import load_gazetteer

NOW = datetime(2026, 2, 10, 23, 30, tzinfo=UTC)
SOURCES = tuple(
    Source(id=sid, kind="feed", url=f"https://{sid}.example/feed", agency=agency,
           jurisdiction=where)
    for sid, agency, where in [("ice-breaking", "ice", FEDERAL), ("ice-ero", "ice", FEDERAL),
                               ("dhs-press", "dhs", FEDERAL),
                               ("ca-governor", "governor", "California"),
                               ("ca-ag", "ag", "California")])
BY_ID = {s.id: s for s in SOURCES}


def item(key: str, agency: str, title: str, text: str = "") -> Item:
    return Item(key=key, source_id=agency, url=f"https://x.example/{key}", title=title,
                text=text, published=NOW, content_hash=key, agency=agency,
                jurisdiction=FEDERAL)


def report(source: str, *changes: tuple[ChangeKind, Item], story: str | None = None
           ) -> RefreshReport:
    links = tuple(StoryLink(story, i.key, "development") for k, i in changes
                  if story and k is ChangeKind.NEW)
    return RefreshReport(source_id=source, outcome=Outcome.OK, status=200,
                         changes=tuple(Change(k, i) for k, i in changes),
                         state=SourceState(source), links=links)


def story(sid: str, updated: datetime, *members: Item) -> OpenStory:
    return OpenStory(sid, members[0].title, tuple(features(m) for m in members), updated,
                     updated)


GOV = item("g1", "governor", "Governor's office: the state works with federal partners",
           "California cooperates on removals from state prisons.")
DHS = item("d1", "dhs", "Detainers: the state must cooperate",
           "The department repeats its figures.")
NEW, SEEN = ChangeKind.NEW, ChangeKind.SEEN


def test_a_release_joining_a_story_sets_the_story_s_other_agencies_developing() -> None:
    open_now = [story("s1", NOW - timedelta(days=3), GOV, DHS)]
    activity = AgencyActivity(SOURCES, developing_for=3 * 3600, now=NOW,
                              stories=lambda: open_now)
    assert activity.of(BY_ID["ca-governor"]).developed is None  # moved days ago
    heated = activity.learn(BY_ID["dhs-press"], report("dhs-press", (NEW, DHS), story="s1"), NOW)
    assert heated == {"dhs", "governor"}
    assert activity.of(BY_ID["ca-governor"]).developed == NOW
    assert activity.of(BY_ID["dhs-press"]).last_release == NOW
    assert activity.of(BY_ID["ca-ag"]).developed is None  # not in the story, not named
    assert [s.id for s in activity.sources_of(heated)] == ["dhs-press", "ca-governor"]


def test_a_release_naming_an_agency_sets_it_developing() -> None:
    activity = AgencyActivity(SOURCES, developing_for=3 * 3600, now=NOW)
    calls = item("d2", "dhs", "DHS and ICE urgently call on Gavin Newsom",
                 "Attorney General Rob Bonta was sent a letter.")
    heated = activity.learn(BY_ID["dhs-press"], report("dhs-press", (NEW, calls)), NOW)
    assert heated == {"dhs", "ice", "governor", "ag"}
    water = item("d3", "dhs", "Winter storm: ice on the roads", "Stay home.")
    assert activity.learn(BY_ID["dhs-press"], report("dhs-press", (NEW, water)), NOW) == {"dhs"}


def test_nothing_new_sets_nobody_developing() -> None:
    activity = AgencyActivity(SOURCES, developing_for=3 * 3600, now=NOW)
    failed = RefreshReport(source_id="dhs-press", outcome=Outcome.SERVER_ERROR, status=503,
                           changes=(), state=SourceState("dhs-press"))
    for r in (report("dhs-press", (SEEN, DHS)), failed):
        assert activity.learn(BY_ID["dhs-press"], r, NOW) == frozenset()
    assert activity.of(BY_ID["dhs-press"]) == activity.of(BY_ID["ice-ero"])  # both unknown


def test_a_restart_remembers_recent_stories_and_the_last_releases() -> None:
    open_now = [story("s1", NOW - timedelta(hours=1), DHS),  # names no one: DHS alone
                story("s2", NOW - timedelta(hours=5), GOV)]  # older than developing_for
    activity = AgencyActivity(SOURCES, developing_for=3 * 3600, now=NOW,
                              stories=lambda: open_now,
                              zones={"ca-governor": ZoneInfo("America/Los_Angeles")})
    activity.load({"ice": NOW + timedelta(days=300), "ag": NOW - timedelta(days=9)}, NOW)
    assert activity.of(BY_ID["dhs-press"]).developed == NOW - timedelta(hours=1)
    assert activity.of(BY_ID["ca-governor"]).developed is None
    assert activity.of(BY_ID["ice-ero"]).last_release == NOW  # a future date counts as now
    assert activity.of(BY_ID["ca-ag"]).last_release == NOW - timedelta(days=9)
    assert activity.of(BY_ID["ca-governor"]).zone == ZoneInfo("America/Los_Angeles")
    assert activity.of(BY_ID["ca-ag"]).zone == UTC  # no zone given


# A story's places: the likely next voices are the newsrooms whose jurisdiction covers them.
GAZ = load_gazetteer()
SHERIFF = Source(id="lasd", kind="feed", url="https://lasd.example/feed", agency="lasd",
                 jurisdiction="Los Angeles County")
LA_DHS = item("d10", "dhs", "DHS: 33,179 detainers ignored in Los Angeles",
              "Jails in Los Angeles released them.")
LA_ICE = item("i10", "ice", "ICE follows up on the 33,179 detainers",
              "Officers arrested 12 of them in Los Angeles this week.")


def places_activity(*stories_now: OpenStory) -> AgencyActivity:
    return AgencyActivity((*SOURCES, SHERIFF), developing_for=3 * 3600, now=NOW,
                          stories=lambda: stories_now, gazetteer=GAZ)


def test_a_story_about_a_place_that_develops_sets_the_newsrooms_covering_it_developing() -> None:
    activity = places_activity(story("s10", NOW, LA_DHS, LA_ICE))
    heated = activity.learn(BY_ID["ice-ero"], report("ice-ero", (NEW, LA_ICE), story="s10"), NOW)
    # Neither the AG nor the Governor is named: California's newsrooms, and the county's.
    assert heated == {"ice", "dhs", "ag", "governor", "lasd"}
    assert activity.of(BY_ID["ca-ag"]).developed == NOW
    # ... and it awaits their answer (no night pace for them), not the federal voices'.
    assert activity.of(BY_ID["ca-ag"]).about == activity.of(SHERIFF).about == NOW
    assert activity.of(BY_ID["dhs-press"]).about is None


def test_the_first_release_about_a_place_is_no_developing_story_yet() -> None:
    activity = places_activity(story("s10", NOW, LA_DHS))
    heated = activity.learn(BY_ID["dhs-press"], report("dhs-press", (NEW, LA_DHS), story="s10"),
                            NOW)
    assert heated == {"dhs"}
    assert activity.of(BY_ID["ca-ag"]).developed is None


def test_a_newsroom_covers_its_own_jurisdiction_and_what_lies_in_it_not_more() -> None:
    texas = [item("d11", "dhs", "DHS: 4,120 detainers ignored in Houston", "Jails in Texas."),
             item("i11", "ice", "ICE follows up on the 4,120 detainers", "In Houston, Texas.")]
    sd = [item("d12", "dhs", "DHS: 2,210 detainers ignored in San Diego", "In San Diego."),
          item("i12", "ice", "ICE follows up on the 2,210 detainers", "In San Diego.")]
    for members, expected in ((texas, {"ice", "dhs"}), (sd, {"ice", "dhs", "ag", "governor"})):
        activity = places_activity(story("s", NOW, *members))
        assert activity.learn(BY_ID["ice-ero"], report("ice-ero", (NEW, members[1]), story="s"),
                              NOW) == expected  # San Diego is California's, not the county's


def test_federal_agencies_are_not_voices_of_every_place() -> None:
    gov = item("g13", "governor", "Governor announces wildfire aid for Fresno County", "")
    ag = item("a13", "ag", "Attorney General joins the Fresno County wildfire aid", "")
    gov, ag = (replace(i, jurisdiction="California") for i in (gov, ag))
    activity = places_activity(story("s13", NOW, gov, ag))
    assert activity.learn(BY_ID["ca-ag"], report("ca-ag", (NEW, ag), story="s13"),
                          NOW) == {"ag", "governor"}  # DHS and ICE keep their own rules
    assert activity.of(BY_ID["dhs-press"]).developed is None


def test_a_restart_remembers_a_developing_story_s_places() -> None:
    activity = places_activity(story("s10", NOW - timedelta(hours=1), LA_DHS, LA_ICE),
                               story("s14", NOW - timedelta(hours=1), DHS))
    assert activity.of(BY_ID["ca-ag"]).developed == NOW - timedelta(hours=1)
    assert activity.of(SHERIFF).developed == NOW - timedelta(hours=1)
    yesterday = places_activity(story("s10", NOW - timedelta(hours=20), LA_DHS, LA_ICE))
    assert yesterday.of(BY_ID["ca-ag"]).developed is None  # developing is over
    assert yesterday.of(BY_ID["ca-ag"]).about == NOW - timedelta(hours=20)  # still awaited
    without = AgencyActivity(SOURCES, developing_for=3 * 3600, now=NOW,
                             stories=lambda: [story("s10", NOW, LA_DHS, LA_ICE)])
    assert without.of(BY_ID["ca-ag"]).developed is None  # no gazetteer: no places
