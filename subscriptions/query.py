"""query: the subscription query language, parsed into a `Query` (an AST), with clear errors.

Grammar (items are separated by white space; OR binds tighter than the implicit AND)::

    query     = { group | exclusion | filter }
    group     = term { OR term }                 detainer OR "ICE hold"
    term      = word | phrase                    detainer   "immigration detainer"
    exclusion = "-" ( word | phrase )            -football  -"ice hockey"
    filter    = ( "in:" | "from:" ) ( word | phrase )   in:California  in:"Los Angeles County"
    OR        = the word OR in capitals, or "|"  (lower-case "or" is an ordinary word)
    phrase    = '"' text '"'                     also “…”, „…“ and «…» from phone keyboards
    word      = non-space characters except quotes, "|" and parentheses

Semantics. A document matches when every group has a matching term, no exclusion matches,
its place is within one of the in: places (if any; the caller's gazetteer decides "within")
and its source id or agency is one of the from: values (if any). A term matches where its
tokens (`terms.tokens`: case, accents, plurals, punctuation, thousands separators folded) occur
as a contiguous run in the document's: whole words only ("ice" never matches "police"), and a
word that splits into tokens (I-247A, sanctuary-city) is matched like a phrase. Synonyms widen
whole terms, excluded ones too. Filter keys are case-insensitive; another `word:` (at:) is an
error, and quoting it searches for it. Filters alone (in:California) match everything there.

Pure code, no I/O. Must not import `bot`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from .terms import Synonyms, tokens


@dataclass(frozen=True)
class Term:
    text: str  # as written, without quotes or the leading "-"
    tokens: tuple[str, ...]
    phrase: bool  # written in quotes
    position: int  # of its first character: the opening quote of a phrase, after any "-"


@dataclass(frozen=True)
class AnyOf:
    terms: tuple[Term, ...]  # an OR group; one term when there is no OR


@dataclass(frozen=True)
class Query:
    source_text: str
    required: tuple[AnyOf, ...]  # all must match
    excluded: tuple[Term, ...]  # none may match
    places: tuple[str, ...]  # in: values, canonical when a resolver was given; ORed
    sources: tuple[str, ...]  # from: values, lower-case; ORed


class QueryError(ValueError):
    """A query the user must fix: `message`, `position` (a 0-based character index in the
    query, None when the whole query is at fault) and `hint`. str() reads
    'unclosed quote at 14 — add a closing " after the phrase'."""

    def __init__(self, message: str, position: int | None = None, hint: str | None = None):
        super().__init__(message, position, hint)
        self.message, self.position, self.hint = message, position, hint

    def __str__(self) -> str:
        where = "" if self.position is None else f" at {self.position}"
        return f"{self.message}{where}" + (f" — {self.hint}" if self.hint else "")


@dataclass(frozen=True)
class Limits:
    max_length: int = 300
    max_terms: int = 20  # terms and exclusions, each OR alternative counted
    max_subscriptions: int = 50

    def __post_init__(self) -> None:
        if min(self.max_length, self.max_terms, self.max_subscriptions) < 1:
            raise ValueError(f"limits must be at least 1: {self}")


_QUOTES = frozenset('"\u201c\u201d\u201e\u201f\u00ab\u00bb\uff02')
_QUOTE = re.compile(f"[{''.join(_QUOTES)}]")
_DASHES = frozenset("-\u2212\u2013\u2014")  # phones turn "-" into a minus or a dash
_KEY = re.compile(r"([^\W\d_]+):")
_stops_word = re.compile(r"[\s|]").match  # "|" is OR even without spaces: a|b
_FILTER_HINTS = {
    "in": 'name a place, e.g. in:California or in:"Los Angeles County"',
    "from": "name a source or agency, e.g. from:ice (/sources lists them)",
}
_FILTERS_ARE = "filters are in: (a place) and from: (a source); to search for the text, quote it"
_OR_HINT = 'put a term on each side, e.g. detainer OR "ICE hold"'
_EXCLUDE = "write -word to leave out items that mention it, e.g. -football"
_ALNUM = "use letters or numbers"
_EXAMPLE = "e.g. detainer in:California"
_OR_FIRST = "OR binds first: a OR b c means (a OR b) c"


@dataclass(frozen=True)
class _Item:
    kind: str  # "term", "exclude", "in", "from" or "or"
    position: int  # where the item starts (its "-" or key included)
    value: str  # without quotes, "-" or key
    value_position: int
    phrase: bool = False


def _read_value(text: str, i: int) -> tuple[str, bool, int]:
    """The phrase or word starting at i: (text without quotes, is a phrase, end index)."""
    j = i
    if text[i] in _QUOTES:
        if (closing := _QUOTE.search(text, i + 1)) is None:
            raise QueryError("unclosed quote", i, 'add a closing " after the phrase')
        j = closing.start()
        if not text[i + 1 : j].strip():
            raise QueryError("empty quotes", i, 'put words between them, e.g. "ICE hold"')
        if j + 1 < len(text) and not _stops_word(text[j + 1]):
            raise QueryError("no space after the closing quote", j, "add a space after it")
        return text[i + 1 : j], True, j + 1
    while j < len(text) and not _stops_word(text[j]):
        if text[j] in _QUOTES:
            raise QueryError("stray quote", j, 'quotes go around a phrase, e.g. "ICE hold"')
        if text[j] in "()":
            raise QueryError("parentheses are not supported", j, _OR_FIRST)
        j += 1
    return text[i:j], False, j


def _lex_item(text: str, i: int) -> tuple[_Item, int]:
    """The item starting at the non-space character i, and the index after it."""
    start, kind = i, "term"
    if text[i] == "|":
        return _Item("or", i, "|", i), i + 1
    if text[i] in _DASHES:
        kind, i = "exclude", i + 1
        if i == len(text) or _stops_word(text[i]):
            raise QueryError(f"nothing to exclude after '{text[start]}'", start, _EXCLUDE)
    key = _KEY.match(text, i)
    if key:
        name = key.group(1).casefold()
        if name not in _FILTER_HINTS:
            close = difflib.get_close_matches(name, _FILTER_HINTS, n=1, cutoff=0.5)
            hint = f'did you mean "{close[0]}:"?' if close else _FILTERS_ARE
            raise QueryError(f'unknown filter "{key.group(1)}:"', i, hint)
        if kind == "exclude":
            raise QueryError(f"{name}: cannot be excluded", start, _EXCLUDE)
        kind, i = name, key.end()
        if i == len(text) or _stops_word(text[i]):
            raise QueryError(f"{name}: needs a value", start, _FILTER_HINTS[name])
    value, phrase, end = _read_value(text, i)
    if kind == "term" and value == "OR" and not phrase:
        kind = "or"
    return _Item(kind, start, value, i, phrase), end


def _lex(text: str) -> list[_Item]:
    items: list[_Item] = []
    i = 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        item, i = _lex_item(text, i)
        items.append(item)
    return items


def _check_or(items: list[_Item], k: int) -> None:
    """An OR needs a term on each side; in:/from: and exclusions cannot be ORed."""
    at = items[k].position
    for side, neighbour in (("before", k - 1), ("after", k + 1)):
        other = items[neighbour] if 0 <= neighbour < len(items) else None
        if other is None or other.kind == "or":
            raise QueryError(f"OR has no term {side} it", at, _OR_HINT)
        if other.kind == "exclude":
            raise QueryError("OR joins terms, not exclusions", at, "write -a -b to exclude both")
        if other.kind != "term":
            raise QueryError(f"OR joins terms, not {other.kind}: filters", at,
                             f"several {other.kind}: already mean either")


def _term(item: _Item) -> Term:
    found = tuple(tokens(item.value))
    if not found:
        written = f'"{item.value}"' if item.phrase else item.value
        raise QueryError(f"nothing to match in '{written}'", item.value_position, _ALNUM)
    return Term(item.value, found, item.phrase, item.value_position)


def _filter_value(item: _Item) -> str:
    # "in:Fresno, in:Kern": a word's trailing punctuation is not part of the name.
    value = item.value.strip() if item.phrase else item.value.rstrip(".,;")
    if not value:
        raise QueryError(f"{item.kind}: needs a value", item.position, _FILTER_HINTS[item.kind])
    return value


def _place(item: _Item, resolve: Callable[[str], str] | None) -> str:
    name = _filter_value(item)
    if resolve is None:
        return name
    try:
        return resolve(name)
    except LookupError as exc:
        # The gazetteer writes 'unknown place "X" — did you mean "Y"?': keep its hint apart.
        said = "" if isinstance(exc, KeyError) else str(exc)
        message, _, hint = said.partition(" — ")
        raise QueryError(message or f'unknown place "{name}"', item.value_position,
                         hint or None) from exc


def _source(item: _Item, known: Collection[str] | None) -> str:
    value = _filter_value(item).casefold()
    names = {k.casefold() for k in known} if known is not None else set()
    if known is None or value in names:
        return value
    close = difflib.get_close_matches(value, sorted(names), n=1, cutoff=0.6)
    hint = f'did you mean "{close[0]}"?' if close else "/sources lists them"
    raise QueryError(f'unknown source "{value}"', item.value_position, hint)


def parse_query(text: str, *, limits: Limits = Limits(),
                resolve_place: Callable[[str], str] | None = None,
                known_sources: Collection[str] | None = None) -> Query:
    """Parse a query (grammar in the module docstring) or raise QueryError.

    `resolve_place(name)` returns a canonical place name or raises LookupError whose str() is
    the user message; `known_sources` (source ids and agencies) makes other from: values errors.
    Without them in:/from: values are kept as written (from: lower-cased)."""
    if len(text) > limits.max_length:
        raise QueryError(f"query is too long ({len(text)} characters; the most is "
                         f"{limits.max_length})", None, "shorten it or split it in two")
    items = _lex(text)
    groups: list[list[Term]] = []
    excluded: list[Term] = []
    places: dict[str, None] = {}  # dicts: ordered sets, a repeated in:/from: is kept once
    sources: dict[str, None] = {}
    for k, item in enumerate(items):
        if item.kind == "or":
            _check_or(items, k)
        elif item.kind in ("term", "exclude"):
            if len(excluded) + sum(map(len, groups)) == limits.max_terms:
                raise QueryError(f"too many terms (the most is {limits.max_terms})",
                                 item.position, "split the query into several subscriptions")
            if item.kind == "exclude":
                excluded.append(_term(item))
            elif k and items[k - 1].kind == "or":
                groups[-1].append(_term(item))
            else:
                groups.append([_term(item)])
        elif item.kind == "in":
            places.setdefault(_place(item, resolve_place))
        else:
            sources.setdefault(_source(item, known_sources))
    if not (groups or places or sources) and excluded:
        raise QueryError("only exclusions", None, 'add a term to match, e.g. "detainer -football"')
    if not (groups or places or sources):
        raise QueryError("a query needs at least one term or in:/from:", None, _EXAMPLE)
    return Query(text, tuple(AnyOf(tuple(g)) for g in groups), tuple(excluded),
                 tuple(places), tuple(sources))


def check_quota(existing: int, limits: Limits = Limits()) -> None:
    """Raise QueryError when a subscriber with `existing` subscriptions may not add one."""
    if existing >= limits.max_subscriptions:
        raise QueryError(f"you have {existing} subscriptions, the most allowed is "
                         f"{limits.max_subscriptions}", None, "/unsubscribe one first")


def also_matching(query: Query, synonyms: Synonyms) -> tuple[tuple[Term, tuple[str, ...]], ...]:
    """Each term (required, then excluded) that synonyms widen, with what else it matches."""
    terms = [*(t for group in query.required for t in group.terms), *query.excluded]
    return tuple((t, alts) for t in terms if (alts := synonyms.also_matching(t.tokens)))


def _shown(terms: tuple[Term, ...], synonyms: Synonyms, label: str) -> str:
    """Terms joined by "or", then their synonyms not already written, once each."""
    text = " or ".join(f'"{t.text}"' if t.phrase else t.text for t in terms)
    written = {t.tokens for t in terms}
    extra = dict.fromkeys(alt for t in terms for alt in synonyms.also_matching(t.tokens)
                          if tuple(tokens(alt)) not in written)
    return f"{text} ({label}: {', '.join(extra)})" if extra else text


def describe(query: Query, synonyms: Synonyms, *,
             source_names: Mapping[str, str] | None = None) -> str:
    """One line for confirmations: 'detainer (also matching: ICE hold, …) · in California ·
    from ICE'. `source_names` maps from: values to names; else 2-3 letters show as ICE."""
    parts = [_shown(g.terms, synonyms, "also matching") for g in query.required] or ["everything"]
    parts += ["not " + _shown((t,), synonyms, "also excluding") for t in query.excluded]
    if query.places:
        parts.append("in " + " or ".join(query.places))
    if query.sources:
        names = source_names or {}
        shown = (names.get(s, s.upper() if len(s) <= 3 else s) for s in query.sources)
        parts.append("from " + " or ".join(shown))
    return " · ".join(parts)
