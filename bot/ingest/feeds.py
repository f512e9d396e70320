"""The one adapter from feed documents to ParsedFeed: RSS 0.9x/1.0/2.0 and Atom through
feedparser, JSON Feed through `json` (feedparser 6 does not read it).

Synchronous and CPU-bound: the caller runs `parse_feed` in a thread. It never raises for any
input; a document that is not a feed comes back as ParsedFeed(error=...) in words an operator
can act on, a damaged feed that still yielded entries as items plus a warning (and `broken`,
when the XML itself is malformed: its last entry may be cut short). No other module
imports feedparser. Must not import bot.store, bot.channels or bot.delivery.
"""

from __future__ import annotations

import email.utils
import io
import json
import re
import xml.sax
from datetime import UTC, datetime
from functools import partial
from urllib.parse import urljoin

import feedparser
import nh3

from bot.models import ParsedFeed, RawItem

_JSON_FEED_PREFIX = "https://jsonfeed.org/version/"
_HTML_SNIFF = (b"<!doctype html", b"<html")
# Element attributes that hold addresses, resolved against the feed URL in JSON Feed HTML
# (feedparser does the same for RSS and Atom).
_URL_ATTRS = frozenset({"href", "src", "cite", "poster"})
# A Drupal guid ("12345 at https://www.ice.gov") sent without isPermaLink="false" is taken by
# feedparser for a relative URL and joined to the feed's address, giving
# "https://www.ice.gov/rss/news/12345 at https:/www.ice.gov" (a different string per feed).
_DRUPAL_GUID = re.compile(r"([^/\s]+) at (https?):/+(\S+)$")
_WEEKDAY = re.compile(r"^\s*[^\W\d]+\.?,\s*")


def parse_feed(
    body: bytes,
    *,
    source_id: str,
    base_url: str,
    content_type: str | None = None,
    charset: str | None = None,
) -> ParsedFeed:
    """Read body as a feed. `content_type` and `charset` are what the server declared; a wrong
    declaration is corrected by feedparser's own detection (and reported as a warning)."""
    try:
        head = body.lstrip(b"\xef\xbb\xbf \t\r\n")
        if not head:
            return ParsedFeed(error="not a feed: the body is empty")
        if _is_json(head, content_type):
            return _parse_json(body, source_id=source_id, base_url=base_url)
        return _parse_xml(body, head, source_id, base_url, content_type, charset)
    except Exception as exc:  # the contract is "never raises": report what broke instead
        return ParsedFeed(error=f"not a feed: the parser failed ({type(exc).__name__}: {exc})")


def _is_json(head: bytes, content_type: str | None) -> bool:
    if head.startswith(b"{"):
        return True
    # A server that labels XML as JSON is wrong about the label, not the body.
    return "json" in (content_type or "").lower() and not head.startswith(b"<")


def _parse_xml(
    body: bytes,
    head: bytes,
    source_id: str,
    base_url: str,
    content_type: str | None,
    charset: str | None,
) -> ParsedFeed:
    headers = {"content-location": base_url, "content-type": _declared_type(content_type, charset)}
    # A BytesIO, never the bytes themselves: feedparser treats a bytes/str argument that
    # names an existing file (or a URL) as something to open.
    parsed = feedparser.parse(io.BytesIO(body), response_headers=headers)
    # feedparser prepends an XML declaration line when the document has none.
    shift = 0 if body.removeprefix(b"\xef\xbb\xbf").startswith(b"<?xml") else 1
    problem = _describe(parsed.get("bozo_exception"), shift) if parsed.get("bozo") else None
    feed = parsed.get("feed") or {}
    title = dict.get(feed, "title") or None
    entries = parsed.get("entries") or []
    if entries:
        items = tuple(_raw_item(e, source_id) for e in entries)
        exc = parsed.get("bozo_exception")
        warnings = (_warning(problem, len(items), exc),) if problem else ()
        broken = problem if problem and _is_xml_error(exc) else None
        return ParsedFeed(items=items, title=title, ttl=_ttl(feed), warnings=warnings,
                          broken=broken)
    if not parsed.get("version") or _is_xml_error(parsed.get("bozo_exception")):
        # Nothing read, so "no news" cannot be told from "broken": this must be a failure.
        return ParsedFeed(title=title, error=_not_a_feed(head, content_type, problem))
    return ParsedFeed(title=title, ttl=_ttl(feed), warnings=(problem,) if problem else ())


def _declared_type(content_type: str | None, charset: str | None) -> str:
    """The Content-Type to show feedparser. With no charset anywhere, text/xml is read as
    application/xml: RFC 7303 dropped text/xml's US-ASCII default, so the XML declaration
    decides (feedparser still applies the old rule and would warn on every poll). No type at
    all is also application/xml: the document's own declaration and BOM decide."""
    media = (content_type or "").strip() or "application/xml"
    has_charset = "charset=" in media.lower()
    if not has_charset and media.split(";")[0].strip().lower() == "text/xml":
        media = "application/xml" + media[len("text/xml"):]
    if charset and not has_charset:
        media = f"{media}; charset={charset}"
    return media


def _describe(exc: object, line_shift: int) -> str | None:
    if exc is None:
        return None
    if isinstance(exc, xml.sax.SAXParseException):
        line = max(1, (exc.getLineNumber() or 1) - line_shift)
        return f"XML parse error at line {line}: {exc.getMessage()}"
    return str(exc) or type(exc).__name__


def _warning(problem: str, count: int, exc: object) -> str:
    if _is_xml_error(exc):
        return f"malformed feed, read {count} items anyway (some may be missing): {problem}"
    return problem


def _is_xml_error(exc: object) -> bool:
    return isinstance(exc, xml.sax.SAXException)


def _not_a_feed(head: bytes, content_type: str | None, problem: str | None) -> str:
    sniff = head[:512].lower()
    if "html" in (content_type or "").lower() or any(s in sniff for s in _HTML_SNIFF):
        declared = content_type or "no content type"
        return f"not a feed: got an HTML page ({declared}) — is the URL still the feed?"
    if problem and problem.startswith("XML parse error"):
        return f"not a feed: {problem}"
    return f"not a feed: no RSS, Atom or JSON Feed found ({content_type or 'no content type'})"


def _raw_item(entry: dict, source_id: str) -> RawItem:
    # dict.get, not FeedParserDict.get: the latter maps `updated` to `published` with a
    # DeprecationWarning, and we want to see what the feed really said.
    get = partial(dict.get, entry)
    return RawItem(
        source_id=source_id,
        title=get("title") or None,
        link=_link(entry),
        guid=_guid(get("id")),
        summary=get("summary") or None,
        content=_content(get("content")),
        published=_date(entry, "published") or _date(entry, "created"),
        updated=_date(entry, "updated"),
        author=get("author") or None,
    )


def _link(entry: dict) -> str | None:
    for link in dict.get(entry, "links") or ():
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return link["href"]
    return dict.get(entry, "link") or None


def _content(blocks: list | None) -> str | None:
    if not blocks:
        return None
    for block in blocks:  # prefer markup over a plain-text alternative
        if block.get("type") in ("text/html", "application/xhtml+xml") and block.get("value"):
            return block["value"]
    return blocks[0].get("value") or None


def _guid(value: str | None) -> str | None:
    value = (value or "").strip()
    if " at " in value and (drupal := _DRUPAL_GUID.search(value)):
        node, scheme, host = drupal.groups()
        return f"{node} at {scheme}://{host}"
    return value or None


def _date(entry: dict, field: str) -> datetime | None:
    parsed = _utc(dict.get(entry, field + "_parsed"))
    return parsed or _rfc822(dict.get(entry, field))


def _rfc822(value: object) -> datetime | None:
    """Fallback for dates feedparser gave up on, e.g. a non-English weekday ("mer, 16 nov
    2022 00:38:15 +0100"), or RFC 822 dates in JSON Feed where RFC 3339 is required."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(_WEEKDAY.sub("", value))
    except (ValueError, TypeError, IndexError, OverflowError):
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _utc(parsed: object) -> datetime | None:
    """feedparser's *_parsed values are UTC struct_times (offsets already applied)."""
    if parsed is None:
        return None
    try:
        year, month, day, hour, minute, second = tuple(parsed)[:6]  # type: ignore[arg-type]
        return datetime(year, month, day, hour, minute, min(second, 59), tzinfo=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def _ttl(feed: dict) -> float | None:
    try:
        minutes = float(str(dict.get(feed, "ttl", "")).strip())
    except ValueError:
        return None
    return minutes * 60 if 0 < minutes < 1e7 else None


def _parse_json(body: bytes, *, source_id: str, base_url: str) -> ParsedFeed:
    try:
        doc = json.loads(body)
    except json.JSONDecodeError as exc:
        return ParsedFeed(error=f"not a feed: JSON parse error at line {exc.lineno}: {exc.msg}")
    except (ValueError, RecursionError) as exc:  # bad encoding, absurd number, deep nesting
        return ParsedFeed(error=f"not a feed: unreadable JSON ({exc})")
    version = doc.get("version") if isinstance(doc, dict) else None
    items = doc.get("items") if isinstance(doc, dict) else None
    if not isinstance(items, list) or not (version is None or _text(version)):
        return ParsedFeed(error="not a feed: a JSON document, but not a JSON Feed (no items)")
    warnings = ()
    if not str(version or "").startswith(_JSON_FEED_PREFIX):
        warnings = (f"JSON Feed with unknown version {version!r}",)
    feed_authors = _json_authors(doc)
    raw = tuple(
        _json_item(item, source_id, base_url, feed_authors)
        for item in items
        if isinstance(item, dict)
    )
    return ParsedFeed(items=raw, title=_text(doc.get("title")), warnings=warnings)


def _json_item(item: dict, source_id: str, base_url: str, feed_authors: str | None) -> RawItem:
    link = _text(item.get("url")) or _text(item.get("external_url"))
    guid = item.get("id")
    html = _text(item.get("content_html"))
    return RawItem(
        source_id=source_id,
        title=_text(item.get("title")),
        link=_join(base_url, link) if link else None,
        guid=(str(guid).strip() or None) if isinstance(guid, str | int) else None,
        summary=_text(item.get("summary")),
        content=_clean_html(html, base_url) if html else _text(item.get("content_text")),
        published=_iso_utc(item.get("date_published")),
        updated=_iso_utc(item.get("date_modified")),
        author=_json_authors(item) or feed_authors,  # items inherit the feed's authors
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _json_authors(obj: dict) -> str | None:
    authors = obj.get("authors")
    if not isinstance(authors, list):  # JSON Feed 1.0 had a single "author"
        authors = [obj.get("author")]
    names = [_text(a.get("name")) for a in authors if isinstance(a, dict)]
    return ", ".join(n for n in names if n) or None


def _iso_utc(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return _rfc822(value)
    # RFC 3339 requires an offset; a date without one is read as UTC rather than dropped.
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _join(base: str, url: str) -> str:
    try:
        return urljoin(base, url.strip())
    except ValueError:
        return url


def _clean_html(html: str, base_url: str) -> str:
    """JSON Feed HTML is not sanitised by anyone upstream; give it feedparser's guarantee."""

    def resolve(tag: str, attr: str, value: str) -> str:
        return _join(base_url, value) if attr in _URL_ATTRS else value

    return nh3.clean(html, attribute_filter=resolve)
