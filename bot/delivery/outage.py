"""A channel's outage as delivery sees it: whether a send may go now, and for how long a channel
that fails as a whole is left alone.

A send's failure is the channel's (`DeliveryResult.scope == "channel"`: credentials refused,
network down, a 5xx, no answer in time) or its destination's. Only the channel's count here:

    up                    every send goes
    down, until T         nothing goes before T: what was to be sent goes back to the outbox,
                          uncounted and due at T (the channel failed, not the alerts)
    down, T passed        ONE send goes, the probe; the others wait for its answer. Any answer
                          (sent; a 429; a refusal of that destination) means the channel is up
                          again and they all go. Another channel failure: down again, for
                          twice as long (5 s doubling to 5 min by default)

Many sends are in flight when a channel goes down, and they all fail: the first failure starts
the outage, the others (not the probe) neither lengthen it nor count. Any answer ends it,
whoever got it.

Pure: no clock, no sleep, no I/O. Every call is told `now`, the wall clock the outbox's next_at
is written in. Imports nothing from the project.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

SEND, PROBE, WAIT = "send", "probe", "wait"


@dataclass(frozen=True)
class Backoff:
    first: float = 5.0  # seconds a channel is left alone after its first failure
    longest: float = 300.0  # the doubling stops here: a channel back is noticed within this

    def __post_init__(self) -> None:
        if not 0 < self.first <= self.longest:
            raise ValueError(f"channel backoff {self.first!r} s to {self.longest!r} s: "
                             "the first must be some seconds, and not beyond the longest")

    def after(self, failures: int) -> float:
        """Seconds to leave the channel alone after `failures` failed tries in a row."""
        return min(self.longest, self.first * 2.0 ** min(failures - 1, 30))


class Outage:
    def __init__(self, backoff: Backoff | None = None) -> None:
        self.backoff = backoff or Backoff()
        self.failures = 0  # tries that failed in a row: the first failure, then each probe's
        self.until: datetime | None = None  # nothing goes before this while down
        self.reason = ""  # the last failure's
        self._probing = False

    @property
    def down(self) -> bool:
        return self.failures > 0

    def admit(self, now: datetime) -> str | datetime:
        """SEND; PROBE (the one send that finds out, now the wait is over); WAIT (for the
        probe's answer, then ask again); or the time before which nothing goes."""
        if not self.failures:
            return SEND
        if self.until is not None and now < self.until:
            return self.until
        if self._probing:
            return WAIT
        self._probing = True
        return PROBE

    def failed(self, now: datetime, reason: str, *, probe: bool) -> datetime:
        """A send failed for the channel: when the channel is tried again."""
        if probe or not self.failures:
            self.failures += 1
            self.until = now + timedelta(seconds=self.backoff.after(self.failures))
        self._probing = self._probing and not probe
        self.reason = reason
        assert self.until is not None
        return self.until

    def answered(self) -> int:
        """The channel answered a send: it is up. How many failed tries in a row this ends."""
        ended, self.failures, self.until, self._probing = self.failures, 0, None, False
        return ended

    def abandoned(self, *, probe: bool) -> None:
        """A send admitted and never made (the worker is stopping): it told nothing."""
        if probe:
            self._probing = False
