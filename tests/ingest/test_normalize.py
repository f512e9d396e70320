"""normalize: text, canonical URLs, global item keys, content hashes, and RawItem -> Item."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.ingest.feeds import parse_feed
from bot.ingest.normalize import (
    canonical_url,
    content_hash,
    first_sentence,
    html_to_text,
    item_key,
    normalize,
)
from bot.models import FEDERAL, RawItem, Source
from tests.paths import GOV

ICE_BREAKING = Source(
    id="ice-breaking", kind="feed", url="https://www.ice.gov/rss/ice-breaking-news",
    agency="ICE", jurisdiction=FEDERAL,
)
ICE_ENFORCEMENT = Source(
    id="ice-enforcement", kind="feed", url="https://www.ice.gov/rss/news/356",
    agency="ICE", jurisdiction=FEDERAL,
)
SANCTUARY = (
    "https://www.ice.gov/news/releases/"
    "sanctuary-calamity-dhs-and-ice-urgently-call-gavin-newsom-and-sanctuary-california"
)
WHEN = datetime(2026, 2, 6, 18, 48, 51, tzinfo=UTC)


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("Plain text stays as it is.", "Plain text stays as it is."),
        ("Para one.\n\nPara two.", "Para one.\n\nPara two."),  # plain text keeps its lines
        ("  padded   words \n", "padded words"),
        ("Q&amp;A on &quot;detainers&quot; &#8212; &eacute;", 'Q&A on "detainers" — é'),
        ("AT&T and 5 < 6", "AT&T and 5 < 6"),
        ("<p>Tom &amp; Jerry&nbsp;show</p>", "Tom & Jerry show"),
        ("<p>One</p><p>Two</p>", "One\n\nTwo"),
        ("<div><div><p>Deep</p></div><p>er</p></div>", "Deep\n\ner"),
        ("line one<br>line two<br/>line three", "line one\nline two\nline three"),
        ("para<br><br>next", "para\n\nnext"),
        ("<ul><li>a</li><li>b</li></ul>after", "a\nb\n\nafter"),
        ("<table><tr><td>x</td><td>y</td></tr><tr><td>z</td></tr></table>", "x y\nz"),
        ("<p>keep</p><script>alert('no')</script><style>p{color:red}</style>", "keep"),
        ("<h1>Title</h1>\n\n   <p>Body   with\n  wraps</p>", "Title\n\nBody with wraps"),
        ("<b>bold</b><i>italic</i> <a href='/x'>link</a>", "bolditalic link"),
        ("<p>  </p><p></p>", ""),
        ("<!-- comment --><p>visible</p>", "visible"),
        ("", ""),
        ("text with \ue001 marker<p>x</p>", "text with marker\n\nx"),  # our markers can't leak
    ],
)
def test_html_to_text(html: str, text: str) -> None:
    assert html_to_text(html) == text


@pytest.mark.parametrize(
    ("url", "base", "expected"),
    [
        ("https://www.ice.gov/news/releases/x", None, "https://www.ice.gov/news/releases/x"),
        ("HTTPS://WWW.ICE.GOV/News/Releases/X", None, "https://www.ice.gov/News/Releases/X"),
        ("https://www.ice.gov", None, "https://www.ice.gov/"),
        ("https://www.ice.gov:443/a", None, "https://www.ice.gov/a"),
        ("http://example.gov:80/a", None, "http://example.gov/a"),
        ("http://example.gov:8080/a", None, "http://example.gov:8080/a"),
        ("https://example.gov/a#section-2", None, "https://example.gov/a"),
        (
            "https://example.gov/a?utm_source=rss&id=7&utm_medium=feed&fbclid=z&b=2",
            None,
            "https://example.gov/a?id=7&b=2",
        ),
        ("https://example.gov/a?gclid=1&mc_cid=2&mc_eid=3&_hsenc=4&_hsmi=5&ref=6&cmpid=7",
         None, "https://example.gov/a"),
        ("https://example.gov/a?b=2&a=1&q=%2Fx+y", None, "https://example.gov/a?b=2&a=1&q=%2Fx+y"),
        ("/news/releases/x?utm_campaign=c", "https://www.ice.gov/rss/ice-breaking-news",
         "https://www.ice.gov/news/releases/x"),
        ("release-2", "https://www.gov.ca.gov/newsroom/", "https://www.gov.ca.gov/newsroom/release-2"),
        ("https://other.gov/x", "https://www.ice.gov/", "https://other.gov/x"),
        ("https://user@Example.GOV:443/a", None, "https://user@example.gov/a"),
        ("http://[::1]:80/a", None, "http://[::1]/a"),
        ("https://example.gov/a b", None, "https://example.gov/a%20b"),
        ("  https://example.gov/a  ", None, "https://example.gov/a"),
        ("http://[::1", None, "http://[::1"),  # unparseable: returned, never raised
    ],
)
def test_canonical_url(url: str, base: str | None, expected: str) -> None:
    assert canonical_url(url, base) == expected


def _ice_items(source: Source, body: bytes) -> list:
    parsed = parse_feed(body, source_id=source.id, base_url=source.url)
    return [normalize(r, source) for r in parsed.items]


def test_item_key_same_ice_release_on_two_feeds_is_one_key() -> None:
    body = (GOV / "DERIVED_ice_breaking_reconstructed.rss.xml").read_bytes()
    on_breaking = _ice_items(ICE_BREAKING, body)
    on_enforcement = _ice_items(ICE_ENFORCEMENT, body)
    # ... and as a feed that carries only <link>, no guid
    bare = body.replace(b"<guid", b"<!--").replace(b"</guid>", b"-->")
    linked_only = _ice_items(ICE_ENFORCEMENT, bare)
    assert len(on_breaking) == 6 and all(linked_only)
    for a, b, c in zip(on_breaking, on_enforcement, linked_only, strict=True):
        assert a is not None and b is not None and c is not None
        assert a.source_id != b.source_id
        assert a.key == b.key == c.key
    assert len({i.key for i in on_breaking if i}) == 6


def test_item_key_drupal_guid_is_global_across_feeds() -> None:
    guid = "12345 at https://www.ice.gov"
    a = item_key(guid=guid, link="https://www.ice.gov/news/releases/x", title="t", published=None)
    b = item_key(guid=guid, link="https://ice.gov/news/x?utm_source=y", title="u", published=None)
    assert a == b


def test_item_key_url_guid_and_plain_link_agree() -> None:
    a = item_key(guid=SANCTUARY + "?utm_source=rss", link=None, title=None, published=None)
    b = item_key(guid=None, link=SANCTUARY + "#top", title="x", published=WHEN)
    assert a == b


def test_item_key_short_guid_is_scoped_by_host() -> None:
    a = item_key(guid="1", link="https://www.ice.gov/news/1", title="t", published=None)
    b = item_key(guid="1", link="https://www.dhs.gov/news/1", title="t", published=None)
    c = item_key(guid="1", link="https://www.ice.gov/other", title="u", published=WHEN)
    assert a != b and a == c


def test_item_key_without_guid_or_link_uses_title_and_date() -> None:
    a = item_key(guid=None, link=None, title="ICE arrests 650", published=WHEN)
    assert a == item_key(guid=" ", link=None, title=" ICE  arrests 650 ", published=WHEN)
    assert a != item_key(guid=None, link=None, title="ICE arrests 650", published=None)
    assert a != item_key(guid=None, link=None, title="ICE arrests 651", published=WHEN)


def test_item_key_is_fixed_length_hex() -> None:
    key = item_key(guid="x" * 5000, link=None, title=None, published=None)
    assert len(key) == 32 and int(key, 16) >= 0


def test_content_hash_ignores_date_and_whitespace_but_not_words() -> None:
    base = content_hash("ICE arrests 650", "ICE Philadelphia deployed surge teams.")
    assert base == content_hash(" ICE  arrests\n650 ", "ICE Philadelphia\n\ndeployed surge teams. ")
    assert base != content_hash("ICE arrests 651", "ICE Philadelphia deployed surge teams.")
    assert base != content_hash("ICE arrests 650", "ICE Philadelphia deployed teams.")
    assert len(base) == 64


def test_normalize_real_ice_item() -> None:
    body = (GOV / "DERIVED_ice_breaking_reconstructed.rss.xml").read_bytes()
    raws = parse_feed(body, source_id="ice-breaking", base_url=ICE_BREAKING.url).items
    (raw,) = [r for r in raws if r.link == SANCTUARY]
    item = normalize(raw, ICE_BREAKING)
    assert item is not None
    assert item.title.startswith("SANCTUARY CALAMITY: DHS and ICE urgently call on Gavin Newsom")
    assert "33,179" in item.title
    assert item.text.startswith("The U.S. Immigration and Customs Enforcement (ICE) Acting")
    assert item.url == SANCTUARY
    assert item.published == WHEN
    assert (item.agency, item.jurisdiction, item.source_id) == ("ICE", FEDERAL, "ice-breaking")
    assert item.guid == SANCTUARY
    assert item.key == item_key(guid=None, link=SANCTUARY, title=None, published=None)
    assert item.content_hash == content_hash(item.title, item.text)


def raw(**fields: object) -> RawItem:
    values: dict[str, object] = {"source_id": "s", "title": None, "link": None} | fields
    return RawItem(**values)  # type: ignore[arg-type]


def test_normalize_prefers_content_and_cleans_html() -> None:
    item = normalize(raw(title="A &amp; <b>B</b>", link="/x?utm_source=rss",
                         summary="<p>teaser</p>", content="<p>full</p><p>text</p>"), ICE_BREAKING)
    assert item is not None
    assert (item.title, item.text, item.url) == ("A & B", "full\n\ntext", "https://www.ice.gov/x")


def test_normalize_title_falls_back_to_first_sentence() -> None:
    item = normalize(raw(summary="<p>ICE arrested 12 people. More follows.</p>"), ICE_BREAKING)
    assert item is not None and item.title == "ICE arrested 12 people."
    assert item.url == ICE_BREAKING.url  # no link: the newsroom itself


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        ("ICE arrested 12 people. More follows.", "ICE arrested 12 people."),
        ("The U.S. Immigration and Customs Enforcement (ICE) acted. Then more.",
         "The U.S. Immigration and Customs Enforcement (ICE) acted."),
        ("On Jan. 5 Gov. Newsom spoke! Later.", "On Jan. 5 Gov. Newsom spoke!"),
        ("First line\nsecond line", "First line"),
        ("No full stop at all", "No full stop at all"),
        ("", ""),
    ],
)
def test_first_sentence(text: str, sentence: str) -> None:
    assert first_sentence(text) == sentence


def test_first_sentence_is_cut_at_a_word() -> None:
    long = "word " * 60
    cut = first_sentence(long)
    assert len(cut) <= 140 and cut.endswith("word…")


def test_normalize_uses_a_url_guid_when_there_is_no_link() -> None:
    item = normalize(raw(title="t", guid=SANCTUARY), ICE_BREAKING)
    assert item is not None and item.url == SANCTUARY


def test_normalize_updated_stands_in_for_published() -> None:
    item = normalize(raw(title="t", updated=WHEN), ICE_BREAKING)
    assert item is not None and item.published == WHEN


def test_normalize_never_links_to_javascript() -> None:
    item = normalize(raw(title="t", link="javascript:alert(1)"), ICE_BREAKING)
    assert item is not None and item.url == ICE_BREAKING.url


@pytest.mark.parametrize("fields", [{}, {"title": "  ", "summary": "<p> </p>"},
                                    {"title": "<img src='x.png'>"}])
def test_normalize_nothing_usable_is_none(fields: dict[str, str]) -> None:
    assert normalize(raw(**fields), ICE_BREAKING) is None


def test_normalize_link_only_is_kept_with_the_url_as_title() -> None:
    item = normalize(raw(link="https://www.ice.gov/news/releases/y"), ICE_BREAKING)
    assert item is not None and item.title == item.url == "https://www.ice.gov/news/releases/y"


def test_normalize_guid_without_link_is_scoped_by_the_source_host() -> None:
    a = normalize(raw(title="t", guid="1"), ICE_BREAKING)
    b = normalize(raw(title="t", guid="1"), ICE_BREAKING.__class__(
        id="dhs", kind="feed", url="https://www.dhs.gov/rss", agency="DHS", jurisdiction=FEDERAL))
    c = normalize(raw(title="other", guid="2"), ICE_BREAKING)
    assert a is not None and b is not None and c is not None
    assert a.key != b.key and a.key != c.key  # and items without a link do not all collide
