"""bot.ingest.listings against the DHS listing fixtures (tests/fixtures/dhs, written for tests)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.ingest.catalog import DHS_SELECTORS
from bot.ingest.listings import page_urls, parse_listing
from bot.ingest.pages import date_from_url
from bot.models import ListingSelectors, ParsedFeed

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "dhs"
LISTING = "https://www.dhs.gov/news-releases/press-releases"
NEWS = "https://www.dhs.gov/news/"
DETAINERS = NEWS + (
    "2026/02/11/dhs-urgently-calls-gavin-newsom-and-sanctuary-california-not-release-33179-criminal"
)


def parse(name: str, selectors: ListingSelectors = DHS_SELECTORS, **kw: object) -> ParsedFeed:
    body = (FIXTURES / name).read_bytes()
    return parse_listing(body, source_id="dhs", base_url=LISTING, selectors=selectors, **kw)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_page0_items_in_page_order_with_absolute_links() -> None:
    feed = parse("press-releases.html")
    assert feed.error is None and feed.warnings == ()
    assert feed.title == "Press Releases | Homeland Security"
    assert [item.link for item in feed.items] == [
        DETAINERS,
        NEWS + "2026/02/10/dhs-announces-cybersecurity-grant-awards-state-and-local-governments",
        NEWS + "2026/02/09/fema-approves-additional-assistance-winter-storm-recovery",
        NEWS + "2026/02/06/tsa-reports-record-hiring-transportation-security-officers",
        NEWS + "2026/02/05/coast-guard-interdicts-vessel-carrying-cocaine-eastern-pacific",
        NEWS + "2026/02/04/secretary-meets-state-emergency-managers-ahead-hurricane-season",
        NEWS + "2026/02/03/cisa-warns-critical-flaw-widely-used-vpn-appliances",
        NEWS + "2026/02/02/uscis-updates-fee-waiver-guidance",
    ]
    first = feed.items[0]
    assert first.title == (
        "DHS Urgently Calls on Gavin Newsom and Sanctuary California to Not Release 33,179 "
        "Criminal Illegal Aliens from Jails Back into California Communities"
    )
    assert first.source_id == "dhs" and first.guid is None
    assert first.summary is not None and "Ventura County Jail" in first.summary


def test_page0_dates_from_time_field_text_and_url() -> None:
    items = parse("press-releases.html").items
    published = {item.link.removeprefix(NEWS)[:10]: item.published for item in items if item.link}
    assert published == {
        "2026/02/11": utc(2026, 2, 11, 15, 4),  # <time datetime="...Z">
        "2026/02/10": utc(2026, 2, 10, 14, 30),  # -05:00 offset converted to UTC
        "2026/02/09": utc(2026, 2, 9),  # .field--name-field-date text "February 9, 2026"
        "2026/02/06": utc(2026, 2, 6),  # .field--name-field-date text "02/06/2026"
        "2026/02/05": utc(2026, 2, 5),  # no date element: from the address
        "2026/02/04": utc(2026, 2, 4, 20, 15),
        "2026/02/03": utc(2026, 2, 3, 18),
        "2026/02/02": utc(2026, 2, 2),  # datetime="2026-02-02", a bare date
    }
    assert all(when is not None and when.tzinfo is UTC for when in published.values())


def test_page0_ignores_chrome_links_and_merges_duplicates() -> None:
    links = [item.link for item in parse("press-releases.html").items]
    # Header mega-menu, sidebar <aside> and footer all link to releases too.
    assert NEWS + "2026/01/28/dhs-marks-one-year-border-operations-milestone" not in links
    assert NEWS + "2025/12/30/year-review-department-homeland-security-2025" not in links
    # Image link + heading link (and the footer link) for the same release: one item.
    assert len(links) == len(set(links)) == 8
    cisa = parse("press-releases.html").items[6]
    assert cisa.title == "CISA Warns of Critical Flaw in Widely Used VPN Appliances"


def test_page1() -> None:
    feed = parse("press-releases-page1.html")
    assert feed.error is None and len(feed.items) == 6
    assert [item.published for item in feed.items] == [
        utc(2026, 1, 30, 16, 45),
        utc(2026, 1, 29, 14),
        utc(2026, 1, 27),  # no date element: from the address
        utc(2026, 1, 26),  # "Jan. 26, 2026"
        utc(2026, 1, 23, 18),  # 13:00-05:00
        utc(2026, 1, 22, 21, 10),
    ]
    assert (
        feed.items[2].title
        == "Secret Service Completes Security Planning for Major Sporting Events"
    )
    assert all(item.link and item.link.startswith(NEWS + "2026/01/") for item in feed.items)


def test_redesign_with_release_links_still_yields_items_and_warns() -> None:
    feed = parse("press-releases-newlinks.html")
    assert feed.error is None
    assert [item.link for item in feed.items][:1] == [DETAINERS]
    assert len(feed.items) == 3
    assert feed.items[0].title is not None and feed.items[0].title.startswith("DHS Urgently Calls")
    assert feed.items[1].published == utc(2026, 2, 10, 14, 30)  # a <time> is still in its block
    assert feed.items[2].published == utc(2026, 2, 9)  # from the address
    assert feed.items[2].summary is not None and feed.items[2].summary.startswith("Households")
    assert any("'.views-row'" in warning for warning in feed.warnings)
    assert any("h3 a" in warning for warning in feed.warnings)


def test_redesign_without_matching_links_is_a_source_error() -> None:
    feed = parse("press-releases-redesigned.html")
    assert feed.items == ()
    assert feed.error is not None and feed.error.startswith("listing layout changed")
    assert "[sources.selectors]" in feed.error and ".views-row" in feed.error


def test_without_link_pattern_items_are_containers() -> None:
    selectors = ListingSelectors(
        item=".views-row", title="h3 a", date="time[datetime], .field--name-field-date"
    )
    feed = parse("press-releases.html", selectors)
    assert len(feed.items) == 8 and feed.items[0].link == DETAINERS
    assert parse("press-releases-redesigned.html", selectors).error is not None


@pytest.mark.parametrize(
    ("selectors", "expected"),
    [
        (ListingSelectors(), "link_pattern or an item selector"),
        (ListingSelectors(link_pattern="(unclosed"), "invalid link_pattern"),
        (ListingSelectors(link_pattern="x", date="time[["), "invalid CSS selector date="),
    ],
)
def test_bad_selectors_are_errors_not_exceptions(
    selectors: ListingSelectors, expected: str
) -> None:
    feed = parse("press-releases.html", selectors)
    assert feed.items == () and feed.error is not None and expected in feed.error


def test_charset_from_header_and_meta() -> None:
    page = '<meta charset="windows-1252"><main><a href="/news/2026/02/11/x">Caf\xe9</a></main>'
    for body, charset in ((page.encode("cp1252"), None), (page.encode("latin-1"), "iso-8859-1")):
        feed = parse_listing(
            body, source_id="s", base_url=LISTING, selectors=DHS_SELECTORS, charset=charset
        )
        assert [item.title for item in feed.items] == ["Caf\xe9"]


@pytest.mark.parametrize(
    ("url", "pages", "expected"),
    [
        (LISTING, 2, [LISTING, LISTING + "?page=1"]),
        (LISTING, 1, [LISTING]),
        (LISTING, 0, [LISTING]),
        (
            LISTING + "?type=pr",
            3,
            [LISTING + "?type=pr", LISTING + "?type=pr&page=1", LISTING + "?type=pr&page=2"],
        ),
        (
            LISTING + "?page=2&type=pr#top",
            2,
            [LISTING + "?page=2&type=pr#top", LISTING + "?type=pr&page=3"],
        ),
    ],
)
def test_page_urls(url: str, pages: int, expected: list[str]) -> None:
    assert page_urls(url, ListingSelectors(link_pattern="x", max_pages=pages)) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (DETAINERS, utc(2026, 2, 11)),
        ("https://www.gov.ca.gov/2026/02/06/governor-statement/", utc(2026, 2, 6)),
        ("https://www.dhs.gov/news/2026/02/11", utc(2026, 2, 11)),
        ("/news/2025/12/31/x?page=1#a", utc(2025, 12, 31)),
        ("https://www.dhs.gov/news/2026/02/30/not-a-day", None),
        ("https://www.dhs.gov/news/2026/2/11/short-month", None),
        ("https://www.ice.gov/news/releases/no-date-in-this-slug", None),
        ("https://example.gov/list?from=/2026/02/11/", None),
        ("", None),
    ],
)
def test_date_from_url(url: str, expected: datetime | None) -> None:
    assert date_from_url(url) == expected


_MARKUP = st.sampled_from(
    [
        "<a href='/news/2026/02/11/x'>",
        "</a>",
        "<div class='views-row'>",
        "</div>",
        "<nav>",
        "<time datetime='2026-99-99'>",
        "<h3>",
        "<header>",
        "<article>",
        "<base href='//[x'>",
        "&amp;",
        "February 31, 2026",
        "\x00",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.text(), _MARKUP), max_size=30).map("".join))
def test_parse_listing_never_raises_on_text(text: str) -> None:
    feed = parse_listing(text, source_id="s", base_url=LISTING, selectors=DHS_SELECTORS)
    assert (feed.error is None) == bool(feed.items)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=2000), st.sampled_from([None, "utf-8", "no-such-charset", "utf-16"]))
def test_parse_listing_never_raises_on_bytes(body: bytes, charset: str | None) -> None:
    parse_listing(body, source_id="s", base_url=LISTING, selectors=DHS_SELECTORS, charset=charset)
