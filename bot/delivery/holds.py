"""What becomes of a destination's claimed alerts before anything is sent: which go now, which
wait (and until when, and why), and which are dropped (and why).

In order, for one subscriber:
- paused: everything waits, until /resume releases it;
- inside quiet hours (in their time zone): everything waits until the hours end;
- a story they muted: dropped;
- every subscription that matched has since been removed (/unsubscribe): dropped — they no
  longer asked for it (an alert from before subscriptions were recorded on alerts is kept);
- every subscription still matching is a digest: it waits for the next digest (daily before
  weekly, when both), unless it already waited for one (released by hand, it is decided
  afresh);
- the rest goes now.

Pure: no I/O, `now` passed in. Must not import bot.store, bot.channels or bot.ingest.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.delivery.quiet import digest_due, quiet_until
from bot.models import Alert
from subscriptions.models import Mute, Subscriber, Subscription

HOLD_WHILE_PAUSED = timedelta(days=3650)  # released by /resume, which makes them due at once
# An alert that waited for its digest is sent when the digest comes due, never held again. One
# released by hand (/resume, /digest off) is decided afresh: if a subscription that matched it
# is instant now it goes, if they are all still digests it waits for the next one.
_DIGEST_CAME = "digest"


@dataclass(frozen=True)
class Plan:
    send: tuple[Alert, ...] = ()
    held: tuple[tuple[datetime, str, tuple[Alert, ...]], ...] = ()  # (until, why, alerts)
    dropped: tuple[tuple[str, tuple[Alert, ...]], ...] = ()  # (why, alerts)
    digest: bool = False  # what is sent is a digest that came due


def plan(alerts: Sequence[Alert], subscriber: Subscriber | None,
         subscriptions: Iterable[Subscription], mutes: Iterable[Mute],
         now: datetime) -> Plan:
    if subscriber is None:  # nothing known to hold them by
        return Plan(send=tuple(alerts))
    if subscriber.paused:
        return Plan(held=((now + HOLD_WHILE_PAUSED, "paused", tuple(alerts)),))
    quiet = quiet_until(now, subscriber.timezone, subscriber.quiet_hours)
    if quiet is not None:
        return Plan(held=((quiet, "quiet hours", tuple(alerts)),))
    muted = {m.story_id for m in mutes if m.until is None or m.until > now}
    modes = {s.id: s.mode for s in subscriptions}
    send: list[Alert] = []
    dropped: dict[str, list[Alert]] = {}
    waiting: dict[datetime, list[Alert]] = {}
    for alert in alerts:
        if alert.story_id is not None and alert.story_id in muted:
            dropped.setdefault("story muted", []).append(alert)
            continue
        live = [modes[i] for i in alert.subscription_ids if i in modes]
        if alert.subscription_ids and not live:
            dropped.setdefault("unsubscribed", []).append(alert)
            continue
        period = _period(live)
        if period is None or alert.held_for == _DIGEST_CAME:
            send.append(alert)
            continue
        due = digest_due(now, subscriber.timezone, period, subscriber.digest_at)
        waiting.setdefault(due, []).append(alert)
    return Plan(
        send=tuple(send),
        held=tuple((until, "digest", tuple(xs)) for until, xs in waiting.items()),
        dropped=tuple((why, tuple(xs)) for why, xs in dropped.items()),
        digest=any(a.held_for == _DIGEST_CAME for a in send),
    )


def _period(modes: Sequence[str]) -> str | None:
    """The digest the alert waits for: none if any matching subscription is instant (or
    none is known), else the sooner one."""
    if not modes or "instant" in modes or not set(modes) <= {"daily", "weekly"}:
        return None
    return "daily" if "daily" in modes else "weekly"
