"""Revisions: what changed when a stored release was edited in place.

`diff` compares two versions sentence by sentence (difflib.SequenceMatcher over sentences);
an edited sentence shows as removed + added, and the figures that changed inside it are
paired old -> new. `RevisionDiff.is_substantive` is False when only whitespace, punctuation or
dates moved, so a re-dated release does not alert anyone. Pure: no I/O, no clock. Must not
import bot.store, bot.channels or bot.delivery.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher

from bot.stories.developments import DATE, fit, jaccard, word_set, words
from bot.stories.facts import figures, norm_figure, sentences

PAIRED = 0.3  # masked word-set Jaccard at which a removed and an added sentence are one edit

# What is left of "Updated: Feb. 7, 2026" once the date is gone: a dateline, not content.
_DATELINE = frozenset({
    "updated", "posted", "published", "release", "date", "last", "modified", "reviewed", "on",
})
_NUMBER = re.compile(r"\d[\d,.]*")


@dataclass(frozen=True)
class RevisionDiff:
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    figures_changed: tuple[tuple[str, str], ...] = ()  # (old, new), e.g. ("33,000", "33,179")
    title_changed: tuple[str, str] | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.figures_changed or self.title_changed)

    @property
    def is_substantive(self) -> bool:
        """True when words or numbers changed, not just spacing, punctuation or dates.
        Removed and added text are compared as wholes so a sentence split in two by a
        punctuation edit is not a change."""
        if _content(" ".join(self.removed)) != _content(" ".join(self.added)):
            return True
        if self.title_changed is None:
            return False
        old, new = self.title_changed
        return _content(old) != _content(new)


def diff(old_title: str, old_text: str, new_title: str, new_text: str) -> RevisionDiff:
    """Sentence-level diff of two versions of one release."""
    old = [_squash(s) for s in sentences(_squash(old_text))]
    new = [_squash(s) for s in sentences(_squash(new_text))]
    old, new = [s for s in old if s], [s for s in new if s]
    removed: list[str] = []
    added: list[str] = []
    changed: list[tuple[str, str]] = []
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        removed.extend(old[i1:i2])
        added.extend(new[j1:j2])
        for before, after in _pair_sentences(old[i1:i2], new[j1:j2]):
            changed.extend(_pair_figures(before, after))
    removed, added = _drop_moves(removed, added)
    title = None
    if _squash(old_title) != _squash(new_title):
        title = (_squash(old_title), _squash(new_title))
        changed.extend(_pair_figures(title[0], title[1]))
    return RevisionDiff(
        added=tuple(added),
        removed=tuple(removed),
        figures_changed=tuple(dict.fromkeys(changed)),
        title_changed=title,
    )


def describe_revision(d: RevisionDiff, limit: int = 600) -> str:
    """"Revised: 33,000 → 33,179. Title: “…” → “…”. Added: “….” Removed: “….”" — the
    figures and sentences verbatim, at most `limit` characters; "" for an empty diff."""
    if d.is_empty:
        return ""
    pairs = "; ".join(f"{old} → {new}" for old, new in d.figures_changed)
    parts = [("Revised: ", pairs, ".") if pairs else ("", "Revised.", "")]
    if d.title_changed:
        old, new = d.title_changed
        parts.append(("Title: “", f"{old}” → “{new}", "”."))
    for label, quoted in (("Added", d.added), ("Removed", d.removed)):
        # The sentences carry their own full stops: “….” “….” rather than “…”. “…”.
        for n, sentence in enumerate(quoted):
            parts.append((f"{label}: “" if n == 0 else "“", sentence, "”"))
    return fit(parts, limit)


def _squash(text: str) -> str:
    """Whitespace collapsed: a re-flowed paragraph is the same text."""
    return " ".join(text.split())


def _content(text: str) -> str:
    """The words and numbers of `text` with dates, datelines and punctuation gone."""
    found = words(DATE.sub(" ", text))
    return " ".join(found) if not set(found) <= _DATELINE else ""


def _pair_sentences(old: list[str], new: list[str]) -> list[tuple[str, str]]:
    """Which removed sentence became which added one. Numbers are masked so that a figure
    edit does not make the two versions of a sentence look unrelated."""
    pairs: list[tuple[str, str]] = []
    free = list(range(len(new)))
    for before in old:
        masked = word_set(_NUMBER.sub("0", before))
        scored = [(jaccard(masked, word_set(_NUMBER.sub("0", new[j]))), j) for j in free]
        score, j = max(scored, default=(0.0, -1))
        if j >= 0 and score >= PAIRED:
            free.remove(j)
            pairs.append((before, new[j]))
    return pairs


def _pair_figures(before: str, after: str) -> list[tuple[str, str]]:
    """Figures replaced at the same place. A SequenceMatcher aligns the two lists so that an
    unchanged figure anchors the rest; inside a replaced run of unequal length, figures pair
    by the word after them ("399 homicides" -> "400 homicides"), not by position, so one
    figure inserted earlier does not shift every pair. Dates are left out: a re-dated sentence
    is not a new figure."""
    old = figures(DATE.sub(" ", before))
    new = figures(DATE.sub(" ", after))
    matcher = SequenceMatcher(
        None, [norm_figure(f) for f in old], [norm_figure(f) for f in new], autojunk=False
    )
    pairs: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "replace":
            continue
        if i2 - i1 == j2 - j1:
            pairs.extend(zip(old[i1:i2], new[j1:j2], strict=True))
            continue
        units = {u: f for f in new[j1:j2] if (u := _unit(after, f))}
        pairs.extend((f, units[u]) for f in old[i1:i2] if (u := _unit(before, f)) in units)
    return pairs


def _unit(sentence: str, figure: str) -> str | None:
    """The word right after `figure` in `sentence` ("homicides"), or None."""
    pattern = rf"(?<![\w.,]){re.escape(figure)}(?!\w)\W*?([^\W\d_]+)"
    m = re.search(pattern, DATE.sub(" ", sentence))
    return m.group(1).casefold() if m else None


def _drop_moves(removed: list[str], added: list[str]) -> tuple[list[str], list[str]]:
    """A sentence removed in one place and added unchanged in another was moved, not
    changed; reporting it as both would alert on an editor's reshuffle."""
    moved = Counter(removed) & Counter(added)
    if not moved:
        return removed, added
    out_removed = _without(removed, moved)
    out_added = _without(added, moved)
    return out_removed, out_added


def _without(items: list[str], drop: Counter[str]) -> list[str]:
    left = Counter(drop)
    out = []
    for item in items:
        if left[item] > 0:
            left[item] -= 1
        else:
            out.append(item)
    return out
