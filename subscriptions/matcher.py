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
once (a thousand people asking for "detainer in:California" are one entry). Every term
alternative is a token pattern, found in the document through a dict keyed by its first
token. A query is posted under the patterns of ONE of its groups (its pivot: the least-posted
when it was added) and under its in: places, so a document only looks at queries whose pivot
term occurs in it and whose places contain it; the other groups and the exclusions are then
checked against the document's hits. Place-only and source-only queries are indexed by place
and by source. Adding or removing a subscription touches only its own postings: nothing is
rebuilt.

Must not import bot.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from subscriptions.models import Document, Match, Reason
from subscriptions.query import Query, Term
from subscriptions.terms import Synonyms, tokens

Containers = Callable[[str], Iterable[str]]  # place id -> ids of every place containing it
EXCLUDE = -1


@dataclass
class _Entry:
    """One distinct query and the subscriptions that asked it."""

    qid: int
    groups: tuple[frozenset[int], ...]  # per required OR-group: its pattern ids
    excluded: frozenset[int]  # pattern ids that veto
    places: frozenset[str]  # place ids (in:), ORed
    place_names: dict[str, str]  # place id -> the name the user wrote
    sources: frozenset[str]  # from: values, ORed
    labels: dict[int, str]  # pattern id -> how a hit shows: '"ice hold" (as detainer)'
    pivot: frozenset[int] = frozenset()  # the group whose patterns post this entry
    subs: dict[int, int] = field(default_factory=dict)  # subscription id -> subscriber id


@dataclass(frozen=True)
class QueryMatch:
    """A distinct query that wants the document: everyone who asked it, and why."""

    # subscription id -> subscriber id. A live read-only view (copying the list of a query
    # twenty thousand people share would cost more than the whole match): read it before
    # the index changes again.
    subscriptions: Mapping[int, int]
    reasons: tuple[Reason, ...]


class Matcher:
    def __init__(self, synonyms: Synonyms, containers: Containers,
                 place_name: Callable[[str], str]) -> None:
        self._synonyms = synonyms
        self._containers = containers
        self._place_name = place_name
        self._entries: dict[tuple, _Entry] = {}  # signature -> entry
        self._by_sub: dict[int, tuple] = {}  # subscription id -> signature
        self._qid_entry: dict[int, _Entry] = {}
        self._patterns: dict[tuple[str, ...], int] = {}  # token sequence -> pattern id
        self._pattern_tokens: dict[int, tuple[str, ...]] = {}
        self._users: dict[int, int] = defaultdict(int)  # pattern id -> entries using it
        self._by_first: dict[str, set[int]] = defaultdict(set)
        # pattern id -> place id (None: no in:) -> qids whose pivot group has the pattern
        self._post: dict[int, dict[str | None, set[int]]] = {}
        self._by_place: dict[str, set[int]] = defaultdict(set)  # term-less queries by place
        self._by_source: dict[str, set[int]] = defaultdict(set)  # term-less, place-less
        self._next_qid = self._next_pid = 0

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
        labels: dict[int, str] = {}
        groups = tuple(frozenset(pid for t in g.terms for pid in self._patterns_of(t, labels))
                       for g in query.required)
        excluded = frozenset(pid for t in query.excluded for pid in self._patterns_of(t, {}))
        entry = _Entry(
            qid=self._next_qid, groups=groups, excluded=excluded, places=frozenset(place_ids),
            place_names=dict(zip(place_ids, query.places, strict=False)),
            sources=frozenset(s.lower() for s in query.sources), labels=labels,
        )
        for pid in {*labels, *excluded}:
            self._users[pid] += 1
        if groups:
            # Post the entry under ONE group only and verify the others on a hit, so a
            # common word costs nothing for the queries that also need a rarer one. The
            # pivot is the group likely to occur least: fewest alternatives, then the
            # longest shortest pattern (long words and phrases are rarer), then the least
            # posted so far.
            entry.pivot = min(groups, key=self._rarity)
            for pid in entry.pivot:
                for key in place_ids or (None,):
                    self._post.setdefault(pid, {}).setdefault(key, set()).add(entry.qid)
        else:
            for key in place_ids or entry.sources:
                (self._by_place if place_ids else self._by_source)[key].add(entry.qid)
        self._entries[signature] = entry
        self._qid_entry[entry.qid] = entry
        return entry

    def _patterns_of(self, term: Term, labels: dict[int, str]) -> list[int]:
        """The pattern ids of a term and its synonyms, created as needed."""
        out = []
        for alt in self._synonyms.alternatives(term.tokens):
            pid = self._patterns.get(alt)
            if pid is None:
                self._next_pid += 1
                pid = self._patterns[alt] = self._next_pid
                self._pattern_tokens[pid] = alt
                self._by_first[alt[0]].add(pid)
            labels.setdefault(pid, _said(term.text, alt))
            out.append(pid)
        return out

    def _rarity(self, group: frozenset[int]) -> tuple[int, int, int]:
        shortest = min(len(" ".join(self._pattern_tokens[p])) for p in group)
        return len(group), -shortest, sum(self._posted(p) for p in group)

    def _posted(self, pid: int) -> int:
        return sum(len(qids) for qids in self._post.get(pid, {}).values())

    def _drop_entry(self, signature: tuple, entry: _Entry) -> None:
        del self._entries[signature]
        del self._qid_entry[entry.qid]
        for pid in entry.pivot:
            for key in entry.places or (None,):
                self._post[pid][key].discard(entry.qid)
                if not self._post[pid][key]:
                    del self._post[pid][key]
            if not self._post[pid]:
                del self._post[pid]
        for pid in {*entry.labels, *entry.excluded}:
            self._users[pid] -= 1
            if not self._users[pid]:  # last user of this pattern: forget it
                del self._users[pid]
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
        """One Match per subscription that wants the document."""
        return [Match(sid, sub, qm.reasons)
                for qm in self.match_queries(doc) for sid, sub in qm.subscriptions.items()]

    def match_queries(self, doc: Document) -> list[QueryMatch]:
        """One QueryMatch per distinct query that wants the document: the index's work,
        independent of how many people share a query."""
        hits = self._hits(doc)
        hit = set(hits)  # a set, so isdisjoint walks the smaller side, not every hit
        within = self._doc_places(doc)
        keys: list[str | None] = [None, *within]
        candidates: set[int] = set()
        for pid in hits:
            posted = self._post.get(pid)
            if posted:
                for key in keys:
                    candidates.update(posted.get(key, ()))
        for p in within:
            candidates.update(self._by_place.get(p, ()))
        for s in (doc.source_id, doc.agency):
            candidates.update(self._by_source.get(s, ()))
        shown: dict[tuple[str, str], Reason] = {}  # one Reason object per distinct text
        origin = {doc.source_id.lower(), doc.agency.lower()}
        out = []
        for qid in candidates:
            entry = self._qid_entry[qid]
            if entry.sources and entry.sources.isdisjoint(origin):
                continue
            if entry.excluded.isdisjoint(hit) and all(not g.isdisjoint(hit)
                                                      for g in entry.groups):
                reasons = self._reasons(entry, doc, hits, within, shown)
                if reasons is not None:
                    out.append(QueryMatch(MappingProxyType(entry.subs), reasons))
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
        if entry.sources:  # match_queries checked that one fits
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
