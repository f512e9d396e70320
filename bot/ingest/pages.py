"""Reading HTML pages as text, and the dates printed on them or in their addresses.

Shared by the listing reader and the article extractor. Pure; no I/O.
Must not import anything from the project.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

_URL_DATE = re.compile(r"/(\d{4})/(\d{2})/(\d{2})(?=/|$)")
_BOM = b"\xef\xbb\xbf"  # a UTF-8 byte order mark outranks any declared charset
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)
_MONTHS = "january february march april may june july august september october november december"
TEXT_DATE = re.compile(
    r"(?P<mon>[A-Za-z]{3,9})\.?\s+(?P<day>\d{1,2}),?\s+(?P<year>\d{4})"
    r"|(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4})"
    r"|(?P<iy>\d{4})-(?P<im>\d{2})-(?P<id>\d{2})"
)

def date_from_url(url: str) -> datetime | None:
    """The date in an address path (`/YYYY/MM/DD/`), as UTC midnight; None when absent or
    not a real date."""
    match = _URL_DATE.search(url.split("?", 1)[0].split("#", 1)[0])  # the path, not the query
    try:
        return datetime(*map(int, match.groups()), tzinfo=UTC) if match else None
    except ValueError:  # /2026/02/30/
        return None


def decode_html(body: bytes | str, charset: str | None = None) -> str:
    """Bytes to text: BOM, then the HTTP charset, then <meta charset>, then UTF-8. Bad bytes
    are replaced, never raised on: a misdeclared page should still be read."""
    if isinstance(body, str):
        return body
    sniffed = _META_CHARSET.search(body[:4096])
    guesses = [charset, sniffed.group(1).decode("ascii") if sniffed else None]
    for encoding in [g for g in guesses if g and not body.startswith(_BOM)]:
        try:
            return body.decode(encoding, errors="replace")
        except LookupError:  # an unknown charset name: try the next guess
            continue
    return body.decode("utf-8-sig", errors="replace")  # also strips a UTF-8 BOM


def text_date(text: str) -> datetime | None:
    """The first US-style date in free text ("February 11, 2026", "Feb. 11, 2026",
    "02/11/2026", "2026-02-11"), as UTC midnight."""
    for match in TEXT_DATE.finditer(text):
        if match["mon"]:
            name = match["mon"].lower()  # a month name or its abbreviation ("Feb", "Sept")
            month = next((n for n, m in enumerate(_MONTHS.split(), 1) if m.startswith(name)), 0)
            year, day = match["year"], match["day"]
        elif match["m"]:
            year, month, day = match["y"], match["m"], match["d"]
        else:
            year, month, day = match["iy"], match["im"], match["id"]
        try:
            return datetime(int(year), int(month), int(day), tzinfo=UTC)
        except ValueError:  # "Section 12, 2026" or 02/30/2026: not a date, keep looking
            continue
    return None
