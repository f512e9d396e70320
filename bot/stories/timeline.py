"""How a story reads on a terminal: summary, then the timeline with what each item added.

Pure: takes the story, its items with their links, and the summary; returns text.
Must not import bot.store, bot.channels or bot.delivery.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from datetime import datetime

from bot.models import Item, Story, StoryLink, Summary
from bot.stories.developments import describe_development, development
from bot.stories.responses import describe_lag
from bot.stories.revisions import describe_revision, diff


def when(dt: datetime | None) -> str:
    return dt.strftime("%Y-%m-%d %H:%MZ") if dt else "undated"


def story_line(story: Story) -> str:
    """One line for `alertbot stories`."""
    agencies = ", ".join(a.upper() for a in story.agencies) or "-"
    return (f"{story.id}  {when(story.updated)}  {len(story.item_keys):>2} items  "
            f"{agencies:<16} {story.title[:90]}")


def story_view(story: Story, members: Sequence[tuple[Item, StoryLink]], summary: Summary) -> str:
    head = [f"Story {story.id} · {len(members)} items · updated {when(story.updated)}"]
    if story.places:
        head.append("Places: " + ", ".join(story.places))
    if story.agencies:
        head.append("From: " + ", ".join(a.upper() for a in story.agencies))
    out = [*head, "", summary.headline, *textwrap.wrap(summary.text, 88), "", "Timeline:"]
    seen: list[str] = []
    for item, link in members:
        out.append(f"  {when(item.published)}  {item.agency.upper():<8} {link.role:<11} "
                   f"{item.title[:80]}")
        out += [f"      {line}" for line in _what_it_added(item, link, seen)]
        seen.append(f"{item.title}. {item.text}")  # what the subscriber already read
    return "\n".join(out)


def _what_it_added(item: Item, link: StoryLink, seen: list[str]) -> list[str]:
    notes: list[str] = []
    if link.role == "response" and link.lag_seconds is not None:
        notes.append(describe_lag(link.lag_seconds, item.agency))
    if link.role in ("development", "response") and seen:
        added = describe_development(development(item.text, seen), limit=300)
        if added:
            notes += textwrap.wrap(added, 82)
    if link.role == "duplicate":
        notes.append("(the same release, seen again)")
    return notes


def development_note(item: Item, link: StoryLink | None, story: Story | None,
                     earlier: Sequence[Item]) -> list[str]:
    """What an alert about a NEW item says of its story: which story, what it adds, who
    responded — nothing for the item that starts a story."""
    if link is None or story is None or link.role == "first":
        return []
    lines = [f"Story: {story.title[:120]} ({len(story.item_keys)} items)"]
    if link.role == "duplicate":
        return [*lines, "The same release, published again."]
    if link.role == "response" and link.lag_seconds is not None:
        lines.append(describe_lag(link.lag_seconds, item.agency))
    added = describe_development(
        development(item.text, [f"{e.title}. {e.text}" for e in earlier]), limit=400)
    return [*lines, added] if added else lines


def revision_note(previous: Item, current: Item) -> list[str]:
    """What a REVISED alert says changed: sentences added/removed, figures changed."""
    d = diff(previous.title, previous.text, current.title, current.text)
    return [describe_revision(d, limit=400)] if d.is_substantive else []
