"""RawItem -> Item: clean text, canonical URL, a global item key and a content hash.

Pure functions, no I/O, cheap enough to run on every item of every poll (well under 0.2 ms an
item). Must not import bot.store, bot.channels or bot.delivery.

Key rules (`item_key`), first that applies; the tagged string is hashed to 32 hex chars:
  1. guid that is an http(s) URL  -> "url:<canonical guid>"  (same tag as a link, so a feed that
     only has <link> and one that only has <guid> agree on the same release)
  2. guid that is globally unique by construction (Drupal "12345 at https://www.ice.gov",
     tag:, urn:)                  -> "guid:<guid>"
  3. any other guid ("1", "post-7") -> "guid:<host of link> <guid>"  (scoped: "1" is not global)
  4. link                          -> "url:<canonical link>"
  5. otherwise                     -> "title:<title>|<published ISO date>"
"""

from __future__ import annotations

import hashlib
import html
import re
from datetime import datetime
from urllib.parse import quote, unquote_plus, urljoin, urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser

from bot.ingest.controls import escape_controls, strip_controls
from bot.models import Item, RawItem, Source

# Query parameters that only say where a click came from. Exact names, compared lower-cased.
TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "igshid",
    "mc_cid", "mc_eid", "_hsenc", "_hsmi", "hsctatracking", "mkt_tok", "ref", "ref_src",
    "cmpid", "_ga", "_gl", "oly_anon_id", "oly_enc_id", "vero_id", "vero_conv", "rb_clickid",
    "s_cid", "wt.mc_id", "spm",
})
# ... and families of them: Google Analytics (utm_), Piwik (pk_), Matomo (mtm_), HubSpot ads (hsa_).
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_")
_DEFAULT_PORTS = {"http": "80", "https": "443"}

# Private-use characters mark block boundaries through the HTML parser: real newlines in HTML
# source are just whitespace, so our breaks must be told apart from them.
_BR, _LINE, _PARA = "\ue000", "\ue001", "\ue002"
_BR_TAG = re.compile(r"<br(?=[\s/>])[^>]*>", re.I)
_LINE_TAGS = re.compile(r"</?(?:li|tr|dt|dd|option)(?=[\s/>])[^>]*>", re.I)
_PARA_TAGS = re.compile(
    r"</?(?:p|div|h[1-6]|blockquote|pre|ul|ol|dl|table|thead|tbody|tfoot|caption|section|"
    r"article|aside|header|footer|nav|main|figure|figcaption|address|details|summary|"
    r"fieldset|form|hr|center)(?=[\s/>])[^>]*>",
    re.I,
)
_CELL_TAGS = re.compile(r"</?t[dh](?=[\s/>])[^>]*>", re.I)
_DROP_TAGS = ["script", "style", "noscript", "template", "head", "iframe", "object", "embed"]
_TAG_START = re.compile(r"<[a-zA-Z/!?]")
_BREAK_RUN = re.compile(r"[\ue000-\ue002][\ue000-\ue002 ]*")
_MANY_NL = re.compile(r"\n{3,}")
_SENTENCE_END = re.compile(r"[.!?](?=\s)|\n")
_ABBREVIATIONS = frozenset({
    "mr", "mrs", "ms", "dr", "st", "jr", "sr", "gov", "sen", "rep", "gen", "lt", "col", "sgt",
    "capt", "atty", "no", "vs", "etc", "inc", "co", "corp", "dept",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
})
_INNER_SPACE = re.compile(r"\s")
_WEB_URL = re.compile(r"https?://[^/?#\s@]*@?[^/?#\s@]+(?:[/?#]\S*)?", re.I)
_GLOBAL_GUID = re.compile(r"^(?:tag:|urn:)|^\S+ at https?://\S+$", re.I)
TITLE_MAX = 140


def html_to_text(html_or_text: str) -> str:
    """Readable text: tags, scripts and styles gone, entities decoded, blocks on their own
    lines (paragraphs separated by a blank line), whitespace collapsed, ends trimmed; escape
    sequences, control characters and bidi overrides removed (bot.ingest.controls)."""
    if not _TAG_START.search(html_or_text):
        # Plain text keeps its own line structure; only entities and spacing are tidied.
        text = html.unescape(html_or_text) if "&" in html_or_text else html_or_text
        return _tidy_plain(strip_controls(text))
    marked = _BR_TAG.sub(_BR, _drop_markers(html_or_text))
    marked = _LINE_TAGS.sub(_LINE, marked)
    marked = _PARA_TAGS.sub(_PARA, marked)
    marked = _CELL_TAGS.sub(" ", marked)
    tree = LexborHTMLParser(marked)
    tree.strip_tags(_DROP_TAGS, recursive=True)
    root = tree.body or tree.root
    text = root.text() if root is not None else ""
    text = " ".join(text.split())
    if _BR in text or _LINE in text or _PARA in text:
        # The run pattern starts at a marker (a leading " *" would backtrack at every space);
        # the one space a run can follow is removed afterwards.
        text = _BREAK_RUN.sub(_break_for, text).replace(" \n", "\n")
    # After the parse: an entity (&#27;) decodes to the very character it spelled.
    cleaned = strip_controls(text)
    return _tidy_plain(cleaned) if cleaned != text else text.strip()


def _drop_markers(text: str) -> str:
    """Our markers must be the only ones in the text (str.translate is far slower)."""
    for marker in (_BR, _LINE, _PARA):
        if marker in text:
            text = text.replace(marker, "")
    return text


def _break_for(match: re.Match[str]) -> str:
    run = match.group()
    # One <br> or list item is a line break; a paragraph boundary or <br><br> is a paragraph.
    return "\n\n" if _PARA in run or run.count(_BR) > 1 else "\n"


def _tidy_plain(text: str) -> str:
    if "\n" not in text and "\r" not in text:
        return " ".join(text.split())
    text = "\n".join(" ".join(line.split()) for line in text.splitlines()).strip("\n")
    return _MANY_NL.sub("\n\n", text) if "\n\n\n" in text else text


def canonical_url(url: str, base: str | None = None) -> str:
    """Absolute URL with lower-case scheme and host, no default port, no fragment and no
    tracking parameters (TRACKING_PARAMS / TRACKING_PREFIXES); other parameters keep their
    order and encoding, the path keeps its case; whitespace, control characters and bidi
    controls inside it are percent-encoded (bot.ingest.controls). Never raises: an
    unparseable URL comes back stripped but otherwise as given."""
    # Browsers send inner whitespace (and controls) percent-encoded; feeds often carry it raw.
    url = escape_controls(_INNER_SPACE.sub(lambda m: quote(m.group()), url.strip()))
    try:
        if base and not _WEB_URL.fullmatch(url):  # urljoin is the slow part; skip it when absolute
            url = urljoin(base.strip(), url)
        parts = urlsplit(url)
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    netloc = _canonical_netloc(parts.netloc, scheme)
    path = parts.path or ("/" if netloc else "")
    return urlunsplit((scheme, netloc, path, _strip_tracking(parts.query), ""))


def _canonical_netloc(netloc: str, scheme: str) -> str:
    userinfo, at, hostport = netloc.rpartition("@")
    if hostport.startswith("["):  # IPv6 literal: the port follows the closing bracket
        end = hostport.find("]") + 1 or len(hostport)
        host, port = hostport[:end], hostport[end + 1:]
    else:
        host, _, port = hostport.partition(":")
    hostport = host.lower()
    if port and port != _DEFAULT_PORTS.get(scheme):
        hostport += ":" + port
    return userinfo + at + hostport


def _strip_tracking(query: str) -> str:
    if not query:
        return ""
    kept = []
    for pair in query.split("&"):
        name = unquote_plus(pair.partition("=")[0]).lower()
        if pair and name not in TRACKING_PARAMS and not name.startswith(TRACKING_PREFIXES):
            kept.append(pair)
    return "&".join(kept)


def is_web_url(value: str | None) -> bool:
    """True for an absolute http(s) address with a host and no whitespace."""
    return value is not None and _WEB_URL.fullmatch(value.strip()) is not None


def item_key(
    *, guid: str | None, link: str | None, title: str | None, published: datetime | None
) -> str:
    """A fixed-length key, global across sources (rules in the module docstring)."""
    guid = (guid or "").strip()
    if is_web_url(guid):
        tagged = "url:" + canonical_url(guid)
    elif guid and _GLOBAL_GUID.search(guid):
        tagged = "guid:" + guid
    elif guid:
        host = urlsplit(canonical_url(link)).netloc if link and is_web_url(link) else ""
        tagged = f"guid:{host} {guid}"
    elif link:
        tagged = "url:" + canonical_url(link)
    else:
        when = published.isoformat() if published else ""
        tagged = f"title:{' '.join((title or '').split())}|{when}"
    return hashlib.sha256(tagged.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def content_hash(title: str, text: str) -> str:
    """sha256 hex of what the item says; blind to dates, URLs and whitespace changes."""
    body = " ".join(title.split()) + "\n" + " ".join(text.split())
    return hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()


def first_sentence(text: str, limit: int = TITLE_MAX) -> str:
    """The first sentence (or line) of text, cut at a word boundary to at most limit chars."""
    text = text.strip()
    end = len(text)
    for stop in _SENTENCE_END.finditer(text):
        if stop.group() == "\n":
            end = stop.start()
            break
        # "U.S. Immigration", "Jan. 5", "Gov. Newsom" do not end a sentence.
        word = text[: stop.start()].rsplit(None, 1)[-1].rsplit(".", 1)[-1]
        if len(word) > 1 and word.lower() not in _ABBREVIATIONS:
            end = stop.end()
            break
    sentence = text[:end].strip()
    if len(sentence) <= limit:
        return sentence
    cut = sentence[: limit - 1].rsplit(" ", 1)[0] or sentence[: limit - 1]
    return cut.rstrip(" ,;:") + "…"


def _web_url(value: str | None, base: str | None = None) -> str | None:
    """value as a canonical http(s) URL (relative ones resolved against base), else None:
    javascript:, mailto: and the like never become an alert's link."""
    url = canonical_url(value, base=base) if value and value.strip() else None
    return url if is_web_url(url) else None


def normalize(raw: RawItem, source: Source) -> Item | None:
    """One feed entry as an Item, or None when it carries nothing usable (no title, text or
    link). The URL falls back to the source's address; only http(s) links are kept, because
    the URL ends up as a clickable link in alerts."""
    text = html_to_text(raw.content or raw.summary or "")
    title = " ".join(html_to_text(raw.title).split()) if raw.title else ""
    url = _web_url(raw.link, source.url) or (_web_url(raw.guid) if is_web_url(raw.guid) else None)
    if not title:
        title = first_sentence(text) or (url or "")
    if not title and not text:
        return None
    published = raw.published or raw.updated
    # With a guid but no link, the source's host scopes the guid; without a guid the link
    # itself would be the key, and the source's address must not stand in for it.
    key_link = url or (source.url if raw.guid else None)
    return Item(
        key=item_key(guid=raw.guid, link=key_link, title=title, published=published),
        source_id=raw.source_id,
        url=url or source.url,
        title=title,
        text=text,
        published=published,
        content_hash=content_hash(title, text),
        agency=source.agency,
        jurisdiction=source.jurisdiction,
        guid=raw.guid,
        author=" ".join(strip_controls(raw.author).split()) or None if raw.author else None,
    )
