"""A source's health, decided once for every surface: from its stored state, the polling
policy and `now`. Pure: no I/O, no clock of its own.

| stored state                                  | state        | healthy |
|-----------------------------------------------|--------------|---------|
| none (never polled)                           | never_polled | yes     |
| its url answered 410 Gone (bot.ingest.waiting) | disabled     | no      |
| ≥ [polling] unhealthy_after failures in a row  | unhealthy    | no      |
| fewer failures in a row, at least one         | failing      | yes     |
| no failure                                    | healthy      | yes     |

A failing or unhealthy source whose next check is still ahead says why it waits longer than
its interval: the server's Retry-After, or the backoff after failures.

Must not import bot.store, bot.channels, bot.delivery or bot.web.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from bot.ingest import schedule, waiting
from bot.models import Source, SourceState
from bot.reading.models import Health, SourceHealth, Wait


def source_health(source: Source, state: SourceState | None, policy: schedule.PollPolicy,
                  now: datetime) -> SourceHealth:
    named = {"id": source.id, "name": source.name or source.id, "kind": source.kind,
             "agency": source.agency}
    if state is None:
        return SourceHealth(state=Health.NEVER_POLLED, **named)
    failures = state.consecutive_failures
    off = waiting.disabled(state, source)
    return SourceHealth(
        state=_state(failures, off, policy), failures=failures,
        last_outcome=state.last_outcome, last_attempt=state.last_attempt,
        last_success=state.last_success, last_error=state.last_error if failures else None,
        next_check=None if off else state.next_check,
        waiting=None if off else _waiting(state, now),
        disabled_since=state.disabled_since if off else None,
        held_back=state.held_back, held_back_at=state.held_back_at if state.held_back else None,
        **named)


def sources_health(sources: Iterable[Source], states: Mapping[str, SourceState],
                   policy: schedule.PollPolicy, now: datetime) -> list[SourceHealth]:
    """Every configured source, in the configuration's order (a stored state of a source no
    longer configured is not shown)."""
    return [source_health(s, states.get(s.id), policy, now) for s in sources]


def _state(failures: int, disabled: bool, policy: schedule.PollPolicy) -> Health:
    if disabled:
        return Health.DISABLED
    if not failures:
        return Health.HEALTHY
    return Health.FAILING if schedule.is_healthy(failures, policy) else Health.UNHEALTHY


def _waiting(state: SourceState, now: datetime) -> Wait | None:
    if not state.consecutive_failures or state.next_check is None or state.next_check <= now:
        return None
    return Wait.RETRY_AFTER if state.wait_reason == waiting.RETRY_AFTER else Wait.BACKOFF


def as_json(health: SourceHealth) -> dict[str, Any]:
    """A source in the /healthz body: the fields it always had (healthy, failures,
    last_outcome, last_success, last_error), then the state and what it waits for."""
    return {
        "healthy": health.healthy, "failures": health.failures,
        "last_outcome": health.last_outcome, "last_success": _iso(health.last_success),
        "last_error": health.last_error, "state": health.state.value,
        "next_check": _iso(health.next_check),
        "waiting": health.waiting.value if health.waiting else None,
        "disabled_since": _iso(health.disabled_since), "held_back": health.held_back,
    }


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when is not None else None
