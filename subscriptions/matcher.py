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
alternative is a token pattern (`patterns.Patterns`), all found in a document's tokens with
one set intersection. A query of one group is posted under that group's patterns; a query of
more is posted under pairs: each pattern of its pivot group with each of a second group (the
two likely to occur least), so a document reaches it only when both occur, and its further
groups and exclusions are checked against the document's hits. Postings are keyed by in:
place first, so each place a document is within costs one C-level intersection of its hits
with the postings there. Place-only and source-only queries are indexed by place and by
source. Adding or removing a subscription touches only its own postings: nothing is rebuilt.

Must not import bot.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from operator import attrgetter
from types import MappingProxyType
from typing import NamedTuple

from subscriptions.models import Document, Match, Reason
from subscriptions.patterns import Patterns
from subscriptions.query import Query, Term
from subscriptions.reasons import Reasons, said
from subscriptions.terms import Synonyms, tokens

Containers = Callable[[str], Iterable[str]]  # place id -> ids of every place containing it
_QID = attrgetter("qid")


@dataclass(eq=False, slots=True)  # hashed by identity: postings hold the entries
class _Entry:
    """One distinct query and the subscriptions that asked it."""

    qid: int  # the order queries were first indexed in, which results keep
    groups: tuple[frozenset[int], ...]  # per required OR-group: its pattern ids
    excluded: frozenset[int]  # pattern ids that veto
    places: frozenset[str]  # place ids (in:), ORed
    place_names: dict[str, str]  # place id -> the name the user wrote
    sources: frozenset[str]  # from: values, ORed
    labels: dict[int, str]  # pattern id -> how a hit shows: '"ice hold" (as detainer)'
    pivot: frozenset[int] = frozenset()  # the group whose patterns post this entry
    second: frozenset[int] = frozenset()  # with 2+ groups: the one paired with the pivot
    rest: tuple[frozenset[int], ...] = ()  # the other groups: checked on a candidate
    subs: dict[int, int] = field(default_factory=dict)  # subscription id -> subscriber id


class QueryMatch(NamedTuple):
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
        self._patterns = Patterns()
        # Keyed by place first (None: no in:), so that for each place of a document its
        # hits are intersected with the postings in C, instead of probed one by one.
        # place id -> pivot pattern id -> entries with one group
        self._post: dict[str | None, dict[int, set[_Entry]]] = {}
        # place id -> pivot pattern id -> second pattern id -> entries with more
        self._pairs: dict[str | None, dict[int, dict[int, set[_Entry]]]] = {}
        self._load: dict[int, int] = defaultdict(int)  # pattern id -> queries it is pivot of
        self._by_place: dict[str, set[_Entry]] = defaultdict(set)  # term-less queries by place
        self._by_source: dict[str, set[_Entry]] = defaultdict(set)  # term-less, place-less
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
            self._patterns.hold(pid)
        if groups:
            self._post_terms(entry, place_ids or (None,))
        else:
            for key in place_ids or entry.sources:
                (self._by_place if place_ids else self._by_source)[key].add(entry)
        self._entries[signature] = entry
        return entry

    def _patterns_of(self, term: Term, labels: dict[int, str]) -> list[int]:
        """The pattern ids of a term and its synonyms, created as needed."""
        out = []
        for alt in self._synonyms.alternatives(term.tokens):
            pid = self._patterns.intern(alt)
            labels.setdefault(pid, said(term.text, alt))
            out.append(pid)
        return out

    def _post_terms(self, entry: _Entry, keys: Iterable[str | None]) -> None:
        """Post the entry under ONE group (its pivot), and if it has more, paired with a
        second: a document then reaches it only when both occur. So a common word costs
        nothing for the queries that also need a rarer one, and a query of two common words
        is not checked on every item that has just one of them. The pivot and second are
        the groups likely to occur least: fewest alternatives, then the longest shortest
        pattern (long words and phrases are rarer), then the least posted so far."""
        groups = sorted(entry.groups, key=self._rarity)
        entry.pivot = groups[0]
        entry.second = groups[1] if len(groups) > 1 else frozenset()
        entry.rest = tuple(groups[2:])
        for pid in entry.pivot:
            self._load[pid] += 1
            for key in keys:
                if entry.second:
                    by_second = self._pairs.setdefault(key, {}).setdefault(pid, {})
                    for second in entry.second:
                        by_second.setdefault(second, set()).add(entry)
                else:
                    self._post.setdefault(key, {}).setdefault(pid, set()).add(entry)

    def _unpost_terms(self, entry: _Entry, keys: Iterable[str | None]) -> None:
        for pid in entry.pivot:
            self._load[pid] -= 1
            if not self._load[pid]:
                del self._load[pid]
            for key in keys:
                if entry.second:
                    for second in entry.second:
                        _discard(self._pairs[key][pid], second, entry)
                    _discard(self._pairs[key], pid)
                    _discard(self._pairs, key)
                else:
                    _discard(self._post[key], pid, entry)
                    _discard(self._post, key)

    def _rarity(self, group: frozenset[int]) -> tuple[int, int, int]:
        shortest = min(len(" ".join(self._patterns.tokens_of(p))) for p in group)
        return len(group), -shortest, sum(self._load.get(p, 0) for p in group)

    def _drop_entry(self, signature: tuple, entry: _Entry) -> None:
        del self._entries[signature]
        for pid in {*entry.labels, *entry.excluded}:
            self._patterns.release(pid)  # the last user forgets the pattern
        if entry.groups:
            self._unpost_terms(entry, entry.places or (None,))
        else:
            index = self._by_place if entry.places else self._by_source
            for key in entry.places or entry.sources:
                _discard(index, key, entry)

    # --- matching ---------------------------------------------------------------------------

    def match(self, doc: Document) -> list[Match]:
        """One Match per subscription that wants the document."""
        return [Match(sid, sub, qm.reasons)
                for qm in self.match_queries(doc) for sid, sub in qm.subscriptions.items()]

    def match_queries(self, doc: Document) -> list[QueryMatch]:
        """One QueryMatch per distinct query that wants the document (oldest query first):
        the index's work, independent of how many people share a query."""
        hits = self._patterns.find(tokens(doc.title), tokens(doc.text))
        hit = set(hits)  # a set, so isdisjoint walks the smaller side, not every hit
        within = self._doc_places(doc)
        origin = {doc.source_id.lower(), doc.agency.lower()}
        why = Reasons(doc, hits, within, self._place_name)
        out = []
        for entry in sorted(self._candidates(hits, within, doc), key=_QID):
            if ((entry.sources and entry.sources.isdisjoint(origin))
                    or (entry.excluded and not entry.excluded.isdisjoint(hit))
                    or (entry.rest and any(g.isdisjoint(hit) for g in entry.rest))):
                continue
            # A vetoed entry never gets here, so every label that hit is a wanted term.
            reasons = why.of(entry.labels, entry.places, entry.place_names, bool(entry.sources))
            if reasons is not None:
                out.append(QueryMatch(MappingProxyType(entry.subs), reasons))
        return out

    def _candidates(self, hits: Mapping[int, str], within: Mapping[str, str],
                    doc: Document) -> set[_Entry]:
        """The queries whose pivot occurs in the document and whose places contain it, and
        the term-less ones of its places and sources."""
        found: set[_Entry] = set()
        hit = hits.keys()
        for key in (None, *within):
            # dict views intersect in C, walking the smaller side: the document's hits
            singles = self._post.get(key)
            if singles:
                for pid in singles.keys() & hit:
                    found |= singles[pid]
            pairs = self._pairs.get(key)
            if pairs:
                for pid in pairs.keys() & hit:
                    by_second = pairs[pid]
                    for second in by_second.keys() & hit:
                        found |= by_second[second]
        for p in within:
            found.update(self._by_place.get(p, ()))
        for s in (doc.source_id, doc.agency):
            found.update(self._by_source.get(s, ()))
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


def _signature(query: Query, place_ids: tuple[str, ...]) -> tuple:
    groups = tuple(sorted(tuple(sorted(t.tokens for t in g.terms)) for g in query.required))
    excluded = tuple(sorted(t.tokens for t in query.excluded))
    return (groups, excluded, tuple(sorted(place_ids)),
            tuple(sorted(s.lower() for s in query.sources)))


def _discard(index: dict, key: object, entry: _Entry | None = None) -> None:
    """Take entry (if given) out of the set index[key], and the key out of the index once
    what it holds is empty."""
    held = index.get(key)
    if held is None:
        return
    if entry is not None:
        held.discard(entry)
    if not held:
        del index[key]
