"""parse_feed: real ICE items, each feed format, and every way a body can fail to be a feed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.ingest.feeds import parse_feed
from bot.models import ParsedFeed
from tests.paths import GOV

ICE_BREAKING = "https://www.ice.gov/rss/ice-breaking-news"
ICE_ENFORCEMENT = "https://www.ice.gov/rss/news/356"
RSS = "application/rss+xml"


def parse(body: bytes | str, content_type: str | None = RSS, **kw: str) -> ParsedFeed:
    data = body.encode() if isinstance(body, str) else body
    kw.setdefault("base_url", "https://news.example.gov/feed.xml")
    return parse_feed(data, source_id="src", content_type=content_type, **kw)  # type: ignore[arg-type]


def rss(items: str, channel: str = "") -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Newsroom</title><link>https://news.example.gov/</link>{channel}{items}"
        "</channel></rss>"
    )


# --- the real ICE items -------------------------------------------------------------------


def test_ice_breaking_news_items() -> None:
    body = (GOV / "DERIVED_ice_breaking_reconstructed.rss.xml").read_bytes()
    parsed = parse(body, base_url=ICE_BREAKING)
    assert parsed.error is None and parsed.warnings == ()
    assert len(parsed.items) == 6
    first = parsed.items[0]
    assert first.title == (
        "11 charged in Florida for marriage fraud scheme targeting US service members"
    )
    assert first.link == (
        "https://www.ice.gov/news/releases/"
        "11-charged-florida-marriage-fraud-scheme-targeting-us-service-members"
    )
    assert first.source_id == "src"
    # Wed, 11 Feb 2026 17:38:19 -0500
    assert first.published == datetime(2026, 2, 11, 22, 38, 19, tzinfo=UTC)


def test_ice_sanctuary_calamity_release_dates_are_utc() -> None:
    body = (GOV / "DERIVED_ice_breaking_reconstructed.rss.xml").read_bytes()
    items = parse(body, base_url=ICE_BREAKING).items
    (release,) = [i for i in items if i.title and "33,179" in i.title]
    assert release.title is not None and release.title.startswith("SANCTUARY CALAMITY: DHS")
    assert release.link == (
        "https://www.ice.gov/news/releases/"
        "sanctuary-calamity-dhs-and-ice-urgently-call-gavin-newsom-and-sanctuary-california"
    )
    # Fri, 06 Feb 2026 13:48:51 -0500 is 18:48:51 UTC
    assert release.published == datetime(2026, 2, 6, 18, 48, 51, tzinfo=UTC)
    assert release.published is not None and release.published.utcoffset() is not None
    assert release.summary is not None and "more than 33,000 criminal" in release.summary
    assert release.guid == release.link  # the fixture's guids are permalinks


def test_ice_enforcement_items() -> None:
    body = (GOV / "DERIVED_ice_enforcement_reconstructed.rss.xml").read_bytes()
    parsed = parse(body, base_url=ICE_ENFORCEMENT)
    assert [i.title for i in parsed.items] == [
        "ICE lodges immigration detainer against criminal illegal alien accused of negligent "
        "vehicular manslaughter in California",
        "ICE arrests criminal illegal alien, sexual predator with final order of removal in "
        "New York",
        "ICE arrests 650 illegal aliens in West Virginia",
    ]
    # Wed, 04 Feb 2026 22:12:46 -0500 crosses midnight in UTC
    assert parsed.items[0].published == datetime(2026, 2, 5, 3, 12, 46, tzinfo=UTC)


def test_ice_items_match_the_captured_values() -> None:
    captured = json.loads((GOV / "ice_feed_items_2025-12_to_2026-02.json").read_text())["items"]
    by_link = {c["link"]: c for c in captured}
    for name, base in (("breaking", ICE_BREAKING), ("enforcement", ICE_ENFORCEMENT)):
        body = (GOV / f"DERIVED_ice_{name}_reconstructed.rss.xml").read_bytes()
        for item in parse(body, base_url=base).items:
            assert item.link in by_link
            assert item.title == by_link[item.link]["title"]


# --- formats ------------------------------------------------------------------------------

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Governor's newsroom</title>
  <entry>
    <title type="html">Governor &lt;em&gt;signs&lt;/em&gt; budget</title>
    <link rel="enclosure" href="/media/budget.pdf"/>
    <link rel="alternate" type="text/html" href="/news/2026/02/06/budget/"/>
    <id>tag:gov.ca.gov,2026:budget</id>
    <published>2026-02-06T10:00:00-08:00</published>
    <updated>2026-02-07T09:30:00Z</updated>
    <author><name>Office of the Governor</name></author>
    <summary>Short teaser</summary>
    <content type="html">&lt;p&gt;Full &lt;b&gt;text&lt;/b&gt;
      &lt;script&gt;evil()&lt;/script&gt;&lt;/p&gt;</content>
  </entry>
</feed>"""


def test_atom_entry() -> None:
    parsed = parse(ATOM, "application/atom+xml", base_url="https://www.gov.ca.gov/feed/")
    assert parsed.error is None and parsed.title == "Governor's newsroom"
    (entry,) = parsed.items
    assert entry.title == "Governor <em>signs</em> budget"
    # rel=alternate wins over an enclosure listed first; relative hrefs resolve on base_url
    assert entry.link == "https://www.gov.ca.gov/news/2026/02/06/budget/"
    assert entry.guid == "tag:gov.ca.gov,2026:budget"
    assert entry.published == datetime(2026, 2, 6, 18, 0, tzinfo=UTC)
    assert entry.updated == datetime(2026, 2, 7, 9, 30, tzinfo=UTC)
    assert entry.author == "Office of the Governor"
    assert entry.summary == "Short teaser"
    assert entry.content is not None and "<b>text</b>" in entry.content
    assert "script" not in entry.content  # feedparser sanitised it


RSS1 = """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://www.dhs.gov/rss">
    <title>DHS</title><link>https://www.dhs.gov/</link><description>d</description>
    <items><rdf:Seq><rdf:li resource="https://www.dhs.gov/news/1"/></rdf:Seq></items>
  </channel>
  <item rdf:about="https://www.dhs.gov/news/1">
    <title>DHS announces rule</title>
    <link>https://www.dhs.gov/news/1</link>
    <description>The rule.</description>
    <dc:date>2026-01-15T12:00:00-05:00</dc:date>
  </item>
</rdf:RDF>"""


def test_rss_1_0_item() -> None:
    parsed = parse(RSS1, "application/rdf+xml")
    assert parsed.error is None and parsed.title == "DHS"
    (item,) = parsed.items
    assert (item.title, item.link, item.summary) == (
        "DHS announces rule", "https://www.dhs.gov/news/1", "The rule."
    )
    assert item.updated == datetime(2026, 1, 15, 17, 0, tzinfo=UTC)


JSON_FEED = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "CA AG",
    "authors": [{"name": "Attorney General"}],
    "items": [
        {
            "id": "2026-02-06-detainers",
            "url": "/news/detainers?utm_source=x",
            "title": "AG responds on detainers",
            "content_html": '<p>Reply <a href="/letter.pdf">letter</a><script>x()</script></p>',
            "summary": "The AG replied.",
            "date_published": "2026-02-06T16:30:00-08:00",
            "date_modified": "2026-02-07T08:00:00Z",
        },
        {"id": 7, "content_text": "Text only.", "authors": [{"name": "Press"}]},
        "not an item",
    ],
}


def test_json_feed() -> None:
    parsed = parse(json.dumps(JSON_FEED), "application/feed+json", base_url="https://oag.ca.gov/f")
    assert parsed.error is None and parsed.title == "CA AG"
    first, second = parsed.items
    assert first.guid == "2026-02-06-detainers"
    assert first.link == "https://oag.ca.gov/news/detainers?utm_source=x"
    assert first.title == "AG responds on detainers" and first.summary == "The AG replied."
    assert first.content is not None and "script" not in first.content
    assert 'href="https://oag.ca.gov/letter.pdf"' in first.content
    assert first.published == datetime(2026, 2, 7, 0, 30, tzinfo=UTC)
    assert first.updated == datetime(2026, 2, 7, 8, 0, tzinfo=UTC)
    assert first.author == "Attorney General"  # inherited from the feed
    assert (second.guid, second.title, second.content, second.author) == (
        "7", None, "Text only.", "Press"
    )


def test_json_feed_1_0_single_author_and_sniffed_without_content_type() -> None:
    doc = {"version": "https://jsonfeed.org/version/1", "items": [
        {"id": "a", "title": "T", "author": {"name": "Ann"}, "date_published": "2026-02-06"}
    ]}
    (item,) = parse(json.dumps(doc), None).items
    assert item.author == "Ann" and item.published == datetime(2026, 2, 6, tzinfo=UTC)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("{not json", "not a feed: JSON parse error at line 1"),
        ('{"error": "rate limited"}', "not a feed: a JSON document, but not a JSON Feed"),
        ('[1, 2]', "not a feed: a JSON document, but not a JSON Feed"),
    ],
)
def test_json_that_is_not_a_feed(body: str, expected: str) -> None:
    parsed = parse(body, "application/json")
    assert parsed.error is not None and parsed.error.startswith(expected)
    assert parsed.items == ()


@pytest.mark.parametrize(("ttl", "seconds"), [("60", 3600.0), (" 15 ", 900.0), ("soon", None),
                                              ("0", None), ("-5", None)])
def test_ttl_minutes_become_seconds(ttl: str, seconds: float | None) -> None:
    parsed = parse(rss("<item><title>a</title></item>", channel=f"<ttl>{ttl}</ttl>"))
    assert parsed.ttl == seconds


def test_no_ttl() -> None:
    assert parse(rss("<item><title>a</title></item>")).ttl is None


# --- charsets -----------------------------------------------------------------------------


def test_iso_8859_1_body_declared_utf8_is_detected_not_mojibake() -> None:
    body = rss("<item><title>Café</title><description>Résumé</description></item>")
    latin1 = body.replace('encoding="utf-8"', 'encoding="iso-8859-1"').encode("latin-1")
    parsed = parse(latin1, "application/rss+xml", charset="utf-8")
    (item,) = parsed.items
    assert (item.title, item.summary) == ("Café", "Résumé")
    assert "Ã" not in (item.title or "") + (item.summary or "")
    assert any("utf-8" in w for w in parsed.warnings)  # the operator learns the header lies


@pytest.mark.parametrize("content_type", ["text/xml", "application/xml", None, RSS])
def test_utf8_without_declared_charset_reads_cleanly(content_type: str | None) -> None:
    parsed = parse(rss("<item><title>Niño — año</title></item>"), content_type)
    assert parsed.items[0].title == "Niño — año"
    assert parsed.warnings == ()  # RFC 7303: no US-ASCII default for text/xml


# --- failures -----------------------------------------------------------------------------

HTML_PAGE = b"""<!DOCTYPE html><html><head><title>Page not found</title></head>
<body><h1>Sorry</h1><p>The page moved.</p></body></html>"""


@pytest.mark.parametrize("content_type", ["text/html", "text/html; charset=utf-8"])
def test_html_error_page_is_an_error(content_type: str) -> None:
    parsed = parse(HTML_PAGE, content_type)
    assert parsed.items == ()
    assert parsed.error == (
        f"not a feed: got an HTML page ({content_type}) — is the URL still the feed?"
    )


def test_html_page_mislabelled_as_xml_is_still_recognised() -> None:
    parsed = parse(HTML_PAGE, "application/xml")
    assert parsed.error is not None and "got an HTML page" in parsed.error


@pytest.mark.parametrize("body", [b"", b"   \r\n ", b"\xef\xbb\xbf"])
def test_empty_body_is_an_error(body: bytes) -> None:
    assert parse(body).error == "not a feed: the body is empty"


def test_garbage_is_an_xml_error_with_a_line() -> None:
    parsed = parse(b"\x00\x01\xff garbage")
    assert parsed.error is not None
    assert parsed.error.startswith("not a feed: XML parse error at line 1:")


def test_xml_that_is_not_a_feed() -> None:
    parsed = parse(b"<?xml version='1.0'?><config><a/></config>", "application/xml")
    assert parsed.error == "not a feed: no RSS, Atom or JSON Feed found (application/xml)"


def test_a_path_in_the_body_is_never_opened(tmp_path: Path) -> None:
    # feedparser.parse(bytes) reads the file a body names; we hand it a stream instead.
    feed = tmp_path / "feed.xml"
    feed.write_text(rss("<item><title>from disk</title></item>"))
    parsed = parse(str(feed).encode(), None)
    assert parsed.error is not None and parsed.items == ()


def test_truncated_feed_with_entries_gives_items_and_a_warning() -> None:
    body = rss("<item><title>one</title></item><item><title>two</title></item>")
    cut = body[: body.index("</channel>")]  # cut mid-document, as a dropped connection does
    parsed = parse(cut)
    assert parsed.error is None
    assert [i.title for i in parsed.items] == ["one", "two"]
    (warning,) = parsed.warnings
    assert warning.startswith("malformed feed, read 2 items anyway (some may be missing): XML")


def test_feed_broken_before_any_item_is_an_error_not_no_news() -> None:
    parsed = parse(b'<?xml version="1.0"?>\n<rss version="2.0"><channel><title>x</title>')
    assert parsed.error is not None
    assert parsed.error.startswith("not a feed: XML parse error at line 2:")


def test_valid_feed_with_zero_entries_is_not_an_error() -> None:
    parsed = parse(rss(""))
    assert parsed == ParsedFeed(items=(), title="Newsroom")


def test_rss_served_as_text_html_is_read_with_a_warning() -> None:
    parsed = parse(rss("<item><title>a</title></item>"), "text/html")
    assert [i.title for i in parsed.items] == ["a"]
    assert parsed.error is None and parsed.warnings


# --- entry fields -------------------------------------------------------------------------


def test_guid_is_permalink_false_is_kept_verbatim() -> None:
    item = "<item><title>t</title><guid isPermaLink='false'>12345 at https://www.ice.gov</guid>"
    item += "<link>/news/releases/x</link></item>"
    (raw,) = parse(rss(item), base_url=ICE_BREAKING).items
    assert raw.guid == "12345 at https://www.ice.gov"
    assert raw.link == "https://www.ice.gov/news/releases/x"


def test_item_with_only_pubdate_has_no_updated() -> None:
    item = "<item><title>t</title><pubDate>Fri, 06 Feb 2026 13:48:51 -0500</pubDate></item>"
    (raw,) = parse(rss(item)).items
    assert raw.updated is None  # not feedparser's deprecated updated -> published fallback
    assert raw.published == datetime(2026, 2, 6, 18, 48, 51, tzinfo=UTC)


def test_unparseable_date_is_none() -> None:
    item = "<item><title>t</title><pubDate>sometime last week</pubDate></item>"
    assert parse(rss(item)).items[0].published is None


def test_drupal_guid_without_is_permalink_false_is_repaired() -> None:
    # feedparser joins it to the feed URL as if it were a relative link; each ICE feed would
    # then give the same release a different guid.
    item = "<item><title>t</title><guid>12345 at https://www.ice.gov</guid></item>"
    for base in (ICE_BREAKING, ICE_ENFORCEMENT):
        assert parse(rss(item), base_url=base).items[0].guid == "12345 at https://www.ice.gov"


def test_dates_feedparser_cannot_read_fall_back_to_rfc_822() -> None:
    item = "<item><title>t</title><pubDate>mer, 16 nov 2022 00:38:15 +0100</pubDate></item>"
    assert parse(rss(item)).items[0].published == datetime(2022, 11, 15, 23, 38, 15, tzinfo=UTC)
    doc = {"version": "https://jsonfeed.org/version/1.1",
           "items": [{"id": "a", "date_published": "Fri, 31 May 2019 12:17:58 -0700"}]}
    published = parse(json.dumps(doc), "application/json").items[0].published
    assert published == datetime(2019, 5, 31, 19, 17, 58, tzinfo=UTC)
