"""What record_refresh really records, decided from what is stored: one pure rule for every
backend, so they agree on it and the caller learns it (the changes it is handed were decided
before the transaction, and another source may have stored the same release meanwhile).

Given, read inside the write transaction, the current content hash of every key the changes
name (None for a tombstone; absent when the key is unknown):
- REVISED of a stored key whose hash differs: stays REVISED.
- REVISED whose hash is the stored one (another feed carried the same edit first): SEEN.
- NEW/BASELINE of an unknown key: stays. Of a stored key (a second source raced): SEEN.
- REVISED of an unknown key: NEW, so the release is not lost.
- Anything about a tombstoned key: SEEN (the store writes nothing for it).
Revisions are applied before inserts, as the backends run them, and a key repeated in one
batch sees the effect of its earlier changes.

Annotations (places, matches) are stored only with what is recorded NEW or REVISED, story
links (and the heads of the stories they join) only with what is recorded NEW: see `annotated`.
An item joins a story once, when it is new; a revision keeps the item in its story.
`check_annotations` refuses, before BEGIN, annotations of nothing carried and links that cannot
be right whatever is stored; `check_story_heads`, once the transaction has read which stories
exist but before any write, refuses a link to a story that neither exists nor comes with a head.

The outbox ("nothing is lost"): every match stored with what is recorded NEW or REVISED puts
an alert in the outbox, in the same transaction, `pending` and due now (see `enqueued`):
- REVISED: kind "revision", and only for a subscriber who received an earlier version of the
  same item (an alert of it `sent`, or `merged` into one that was sent); its story is the one
  the item is in. Nobody else hears about an edit of something they were never told.
- NEW joining a story as "development" or "response": kind "development" (sent as a reply).
- NEW joining as "duplicate" (the same release again, from another feed): no alert.
- NEW otherwise ("first", or no story): kind "new".
Matches of one version for one subscriber (several of its subscriptions) make one alert whose
reasons are theirs together, in order. A flood (`annotations.flood`, see bot.ingest.flood)
enqueues none of these: with a notice, each subscriber its matches name gets one alert of kind
"bulk" about its first matched version (no story), saying how many items changed; without,
nothing. Only an active subscriber gets an alert (a paused one
does: the dispatcher holds it). The key (subscriber, item, version, kind) is unique and the
insert does nothing on conflict, so recording a match again enqueues nothing new.

Pure: no I/O. Must not import bot.ingest, bot.channels or bot.delivery.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from bot.models import Annotations, Change, ChangeKind, StoryLink

TOMBSTONE = None
ROLES = frozenset({"first", "development", "duplicate", "response"})
_AS_DEVELOPMENT = frozenset({"development", "response"})


@dataclass(frozen=True)
class Enqueue:
    """An alert record_refresh puts in the outbox, if its subscriber is active and (for a
    "revision") received an earlier version. `story_id` None: the item's stored story, if any."""

    subscriber_id: int
    item_key: str
    content_hash: str
    kind: str  # "new" | "development" | "revision" | "bulk"
    story_id: str | None
    reasons: tuple[str, ...]
    subscription_ids: tuple[int, ...] = ()  # the subscriber's subscriptions that matched
    changed: int = 0  # "bulk": how many items the source changed at once


def recorded(changes: Sequence[Change], stored: Mapping[str, str | None]) -> tuple[Change, ...]:
    """The changes as they will be written (see the module doc)."""
    current = dict(stored)
    kinds = [ChangeKind.SEEN] * len(changes)
    for n, change in enumerate(changes):
        key, new_hash = change.item.key, change.item.content_hash
        if change.kind is ChangeKind.REVISED and current.get(key) not in (TOMBSTONE, new_hash):
            current[key] = new_hash
            kinds[n] = ChangeKind.REVISED
    for n, change in enumerate(changes):
        key = change.item.key
        if change.kind is not ChangeKind.SEEN and key not in current:
            current[key] = change.item.content_hash
            kinds[n] = ChangeKind.NEW if change.kind is ChangeKind.REVISED else change.kind
    return tuple(
        change if change.kind is kind else Change(kind, change.item)
        for change, kind in zip(changes, kinds, strict=True)
    )


def check_annotations(changes: Sequence[Change], annotations: Annotations) -> None:
    """ValueError when an annotation is about something the refresh does not carry: a tag or
    a story link of a key no change names, a match of a version (key + content hash) no change
    holds; or when story links contradict each other (`_check_links`). Such a row could only
    come from a caller's bug, and dropping it quietly would lose an alert or a story."""
    versions = {(c.item.key, c.item.content_hash) for c in changes}
    keys = {key for key, _ in versions}
    for tag in annotations.tags:
        if tag.item_key not in keys:
            raise ValueError(
                f"tag {tag.place_id!r} of item {tag.item_key!r}: no change carries that key"
            )
    for match in annotations.matches:
        if (match.item_key, match.content_hash) not in versions:
            raise ValueError(
                f"match of subscription {match.subscription_id} with item {match.item_key!r} "
                f"version {match.content_hash[:12]!r}: no change carries that version"
            )
    _check_links(keys, annotations)


def _check_links(keys: Collection[str], annotations: Annotations) -> None:
    """A link of a key no change names; two links of one key (which story?); a role the
    schema refuses; two heads of one story; a "first" link (it starts a story) with no head."""
    heads = [story.id for story in annotations.stories]
    if len(set(heads)) != len(heads):
        raise ValueError(f"two heads of one story among {sorted(heads)!r}")
    linked: set[str] = set()
    for link in annotations.links:
        if link.item_key not in keys:
            raise ValueError(f"{_name(link)}: no change carries that key")
        if link.item_key in linked:
            raise ValueError(f"{_name(link)}: the item has another link: it joins one story")
        if link.role not in ROLES:
            raise ValueError(f"{_name(link)}: role {link.role!r} is not one of {sorted(ROLES)}")
        if link.role == "first" and link.story_id not in heads:
            raise ValueError(f"{_name(link)}: it starts the story, whose head is missing")
        linked.add(link.item_key)


def annotated(changes: Sequence[Change], annotations: Annotations) -> Annotations:
    """The annotations to store with `changes` as recorded: tags of the keys recorded NEW or
    REVISED, matches of exactly the versions recorded so, links of the keys recorded NEW and
    the heads of the stories those links join. A NEW that another source stored first comes
    back as SEEN: the winner recorded that release's matches and its place in a story."""
    versions = {(c.item.key, c.item.content_hash) for c in changes if c.kind in _ANNOTATED}
    keys = {key for key, _ in versions}
    new = {c.item.key for c in changes if c.kind is ChangeKind.NEW}
    links = tuple(link for link in annotations.links if link.item_key in new)
    joined = {link.story_id for link in links}
    return Annotations(
        tags=tuple(t for t in annotations.tags if t.item_key in keys),
        matches=tuple(m for m in annotations.matches if (m.item_key, m.content_hash) in versions),
        links=links,
        stories=tuple(s for s in annotations.stories if s.id in joined),
        flood=annotations.flood,
    )


def enqueued(changes: Sequence[Change], annotations: Annotations) -> tuple[Enqueue, ...]:
    """The alerts of `annotations` (as `annotated` kept them) for `changes` as recorded, one
    per (subscriber, version, kind), in the order of their first match (see the module doc)."""
    if annotations.flood is not None:
        return _notices(changes, annotations) if annotations.flood.notice else ()
    kinds = {(c.item.key, c.item.content_hash): c.kind for c in changes if c.kind in _ANNOTATED}
    links = {link.item_key: link for link in annotations.links}
    alerts: dict[tuple[int, str, str, str], Enqueue] = {}
    for m in annotations.matches:
        what = _alert_kind(kinds[(m.item_key, m.content_hash)], links.get(m.item_key))
        if what is None:
            continue
        key = (m.subscriber_id, m.item_key, m.content_hash, what[0])
        known = alerts.get(key)
        reasons = m.reasons if known is None else known.reasons + m.reasons
        subs = (m.subscription_id,) if known is None else (
            *known.subscription_ids, m.subscription_id)
        alerts[key] = Enqueue(*key, what[1], tuple(dict.fromkeys(reasons)),
                              tuple(dict.fromkeys(subs)))
    return tuple(alerts.values())


def _notices(changes: Sequence[Change], annotations: Annotations) -> tuple[Enqueue, ...]:
    """One "bulk" alert per subscriber of the flood's matches, about its first match."""
    assert annotations.flood is not None
    versions = {(c.item.key, c.item.content_hash) for c in changes if c.kind in _ANNOTATED}
    first: dict[int, Enqueue] = {}
    for m in annotations.matches:
        if m.subscriber_id not in first and (m.item_key, m.content_hash) in versions:
            first[m.subscriber_id] = Enqueue(
                m.subscriber_id, m.item_key, m.content_hash, "bulk", None, m.reasons,
                (m.subscription_id,), changed=annotations.flood.changed)
    return tuple(first.values())


def _alert_kind(change: ChangeKind, link: StoryLink | None) -> tuple[str, str | None] | None:
    """(kind, story id) of the alert a match of a version recorded `change` makes, or None
    for no alert. A revision's story is the stored one: left None here."""
    if change is ChangeKind.REVISED:
        return "revision", None
    if link is None:
        return "new", None
    if link.role == "duplicate":
        return None
    return ("development" if link.role in _AS_DEVELOPMENT else "new"), link.story_id


def headless(annotations: Annotations) -> list[str]:
    """Ids of the stories `annotations` link items to without giving their head: they must
    exist already (see `check_story_heads`)."""
    heads = {story.id for story in annotations.stories}
    return list(dict.fromkeys(lk.story_id for lk in annotations.links if lk.story_id not in heads))


def check_story_heads(annotations: Annotations, stored: Collection[str]) -> None:
    """ValueError for a link (of what is recorded) to a story that is neither among `stored`
    (the `headless` ids that exist) nor given a head: there is no title to start it with."""
    for story_id in headless(annotations):
        if story_id not in stored:
            link = next(lk for lk in annotations.links if lk.story_id == story_id)
            raise ValueError(f"{_name(link)}: a new story, and its head is missing")


def _name(link: StoryLink) -> str:
    return f"link of item {link.item_key!r} to story {link.story_id!r}"


_ANNOTATED = (ChangeKind.NEW, ChangeKind.REVISED)
