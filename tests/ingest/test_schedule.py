"""schedule.py is pure: every rule is a row in a table, plus properties over all inputs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.ingest.schedule import (
    Activity,
    PollPolicy,
    brought_forward,
    delay_for,
    failures_after,
    is_healthy,
    next_check,
    not_before_seconds,
)
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
        # Jitter never polls before a server hint. A freshness hint that decides is kept
        # exactly: the copy changes as it expires (a CDN's: polled as each copy expires).
        (dict(outcome=OK, failures=0, max_age=1000), 0.0, 1000),
        (dict(outcome=OK, failures=0, max_age=1000), 1.0, 1000),
        (dict(outcome=NM, failures=0, ttl=1000), 1.0, 1000),
        # ... and so does one that ends within the band: a CDN's copy, 20 s into max-age=300
        (dict(outcome=OK, failures=0, max_age=280), 1.0, 280),
        (dict(outcome=OK, failures=0, max_age=260), 1.0, 330),  # below the band: ours
        (dict(outcome=OK, failures=0, max_age=260), 0.0, 270),
        # A Retry-After is spread upward: the server may have told many clients the same.
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
     dict(unhealthy_after=0), dict(default_interval=0), dict(developing_interval=0),
     dict(quiet_factor=0.5), dict(night_factor=0), dict(night_start=24), dict(night_end=-1)],
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


# -- the adaptive pace: toward the story, slower when quiet or at night ---------------------

NY, LA = ZoneInfo("America/New_York"), ZoneInfo("America/Los_Angeles")
NOON = datetime(2026, 2, 12, 17, 0, tzinfo=UTC)  # 12:00 in New York, 09:00 in Los Angeles
LATE = datetime(2026, 2, 13, 4, 30, tzinfo=UTC)  # 23:30 in New York, 20:30 in Los Angeles


def ago(hours: float, now: datetime = NOON) -> datetime:
    return now - timedelta(hours=hours)


CALM = Activity(last_release=ago(20), zone=NY)  # released yesterday, no story moving


@pytest.mark.parametrize(
    ("case", "kwargs", "activity", "now", "expected"),
    [
        ("calm: the base interval", dict(outcome=OK), CALM, NOON, 300),
        ("own release an hour ago: developing", dict(outcome=OK),
         Activity(last_release=ago(1), zone=NY), NOON, 60),
        ("another agency answered 10 min ago", dict(outcome=OK),
         Activity(last_release=ago(30), developed=ago(1 / 6), zone=NY), NOON, 60),
        ("developing is over after 3 h", dict(outcome=OK),
         Activity(last_release=ago(20), developed=ago(3.1), zone=NY), NOON, 300),
        ("a future release (clock stepped back) still counts", dict(outcome=OK),
         Activity(last_release=NOON + timedelta(minutes=5), zone=NY), NOON, 60),
        ("a 304 keeps the story's pace", dict(outcome=NM),
         Activity(developed=ago(0.5), zone=NY), NOON, 60),
        ("developing speeds up a slow source", dict(outcome=OK, interval=900),
         Activity(developed=ago(0.5), zone=NY), NOON, 60),
        ("developing never polls under max-age", dict(outcome=OK, max_age=300),
         Activity(developed=ago(0.5), zone=NY), NOON, 300),
        ("developing never polls under the rss ttl", dict(outcome=NM, ttl=600),
         Activity(developed=ago(0.5), zone=NY), NOON, 600),
        ("developing never polls under Retry-After", dict(outcome=RL, failures=1,
                                                          retry_after=240),
         Activity(developed=ago(0.5), zone=NY), NOON, 240),
        ("developing never shortens a backoff", dict(outcome=SE, failures=2),
         Activity(developed=ago(0.5), zone=NY), NOON, 600),
        ("developing never retries an unhealthy source sooner", dict(outcome=SE, failures=5),
         Activity(developed=ago(0.5), zone=NY), NOON, 3600),
        ("quiet for 3 days", dict(outcome=OK), Activity(last_release=ago(72), zone=NY),
         NOON, 1200),
        ("quiet slows a source's own interval", dict(outcome=OK, interval=600),
         Activity(last_release=ago(72), zone=NY), NOON, 2400),
        ("unknown last release is not quiet", dict(outcome=OK), Activity(zone=NY), NOON, 300),
        ("a story that called on it yesterday: not quiet, whatever its own silence",
         dict(outcome=OK), Activity(last_release=ago(72), developed=ago(20), zone=NY), NOON,
         300),
        ("quiet again once that story too is two days still", dict(outcome=OK),
         Activity(last_release=ago(96), developed=ago(50), zone=NY), NOON, 1200),
        ("night in the source's zone", dict(outcome=OK),
         Activity(last_release=ago(20, LATE), zone=NY), LATE, 900),
        ("the same moment is evening in Los Angeles", dict(outcome=OK),
         Activity(last_release=ago(20, LATE), zone=LA), LATE, 300),
        ("a developing story beats night", dict(outcome=OK),
         Activity(developed=ago(1, LATE), zone=NY), LATE, 60),
        ("no night while a story about its jurisdiction awaits its answer", dict(outcome=OK),
         Activity(last_release=ago(8, LATE), developed=ago(5, LATE), about=ago(5, LATE),
                  zone=NY), LATE, 300),
        ("night again once it has answered", dict(outcome=OK),
         Activity(last_release=ago(4, LATE), developed=ago(4, LATE), about=ago(5, LATE),
                  zone=NY), LATE, 900),
        ("night again once that story is two days still", dict(outcome=OK),
         Activity(last_release=ago(60, LATE), developed=ago(47, LATE), about=ago(49, LATE),
                  zone=NY), LATE, 900),
        ("quiet and night: the slower", dict(outcome=OK),
         Activity(last_release=ago(72, LATE), zone=NY), LATE, 1200),
        ("quiet beyond the ceiling waits the ceiling", dict(outcome=OK, interval=86400),
         Activity(last_release=ago(72), zone=NY), NOON, 3600),
        ("night does not touch a failure", dict(outcome=SE, failures=1),
         Activity(last_release=ago(20, LATE), zone=NY), LATE, 300),
    ],
)
def test_adaptive_pace(case, kwargs, activity, now, expected):
    kwargs = {"failures": 0, **kwargs}
    assert delay_for(P, activity=activity, now=now, **kwargs) == expected, case
    assert next_check(P, now=now, activity=activity, **kwargs) == now + timedelta(
        seconds=expected), case


def test_adaptive_off_keeps_the_fixed_interval():
    fixed = PollPolicy(adaptive=False)
    for activity, now in [(Activity(developed=ago(0.5)), NOON),
                          (Activity(last_release=ago(72), zone=NY), LATE)]:
        assert delay_for(fixed, outcome=OK, failures=0, activity=activity, now=now) == 300


@pytest.mark.parametrize(
    ("policy", "activity", "now", "expected"),
    [
        (PollPolicy(developing_interval=10), Activity(developed=ago(0.1)), NOON, 60),  # floor
        (PollPolicy(night_start=0, night_end=0), Activity(zone=NY), LATE, 300),  # no night
        (PollPolicy(night_start=1, night_end=5), Activity(zone=NY), LATE, 300),  # 23:30
        (PollPolicy(quiet_factor=20, ceiling=3600), Activity(last_release=ago(72)), NOON, 3600),
        (PollPolicy(quiet_factor=1, night_factor=1), Activity(last_release=ago(72), zone=NY),
         LATE, 300),
        (PollPolicy(developing_for=600), Activity(developed=ago(0.25)), NOON, 300),
    ],
)
def test_adaptive_knobs(policy, activity, now, expected):
    assert delay_for(policy, outcome=OK, failures=0, activity=activity, now=now) == expected


DUE = NOON + timedelta(minutes=25)  # a calm interval being waited out


@pytest.mark.parametrize(
    ("case", "kwargs", "expected"),
    [
        ("polled 2 min ago: due now", dict(last_attempt=ago(2 / 60)), NOON),
        ("polled 20 s ago: a minute after it", dict(last_attempt=NOON - timedelta(seconds=20)),
         NOON + timedelta(seconds=40)),
        ("never before the server's max-age", dict(
            last_attempt=ago(1 / 60), not_before=NOON + timedelta(minutes=4)),
         NOON + timedelta(minutes=4)),
        ("a past not-before changes nothing", dict(
            last_attempt=ago(1 / 60), not_before=ago(1)), NOON),
        ("already due sooner", dict(last_attempt=NOON - timedelta(seconds=20),
                                   due=NOON + timedelta(seconds=5)),
         NOON + timedelta(seconds=5)),
        ("backing off: unchanged", dict(last_attempt=ago(1 / 60), outcome=SE, failures=2), DUE),
        ("rate limited: unchanged", dict(last_attempt=ago(1 / 60), outcome=RL, failures=1,
                                         not_before=NOON + timedelta(hours=2)), DUE),
        ("unhealthy: unchanged", dict(last_attempt=ago(1 / 60), outcome=TO, failures=7), DUE),
        ("never polled: unchanged", dict(last_attempt=None, outcome=None), DUE),
    ],
)
def test_brought_forward(case, kwargs, expected):
    kwargs = {"due": DUE, "outcome": NM, "failures": 0, "not_before": None, **kwargs}
    assert brought_forward(P, now=NOON, **kwargs) == expected, case
    assert brought_forward(PollPolicy(adaptive=False), now=NOON, **kwargs) == kwargs["due"]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (dict(outcome=OK, failures=0, max_age=300, ttl=600), 600),
        (dict(outcome=NM, failures=0), 0),
        (dict(outcome=RL, failures=1, retry_after=120), 120),
        (dict(outcome=RL, failures=5, retry_after=120), 0),  # unhealthy: the ceiling rules
        (dict(outcome=SE, failures=1, retry_after=120, max_age=50), 0),
    ],
)
def test_not_before_seconds(kwargs, expected):
    assert not_before_seconds(policy=P, **kwargs) == expected


times = st.none() | st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 3, 1),
                                 timezones=st.just(UTC))
activities = st.none() | st.builds(Activity, last_release=times, developed=times,
                                   zone=st.sampled_from([UTC, NY, LA]))


@given(outcome=st.sampled_from(list(Outcome)), failures=st.integers(0, 100), interval=hints,
       max_age=hints, ttl=hints, retry_after=hints, rand=st.floats(0, 1),
       activity=activities, now=times.filter(lambda t: t is not None))
def test_adaptive_always_within_floor_and_ceiling_and_after_hints(
        outcome, failures, interval, max_age, ttl, retry_after, rand, activity, now):
    delay = delay_for(P, outcome=outcome, failures=failures, interval=interval, max_age=max_age,
                      ttl=ttl, retry_after=retry_after, rand=rand, activity=activity, now=now)
    assert P.floor <= delay <= P.ceiling
    hint = not_before_seconds(outcome=outcome, failures=failures, policy=P, max_age=max_age,
                              ttl=ttl, retry_after=retry_after)
    assert delay >= min(hint, P.ceiling)
