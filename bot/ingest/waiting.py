"""Whether a source waits before its next poll, and why, in words. Pure: `now` comes in.

A source waits while its stored `next_check` is in the future: because the server asked
(Retry-After), because it failed and backs off, or just its interval (`bot.ingest.schedule`
decides how long). It is disabled once its address answers 410 Gone: not polled again while
its configured url is that address, until a forced poll (`alertbot poll --once --force
--source ID`) succeeds. `run` and `poll --once` honour both; `--force` overrides them.

Must not import bot.store, bot.channels or bot.delivery.
"""

from __future__ import annotations

from datetime import datetime

from bot.models import Outcome, Source, SourceState
from bot.timetext import duration, moment

RETRY_AFTER = "the server asked to wait: Retry-After"


def wait_reason(outcome: Outcome, failures: int, retry_after: float | None) -> str | None:
    """Why the poll after this outcome waits as long as it does; None for the usual interval."""
    if not outcome.is_failure:
        return None
    if outcome is Outcome.RATE_LIMITED and retry_after is not None:
        return RETRY_AFTER
    return f"backing off after {failures} failure{'s' if failures != 1 else ''} in a row"


def disabled(state: SourceState | None, source: Source) -> bool:
    """Disabled by a 410 Gone from the address the source still has."""
    return state is not None and state.disabled_url is not None and state.disabled_url == source.url


def disabled_after(
    prev: SourceState, url: str, outcome: Outcome, now: datetime
) -> tuple[str | None, datetime | None]:
    """(disabled_url, disabled_since) once a poll of `url` ended in `outcome`: a 410 disables
    (since the first one), a success enables, any other failure changes nothing."""
    if outcome is Outcome.GONE:
        return url, (prev.disabled_since if prev.disabled_url == url else None) or now
    if not outcome.is_failure:
        return None, None
    return prev.disabled_url, prev.disabled_since


def disabled_text(state: SourceState) -> str:
    return gone_text(state.disabled_since)


def gone_text(since: datetime | None) -> str:
    """How a source disabled by a 410 Gone (since `since`) is shown."""
    return f"DISABLED: 410 Gone{f' since {moment(since)}' if since else ''}"


def retry_hint(source_id: str) -> str:
    return f"`alertbot poll --once --force --source {source_id}` tries it again"


def skip_reason(source: Source, state: SourceState | None, now: datetime) -> str | None:
    """Why a poll that honours schedules leaves the source alone now; None: poll it."""
    if state is None:
        return None
    if disabled(state, source):
        return f"{disabled_text(state)}; {retry_hint(source.id)}"
    if state.next_check is None or state.next_check <= now:
        return None
    wait = (state.next_check - now).total_seconds()
    why = state.wait_reason or "not due yet"
    return f"next check at {moment(state.next_check, now)} (in {duration(wait)}; {why})"
