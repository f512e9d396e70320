"""bench.metrics on small clusterings computed by hand (see each test for the arithmetic)."""

from __future__ import annotations

import pytest

from bench.metrics import bcubed, fact_recall, pairwise

# Gold: {a,b,c} and {d,e}. Gold pairs: ab ac bc de (4).
GOLD = {"a": "1", "b": "1", "c": "1", "d": "2", "e": "2"}
# Pred: {a,b} {c,d} {e}. Pred pairs: ab cd (2); only ab is right.
PRED = {"a": "x", "b": "x", "c": "y", "d": "y", "e": "z"}
SINGLETONS = {k: k for k in GOLD}
ALL_IN_ONE = {k: "one" for k in GOLD}


def approx(*values: float) -> tuple:
    return tuple(pytest.approx(v) for v in values)


def test_pairwise_mixed() -> None:
    # P = 1/2, R = 1/4, F1 = 2·(1/8)/(3/4) = 1/3
    assert pairwise(PRED, GOLD) == approx(1 / 2, 1 / 4, 1 / 3)


def test_bcubed_mixed() -> None:
    # per item (P, R): a (1, 2/3)  b (1, 2/3)  c (1/2, 1/3)  d (1/2, 1/2)  e (1, 1/2)
    # P = 4/5, R = 8/15, F1 = (64/75) / (4/3) = 16/25
    assert bcubed(PRED, GOLD) == approx(4 / 5, 8 / 15, 16 / 25)


def test_perfect_prediction_scores_one_whatever_the_label_names() -> None:
    renamed = {"a": "q", "b": "q", "c": "q", "d": "1", "e": "1"}
    assert pairwise(renamed, GOLD) == approx(1, 1, 1)
    assert bcubed(renamed, GOLD) == approx(1, 1, 1)


def test_all_singletons() -> None:
    # No pair claimed: P = 1 by convention, R = 0.
    assert pairwise(SINGLETONS, GOLD) == approx(1, 0, 0)
    # B³ R: a,b,c 1/3 each, d,e 1/2 each → 2/5; F1 = 0.8/1.4 = 4/7
    assert bcubed(SINGLETONS, GOLD) == approx(1, 2 / 5, 4 / 7)


def test_all_in_one() -> None:
    # 10 pairs claimed, 4 right: P = 2/5, R = 1, F1 = 0.8/1.4 = 4/7
    assert pairwise(ALL_IN_ONE, GOLD) == approx(2 / 5, 1, 4 / 7)
    # B³ P: a,b,c 3/5 each, d,e 2/5 each → 13/25; F1 = 1.04/1.52 = 13/19
    assert bcubed(ALL_IN_ONE, GOLD) == approx(13 / 25, 1, 13 / 19)


def test_gold_all_singletons() -> None:
    gold = {k: k for k in "abcd"}
    assert pairwise(gold, gold) == approx(1, 1, 1)
    assert bcubed(gold, gold) == approx(1, 1, 1)
    lumped = {k: "one" for k in "abcd"}
    # 6 pairs claimed, none right; no gold pair to find: R = 1 by convention.
    assert pairwise(lumped, gold) == approx(0, 1, 0)
    # B³ P = 1/4 for every item; F1 = 0.5/1.25 = 2/5
    assert bcubed(lumped, gold) == approx(1 / 4, 1, 2 / 5)


def test_single_item() -> None:
    assert pairwise({"a": "x"}, {"a": "g"}) == approx(1, 1, 1)
    assert bcubed({"a": "x"}, {"a": "g"}) == approx(1, 1, 1)


def test_missing_prediction_is_a_singleton_and_unknown_items_are_ignored() -> None:
    partial = {"a": "x", "b": "x", "c": "x", "zz": "x"}  # d, e missing; zz not in gold
    # pairs claimed: ab ac bc (3, all right); gold 4 → P 1, R 3/4, F1 6/7
    assert pairwise(partial, GOLD) == approx(1, 3 / 4, 6 / 7)
    assert bcubed(partial, GOLD) == bcubed({**partial, "d": "d", "e": "e"}, GOLD)


def test_swapping_pred_and_gold_swaps_precision_and_recall() -> None:
    p, r, f = pairwise(PRED, GOLD)
    assert pairwise(GOLD, PRED) == approx(r, p, f)
    p, r, f = bcubed(PRED, GOLD)
    assert bcubed(GOLD, PRED) == approx(r, p, f)


def test_empty_gold_is_an_error() -> None:
    with pytest.raises(ValueError):
        pairwise({}, {})
    with pytest.raises(ValueError):
        bcubed({"a": "x"}, {})


@pytest.mark.parametrize(("summary", "facts", "expected"), [
    ("DHS says 33,179 people", ["33,179", "Todd Lyons"], 0.5),
    ("Todd Lyons wrote about 33,179", ["33,179", "Todd Lyons"], 1.0),
    ("about 33 thousand people", ["33,179"], 0.0),          # rewording is not kept
    ("todd lyons wrote", ["Todd Lyons"], 0.0),              # case-sensitive
    ("anything", [], 1.0),                                  # nothing to keep
    ("", ["Oxnard", "Ventura County Jail", "4,561"], 0.0),
    ("Ventura County Jail, Oxnard", ["Oxnard", "Ventura County Jail", "4,561"], 2 / 3),
])
def test_fact_recall(summary: str, facts: list[str], expected: float) -> None:
    assert fact_recall(summary, facts) == pytest.approx(expected)
