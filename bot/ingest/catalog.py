"""The built-in sources: the newsrooms of the first story alertbot serves.

Data only. Each address was seen in public code or probed when the catalog was compiled. DHS
has no working RSS for press releases, so it is read as an HTML listing.
Operators switch these off as a whole (`[polling] builtin_sources = false`), one by one
(`disabled_sources = ["ca-ag"]`), or override one by reusing its id in `[[sources]]`.

Must not import anything but bot.models.
"""

from __future__ import annotations

from bot.models import FEDERAL, ListingSelectors, Source

CALIFORNIA = "California"

# Drupal view of dhs.gov: releases live at /news/YYYY/MM/DD/<slug>. The link pattern finds
# them even if the theme changes; the CSS selectors add titles and dates when they still fit.
DHS_SELECTORS = ListingSelectors(
    link_pattern=r"^https://www\.dhs\.gov/news/\d{4}/\d{2}/\d{2}/[^/?#]+/?$",
    item=".views-row",
    title="h3 a, .usa-collection__heading a",
    date="time[datetime], .field--name-field-date",
    max_pages=2,
)

BUILTIN_SOURCES: tuple[Source, ...] = (
    Source(
        id="ice-breaking", kind="feed", url="https://www.ice.gov/rss/ice-breaking-news",
        agency="ice", jurisdiction=FEDERAL, name="ICE breaking news", full_text=True,
        builtin=True,
    ),
    Source(
        id="ice-ero", kind="feed", url="https://www.ice.gov/rss/news/356",
        agency="ice", jurisdiction=FEDERAL, name="ICE Enforcement and Removal",
        full_text=True, builtin=True,
    ),
    Source(
        id="dhs-press", kind="html", url="https://www.dhs.gov/news-releases/press-releases",
        agency="dhs", jurisdiction=FEDERAL, name="DHS press releases", full_text=True,
        selectors=DHS_SELECTORS, builtin=True,
    ),
    Source(
        id="ca-governor", kind="feed", url="https://www.gov.ca.gov/feed/",
        agency="governor", jurisdiction=CALIFORNIA, name="California Governor",
        builtin=True,
    ),
    Source(
        id="ca-ag", kind="feed", url="https://oag.ca.gov/news/feed",
        agency="ag", jurisdiction=CALIFORNIA, name="California Attorney General",
        full_text=True, builtin=True,
    ),
)
