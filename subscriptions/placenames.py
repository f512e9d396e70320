"""How places are written in text: surface forms, their caveats, and the automaton finding them.

One Aho-Corasick automaton (pyahocorasick) over every place name and alias, lower-cased, finds
all candidates in one pass over a document; the tagger (jurisdictions.py) then checks word
boundaries, capitals and context. Each surface carries what the tagger must know about it:
is it one word (could be a surname), an everyday word or a foreign city's name ("Orange",
"Venice": `weak`), or a small town outside the home states (`needs_state`)?

Built once inside the Gazetteer. Must not import `bot`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import ahocorasick

if TYPE_CHECKING:
    from subscriptions.gazetteer import Gazetteer

# one character for one character, so offsets in the scanned copy are offsets in the original
_SAME_LENGTH = str.maketrans({
    "\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00a0": " ", "\u2009": " ", "\u202f": " ",
    "\t": " ", "\n": " ", "\r": " ", "\f": " ", "\v": " ",
})


def scan_form(text: str) -> str:
    """Lower-cased, with curly quotes and odd spaces made plain, and exactly as long as `text`."""
    plain = text.translate(_SAME_LENGTH)
    lower = plain.lower()
    if len(lower) == len(plain):
        return lower
    # a few characters grow when lower-cased ("İ" -> "i̇"): keep those as they are
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in plain)


@dataclass(frozen=True)
class Surface:
    """One way a place is written: "Orange County", "L.A.", "Anaheim"."""

    form: str
    place_id: str
    kind: str
    single: bool  # one word: in prose it may be a person's name ("Todd Lyons")
    weak: bool  # everyday word or foreign namesake: needs its state named, and more
    needs_state: bool  # small town outside the home states: needs its state named

    def capitals_match(self, written: str) -> bool:
        """Written with capitals wherever the name has them ("orange county" is not a place)."""
        if written == self.form:
            return True
        return all(w.isupper() for f, w in zip(self.form, written, strict=True) if f.isupper())


def _either(words: Iterable[str]) -> str:
    # longest first, so "Sheriff's Office" is tried before "Sheriff"
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) or "(?!)"


@dataclass(frozen=True)
class Context:
    """The words around a name that change its meaning (places.toml [context]), compiled."""

    office_before: re.Pattern[str] = re.compile("(?!)")  # "ICE " right before the name
    office_tails: frozenset[str] = frozenset()  # their last words: a cheap test before the regex
    office_after: re.Pattern[str] = re.compile("(?!)")  # " field office" right after it
    institution: re.Pattern[str] = re.compile("(?!)")  # " Jail", " Sheriff's Office"
    place_modifiers: frozenset[str] = frozenset()
    openers: frozenset[str] = frozenset()
    followers: frozenset[str] = frozenset()
    common_words: frozenset[str] = frozenset()

    @classmethod
    def from_toml(cls, reviewed: dict) -> Context:
        ctx = reviewed.get("context", {})
        return cls(
            office_before=re.compile(rf"(?<!\w)(?:{_either(ctx.get('office_before', ()))}) $"),
            office_tails=frozenset(o.split()[-1] for o in ctx.get("office_before", ())),
            office_after=re.compile(rf" (?:{_either(ctx.get('office_after', ()))})(?!\w)"),
            institution=re.compile(rf" (?:{_either(ctx.get('institutions', ()))})(?!\w)"),
            place_modifiers=frozenset(ctx.get("place_modifiers", ())),
            openers=frozenset(ctx.get("openers", ())),
            followers=frozenset(ctx.get("followers", ())),
            common_words=frozenset(ctx.get("common_words", ())),
        )


class NameIndex:
    """Finds every surface form in a scanned text; boundaries are the caller's to check."""

    def __init__(self, automaton: ahocorasick.Automaton | None) -> None:
        self._automaton = automaton

    @classmethod
    def empty(cls) -> NameIndex:
        return cls(None)

    def find(self, scan: str) -> Iterator[tuple[int, int, tuple[Surface, ...]]]:
        if self._automaton is None or not scan:
            return
        for last, (length, surfaces) in self._automaton.iter(scan):
            yield last + 1 - length, last + 1, surfaces


def _forms(name: str, kind: str) -> list[str]:
    forms = [name]
    ascii_ = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    if ascii_ != name and ascii_.strip():
        forms.append(ascii_)  # "La Canada Flintridge" as often as "La Cañada Flintridge"
    if kind == "county" and name.endswith(" County"):
        forms.append("County of " + name.removesuffix(" County"))
    return forms


def build_index(gaz: Gazetteer, reviewed: dict, foreign: set[str]) -> NameIndex:
    """The automaton over every place's names and aliases (the country is never tagged)."""
    settings = reviewed.get("settings", {})
    home = frozenset(f"us-{s.lower()}" for s in settings.get("home_states", ()))
    small = int(settings.get("small_city_population", 0))
    home_small = int(settings.get("home_small_city_population", 0))
    common = gaz.context.common_words
    by_key: dict[str, list[Surface]] = {}

    def add(form: str, place_id: str, *, reviewed_alias: bool) -> None:
        place = gaz.places[place_id]
        if place.kind == "country":
            return  # every federal release says "U.S.": the country comes from the source
        weak = not reviewed_alias and (place.name in common or place_id in foreign)
        if not reviewed_alias and place.kind == "city":
            at_home = gaz.states_of(place_id) & home
            needs_state = gaz.population.get(place_id, 0) < (home_small if at_home else small)
        else:
            needs_state = False
        single = " " not in form and "-" not in form and "." not in form
        surface = Surface(form, place_id, place.kind, single, weak, needs_state)
        by_key.setdefault(scan_form(form), []).append(surface)

    for place in gaz.places.values():
        if place.kind != "region":
            for form in _forms(place.name, place.kind):
                add(form, place.id, reviewed_alias=False)
    for group in (*reviewed.get("alias", ()), *reviewed.get("region", ())):
        for form in group["names"]:
            add(form, group.get("place", group.get("id")), reviewed_alias=True)
    automaton = ahocorasick.Automaton()
    for scan_key, surfaces in by_key.items():
        automaton.add_word(scan_key, (len(scan_key), tuple(surfaces)))
    automaton.make_automaton()
    return NameIndex(automaton)
