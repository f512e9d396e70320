"""Read an HTML listing page (a newsroom without RSS, e.g. DHS press releases) into RawItems.

Pure, synchronous and CPU-bound: the caller fetches the page and runs `parse_listing` with
`asyncio.to_thread`. Items are found by the address pattern of a release first, because that
survives a redesign; CSS selectors only refine title, date and teaser. A page where nothing
matches is reported as a source error (`ParsedFeed.error`), never as "no news".

Must not import bot.store, bot.channels or bot.delivery (nor do any I/O).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode, SelectolaxError

from bot.ingest.pages import TEXT_DATE, date_from_url, decode_html, text_date
from bot.models import ListingSelectors, ParsedFeed, RawItem

# HTML's landmark rules: nav/aside are never content; header/footer are page chrome unless
# they sit inside sectioning content (a Drupal teaser often wraps its title link in <header>).
_CHROME_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary"})
_SECTIONING = frozenset({"article", "section", "main", "aside", "nav"})
_TEASER = ".usa-collection__description, .field--name-body, .views-field-body, p"
_HEADINGS = "h1, h2, h3, h4, h5, h6"
_STOP = frozenset({"main", "body", "html", "-document"})
_LAYOUT_CHANGED = (
    "listing layout changed: no item matched link pattern {!r} or selector {!r}; "
    "check [sources.selectors] for this source"
)


@dataclass
class _Candidate:
    """One release address found on the page, with every link to it and its container."""

    url: str
    links: list[LexborNode]
    chain: list[LexborNode]  # ancestors of the first link, nearest first
    box: LexborNode | None = None  # the element that holds this release's title/date/teaser
    configured: bool = False  # box came from the `item` selector (not the fallback block)


def parse_listing(
    body: bytes | str,
    *,
    source_id: str,
    base_url: str,
    selectors: ListingSelectors,
    charset: str | None = None,
) -> ParsedFeed:
    """Parse one listing page. Never raises: configuration and layout problems come back as
    `ParsedFeed.error`, partial matches as `warnings`."""
    problem = _check_selectors(selectors)
    if problem:
        return ParsedFeed(error=f"{problem}; check [sources.selectors] for this source")
    tree = LexborHTMLParser(decode_html(body, charset))
    # A <base href> changes what relative links mean; the fetched address is the default.
    tag = tree.css_first("base[href]")
    base = _absolute(base_url, tag.attributes.get("href") if tag is not None else None) or base_url
    if selectors.link_pattern:
        found = _by_pattern(tree, base, re.compile(selectors.link_pattern), selectors.item)
    else:
        found = _by_container(tree, base, selectors.item or "")
    hits: Counter[str] = Counter()
    items = tuple(_item(cand, source_id, selectors, hits) for cand in found)
    title = _text(tree.css_first("title")) or None
    if not items:
        error = _LAYOUT_CHANGED.format(selectors.link_pattern, selectors.item)
        return ParsedFeed(title=title, error=error)
    return ParsedFeed(items=items, title=title, warnings=_warnings(selectors, hits, len(items)))


def page_urls(url: str, selectors: ListingSelectors) -> list[str]:
    """The listing's page addresses, Drupal style: `url`, then `?page=1`, `?page=2`, ...
    (`page` counts from 0 and is the only query parameter changed)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    current = dict(query).get("page", "0")
    start = int(current) if current.isdecimal() else 0
    others = [(key, value) for key, value in query if key != "page"]
    return [url] + [
        urlunsplit(parts._replace(query=urlencode([*others, ("page", n)]), fragment=""))
        for n in range(start + 1, start + max(1, selectors.max_pages))
    ]


def _check_selectors(selectors: ListingSelectors) -> str | None:
    if not selectors.link_pattern and not selectors.item:
        return "listing needs a link_pattern or an item selector"
    try:
        re.compile(selectors.link_pattern or "")
    except re.error as exc:
        return f"invalid link_pattern {selectors.link_pattern!r}: {exc}"
    probe = LexborHTMLParser("<p></p>")
    for key in ("item", "title", "date"):
        try:
            probe.css(getattr(selectors, key) or "p")
        except SelectolaxError:
            return f"invalid CSS selector {key}={getattr(selectors, key)!r}"
    return None


def _by_pattern(
    tree: LexborHTMLParser, base: str, pattern: re.Pattern[str], item: str | None
) -> list[_Candidate]:
    """Every non-chrome link whose address matches, one candidate per address, in page order."""
    candidates: dict[str, _Candidate] = {}
    owners: dict[int, set[str]] = {}  # element -> release addresses linked inside it
    for link in tree.css("a[href]"):
        url = _absolute(base, link.attributes.get("href"))
        if url is None or not pattern.search(url):
            continue
        chain = _ancestors(link)
        if _is_chrome(chain):
            continue
        for node in chain:
            owners.setdefault(node.mem_id, set()).add(url)
        if url in candidates:
            candidates[url].links.append(link)
        else:
            candidates[url] = _Candidate(url, [link], chain)
    boxes = {node.mem_id for node in tree.css(item)} if item else set()
    for cand in candidates.values():
        _assign_box(cand, boxes, owners)
    return list(candidates.values())


def _assign_box(cand: _Candidate, boxes: set[int], owners: dict[int, set[str]]) -> None:
    """The configured item container if it holds only this release; else the largest block
    around the link that holds no other release (so a redesign still yields date/teaser)."""
    for node in cand.chain:
        if node.mem_id in boxes:
            if owners.get(node.mem_id) == {cand.url}:
                cand.box, cand.configured = node, True
                return
            break  # a container shared by several releases would mix their dates
    for node in cand.chain:
        if node.tag in _STOP or owners.get(node.mem_id) != {cand.url}:
            break
        cand.box = node


def _by_container(tree: LexborHTMLParser, base: str, item: str) -> list[_Candidate]:
    candidates: dict[str, _Candidate] = {}
    for box in tree.css(item):
        link = box if box.tag == "a" and "href" in box.attributes else box.css_first("a[href]")
        if link is None:
            continue
        url = _absolute(base, link.attributes.get("href"))
        if url is None or url in candidates:
            continue
        chain = _ancestors(box)
        if not _is_chrome(chain):
            candidates[url] = _Candidate(url, [link], chain, box, configured=True)
    return list(candidates.values())


def _item(cand: _Candidate, source_id: str, sel: ListingSelectors, hits: Counter[str]) -> RawItem:
    hits["item"] += cand.configured
    title = _title(cand, sel.title, hits)
    return RawItem(
        source_id=source_id,
        title=title,
        link=cand.url,
        guid=None,
        summary=_teaser(cand.box, title) if cand.box is not None else None,
        published=_published(cand, sel.date, hits),
    )


def _title(cand: _Candidate, selector: str | None, hits: Counter[str]) -> str | None:
    if cand.box is not None and selector:
        text = _text(cand.box.css_first(selector))
        if text:
            hits["title"] += 1
            return text
    # The longest link text, so an image link or a "Read more" never names the release.
    texts = [_text(link.css_first(_HEADINGS) or link) for link in cand.links]
    best = max(texts, key=len, default="")
    if not best and cand.box is not None:
        best = _text(cand.box.css_first(_HEADINGS))
    return best or None


def _published(cand: _Candidate, selector: str | None, hits: Counter[str]) -> datetime | None:
    if cand.box is not None and selector:
        for node in cand.box.css(selector):
            when = _node_date(node)
            if when is not None:
                hits["date"] += 1
                return when
    return date_from_url(cand.url)


def _node_date(node: LexborNode) -> datetime | None:
    stamped = node if "datetime" in node.attributes else node.css_first("[datetime]")
    value = stamped.attributes.get("datetime") if stamped is not None else None
    try:
        when = datetime.fromisoformat((value or "").strip())
    except ValueError:  # no datetime attribute, or not ISO 8601: read the visible text
        return text_date(_text(node))
    # A bare date or a naive time is read as UTC: nothing on the page says otherwise.
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _teaser(box: LexborNode, title: str | None) -> str | None:
    for node in box.css(_TEASER):
        text = _text(node)
        # Skip the paragraph that only repeats the title or carries the date line.
        if text and text != title and len(TEXT_DATE.sub("", text).strip()) >= 20:
            return text
    return None


def _warnings(sel: ListingSelectors, hits: Counter[str], count: int) -> tuple[str, ...]:
    fallbacks = {"item": "the links", "title": "link text", "date": "dates from addresses"}
    return tuple(
        f"selector {key}={getattr(sel, key)!r} matched nothing in any of {count} items; used "
        f"{fallback} instead; check [sources.selectors] for this source"
        for key, fallback in fallbacks.items()
        if getattr(sel, key) and not hits[key]
    )


def _absolute(base: str, href: str | None) -> str | None:
    # The fragment never names another document: drop it so "x" and "x#main" merge (and a
    # bare "#top" is no link at all).
    target = (href or "").split("#", 1)[0].strip()
    if not target:
        return None
    try:
        return urljoin(base, target)
    except ValueError:  # e.g. a malformed IPv6 host in a hand-written href
        return None


def _ancestors(node: LexborNode) -> list[LexborNode]:
    chain = []
    parent = node.parent
    while parent is not None and parent.tag != "-document":
        chain.append(parent)
        parent = parent.parent
    return chain


def _is_chrome(chain: list[LexborNode]) -> bool:
    for index, node in enumerate(chain):
        if node.tag in ("nav", "aside") or node.attributes.get("role") in _CHROME_ROLES:
            return True
        if node.tag in ("header", "footer") and not any(
            outer.tag in _SECTIONING for outer in chain[index + 1 :]
        ):
            return True
    return False


def _text(node: LexborNode | None) -> str:
    return " ".join(node.text(deep=True).split()) if node is not None else ""
