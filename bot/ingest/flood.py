"""The flood limit: a refresh that changes too many items at once is recorded, not announced.

A newsroom that re-templates its feed rewrites every item it carries (44,000 in one refresh
has been seen): each is a true REVISED, and announcing them would bury subscribers. So when
one refresh has more NEW + REVISED items than `FloodPolicy.limit`:
- every item and revision is still recorded (dedup state stays true: nothing re-alerts later);
- no alert is put in the outbox for any of them, and the console prints none;
- with `notice`, each subscriber one of the changes matched gets ONE alert instead, saying
  the source changed N items at once (kind "bulk");
- the operator is told once: a `flood` warning, and the source's state (`alertbot sources`).
The refresh also skips, for a flood, the work that only serves announcing items one by one:
release pages (full_text) and story clustering.

Pure: no I/O. Must not import bot.channels or bot.delivery.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.models import Change, ChangeKind, Flood

DEFAULT_LIMIT = 25  # a busy refresh of the built-in sources carries a handful


@dataclass(frozen=True)
class FloodPolicy:
    limit: int = DEFAULT_LIMIT  # NEW + REVISED items one refresh may announce one by one
    notice: bool = False  # above it: one notice per subscriber (True) or nothing


def flood_of(changes: Sequence[Change], policy: FloodPolicy) -> Flood | None:
    """The flood `changes` make under `policy`, or None when they may be announced."""
    changed = sum(1 for c in changes if c.kind in (ChangeKind.NEW, ChangeKind.REVISED))
    if changed <= policy.limit:
        return None
    return Flood(changed=changed, limit=policy.limit, notice=policy.notice)
