"""reasons: why a query matched a document, in words an alert can show.

'"detainer" in title', '"ice hold" (as detainer) in text' (a synonym hit), 'Oxnard ⊂
California' (the tagged place inside the asked one), 'from ICE'. Terms first, in the order the
query has them, then the place, then the source.

A long release can match ~100 distinct queries, and most of their reasons read alike: each
distinct text becomes one Reason object per document, made on first need.

Pure code, no I/O. Must not import bot.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping

from subscriptions.models import Document, Reason
from subscriptions.terms import tokens


def said(label: str, pattern: tuple[str, ...]) -> str:
    """How a term hit is shown: '"detainer"', or '"ice hold" (as detainer)' via a synonym."""
    if tuple(tokens(label)) == pattern:
        return f'"{label}"'
    return f'"{" ".join(pattern)}" (as {label})'


class Reasons:
    """The reasons of every query that matches one document."""

    def __init__(self, doc: Document, hits: Mapping[int, str], within: Mapping[str, str],
                 place_name: Callable[[str], str]) -> None:
        """`hits`: pattern id -> "title" or "text"; `within`: every place the document is
        in -> the tagged place name that puts it there."""
        self._hits, self._within, self._place_name = hits, within, place_name
        self._terms: dict[str, dict[str, Reason]] = {"title": {}, "text": {}}
        self._places: dict[tuple[str, str], Reason] = {}
        self._source = Reason("source", f"from {doc.agency.upper() or doc.source_id}")

    def of(self, labels: Mapping[int, str], places: Collection[str],
           place_names: Mapping[str, str], sourced: bool) -> tuple[Reason, ...] | None:
        """`labels`: the query's wanted pattern ids -> how each shows (`said`); `places`:
        its in: place ids (names as written in `place_names`); `sourced`: it has from:
        values, one of which fits. None when the document is in none of its places."""
        hits, out = self._hits, []
        for pid, shown in labels.items():
            where = hits.get(pid)
            if where is not None:
                made = self._terms[where]
                out.append(made.get(shown) or made.setdefault(shown, Reason(
                    "term", f"{shown} in {where}")))
        if places:
            for place in places:
                if place in self._within:
                    break
            else:
                return None
            tagged = self._within[place]
            asked = place_names.get(place) or self._place_name(place)
            key = (tagged, asked)
            out.append(self._places.get(key) or self._places.setdefault(key, Reason(
                "place", asked if tagged == asked else f"{tagged} ⊂ {asked}")))
        if sourced:
            out.append(self._source)
        return tuple(out)
