"""Online story clustering: each arriving item joins the developing story it belongs to, or
starts a new one. Pure: no I/O, `now` passed in.

An item joins a story when it is close to one of the story's members (published within
`window` of it) by the evidence the text gives:

- near-duplicate: word 3-gram (shingle) Jaccard ≥ `dup_shingles` — the same release on another
  feed or a mirror; it joins as role "duplicate";
- a shared key figure (33,179 — numbers of 3+ digits that are not years) together with some
  overlap of content words, title words or a shared name;
- two shared multi-word names (Todd Lyons, New York) with a moderate overlap of content words;
- or strong content overlap on its own (content-word Jaccard ≥ `strong_words`), or a close
  title with moderate overlap.

Content words drop stop words and the boilerplate every ICE/DHS release carries ("criminal
illegal alien", "Homeland Security Investigations"), so two unrelated arrests in California do
not look alike. The rules are conservative by design: a wrong merge (an alert about the wrong
story) is worse than a missed one (one more story). Among the stories that qualify, the one
with the best score wins.

Must not import bot.store, bot.channels or bot.delivery.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.models import Item, StoryLink
from bot.stories.facts import figures, names, norm_figure
from subscriptions.terms import tokens

STOP = frozenset("""
a an the and or but of to in on at by for from with as into about over after before under
is are was were be been being has have had do does did will would shall should may might can
could not no nor this that these those it its they them their he him his she her we our you
your who whom which what when where why how than then also more most other such any all each
both few some same so very just said says say according including include includes while
during since until within without against between through per via new one two three four
five six seven eight nine ten first last mr ms mrs jan feb mar apr jun jul aug sep sept oct
nov dec january february march april may june july august september october november december
monday tuesday wednesday thursday friday saturday sunday today yesterday week year years
ice dhs immigration customs enforcement homeland security investigation investigations hsi
ero removal operations department u s us united states federal agent agents officer officers
official officials criminal illegal alien aliens announce announced release released press
statement secretary director acting
""".split())  # noqa: SIM905 — a word list reads best as words
_YEAR = re.compile(r"^(19|20)\d\d$")


@dataclass(frozen=True)
class ClusterPolicy:
    window: timedelta = timedelta(days=14)  # how far apart two items of a story may be
    dup_shingles: float = 0.7
    strong_words: float = 0.35
    figure_words: float = 0.08  # content overlap that, with a shared figure, is enough
    title_words: float = 0.5
    title_support: float = 0.15  # content overlap a close title still needs
    names_words: float = 0.2  # content overlap that, with two shared names, is enough


@dataclass(frozen=True)
class Features:
    """What clustering reads of an item."""

    key: str
    title: str
    published: datetime | None
    agency: str
    jurisdiction: str
    text: str  # kept for the response check and what-is-new, which read the words
    words: frozenset[str]  # content words of title + lead
    title_words: frozenset[str]
    shingles: frozenset[tuple[str, ...]]  # word 3-grams of title + text
    figures: frozenset[str]  # normalised key figures ("33179")
    names: frozenset[str]  # multi-word proper names, lower-cased


@dataclass(frozen=True)
class OpenStory:
    id: str
    title: str
    members: tuple[Features, ...]
    created: datetime
    updated: datetime


def features(item: Item, lead_words: int = 250) -> Features:
    toks = tokens(f"{item.title}. {item.text}")
    title_toks = tokens(item.title)
    return Features(
        key=item.key, title=item.title, published=item.published, agency=item.agency,
        jurisdiction=item.jurisdiction, text=item.text, words=_content(toks[:lead_words]),
        title_words=_content(title_toks),
        shingles=frozenset(zip(toks, toks[1:], toks[2:], strict=False)),
        figures=frozenset(n for f in figures(f"{item.title} {item.text}")
                          if len(n := norm_figure(f)) >= 3 and not _YEAR.match(n)),
        names=frozenset(n.lower() for n in names(f"{item.title}. {item.text}")
                        if " " in n.strip()),
    )


def _content(toks: Iterable[str]) -> frozenset[str]:
    return frozenset(t for t in toks if t not in STOP and len(t) > 2 and not t.isdigit())


def _jaccard(a: frozenset, b: frozenset) -> float:  # type: ignore[type-arg]
    return len(a & b) / len(a | b) if a and b else 0.0


def pair_score(item: Features, member: Features, policy: ClusterPolicy) -> tuple[float, str]:
    """(score, role) — score 0 when the evidence is not enough to join."""
    if _jaccard(item.shingles, member.shingles) >= policy.dup_shingles:
        return 2.0, "duplicate"
    words = _jaccard(item.words, member.words)
    title = _jaccard(item.title_words, member.title_words)
    shared_figures = len(item.figures & member.figures)
    shared_names = len(item.names & member.names)
    joined = (
        words >= policy.strong_words
        or (shared_figures and (words >= policy.figure_words or title >= policy.title_support
                                or shared_names))
        or (shared_names >= 2 and words >= policy.names_words)
        or (title >= policy.title_words and words >= policy.title_support)
    )
    if not joined:
        return 0.0, ""
    return words + 0.3 * title + 0.2 * min(shared_figures, 2) + 0.1 * min(shared_names, 3), \
        "development"


def _close_in_time(a: Features, b: Features, window: timedelta) -> bool:
    if a.published is None or b.published is None:
        return True
    return abs(a.published - b.published) <= window


def assign(items: Sequence[Features], stories: Sequence[OpenStory], now: datetime,
           policy: ClusterPolicy | None = None) -> list[StoryLink]:
    """Place each item (in order) in a story; later items of the batch see earlier ones."""
    policy = policy or ClusterPolicy()
    state = list(stories)
    links: list[StoryLink] = []
    for item in items:
        link = _place(item, state, policy)
        links.append(link)
        state = list(open_stories_after(state, [item], [link], now, policy))
    return links


def _place(item: Features, stories: Sequence[OpenStory], policy: ClusterPolicy) -> StoryLink:
    best: tuple[float, str, str] = (0.0, "", "")
    for story in stories:
        for member in story.members:
            if member.key == item.key:
                return StoryLink(story.id, item.key, "duplicate", 2.0)
            if not _close_in_time(item, member, policy.window):
                continue
            score, role = pair_score(item, member, policy)
            if score > best[0]:
                best = (score, story.id, role)
    if best[0] > 0:
        return StoryLink(best[1], item.key, best[2], round(best[0], 3))
    return StoryLink(story_id(item.key), item.key, "first", 1.0)


def story_id(first_item_key: str) -> str:
    """Stable: a story is named after the item that started it (hashed, so any key form —
    a hex digest or a readable id — gives a short id of the same shape)."""
    return "s-" + hashlib.sha256(first_item_key.encode()).hexdigest()[:12]


def open_stories_after(
    stories: Sequence[OpenStory], items: Sequence[Features], links: Sequence[StoryLink],
    now: datetime, policy: ClusterPolicy | None = None,
) -> tuple[OpenStory, ...]:
    """The open stories once `items` joined as `links` say; stories idle for longer than the
    window are closed (dropped from the state)."""
    policy = policy or ClusterPolicy()
    by_id = {s.id: s for s in stories}
    for item, link in zip(items, links, strict=True):
        story = by_id.get(link.story_id)
        if story is None:
            by_id[link.story_id] = OpenStory(link.story_id, item.title, (item,), now, now)
        elif all(m.key != item.key for m in story.members):
            by_id[link.story_id] = replace(story, members=(*story.members, item), updated=now)
    return tuple(s for s in by_id.values() if now - s.updated <= policy.window)
