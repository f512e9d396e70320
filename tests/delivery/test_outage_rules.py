"""The channel outage's rules, case by case (`bot.delivery.outage` is pure: `now` is handed in).
The dispatcher living through an outage against the fake Bot API: test_outage.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.delivery.outage import PROBE, SEND, WAIT, Backoff, Outage

T0 = datetime(2026, 2, 6, 19, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_a_channel_up_lets_every_send_go() -> None:
    outage = Outage()
    assert [outage.admit(at(0)) for _ in range(3)] == [SEND] * 3 and not outage.down


def test_the_first_failure_holds_everything_back_until_the_backoff_ends() -> None:
    outage = Outage()
    until = outage.failed(at(0), "Bad Gateway", probe=False)
    assert until == at(5) and outage.down and outage.reason == "Bad Gateway"
    assert outage.admit(at(4.999)) == at(5)


def test_the_sends_in_flight_when_it_went_down_neither_lengthen_it_nor_count() -> None:
    outage = Outage()
    outage.failed(at(0), "Bad Gateway", probe=False)
    assert outage.failed(at(0.5), "Timed out", probe=False) == at(5)
    assert outage.failures == 1


def test_after_the_wait_one_probe_goes_and_the_others_wait_for_its_answer() -> None:
    outage = Outage()
    outage.failed(at(0), "Bad Gateway", probe=False)
    assert outage.admit(at(5)) == PROBE
    assert outage.admit(at(5.1)) == WAIT
    assert outage.admit(at(6)) == WAIT


@pytest.mark.parametrize("backoff", [Backoff(), Backoff(first=1, longest=8)])
def test_each_failed_probe_doubles_the_wait_up_to_the_longest(backoff: Backoff) -> None:
    outage, now, waits = Outage(backoff), 0.0, []
    until = outage.failed(at(now), "down", probe=False)
    for _ in range(10):
        waits.append((until - at(now)).total_seconds())
        now = (until - T0).total_seconds()
        assert outage.admit(at(now)) == PROBE
        until = outage.failed(at(now), "down", probe=True)
    first, longest = backoff.first, backoff.longest
    assert waits == [min(longest, first * 2 ** n) for n in range(10)]


def test_any_answer_ends_it_and_the_next_failure_starts_again_from_the_first_wait() -> None:
    outage = Outage()
    outage.failed(at(0), "down", probe=False)
    outage.admit(at(5))
    outage.failed(at(5), "down", probe=True)  # 10 s now
    assert outage.admit(at(15)) == PROBE
    assert outage.answered() == 2  # two failed tries in a row, ended
    assert outage.admit(at(15)) == SEND and not outage.down
    assert outage.failed(at(20), "down", probe=False) == at(25)


def test_a_probe_abandoned_at_a_stop_lets_another_go() -> None:
    outage = Outage()
    outage.failed(at(0), "down", probe=False)
    assert outage.admit(at(5)) == PROBE
    outage.abandoned(probe=True)
    assert outage.admit(at(5)) == PROBE


def test_a_backoff_must_be_some_seconds_and_not_beyond_its_longest() -> None:
    with pytest.raises(ValueError, match="backoff"):
        Backoff(first=0)
    with pytest.raises(ValueError, match="backoff"):
        Backoff(first=10, longest=5)
