"""The index over every subscription: `match(document)` finds who wants it, and why.

Semantics (what a user's query means against a document):

- A document's words are its title and text, tokenised by `terms.tokens` (case-folded,
  plural-folded, numbers joined: "33,179" = "33179"). A term or phrase matches where its tokens
  occur contiguously — word boundaries come from tokenisation, so "ice" never matches "police".
- A term also matches through its synonyms ("detainer" ⇄ "ICE hold" ⇄ "I-247A").
- Required groups are ANDed; the terms of one `OR` group are alternatives; any excluded term
  anywhere vetoes the match.
- `in:` places are ORed among themselves and hierarchical: in:California matches a document
  tagged Anaheim (Anaheim ⊂ Orange County ⊂ California); a region (Bay Area) contains its
  counties and their cities. `from:` values (source ids or agencies) are ORed.
- A query without terms matches every document of its places / sources.

Cost: matching one document never loops over the subscriptions. Distinct queries are indexed
once (a thousand people asking for "detainer in:California" are one entry); every term
alternative is a token pattern in an inverted index keyed by its first token, so a document
costs one dict lookup per token plus the patterns that start there. Place-only and source-only
queries are indexed by place id and by source. Adding or removing a subscription touches only
its own patterns: nothing is rebuilt.

Must not import bot.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from subscriptions.models import Document, Match, Reason
from subscriptions.query import Query
from subscriptions.terms import Synonyms, tokens

Containers = Callable[[str], Iterable[str]]  # place id -> ids of every place containing it
EXCLUDE = -1


@dataclass
class _Entry:
    """One distinct query and the subscriptions that asked it."""

    qid: int
    groups: int  # number of required OR-groups
    places: frozenset[str]  # place ids (in:), ORed
    place_names: dict[str, str]  # place id -> the name the user wrote
    sources: frozenset[str]  # from: values, ORed
    labels: dict[int, str]  # pattern id -> how a hit shows: '"ice hold" (as detainer)'
    full: int = 0  # bitmask with one bit per required group
    subs: dict[int, int] = field(default_factory=dict)  # subscription id -> subscriber id


class Matcher:
    def __init__(self, synonyms: Synonyms, containers: Containers,
                 place_name: Callable[[str], str]) -> None:
        self._synonyms = synonyms
        self._containers = containers
        self._place_name = place_name
        self._entries: dict[tuple, _Entry] = {}  # signature -> entry
        self._by_sub: dict[int, tuple] = {}  # subscription id -> signature
        self._patterns: dict[tuple[str, ...], int] = {}
        self._pattern_tokens: dict[int, tuple[str, ...]] = {}
        self._by_first: dict[str, set[int]] = defaultdict(set)
        self._refs: dict[int, set[tuple[int, int]]] = defaultdict(set)  # pattern -> (qid, group)
        self._qid_entry: dict[int, _Entry] = {}
        self._by_place: dict[str, set[int]] = defaultdict(set)  # term-less queries by place
        self._by_source: dict[str, set[int]] = defaultdict(set)  # term-less, place-less
        self._next_qid = 0

    def __len__(self) -> int:
        return len(self._by_sub)

    # --- building ---------------------------------------------------------------------------

    def add(self, subscription_id: int, subscriber_id: int, query: Query,
            place_ids: Iterable[str] = ()) -> None:
        """Index one subscription. `place_ids` are its `in:` places, resolved by the caller
        (in the order of `query.places`)."""
        self.remove(subscription_id)
        ids = tuple(place_ids)
        signature = _signature(query, ids)
        entry = self._entries.get(signature) or self._new_entry(signature, query, ids)
        entry.subs[subscription_id] = subscriber_id
        self._by_sub[subscription_id] = signature

    def remove(self, subscription_id: int) -> None:
        signature = self._by_sub.pop(subscription_id, None)
        if signature is None:
            return
        entry = self._entries[signature]
        entry.subs.pop(subscription_id, None)
        if not entry.subs:
            self._drop_entry(signature, entry)

    def _new_entry(self, signature: tuple, query: Query, place_ids: tuple[str, ...]) -> _Entry:
        self._next_qid += 1
        entry = _Entry(
            qid=self._next_qid, groups=len(query.required), places=frozenset(place_ids),
            place_names=dict(zip(place_ids, query.places, strict=False)),
            sources=frozenset(s.lower() for s in query.sources), labels={},
            full=(1 << len(query.required)) - 1,
        )
        for group, any_of in enumerate(query.required):
            for term in any_of.terms:
                self._index_term(entry, term.text, term.tokens, group)
        for term in query.excluded:
            self._index_term(entry, term.text, term.tokens, EXCLUDE)
        if not query.required:
            for key in place_ids or entry.sources:
                (self._by_place if place_ids else self._by_source)[key].add(entry.qid)
        self._entries[signature] = entry
        self._qid_entry[entry.qid] = entry
        return entry

    def _index_term(self, entry: _Entry, label: str, toks: tuple[str, ...], group: int) -> None:
        for alt in self._synonyms.alternatives(toks):
            pid = self._patterns.get(alt)
            if pid is None:
                pid = self._patterns[alt] = len(self._pattern_tokens) + 1
                self._pattern_tokens[pid] = alt
                self._by_first[alt[0]].add(pid)
            self._refs[pid].add((entry.qid, group))
            entry.labels.setdefault(pid, _said(label, alt))

    def _drop_entry(self, signature: tuple, entry: _Entry) -> None:
        del self._entries[signature]
        del self._qid_entry[entry.qid]
        for pid in entry.labels:
            refs = self._refs[pid]
            refs -= {r for r in refs if r[0] == entry.qid}
            if not refs:  # last user of this pattern: forget it
                del self._refs[pid]
                toks = self._pattern_tokens.pop(pid)
                del self._patterns[toks]
                self._by_first[toks[0]].discard(pid)
        index = self._by_place if entry.places else self._by_source
        for key in entry.places or entry.sources:
            if key in index:
                index[key].discard(entry.qid)
                if not index[key]:
                    del index[key]

    # --- matching ---------------------------------------------------------------------------

    def match(self, doc: Document) -> list[Match]:
        hits = self._hits(doc)
        satisfied: dict[int, int] = defaultdict(int)  # qid -> bitmask of groups satisfied
        vetoed: set[int] = set()
        for pid in hits:
            for qid, group in self._refs[pid]:
                if group == EXCLUDE:
                    vetoed.add(qid)
                else:
                    satisfied[qid] |= 1 << group
        within = self._doc_places(doc)
        candidates = {q for q, mask in satisfied.items() if mask == self._qid_entry[q].full}
        candidates.update(q for p in within for q in self._by_place.get(p, ()))
        for s in (doc.source_id, doc.agency):
            candidates.update(self._by_source.get(s, ()))
        shown: dict[tuple[str, str], Reason] = {}  # one Reason object per distinct text
        out: list[Match] = []
        for qid in candidates - vetoed:
            entry = self._qid_entry[qid]
            reasons = self._reasons(entry, doc, hits, within, shown)
            if reasons is not None:
                out += [Match(sid, sub, reasons) for sid, sub in entry.subs.items()]
        return out

    def _hits(self, doc: Document) -> dict[int, str]:
        """Pattern id -> where it first occurs ("title" or "text")."""
        found: dict[int, str] = {}
        for where, text in (("title", doc.title), ("text", doc.text)):
            toks = tokens(text)
            for i, tok in enumerate(toks):
                for pid in self._by_first.get(tok, ()):
                    if pid in found:
                        continue
                    pat = self._pattern_tokens[pid]
                    if len(pat) == 1 or tuple(toks[i:i + len(pat)]) == pat:
                        found[pid] = where
        return found

    def _doc_places(self, doc: Document) -> dict[str, str]:
        """Every place the document is within -> the tagged place that puts it there."""
        within: dict[str, str] = {}
        chains = [(tag, (tag.place_id, *self._containers(tag.place_id))) for tag in doc.places]
        # Most specific first, so the reason reads "Ventura County ⊂ California", not
        # "California", when the item names both.
        for tag, chain in sorted(chains, key=lambda c: -len(c[1])):
            for pid in chain:
                within.setdefault(pid, tag.name)
        return within

    def _reasons(self, entry: _Entry, doc: Document, hits: dict[int, str],
                 within: dict[str, str], shown: dict[tuple[str, str], Reason],
                 ) -> tuple[Reason, ...] | None:
        found: list[tuple[str, str]] = []
        if entry.places:
            place = next((p for p in entry.places if p in within), None)
            if place is None:
                return None
            tagged, asked = within[place], entry.place_names.get(place, self._place_name(place))
            found.append(("place", asked if tagged == asked else f"{tagged} ⊂ {asked}"))
        if entry.sources:
            if not entry.sources & {doc.source_id.lower(), doc.agency.lower()}:
                return None
            found.append(("source", f"from {doc.agency.upper() or doc.source_id}"))
        # A vetoed entry never gets here, so every label that hit is a wanted term.
        terms = [("term", f"{said} in {hits[pid]}") for pid, said in entry.labels.items()
                 if pid in hits]
        return tuple(shown.setdefault(r, Reason(*r)) for r in [*terms, *found])


def _said(label: str, pattern: tuple[str, ...]) -> str:
    """How a term hit is shown: '"detainer"', or '"ice hold" (as detainer)' via a synonym."""
    if tuple(tokens(label)) == pattern:
        return f'"{label}"'
    return f'"{" ".join(pattern)}" (as {label})'


def _signature(query: Query, place_ids: tuple[str, ...]) -> tuple:
    groups = tuple(sorted(tuple(sorted(t.tokens for t in g.terms)) for g in query.required))
    excluded = tuple(sorted(t.tokens for t in query.excluded))
    return (groups, excluded, tuple(sorted(place_ids)),
            tuple(sorted(s.lower() for s in query.sources)))
