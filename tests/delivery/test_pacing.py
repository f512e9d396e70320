"""Pacing: Telegram's limits held over any sequence of sends; 429s honoured exactly."""

from __future__ import annotations

import bisect
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.delivery.pacing import DEFAULT_LIMITS, Limits, Pacer, should_merge

GROUPS = {"g1", "g2"}


def most_in_window(times: list[float], window: float) -> int:
    """The most sends in any half-open window [t, t + window)."""
    times = sorted(times)
    return max((bisect.bisect_left(times, t + window) - i for i, t in enumerate(times)), default=0)


def run(pacer: Pacer, chats: list[str],
        waits: list[float] | None = None) -> list[tuple[float, str]]:
    """Send to `chats` in order, each as soon as the pacer allows (after an optional wait)."""
    now, sends = 0.0, []
    for i, chat in enumerate(chats):
        now += waits[i] if waits else 0.0
        now = pacer.next_slot(chat, group=chat in GROUPS, now=now)
        pacer.take(chat, group=chat in GROUPS, now=now)
        sends.append((now, chat))
    return sends


def assert_within_limits(sends: list[tuple[float, str]], limits: Limits = DEFAULT_LIMITS) -> None:
    assert most_in_window([t for t, _ in sends], 1.0) <= limits.global_per_s
    per_chat: dict[str, list[float]] = defaultdict(list)
    for t, chat in sends:
        per_chat[chat].append(t)
    for chat, times in per_chat.items():
        assert most_in_window(times, 1.0) <= limits.chat_per_s, chat
        if chat in GROUPS:
            assert most_in_window(times, 60.0) <= limits.group_per_min, chat


@pytest.mark.parametrize(("chats", "expected"), [
    (["a"], [0.0]),
    (["a", "a", "a"], [0.0, 1.05, 2.1]),
    (["a", "b", "a"], [0.0, 0.0, 1.05]),
    ([f"c{i}" for i in range(31)], [0.0] * 30 + [1.05]),
    (["g1"] * 21, [i * 1.05 for i in range(20)] + [63.0]),
])
def test_slots(chats: list[str], expected: list[float]) -> None:
    assert [t for t, _ in run(Pacer(), chats)] == pytest.approx(expected)


def test_a_fan_out_runs_just_under_thirty_a_second() -> None:
    sends = run(Pacer(), [f"c{i}" for i in range(3000)])
    assert_within_limits(sends)
    rate = len(sends) / sends[-1][0]
    assert 28.0 <= rate <= 30.0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "g1", "g2", *(f"c{i}" for i in range(40))]),
                          st.sampled_from([0.0, 0.0, 0.0, 0.01, 0.3, 1.0, 5.0])),
                max_size=400),
       st.sampled_from([0.0, 0.05]))
def test_waiting_for_next_slot_never_exceeds_any_limit(
    steps: list[tuple[str, float]], margin: float,
) -> None:
    pacer = Pacer(margin=margin)
    assert_within_limits(run(pacer, [c for c, _ in steps], [w for _, w in steps]))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "g1", None]), st.floats(0, 0.5),
                          st.one_of(st.none(), st.floats(0, 30))), max_size=200))
def test_no_send_inside_a_penalty(steps: list[tuple[str | None, float, float | None]]) -> None:
    """Each step: wait, maybe a 429 (for that chat, or global when chat is None), then a send."""
    pacer, now = Pacer(), 0.0
    penalties: list[tuple[str | None, float, float, int]] = []
    sends: list[tuple[float, str]] = []
    for chat, wait, retry_after in steps:
        now += wait
        if retry_after is not None:
            pacer.penalize(chat, retry_after, now)
            penalties.append((chat, now, now + retry_after, len(sends)))
        target = chat or "a"
        now = pacer.next_slot(target, group=target in GROUPS, now=now)
        pacer.take(target, group=target in GROUPS, now=now)
        sends.append((now, target))
    for who, start, end, first in penalties:  # the sends after the 429 arrived
        assert not [t for t, c in sends[first:] if start <= t < end and who in (None, c)]
    assert pacer.stats["penalties"] == len(penalties)
    assert_within_limits(sends)


def test_a_chat_penalty_delays_that_chat_exactly_and_no_other() -> None:
    pacer = Pacer()
    pacer.penalize("a", 5.0, now=10.0)
    assert pacer.next_slot("a", group=False, now=10.0) == 15.0
    assert pacer.next_slot("b", group=False, now=10.0) == 10.0
    assert pacer.next_slot("g1", group=True, now=10.0) == 10.0
    assert pacer.next_slot("a", group=False, now=15.0) == 15.0  # not a moment longer
    pacer.penalize("a", 1.0, now=11.0)  # a shorter, later 429 does not shorten the first
    assert pacer.next_slot("a", group=False, now=11.0) == 15.0
    assert pacer.stats["penalties"] == 2


def test_a_global_penalty_delays_every_chat() -> None:
    pacer = Pacer()
    pacer.take("a", group=False, now=0.0)
    pacer.penalize(None, 3.0, now=0.5)
    for chat, group in (("a", False), ("b", False), ("g1", True)):
        assert pacer.next_slot(chat, group=group, now=0.5) == 3.5
    assert pacer.stats["penalties"] == 1


def test_a_penalty_and_a_window_the_later_wins() -> None:
    pacer = Pacer()
    pacer.take("a", group=False, now=0.0)
    pacer.penalize("a", 0.5, now=0.0)
    assert pacer.next_slot("a", group=False, now=0.0) == pytest.approx(1.05)


@pytest.mark.parametrize(("pending", "group", "delay"), [
    (0, False, 0.0),
    (1, False, 0.0),
    (3, False, 2.1),
    (20, True, 19 * 1.05),
    (21, True, 63.0),
    (41, True, 126.0),
])
def test_backlog_delay_from_an_idle_chat(pending: int, group: bool, delay: float) -> None:
    assert Pacer().backlog_delay("a", pending, group=group, now=100.0) == pytest.approx(delay)


def test_backlog_delay_counts_what_was_sent_and_penalties() -> None:
    pacer = Pacer()
    pacer.take("a", group=False, now=100.0)
    assert pacer.backlog_delay("a", 2, group=False, now=100.0) == pytest.approx(2.1)
    pacer.penalize("a", 10.0, now=100.0)
    assert pacer.backlog_delay("a", 2, group=False, now=100.0) == pytest.approx(11.05)
    assert pacer.backlog_delay("b", 2, group=False, now=100.0) == pytest.approx(1.05)


@pytest.mark.parametrize(("pending", "group", "merge"), [
    (0, False, False),
    (1, False, False),
    (30, False, False),
    (58, False, False),
    (60, False, True),
    (500, False, True),
    (1, True, False),
    (20, True, False),
    (21, True, True),
])
def test_should_merge(pending: int, group: bool, merge: bool) -> None:
    assert should_merge(pending, group=group) is merge


def test_should_merge_follows_the_limits_and_promptness() -> None:
    assert not should_merge(21, group=True, limits=Limits(group_per_min=30))
    assert should_merge(10, group=False, promptly=5.0)


def test_idle_chats_are_forgotten_but_their_limits_still_hold() -> None:
    pacer = Pacer()
    sends = run(pacer, [f"c{i}" for i in range(5000)] + ["c4999"])
    assert len(pacer._chats) < 5000
    assert_within_limits(sends)


@pytest.mark.parametrize("bad", [{"global_per_s": 0}, {"chat_per_s": -1}, {"group_per_min": 0}])
def test_limits_must_be_positive(bad: dict[str, int]) -> None:
    with pytest.raises(ValueError, match=next(iter(bad))):
        Limits(**bad)


def test_settle_counts_a_slow_send_from_when_it_completed() -> None:
    """A request delayed on its way must not arrive bunched with the ones after it."""
    pacer = Pacer(Limits(global_per_s=2, chat_per_s=1, group_per_min=20), margin=0.0)
    pacer.take("a", group=False, now=0.0)
    pacer.settle("a", 0.0, 0.4)  # it took 0.4 s to get through
    pacer.take("b", group=False, now=0.1)
    pacer.settle("b", 0.1, 0.15)
    assert pacer.next_slot("c", group=False, now=0.2) == 1.15  # 2 per s, from completions
    assert pacer.next_slot("a", group=False, now=0.2) == 1.4  # the chat's second from 0.4
