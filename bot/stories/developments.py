"""Developments: what a new item adds to a story the subscriber already received.

An update about a developing story should say what is new (figures, parties, decisions), not
retell the story. `development` keeps the sentences of the new item that carry something the
seen items did not; `describe_development` turns that into a short alert text made only of
verbatim sentences and facts from the new item. Pure: no I/O, no clock. Must not import
bot.store, bot.channels or bot.delivery.

The word helpers, `DATE` and `fit` here are shared with `revisions` (same logic, one copy).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.stories.facts import figures, names, norm_figure, sentences

DUPLICATE = 0.6  # word-set Jaccard at which a sentence restates a seen one
SIMILAR = 0.35  # looser: a sentence this close adds nothing unless it brings a new fact
_MIN_CLIP = 40  # a part clipped shorter than this says nothing; end with "…" instead

# Thousands separators are dropped inside numbers so "33,179" and "33179" are one word.
_TOKEN = re.compile(r"\d+(?:,\d{3})+|\w+")
# Function words would make any two sentences about the same story look alike.
_STOPWORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "been", "by", "for", "from", "has", "have",
    "he", "her", "his", "in", "is", "it", "its", "of", "on", "or", "said", "says", "she",
    "that", "the", "their", "they", "this", "to", "was", "were", "which", "who", "will", "with",
})
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
# Dates as press releases write them. Their numbers are when, not what: "Feb. 2" is not a
# new figure, and a release re-dated from Feb. 6 to Feb. 9 has not changed.
DATE = re.compile(
    rf"\b{_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+\d{{4}}\b)?"  # Feb. 6, 2026
    rf"|\b{_MONTH}\.?\s+\d{{4}}\b"  # February 2026
    r"|\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?"  # 2026-02-06T13:48
    r"|\b\d{1,2}/\d{1,2}/\d{2,4}\b"  # 2/6/2026
    r"|\b\d{1,2}:\d{2}(?:\s*[ap]\.?m\b\.?)?"  # 1:48 p.m.
    r"|\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b",
    re.IGNORECASE,
)
_DECISION = re.compile(
    r"\b(?:call(?:s|ed|ing)? (?:on|upon)|urg(?:e|es|ed|ing)|order(?:s|ed)?|sue[sd]?|"
    r"fil(?:e|es|ed)|sign(?:s|ed)|veto(?:es|ed)?|arrest(?:s|ed)|releas(?:e|es|ed)|"
    r"declin(?:e|es|ed)|hono(?:u)?r(?:s|ed)?|reject(?:s|ed)|disput(?:e|es|ed)|"
    r"announc(?:e|es|ed)|demand(?:s|ed)|ask(?:s|ed)|lodg(?:e|es|ed)|den(?:y|ies|ied))\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Development:
    """What a new item adds. All strings are verbatim from the new item, in its order."""

    new_figures: tuple[str, ...] = ()
    new_names: tuple[str, ...] = ()
    new_sentences: tuple[str, ...] = ()  # the sentences of the new item that carry something new
    decisions: tuple[str, ...] = ()  # new sentences that ask/decide/announce

    @property
    def is_empty(self) -> bool:
        return not (self.new_figures or self.new_names or self.new_sentences)


def words(text: str) -> list[str]:
    """The words of `text` in order, case-folded; "33,179" and "33179" are the same word."""
    return [t.replace(",", "") for t in _TOKEN.findall(text.casefold())]


def word_set(text: str) -> frozenset[str]:
    """Content words of `text`: function words left out."""
    return frozenset(w for w in words(text) if w not in _STOPWORDS)


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


class _Known:
    """What the subscriber already has: seen texts, plus what this development already said."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.figures = {norm_figure(f) for t in texts for f in figures(t)}
        self.sentences = [w for t in texts for s in sentences(t) if (w := word_set(s))]
        self.blob = "\n".join(texts).casefold()

    def knows_name(self, name: str) -> bool:
        # Searched in the raw text, not in names(): "Lyons" is known once "Todd Lyons" was
        # read, whatever the name extractor made of either text.
        pattern = r"(?<!\w)" + re.escape(name.casefold()) + r"(?!\w)"
        return re.search(pattern, self.blob) is not None

    def overlap(self, words: frozenset[str]) -> float:
        return max((jaccard(words, seen) for seen in self.sentences), default=0.0)

    def learn(self, sentence: str, words: frozenset[str]) -> None:
        self.figures.update(norm_figure(f) for f in figures(sentence))
        self.sentences.append(words)
        self.blob += "\n" + sentence.casefold()


def development(new_text: str, seen_texts: Sequence[str]) -> Development:
    """What `new_text` adds to `seen_texts` (the story's items the subscriber received).

    A sentence is kept when it brings a figure or name not seen before, or when it is not
    close to any seen sentence. A near-duplicate (Jaccard >= DUPLICATE) is kept only for a new
    figure: a changed number in a restated sentence is the development, while names() is the
    noisier extractor and would let restatements through.
    """
    known = _Known(seen_texts)
    figs: list[str] = []
    found_names: list[str] = []
    kept: list[str] = []
    for sentence in (s.strip() for s in sentences(new_text)):
        words = word_set(sentence)
        if not words:
            continue
        s_figs = [f for f in _figures(sentence) if norm_figure(f) not in known.figures]
        s_names = [n for n in names(sentence) if not known.knows_name(n)]
        overlap = known.overlap(words)
        if overlap >= DUPLICATE and not s_figs:
            continue
        if overlap >= SIMILAR and not (s_figs or s_names):
            continue
        figs.extend(s_figs)
        found_names.extend(s_names)
        kept.append(sentence)
        known.learn(sentence, words)  # a repeat later in the same item is not new again
    return Development(
        new_figures=tuple(figs),
        new_names=tuple(found_names),
        new_sentences=tuple(kept),
        decisions=tuple(s for s in kept if _DECISION.search(s)),
    )


def describe_development(d: Development, limit: int = 600) -> str:
    """"New: 4,561; Ventura County Jail, Jorge Lopez Santos. <decisions> <other sentences>"."""
    if d.is_empty:
        return ""
    headline = [f for f in d.new_figures if _notable(f)]
    facts = "; ".join(x for x in (", ".join(headline), ", ".join(d.new_names)) if x)
    parts = [("New: ", facts, ".")] if facts else []
    # Decisions first: what someone asked for or did is what a subscriber acts on.
    rest = [s for s in d.new_sentences if s not in d.decisions]
    parts.extend(("", s, "") for s in (*d.decisions, *rest))
    return fit(parts, limit)


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters at whitespace, marked with "…". Never splits a token,
    so a figure is never cut into a different number."""
    if len(text) <= limit:
        return text
    if limit < 1:
        return ""
    breaks = [m.start() for m in re.finditer(r"\s", text[:limit])]
    head = text[: breaks[-1]].rstrip() if breaks else ""
    return f"{head}…" if head else "…"


def fit(parts: Iterable[tuple[str, str, str]], limit: int) -> str:
    """Join (before, text, after) parts with spaces while they fit in `limit`. The first part
    that does not fit has its text clipped, if enough room is left to say something; the rest
    are dropped and the cut is marked with "…"."""
    out = ""
    for before, text, after in parts:
        sep = " " if out else ""
        room = limit - len(out) - len(sep) - len(before) - len(after)
        if len(text) <= room:
            out += sep + before + text + after
            continue
        if room >= _MIN_CLIP:
            out += sep + before + clip(text, room) + after
        elif not out:
            out = clip(before + text + after, limit)
        elif len(out) + 2 <= limit:
            out += " …"
        break
    return out


def _notable(figure: str) -> bool:
    """Worth a place in the "New:" line: 100 or more and not a year ("15 protesters" and
    "in 2021" stay in their sentences, where they make sense)."""
    n = norm_figure(figure)
    return n.isdigit() and int(n) >= 100 and not (len(n) == 4 and n[:2] in ("19", "20"))


def _figures(text: str) -> list[str]:
    """The figures of `text` that are not part of a date."""
    return figures(DATE.sub(" ", text))
