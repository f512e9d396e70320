"""schedule.py is pure: every rule is a row in a table, plus properties over all inputs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.ingest.schedule import PollPolicy, delay_for, failures_after, is_healthy, next_check
from bot.models import Outcome

P = PollPolicy()  # floor 60, ceiling 3600, default 300, jitter 0.1, unhealthy after 5
NOW = datetime(2026, 2, 12, 9, 0, tzinfo=UTC)
OK, NM, RL = Outcome.OK, Outcome.NOT_MODIFIED, Outcome.RATE_LIMITED
SE, TO = Outcome.SERVER_ERROR, Outcome.TIMEOUT


@pytest.mark.parametrize(
    ("case", "kwargs", "expected"),
    [
        # success: the base interval, never before a server hint expires
        ("default interval", dict(outcome=OK, failures=0), 300),
        ("source interval", dict(outcome=OK, failures=0, interval=900), 900),
        ("zero interval means default", dict(outcome=OK, failures=0, interval=0), 300),
        ("not modified is success", dict(outcome=NM, failures=0, interval=120), 120),
        ("max-age longer than interval", dict(outcome=OK, failures=0, max_age=600), 600),
        ("max-age shorter: interval", dict(outcome=OK, failures=0, max_age=30), 300),
        ("no-cache max-age 0: interval", dict(outcome=OK, failures=0, max_age=0), 300),
        ("rss ttl in seconds", dict(outcome=NM, failures=0, ttl=1800), 1800),
        ("largest hint wins", dict(outcome=OK, failures=0, max_age=900, ttl=1200), 1200),
        ("hint beyond ceiling", dict(outcome=OK, failures=0, ttl=86400), 3600),
        ("interval below floor", dict(outcome=OK, failures=0, interval=10), 60),
        ("interval above ceiling", dict(outcome=OK, failures=0, interval=7200), 3600),
        ("negative hint ignored", dict(outcome=OK, failures=0, max_age=-5), 300),
        # rate limited: the server's Retry-After, clamped
        ("retry-after", dict(outcome=RL, failures=1, retry_after=120), 120),
        ("retry-after below floor", dict(outcome=RL, failures=1, retry_after=5), 60),
        ("retry-after beyond ceiling", dict(outcome=RL, failures=1, retry_after=86400), 3600),
        ("rate limited, no retry-after", dict(outcome=RL, failures=2), 600),
        ("retry-after ignored on 5xx", dict(outcome=SE, failures=1, retry_after=1000), 300),
        ("max-age ignored on failure", dict(outcome=SE, failures=1, max_age=3000), 300),
        # failures: exponential backoff from the base, then the ceiling when unhealthy
        ("1st failure", dict(outcome=SE, failures=1), 300),
        ("2nd failure", dict(outcome=TO, failures=2), 600),
        ("3rd failure", dict(outcome=TO, failures=3), 1200),
        ("4th failure", dict(outcome=SE, failures=4), 2400),
        ("backoff from source interval", dict(outcome=SE, failures=3, interval=60), 240),
        ("unhealthy", dict(outcome=SE, failures=5), 3600),
        ("unhealthy, short interval", dict(outcome=SE, failures=5, interval=60), 3600),
        ("unhealthy beats retry-after", dict(outcome=RL, failures=9, retry_after=120), 3600),
        ("huge failure count", dict(outcome=SE, failures=10_000), 3600),
        ("failure counted as 0", dict(outcome=SE, failures=0), 300),
    ],
)
def test_delay_rules(case, kwargs, expected):
    assert delay_for(P, **kwargs) == expected, case
    assert next_check(P, now=NOW, **kwargs) == NOW + timedelta(seconds=expected), case


@pytest.mark.parametrize(
    ("kwargs", "rand", "expected"),
    [
        (dict(outcome=OK, failures=0), 0.0, 270),  # -10 %
        (dict(outcome=OK, failures=0), 1.0, 330),  # +10 %
        (dict(outcome=OK, failures=0), 0.75, 315),
        (dict(outcome=OK, failures=0), -3.0, 270),  # rand outside [0, 1] is clamped
        (dict(outcome=OK, failures=0), float("nan"), 300),
        (dict(outcome=SE, failures=2), 0.0, 540),  # backoff is jittered too
        (dict(outcome=OK, failures=0, interval=60), 0.0, 60),  # never under the floor
        (dict(outcome=SE, failures=5), 1.0, 3600),  # never over the ceiling
        (dict(outcome=SE, failures=5), 0.0, 3240),  # unhealthy sources spread below it
        # Jitter never polls before a server hint: it only spreads upward from it.
        (dict(outcome=OK, failures=0, max_age=1000), 0.0, 1000),
        (dict(outcome=OK, failures=0, max_age=1000), 1.0, 1100),
        (dict(outcome=RL, failures=1, retry_after=120), 0.0, 120),
        (dict(outcome=RL, failures=1, retry_after=120), 1.0, 132),
    ],
)
def test_jitter(kwargs, rand, expected):
    assert delay_for(P, rand=rand, **kwargs) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("previous", "outcome", "expected"),
    [
        (0, OK, 0), (7, OK, 0), (7, NM, 0), (0, SE, 1), (4, TO, 5), (2, RL, 3),
        (0, Outcome.UNPARSEABLE, 1), (3, Outcome.TOO_LARGE, 4), (-1, SE, 1),
    ],
)
def test_failures_after(previous, outcome, expected):
    assert failures_after(previous, outcome) == expected


def test_health_threshold():
    assert [is_healthy(n, P) for n in range(4, 7)] == [True, False, False]
    assert is_healthy(0, PollPolicy(unhealthy_after=1))
    assert not is_healthy(1, PollPolicy(unhealthy_after=1))


@pytest.mark.parametrize(
    "kwargs",
    [dict(floor=0), dict(floor=100, ceiling=50), dict(jitter=1.0), dict(jitter=-0.1),
     dict(unhealthy_after=0), dict(default_interval=0)],
)
def test_policy_rejects_nonsense(kwargs):
    with pytest.raises(ValueError):
        PollPolicy(**kwargs)


hints = st.none() | st.floats(allow_nan=True, allow_infinity=True)


@given(
    outcome=st.sampled_from(list(Outcome)), failures=st.integers(0, 100),
    interval=hints, max_age=hints, ttl=hints, retry_after=hints, rand=st.floats(0, 1),
)
def test_always_within_floor_and_ceiling(outcome, failures, interval, max_age, ttl,
                                         retry_after, rand):
    delay = delay_for(P, outcome=outcome, failures=failures, interval=interval,
                      max_age=max_age, ttl=ttl, retry_after=retry_after, rand=rand)
    assert P.floor <= delay <= P.ceiling


@given(hint=st.floats(0, 10_000), rand=st.floats(0, 1), interval=st.floats(1, 10_000))
def test_success_never_polls_before_hint_or_ceiling(hint, rand, interval):
    delay = delay_for(P, outcome=OK, failures=0, interval=interval, max_age=hint, rand=rand)
    assert delay >= min(hint, P.ceiling)


@given(failures=st.integers(1, 3), rand=st.floats(0, 1))
def test_backoff_never_shrinks_as_failures_grow(failures, rand):
    now = delay_for(P, outcome=SE, failures=failures, rand=rand)
    assert delay_for(P, outcome=SE, failures=failures + 1, rand=rand) >= now
