"""Facts in a text, as written: sentences, figures, names and quotations.

Pure helpers (no I/O) shared by the summarizer and the other story stages. Every function
returns pieces of the text *as written* (never reworded), every occurrence in order (aligning
the figures of two versions needs the repeats); only key_facts() deduplicates. A caller can
check each piece against another text verbatim.

    sentences("He left. She came.")          -> ["He left.", "She came."]
    figures("33,179 held; 866-DHS-2-ICE")    -> ["33,179"]        (codes are not figures)
    norm_figure("33,179")                    -> "33179"
    names("ICE Director Todd Lyons wrote to Rob Bonta.") -> ["ICE", "Todd Lyons", "Rob Bonta"]
    quotations('He said "no" and “yes”.')    -> ["no", "yes"]
    key_facts(text)                          -> figures and names, in order of appearance
    QUOTATION                                the pattern quotations() uses: a quote mark it
                                             leaves unconsumed is an unpaired one

Names are a heuristic, tuned for English press releases: runs of capitalised words (joined by
"of", "de", ...), with role words ("Governor", "Acting Director") and dates left out, a leading
"The"/"In" (or a sentence's first "Citing"/"Asked") dropped, and a single word kept only when it
is not at a sentence start (acronyms such as "ICE" always are). All-caps words of six letters or
more are headline shouting ("SANCTUARY CALAMITY") and never names.

Must not import bot.store, bot.channels or bot.delivery.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from functools import lru_cache

import pysbd

# A number as written: 33,179 · 399 · 3.5. Not a piece of a code or identifier (866-DHS-2-ICE,
# H-2B, I-247A, 02/11/2026), but "21-year-old" carries the figure 21.
_FIGURE = re.compile(
    r"(?<![\w\-/.,])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\w/]|[.,]\d|-[A-Z0-9])"
)
QUOTATION = re.compile(r"[\"“]([^\"“”]*)[\"”]")
# A word that may be part of a name: U.S. · O’Brien · H-2B · Gov. · F.
_WORD = re.compile(r"(?<![\w'’\-])(?:(?:[^\W\d_]\.){2,}|[^\W\d_](?:[\w'’\-]*\w)?\.?)")
_REGEX_SPLIT = re.compile(r"(?<=[.!?…])\s+|(?<=[.!?…][\"”')\]])\s+|\n\s*")
_SENTENCE_END = re.compile(r"[.!?:;\n–—•]")


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


_CONNECTORS = frozenset({"of", "de", "del", "la", "los", "las", "da", "do", "van", "von", "y"})
_ROLES = _wordset("""Governor Gov. Attorney General Acting Director Assistant Deputy Secretary
    President Vice Senator Sen. Rep. Representative Mayor Sheriff Chief Judge Commissioner
    Officer Agent Special Spokesperson Spokesman Spokeswoman Press Mr. Mrs. Ms. Dr. Lt. Gen.
    Sgt. Capt. Col. Det. Atty. Supt. Prof. Jr. Sr. Officials Official""")
_DATES = _wordset("""January February March April May June July August September October
    November December Jan. Feb. Mar. Apr. Jun. Jul. Aug. Sep. Sept. Oct. Nov. Dec. Monday
    Tuesday Wednesday Thursday Friday Saturday Sunday""")
_LEADING = _wordset("""The A An This That These Those In On At For By With From After Before
    When While According Following Under Since During It He She They We His Her Their Our Its
    If As But And Or To Of Not No There Here Today Yesterday Also However Meanwhile""")
# Abbreviations whose period does not end a sentence.
_ABBREVIATIONS = _ROLES | _DATES | {"St.", "No.", "Ft.", "Mt.", "Inc.", "Co.", "Corp."}
_SHOUT_LETTERS = 6

_local = threading.local()  # pysbd keeps the text being split on the Segmenter: one per thread


def sentences(text: str) -> list[str]:
    """The sentences of `text`, each stripped and verbatim, in order (pysbd, English).

    Falls back to a split after . ! ? and at line ends when pysbd raises or returns something
    that is not the text cut in pieces (it can drop a sentence it failed to align).
    """
    return list(_sentences(text))


@lru_cache(maxsize=256)  # the summarizer and its colleagues split the same item text
def _sentences(text: str) -> tuple[str, ...]:
    try:
        parts = _segmenter().segment(text)
    except Exception:  # pysbd is a heuristic library; any failure means "use the plain split"
        parts = None
    if parts is None or not _covers(text, parts):
        parts = _REGEX_SPLIT.split(text)
    return tuple(p.strip() for p in parts if p.strip())


def _segmenter() -> pysbd.Segmenter:
    segmenter = getattr(_local, "segmenter", None)
    if segmenter is None:
        segmenter = _local.segmenter = pysbd.Segmenter(language="en", clean=False)
    return segmenter


def _covers(text: str, parts: list[str]) -> bool:
    """True when `parts` are the text in order, with only whitespace left between them."""
    pos = 0
    for part in parts:
        found = text.find(part, pos)
        if found < 0 or text[pos:found].strip():
            return False
        pos = found + len(part)
    return not text[pos:].strip()


def figures(text: str) -> list[str]:
    """Every number in `text` as written ("33,179", "2025"), in order."""
    return [m.group() for m in _FIGURE.finditer(text)]


def norm_figure(figure: str) -> str:
    """A figure's digits without separators, to compare "33,179" with "33179"."""
    return re.sub(r"[,\s]", "", figure)


def quotations(text: str) -> list[str]:
    """Every text inside straight or curly double quotes, stripped, in order (empty ones
    left out). A quote mark that QUOTATION leaves unconsumed is an unpaired one."""
    return [q for m in QUOTATION.finditer(text) if (q := m.group(1).strip())]


def names(text: str) -> list[str]:
    """Every proper name in `text` ("Todd Lyons", "Ventura County Jail", "ICE"), in order."""
    return [name for _, name in _names_at(text)]


def key_facts(text: str) -> list[str]:
    """Figures and names, deduplicated (figures by value), in order of first appearance."""
    found = [(m.start(), m.group()) for m in _FIGURE.finditer(text)] + list(_names_at(text))
    seen: set[str] = set()
    out = []
    for _, fact in sorted(found, key=lambda pair: pair[0]):
        key = norm_figure(fact) if fact[0].isdigit() else fact
        if key not in seen:
            seen.add(key)
            out.append(fact)
    return out


def _names_at(text: str) -> Iterator[tuple[int, str]]:
    """(offset, name) for every name in `text`: runs of name words, then trimmed."""
    run: list[re.Match[str]] = []
    run_at_start = False
    prev: re.Match[str] | None = None
    for word in _WORD.finditer(text):
        gap = text[prev.end() if prev else 0:word.start()]
        at_start = prev is None or _ends_sentence(prev.group(), gap)
        joins = _is_name_word(word.group()) or (run and word.group() in _CONNECTORS)
        if run and not (joins and _continues(run[-1].group(), gap)):
            yield from _trimmed(run, run_at_start)
            run = []
        if joins:
            if not run:
                run_at_start = at_start
            run.append(word)
        prev = word
    yield from _trimmed(run, run_at_start)


def _ends_sentence(prev: str, gap: str) -> bool:
    if _SENTENCE_END.search(gap):
        return True
    return prev.endswith(".") and prev not in _ABBREVIATIONS and not _is_initials(prev)


def _continues(prev: str, gap: str) -> bool:
    """Whether a name word may extend a run ending in `prev`: same line, nothing but spaces between,
    and `prev` ends neither a sentence nor a possessive ("Newsom's California" is two names)."""
    if gap.strip() or "\n" in gap or prev.endswith(("'s", "’s")):
        return False
    # "John F. Kennedy" goes on; "U.S." and a full stop end the run.
    return not prev.endswith(".") or len(prev) == 2 and prev[0].isupper() or prev in _ABBREVIATIONS


def _is_initials(word: str) -> bool:
    return re.fullmatch(r"(?:[^\W\d_]\.)+", word) is not None


def _is_name_word(word: str) -> bool:
    return word[0].isupper() and not _is_shouting(word)


def _is_shouting(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) >= _SHOUT_LETTERS and all(c.isupper() for c in letters)


def _is_acronym(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _trimmed(run: list[re.Match[str]], at_start: bool) -> Iterator[tuple[int, str]]:
    """Split a run at role words and dates, drop a leading function word and trailing
    connectors, and keep a single word only if it cannot be mere sentence-start capitals."""
    piece: list[re.Match[str]] = []
    for word in [*run, None]:
        if word is not None and word.group() not in _ROLES and word.group() not in _DATES:
            piece.append(word)
            continue
        first = at_start and bool(piece) and piece[0] is run[0]
        while piece and (piece[-1].group() in _CONNECTORS or _leads(piece[0].group(), first)):
            if _leads(piece[0].group(), first):
                piece.pop(0)
                first = False  # what follows "The" is not at the sentence start
            else:
                piece.pop()
        if piece:
            yield from _as_name(piece, first)
        piece = []


def _leads(word: str, at_start: bool) -> bool:
    """A word that only leads into a name: "The", or a sentence's first "Citing"/"Asked"."""
    return word in _LEADING or at_start and len(word) > 4 and word.endswith(("ing", "ed"))


def _as_name(piece: list[re.Match[str]], at_start: bool) -> Iterator[tuple[int, str]]:
    words = [w.group() for w in piece]
    words[-1] = re.sub(r"['’]s$", "", words[-1])
    if words[-1].endswith(".") and not _is_initials(words[-1]):
        words[-1] = words[-1][:-1]  # the full stop of the sentence, not of the name
    if len(words) == 1:
        word = words[0]
        if _is_initials(word) and len(word) <= 2:
            return  # a lone initial ("F.") is not a name
        if not _is_acronym(word) and (at_start or len(word) < 2):
            return
    yield piece[0].start(), " ".join(words)
