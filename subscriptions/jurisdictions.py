"""Jurisdictions: which places a government news item is about, and why.

`tag(title, text, source_jurisdiction=..., gazetteer=...)` finds every known place name in the
title and text (one automaton pass, see placenames.py), keeps the ones that mean a place here,
picks one place per mention, and returns one Tag per place with the words that matched.

What a mention must pass (the reviewed word lists live in data/places.toml [context]):
- whole words, written with the name's capitals: "orange" and "oranges" are not Orange;
- the longest name wins: "West Virginia" is not Virginia, "Ventura County" not Ventura;
- not a field office: "ICE Los Angeles", "HSI San Francisco", "ICE Homeland Security
  Investigations El Paso", "the Los Angeles field office" name who acted, not where. So the
  "5 of 37 fugitives ... ICE El Paso investigation" item tags nothing beyond its source (the
  country, for a federal source): the office's city says nothing of where the news happened;
- not a person: a one-word city right after a capitalised word ("Todd Lyons", "Felipe Bahamon
  Martinez") is a surname, and so is every other bare use of that word in the document; right
  before one ("Tracy Morgan") it is a first name. Not after place modifiers ("East Oakland") or
  sentence openers ("In Anaheim"), and not in Headline Case titles, where all words have capitals;
- an institution keeps its whole name as the reason: "Ventura County Jail" -> Ventura County;
- not a dateline: "WASHINGTON –" opening a paragraph is where the release was written;
- everyday words and foreign namesakes ("Orange", "Commerce", "Homeland", "Venice") count only
  mid-sentence, not followed by another capitalised word ("Homeland Security"), and when the
  document names their state; so do small towns outside the home states ("Martinsburg").

Choosing among namesakes: a place in a state the document (or its source) names for certain,
then the larger kind (the state "Washington" over the city), then the larger population
("El Paso" is Texas; "Charleston" is South Carolina unless West Virginia is named).

The source's own jurisdiction ("California"; "federal" = the United States) is added, with
where="source", only when nothing tagged lies within it. States are never read from postal
codes ("de" in "Cartel de Jalisco" is not Delaware).

Pure and fast (~0.1-0.3 ms for a feed item). Must not import `bot`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from subscriptions.gazetteer import Gazetteer, Place, UnknownPlace, load_gazetteer
from subscriptions.placenames import Context, Surface, scan_form

__all__ = ["Gazetteer", "Place", "Tag", "UnknownPlace", "load_gazetteer", "tag"]

_PREV_WORD = re.compile(r"([^\W\d_][\w'’.-]*) $")
_NEXT_WORD = re.compile(r" ([^\W\d_][\w'’-]*)")
_LONG_WORD = re.compile(r"[^\W\d_]{4,}")
_SENTENCE_END = set(".!?:;\"“”'‘’([{—–•|")


@dataclass(frozen=True)
class Tag:
    place: Place
    matched: str  # the exact text matched: "Anaheim", "Ventura County Jail"
    where: str  # "title" | "text" | "source"
    start: int  # offset in that field; -1 for "source"


@dataclass(frozen=True)
class _Mention:
    where: str
    start: int
    matched: str
    surfaces: tuple[Surface, ...]
    person: bool = False  # rejected as a person's name: other bare uses of it go too


def tag(
    title: str, text: str, *, source_jurisdiction: str | None, gazetteer: Gazetteer
) -> tuple[Tag, ...]:
    """Places the item is about, title first, one Tag per place (its first mention).

    Raises UnknownPlace only for a `source_jurisdiction` the gazetteer does not know: that is
    configuration, and check-config should have refused it.
    """
    source = gazetteer.resolve(source_jurisdiction) if source_jurisdiction else None
    mentions = [*_mentions("title", title, gazetteer), *_mentions("text", text, gazetteer)]
    people = {m.matched for m in mentions if m.person}
    mentions = [m for m in mentions if not m.person and not _bare(m, people)]
    evidence = _certain_states(mentions, gazetteer)
    if source is not None:
        evidence |= gazetteer.states_of(source.id)
    tags: dict[str, Tag] = {}
    for m in mentions:
        place = _choose(m.surfaces, evidence, gazetteer)
        if place is not None and place.id not in tags:
            tags[place.id] = Tag(place, m.matched, m.where, m.start)
    found = list(tags.values())
    if source is not None and not any(gazetteer.within(t.place.id, source.id) for t in found):
        found.append(Tag(source, source_jurisdiction or "", "source", -1))
    return tuple(found)


def _bare(m: _Mention, people: set[str]) -> bool:
    return m.matched in people and all(s.single and s.kind == "city" for s in m.surfaces)


def _mentions(where: str, field: str, gaz: Gazetteer) -> list[_Mention]:
    """Accepted mentions in one field, leftmost-longest, context rules applied."""
    spans = []
    for start, end, surfaces in gaz.surfaces_at(scan_form(field)):
        if _boundary(field, start, end):
            written = field[start:end]
            fitting = tuple(s for s in surfaces if s.capitals_match(written))
            if fitting:
                spans.append((start, end, fitting))
    spans.sort(key=lambda s: (s[0], -s[1]))
    # Headline Case gives every word capitals: there they say nothing about names
    titled = where == "title" and _title_case(field)
    out, taken_to = [], 0
    for start, end, surfaces in spans:
        if start < taken_to:
            continue  # inside a longer name already taken ("Virginia" in "West Virginia")
        taken_to = end
        if where == "text" and _dateline(field, start, end):
            continue
        mention = _in_context(where, field, (start, end), surfaces, gaz.context, titled)
        if mention is not None:
            out.append(mention)
    return out


_DATELINE_END = re.compile(r"\s*(,\s*[A-Z][A-Za-z.]*\s*)?[–—-]")


def _dateline(field: str, start: int, end: int) -> bool:
    """"WASHINGTON –" or "SACRAMENTO, Calif. —" opening a paragraph says where the agency
    wrote the release, not where the news happened."""
    opens = start == 0 or field[:start].endswith("\n")
    written = field[start:end]
    return opens and written.isupper() and bool(_DATELINE_END.match(field, end))


def _in_context(
    where: str, field: str, span: tuple[int, int], surfaces: tuple[Surface, ...],
    ctx: Context, titled: bool,
) -> _Mention | None:
    """The mention at `span` with the readings its context allows, or None."""
    start, end = span
    if _field_office(field, start, end, ctx):
        return None
    extended = _institution_end(field, end, ctx)
    if extended != end:  # "Ventura County Jail": an institution of the place, beyond doubt
        plain = tuple(_certain(s) for s in surfaces)
        return _Mention(where, start, field[start:extended], plain)
    matched = field[start:end]
    prev_name = not titled and _name_before(field, start, ctx)
    next_name = not titled and _name_after(field, end, ctx)
    kept = tuple(
        s for s in surfaces
        if not (s.single and s.kind == "city" and (prev_name or next_name))
        and not (s.single and s.kind == "state" and prev_name)
        and not (s.weak and (_sentence_start(field, start) or _capitalised_after(field, end)))
    )
    if not kept:
        person = prev_name and any(s.single for s in surfaces)
        return _Mention(where, start, matched, surfaces, person=True) if person else None
    return _Mention(where, start, matched, kept)


def _certain(s: Surface) -> Surface:
    return Surface(s.form, s.place_id, s.kind, s.single, weak=False, needs_state=False)


def _choose(surfaces: tuple[Surface, ...], evidence: set[str], gaz: Gazetteer) -> Place | None:
    """The place a mention means: only weak names need evidence; evidence first, then kind
    (state > region > county > city), then population."""
    eligible = [
        s.place_id for s in surfaces
        if not (s.weak or s.needs_state) or gaz.states_of(s.place_id) & evidence
    ]
    if not eligible:
        return None
    best = min(eligible, key=lambda pid: (not gaz.states_of(pid) & evidence, *gaz.rank(pid)))
    return gaz.places[best]


def _certain_states(mentions: list[_Mention], gaz: Gazetteer) -> set[str]:
    """States the document names beyond doubt: mentions whose every reading is in one state."""
    states: set[str] = set()
    for m in mentions:
        if any(s.weak or s.needs_state for s in m.surfaces):
            continue
        found = {gaz.states_of(s.place_id) for s in m.surfaces}
        if len(found) == 1:
            states |= found.pop()
    return states


def _boundary(field: str, start: int, end: int) -> bool:
    return (start == 0 or not field[start - 1].isalnum()) and (
        end == len(field) or not field[end].isalnum()
    )


def _field_office(field: str, start: int, end: int, ctx: Context) -> bool:
    if ctx.office_after.match(field, end):
        return True
    last_word = field[field.rfind(" ", 0, start - 1) + 1:start - 1]
    return (last_word in ctx.office_tails and field[start - 1] == " "
            and bool(ctx.office_before.search(field, max(0, start - 48), start)))


def _institution_end(field: str, end: int, ctx: Context) -> int:
    m = ctx.institution.match(field, end)
    return m.end() if m else end


def _name_before(field: str, start: int, ctx: Context) -> bool:
    """Is the word just before a capitalised name-like word ("Todd" in "Todd Lyons")?"""
    m = _PREV_WORD.search(field, max(0, start - 40), start)
    if m is None:
        return False
    word = m.group(1)
    if word.endswith(("'s", "’s", ".")) or word in ctx.place_modifiers or word in ctx.openers:
        return False  # "Newsom's California", "Gov. Newsom", "East Oakland", "In Anaheim"
    return _capitalised(word)


def _name_after(field: str, end: int, ctx: Context) -> bool:
    m = _NEXT_WORD.match(field, end)
    return m is not None and _capitalised(m.group(1)) and m.group(1) not in ctx.followers


def _capitalised_after(field: str, end: int) -> bool:
    m = _NEXT_WORD.match(field, end)
    return m is not None and m.group(1)[0].isupper()


def _capitalised(word: str) -> bool:
    return word[0].isupper() and word[1:2].islower()


def _sentence_start(field: str, start: int) -> bool:
    i = start - 1
    while i >= 0 and field[i].isspace():
        if field[i] == "\n":
            return True  # a new line or paragraph starts a sentence
        i -= 1
    return i < 0 or field[i] in _SENTENCE_END


def _title_case(field: str) -> bool:
    """Headline Case (or ALL CAPS): capitals say nothing about names there."""
    words = _LONG_WORD.findall(field)
    return len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.75 * len(words)

