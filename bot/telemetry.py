"""What the running worker observed, kept in memory for /metrics and /healthz, and the verdict
/healthz gives.

`Recorder` counts fetch outcomes per source, items ingested by kind, alerts delivered by kind
and their publish → delivery latency (a histogram), and keeps each channel's `ChannelStatus`.
The composition root makes one per worker and hands it to the refresh-report callback, the
dispatcher and the channels: nothing here is global, nothing does I/O. `assess` is pure: from
whether the store answered, the sources' health and the channels' states, it says "ok" or
"degraded", and why.

Latency is measured from the release's published date, or — when the feed gave none, or for a
revision — from when the alert was recorded (the version first seen), to the send being
recorded. Alerts that waited by the subscriber's choice (quiet hours, a pause, a digest) are
counted by kind but not timed: their wait is not the pipeline's.

Imports only bot.models: no prometheus, no aiohttp, no platform library.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.models import Alert, ChangeKind, DeliveryResult, RefreshReport

LATENCY_BUCKETS = (5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, 7200.0,
                   21600.0, 86400.0)  # seconds: from "as it happens" to "a day late"
INGESTED = (ChangeKind.NEW, ChangeKind.REVISED, ChangeKind.BASELINE)
STARTING, OK, UNREACHABLE, REJECTED = "starting", "ok", "unreachable", "rejected"
HINTS = {
    "store": "check [storage] url, and that the database is there, writable and not full",
    "sources": "check this host's network, DNS and proxy (`alertbot sources` shows each error)",
    REJECTED: "check the channel's token",
    UNREACHABLE: "check this host's network and the channel's base_url; retrying meanwhile",
}


class ChannelStatus:
    """One channel as the worker last saw it: starting → ok ⇄ unreachable; rejected (the
    platform refused our credentials) stays until a send goes through again (the token was
    only refused for a while) or a restart with a new token; no mere outage hides it."""

    def __init__(self, clock: Callable[[], datetime], secrets: Iterable[str] = ()) -> None:
        self._clock = clock
        self._secrets = tuple(s for s in secrets if s)
        self.state = STARTING
        self.since = clock()
        self.error: str | None = None
        self.last_ok: datetime | None = None

    def ok(self) -> None:
        self._become(OK, None)
        self.last_ok = self._clock()

    def failed(self, error: str) -> None:
        if self.state != REJECTED:
            self._become(UNREACHABLE, error)

    def rejected(self, error: str) -> None:
        self._become(REJECTED, error)

    def sent(self, result: DeliveryResult) -> None:
        """A send's answer says whether the channel works: it failed as a whole (our token
        refused; network down, timed out, a 5xx), or it answered for the destination (sent,
        rate limited, refused for that chat)."""
        if result.scope != "channel":
            self.ok()
        elif result.rejected:
            self.rejected(result.reason or "credentials refused")
        else:
            self.failed(result.reason or "no answer")

    def report(self) -> dict[str, Any]:
        return {"state": self.state, "since": _iso(self.since), "last_error": self.error,
                "last_ok": _iso(self.last_ok)}

    def _become(self, state: str, error: str | None) -> None:
        if state != self.state:
            self.state, self.since = state, self._clock()
        self.error = self.scrub(error) if error is not None else None

    def scrub(self, text: str) -> str:
        for secret in self._secrets:  # an error may quote a URL, and bot URLs carry the token
            text = text.replace(secret, "<redacted>")
        return text


@dataclass(frozen=True)
class Observed:
    """A copy of the recorder's counts, for one scrape."""

    fetches: Mapping[tuple[str, str], int]  # (source, outcome) -> refreshes
    items: Mapping[str, int]  # new | revised | baseline -> items ingested
    alerts: Mapping[str, int]  # new | development | revision -> alerts delivered
    latency: tuple[tuple[float, int], ...]  # (upper bound in seconds, cumulative count)
    latency_sum: float
    latency_count: int


class Recorder:
    def __init__(self, clock: Callable[[], datetime], secrets: Iterable[str] = ()) -> None:
        self._clock = clock
        self._secrets = tuple(secrets)
        self._fetches: Counter[tuple[str, str]] = Counter()
        self._items: Counter[str] = Counter()
        self._alerts: Counter[str] = Counter()
        self._buckets = [0] * len(LATENCY_BUCKETS)
        self._sum = 0.0
        self._count = 0
        self.channels: dict[str, ChannelStatus] = {}

    def channel(self, name: str) -> ChannelStatus:
        if name not in self.channels:
            self.channels[name] = ChannelStatus(self._clock, self._secrets)
        return self.channels[name]

    def refreshed(self, report: RefreshReport) -> None:
        self._fetches[(report.source_id, report.outcome.value)] += 1
        for change in report.changes:
            if change.kind in INGESTED:
                self._items[change.kind.value] += 1

    def delivered(self, alert: Alert, published: datetime | None, at: datetime) -> None:
        self._alerts[alert.kind] += 1
        if alert.released:
            return
        began = published if published is not None and alert.kind != "revision" else (
            alert.created_at)
        if began is None:
            return
        seconds = max(0.0, (at - began).total_seconds())  # a feed's clock may run ahead
        self._sum += seconds
        self._count += 1
        for i, bound in enumerate(LATENCY_BUCKETS):
            if seconds <= bound:
                self._buckets[i] += 1
                break

    def observed(self) -> Observed:
        cumulative, total = [], 0
        for bound, n in zip(LATENCY_BUCKETS, self._buckets, strict=True):
            total += n
            cumulative.append((bound, total))
        return Observed(dict(self._fetches), dict(self._items), dict(self._alerts),
                        tuple(cumulative), self._sum, self._count)


def assess(store_ok: bool, sources: Mapping[str, Mapping[str, Any]],
           channels: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The /healthz body: "degraded" when the store does not answer, when every source is
    unhealthy (or disabled by a 410 Gone), or when a channel was rejected or is unreachable —
    each a line in `problems` saying what to check. Failing and disabled sources short of
    that, and channels still starting, are listed in `warnings` and the worker is still "ok".
    `sources`: each source as bot.reading.health.as_json gives it."""
    problems: list[str] = []
    warnings: list[str] = []
    if not store_ok:
        problems.append(f"store: unreachable — {HINTS['store']}")
    failing = {sid: s for sid, s in sources.items()
               if s.get("failures") or s.get("state") == "disabled"}
    unhealthy = [sid for sid, s in sources.items() if not s["healthy"]]
    if store_ok and sources and len(unhealthy) == len(sources):
        why = "; ".join(f"{sid}: {sources[sid].get('last_error') or 'failing'}"
                        for sid in unhealthy)
        problems.append(f"sources: every source is failing ({why}) — {HINTS['sources']}")
    else:
        warnings.extend(_source_warning(sid, s) for sid, s in failing.items())
    for name, ch in channels.items():
        if ch["state"] in (REJECTED, UNREACHABLE):
            problems.append(f"{name}: {ch['state']} since {ch['since']}: {ch['last_error']} — "
                            f"{HINTS[ch['state']]}")
        elif ch["state"] == STARTING:
            warnings.append(f"{name}: starting, not connected yet")
    return {"status": "degraded" if problems else "ok", "problems": problems,
            "warnings": warnings, "store": "ok" if store_ok else "unreachable",
            "sources": dict(sources), "channels": dict(channels)}


def _source_warning(sid: str, source: Mapping[str, Any]) -> str:
    detail = source.get("last_error") or "no detail"
    if source.get("state") == "disabled":
        return (f"source {sid}: disabled since {source.get('disabled_since')}, its address "
                f"answered 410 Gone ({detail}) — `alertbot poll --once --force --source {sid}` "
                "tries it again")
    return (f"source {sid}: {'unhealthy' if not source['healthy'] else 'failing'}, "
            f"{source['failures']} failed polls in a row ({detail})")


def _iso(when: datetime | None) -> str | None:
    return when.isoformat().replace("+00:00", "Z") if when is not None else None
