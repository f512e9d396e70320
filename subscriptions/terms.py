"""terms: how words are compared — tokens, plural folding, numbers and synonyms.

A term, a phrase and a document are all reduced by `tokens()` to a list of folded word tokens,
and a term matches a document when its tokens occur as a contiguous run in the document's
tokens. So case, accents, curly quotes, punctuation, hyphen/space variants ("sanctuary-city" =
"sanctuary city"), thousands separators (33,179 = 33179, but 33,000 stays 33000) and plurals
(detainers = detainer) are settled once, here, for both sides. Tokens are match keys, not
display text ("angeles" folds to "angele"): show users what they wrote.

`Synonyms` widens a whole term to its reviewed equivalents (detainer = "ICE hold" = I-247A),
shipped in `data/synonyms.toml` and extendable by operators. Synonyms apply to a whole term
or phrase, never to single words inside a phrase.

Pure code: no I/O except reading the packaged synonym table. Must not import `bot`.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources


# --- plural folding -----------------------------------------------------------------------
def _words(text: str) -> list[str]:
    return text.split()  # the tables below read as prose, one word per entry


# Singulars that end in "s": left alone, and their "-es" plural (aliases, buses) drops "es".
_ENDS_IN_S = frozenset(_words("""
    alias bias gas atlas canvas bus plus status virus campus bonus census focus surplus chorus
    genius sinus lens iris octopus cactus consensus circus apparatus stimulus prospectus
    news series species this his its has was is us as does goes yes thus always perhaps
    whereas overseas texas kansas arkansas christmas customs
"""))
# Plurals that only drop "s" where a suffix rule would cut more (movies is not "movy").
_DROP_S = frozenset(_words("""
    movies cookies calories rookies zombies selfies prairies hoodies brownies goalies sorties
    caches niches headaches avalanches cliches moustaches mustaches aches quiches impasses
    menus gurus hindus haikus emus taxis alibis kiwis yetis safaris bikinis martinis
    israelis iraqis somalis pakistanis yemenis saudis kuwaitis afghanis bangladeshis omanis
    qataris emiratis nepalis
"""))
# "-oes" plurals of "-o" nouns (vetoes -> veto); the default keeps the "e" (shoes -> shoe).
_DROP_ES = frozenset(_words("""
    heroes vetoes potatoes tomatoes echoes torpedoes embargoes volcanoes tornadoes mosquitoes
    cargoes mottoes dominoes buffaloes
"""))
_IRREGULAR = dict(pair.split(":") for pair in _words("""
    men:man women:woman children:child policemen:policeman feet:foot teeth:tooth mice:mouse
    geese:goose crises:crisis analyses:analysis theses:thesis diagnoses:diagnosis
    hypotheses:hypothesis indices:index quizzes:quiz criteria:criterion wolves:wolf
    knives:knife wives:wife lives:life thieves:thief halves:half shelves:shelf
"""))


def fold(word: str) -> str:
    """Lower-case `word` and reduce an English plural to its singular (detainers -> detainer).

    Light and table-driven: words of three letters or fewer (ICE, DHS, us), words with digits
    (247a, 1990s), and singulars ending in -ss/-us/-is (class, status, crisis) are left alone.
    A plural missing from the tables may fold differently from its singular; add it there.
    """
    return _FOLDED[word]


def _fold(word: str) -> str:
    w = word.casefold()
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    if len(w) <= 3 or not w.endswith("s") or not w.isalpha() or w in _ENDS_IN_S:
        return w
    if w in _DROP_S:
        return w[:-1]
    if w in _DROP_ES or (w.endswith("es") and w[:-2] in _ENDS_IN_S):
        return w[:-2]
    if w.endswith(("ss", "us", "is")):
        return w
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith(("sses", "shes", "ches", "xes", "zzes")):
        return w[:-2]
    return w[:-1]


class _Folds(dict[str, str]):
    """word -> fold(word), filled on first sight. Documents repeat a small vocabulary, and a
    dict subscript through `map` costs a third of a call to an lru_cache wrapper per token."""

    def __missing__(self, word: str) -> str:
        if len(self) >= 65536:  # bounded like the lru_cache it replaces: start afresh
            self.clear()
        folded = self[word] = _fold(word)
        return folded


_FOLDED = _Folds()


# --- tokenisation -------------------------------------------------------------------------
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
# Curly and modifier apostrophes become "'" (curly double quotes split words anyway).
_APOSTROPHES = re.compile("[\u2018\u2019\u201b\u02bc\u2032]")
# 33,179 and 1,234,567 lose their commas; "1,2" and "2019,2020" are lists, not numbers.
# Each pass is gated by a cheap search (a pattern that starts with a literal character is
# found at C speed): most text has no such number or acronym.
_HAS_SEPARATOR = re.compile(r",\d{3}")
_DIGIT_RUN = re.compile(r"\d[\d,]*\d")
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+")
# U.S. and D.C. become "us" and "dc", so a query "US" finds "U.S." (dots would split them).
_HAS_ACRONYM = re.compile(r"\.[^\W\d_]\b")
_DOTTED_ACRONYM = re.compile(r"(?<!\w)[^\W\d_](?:\.[^\W\d_])+\.?(?!\w)")
_APOSTROPHE = re.compile(r"'(s\b)?")
# A decimal (1.5) is one token; otherwise every run of letters and digits is one.
_TOKEN = re.compile(r"\d+(?:\.\d+)+|\w+")
# In ASCII text (most releases, once `_plain`), \w is [A-Za-z0-9_], and str.translate then
# str.split find the same runs at a fifth of the regex's cost. The dots stay only if the text
# has ".<digit>", i.e. may have a decimal; _TOKEN then splits each dotted chunk.
_HAS_DECIMAL = re.compile(r"\.\d")
_NOT_WORD = "".join(c for c in map(chr, range(128)) if not (c.isalnum() or c == "_"))
_SPACED = str.maketrans(_NOT_WORD, " " * len(_NOT_WORD))
_SPACED_BUT_DOTS = str.maketrans(_NOT_WORD.replace(".", ""), " " * (len(_NOT_WORD) - 1))


def _plain(text: str) -> str:
    """Lower-case, compatibility-decomposed text without accents (é -> e, ﬁ -> fi, ß -> ss)."""
    if not text.isascii():
        # Typographic quotes and dashes first, with str.replace: what is left of an English
        # release is then usually ASCII, and the regex scan for non-ASCII runs (as slow as
        # tokenising) is skipped.
        for char, plain in _TYPOGRAPHY.items():
            if char in text:
                text = text.replace(char, plain)
        if not text.isascii():  # only the non-ASCII runs: per-character Python is slow
            text = _NON_ASCII.sub(_plain_run, text)
    return text.lower()


def _plain_run(match: re.Match[str]) -> str:
    return _plain_chars(match.group())


def _plain_chars(run: str) -> str:
    # Decompose again after casefold, which can return precomposed letters.
    run = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", run).casefold())
    return _APOSTROPHES.sub("'", "".join(c for c in run if not unicodedata.combining(c)))


def _typography(chars: str) -> dict[str, str]:
    """Each mark as `_plain_chars` has it, or a space where that is not ASCII: these marks are
    not word characters, dots, commas, apostrophes or "&", so every later pass and the
    tokeniser treat them exactly as they treat a space (they only separate words)."""
    return {c: p if (p := _plain_chars(c)).isascii() else " " for c in chars}


# ‘ ’ “ ” – — … and the no-break space: nearly all the non-ASCII of an English release.
_TYPOGRAPHY = _typography("\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u00a0")


def _unseparated(match: re.Match[str]) -> str:
    run = match.group()
    return run.replace(",", "") if _THOUSANDS.fullmatch(run) else run


def _undotted(match: re.Match[str]) -> str:
    return match.group().replace(".", "")


def _apostrophe(match: re.Match[str]) -> str:
    """Newsom's -> Newsom, don't -> dont; any other apostrophe separates words."""
    text, start, end = match.string, match.start(), match.end()
    inside = start and text[start - 1].isalnum()
    if inside and (match.group(1) or (end < len(text) and text[end].isalnum())):
        return ""
    return match.group()  # "'" is not a word character: it splits


def _sub_near(gate: re.Pattern[str], pattern: re.Pattern[str],
              repl: Callable[[re.Match[str]], str], text: str) -> str:
    """`pattern.sub(repl, text)`, run only on the space-delimited stretches where `gate`
    finds something. Same result: every replaced match holds a gate hit, no match spans a
    space, and a space is a non-word character, as the edge of a stretch is to the pattern's
    look-arounds. Scanning all of a 3 KB release with these patterns costs more than the
    rest of tokenising it."""
    out, done = [], 0
    for hit in gate.finditer(text):
        if hit.start() < done:  # inside the stretch already rewritten
            continue
        start = max(done, text.rfind(" ", 0, hit.start()) + 1)
        end = text.find(" ", hit.end())
        end = len(text) if end < 0 else end
        out += (text[done:start], pattern.sub(repl, text[start:end]))
        done = end
    return "".join(out) + text[done:]


def tokens(text: str) -> list[str]:
    """The folded word tokens of a document, term or phrase (see the module docstring)."""
    text = _plain(text)
    if "&" in text or "_" in text:  # Immigration & Customs = Immigration and Customs
        text = text.replace("&", " and ").replace("_", " ")
    if _HAS_SEPARATOR.search(text):
        text = _sub_near(_HAS_SEPARATOR, _DIGIT_RUN, _unseparated, text)
    if _HAS_ACRONYM.search(text):
        text = _sub_near(_HAS_ACRONYM, _DOTTED_ACRONYM, _undotted, text)
    if "'" in text:
        text = _APOSTROPHE.sub(_apostrophe, text)
    return list(map(_FOLDED.__getitem__, _words_of(text)))


def _words_of(text: str) -> list[str]:
    """`_TOKEN.findall(text)`, faster for ASCII text (see `_SPACED`)."""
    if not text.isascii():
        return _TOKEN.findall(text)
    if not _HAS_DECIMAL.search(text):
        return text.translate(_SPACED).split()
    return [word for chunk in text.translate(_SPACED_BUT_DOTS).split()
            for word in (_TOKEN.findall(chunk) if "." in chunk else (chunk,))]


# --- synonyms -----------------------------------------------------------------------------
Phrase = tuple[str, ...]


@dataclass(frozen=True)
class Synonyms:
    """Groups of interchangeable terms, as display strings ("ICE hold", "I-247A").

    Groups that share a member (by tokens) are merged, so equivalence is symmetric and
    transitive; members equal after tokenisation are kept once. A group with fewer than two
    different members, or a member with nothing to match, is a ValueError.
    """

    groups: tuple[tuple[str, ...], ...]
    _index: dict[Phrase, int] = field(init=False, repr=False, compare=False)
    _phrases: tuple[tuple[Phrase, ...], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        merged = _merge(self.groups)
        phrases = tuple(tuple(tuple(tokens(m)) for m in group) for group in merged)
        object.__setattr__(self, "groups", merged)
        object.__setattr__(self, "_phrases", phrases)
        index = {p: g for g, group in enumerate(phrases) for p in group}
        object.__setattr__(self, "_index", index)

    def alternatives(self, phrase_tokens: Iterable[str]) -> tuple[Phrase, ...]:
        """Every token sequence equivalent to the phrase, the phrase itself first."""
        phrase = tuple(phrase_tokens)
        group = self._index.get(phrase)
        if group is None:
            return (phrase,)
        return (phrase, *(p for p in self._phrases[group] if p != phrase))

    def also_matching(self, phrase_tokens: Iterable[str]) -> tuple[str, ...]:
        """The display strings of the phrase's equivalents, itself excluded ("ICE hold", …)."""
        phrase = tuple(phrase_tokens)
        group = self._index.get(phrase)
        if group is None:
            return ()
        pairs = zip(self._phrases[group], self.groups[group], strict=True)
        return tuple(shown for p, shown in pairs if p != phrase)


def _checked(group: Iterable[str]) -> dict[Phrase, str]:
    """A group's members keyed by their tokens (first spelling wins), or a ValueError."""
    members: dict[Phrase, str] = {}
    for member in group:
        if not isinstance(member, str):
            raise ValueError(f"synonym {member!r} is not text")
        key = tuple(tokens(member))
        if not key:
            raise ValueError(f"synonym {member!r} has no letters or digits to match")
        members.setdefault(key, member.strip())
    if len(members) < 2:
        raise ValueError(f"synonym group {list(group)!r} needs at least two different terms")
    return members


def _merge(groups: Iterable[Iterable[str]]) -> tuple[tuple[str, ...], ...]:
    """Union groups that share a member, keeping first-seen order."""
    merged: list[dict[Phrase, str]] = []
    for group in groups:
        members = _checked(_as_group(group))
        overlapping = [m for m in merged if m.keys() & members.keys()]
        if not overlapping:
            merged.append(members)
            continue
        target = overlapping[0]
        for other in [*overlapping[1:], members]:
            for key, shown in other.items():
                target.setdefault(key, shown)
            if other is not members:
                merged.remove(other)
    return tuple(tuple(m.values()) for m in merged)


@cache
def _packaged_groups() -> tuple[tuple[str, ...], ...]:
    text = resources.files("subscriptions").joinpath("data", "synonyms.toml").read_text("utf-8")
    return tuple(tuple(g["terms"]) for g in tomllib.loads(text)["group"])


def load_synonyms(extra: Iterable[Iterable[str]] = ()) -> Synonyms:
    """The packaged synonym table plus operator groups (from config), merged where they meet."""
    return Synonyms(groups=(*_packaged_groups(), *(_as_group(g) for g in extra)))


def _as_group(group: Iterable[str]) -> tuple[str, ...]:
    # A bare string is iterable too: "ICE hold" would become a group of letters.
    if isinstance(group, str):
        raise ValueError(f"a synonym group must be a list of terms, not the text {group!r}")
    return tuple(group)
