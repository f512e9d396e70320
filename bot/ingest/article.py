"""The main text of a release page (the full text behind a listing entry or a teaser feed).

Synchronous and CPU-bound (the caller runs it with `asyncio.to_thread`); it never fetches:
the caller hands over the bytes it already downloaded. trafilatura does the work; a plain
selectolax pass over <article>/<main> paragraphs catches the pages trafilatura gives up on.
Output is plain text, one blank line between paragraphs.

Must not import bot.store, bot.channels or bot.delivery.
"""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser

from bot.ingest.controls import strip_controls
from bot.ingest.pages import decode_html

# Below this, trafilatura probably kept a fragment (or only the date line): try harder.
_SHORT = 250
# Below this, nothing we found reads as a release.
_MIN_TEXT = 40
_NOISE = "script, style, noscript, template, svg, iframe, form, button, nav, header, footer, aside"
_ROOTS = ("article .field--name-body", "article", "main", "[role=main]", "body")
_BLOCKS = "p, li, h2, h3, h4, blockquote, pre"
# Newsroom end-of-release marks: layout, not text (and they would differ between revisions).
_END_MARKS = frozenset({"###", "# # #", "-30-", "- 30 -"})


def extract_text(html: bytes | str, *, url: str | None = None) -> str | None:
    """Main text of a release page, or None when the page holds nothing that reads as one.
    Never raises on bad markup or bytes."""
    # lxml (under trafilatura) refuses NUL characters outright; they never carry text.
    document = decode_html(html).replace("\x00", "")
    if not document.strip():
        return None
    text = _trafilatura(document, url, tables=False)
    if len(text) < _SHORT:
        # Tables are off by default (they are mostly layout or boilerplate on these sites), but
        # a release whose body is a table of figures needs them; then the simple pass.
        candidates = (text, _trafilatura(document, url, tables=True), _fallback(document))
        text = max(candidates, key=len)
    return text if len(text) >= _MIN_TEXT else None


def _trafilatura(document: str, url: str | None, *, tables: bool) -> str:
    # Imported here, not at the top: it brings lxml, justext and htmldate (a third of a
    # second), which `alertbot --help` and the commands that extract nothing never need.
    # Outside the try below: a broken install must fail loudly, not read as "no text".
    import trafilatura

    try:
        extracted = trafilatura.extract(
            document,
            url=url,  # only used for metadata and link resolution; extract() never downloads
            output_format="txt",
            include_comments=False,
            include_tables=tables,
            include_images=False,
            include_links=False,
            favor_precision=True,
            with_metadata=False,
        )
    except Exception:  # noqa: BLE001 - hostile markup can trip lxml/trafilatura in many ways;
        # an unreadable page is "no text", never a failed refresh.
        return ""
    return _paragraphs((extracted or "").splitlines())


def _fallback(document: str) -> str:
    """Paragraph text of the page's main region with chrome removed."""
    tree = LexborHTMLParser(document)
    for node in tree.css(_NOISE):
        node.decompose()
    root = next((n for n in (tree.css_first(s) for s in _ROOTS) if n is not None), None)
    if root is None:
        return ""
    lines = []
    for block in root.css(_BLOCKS):
        # A list item or quote that wraps its own paragraphs would repeat their text.
        if block.tag in ("li", "blockquote") and block.css_first("p") is not None:
            continue
        lines.append(block.text(deep=True))
    return _paragraphs(lines)


def _paragraphs(lines: list[str]) -> str:
    """Whitespace-normalised, empty and repeated-adjacent lines dropped, blank-line separated."""
    out: list[str] = []
    for line in lines:
        cleaned = " ".join(strip_controls(line).split())
        if cleaned and cleaned not in _END_MARKS and (not out or out[-1] != cleaned):
            out.append(cleaned)
    return "\n\n".join(out)
