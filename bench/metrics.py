"""Scores for the story benchmark: clustering (pairwise, B³) and summary key-fact recall.

Pure functions over plain mappings; this module must not import anything from the project, so
the yardstick cannot drift with the code it measures.

A clustering is a mapping item id -> cluster label. Labels are only compared for equality inside
one mapping, so predicted and gold labels need not share names. Scores are taken over the GOLD
items: a gold item missing from `pred` counts as a singleton (the clusterer claimed no pair for
it), and predicted items that gold does not know are ignored.

Empty denominators, chosen so that the two trivial clusterings score sensibly:
- pairwise precision with no predicted pairs is 1.0 (nothing claimed, nothing wrong), and
  pairwise recall with no gold pairs is 1.0 (nothing to find);
- F1 is 0.0 when precision + recall is 0.
An empty gold mapping raises ValueError: a benchmark with no items is a bug, not a score.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from math import comb

Scores = tuple[float, float, float]


def _f1(precision: float, recall: float) -> float:
    total = precision + recall
    return 2 * precision * recall / total if total else 0.0


def _contingency(pred: Mapping[str, str], gold: Mapping[str, str]) -> tuple[
        Counter[tuple[Hashable, str]], Counter[Hashable], Counter[str]]:
    """Counts of items per (pred, gold) cell, per pred cluster and per gold cluster."""
    if not gold:
        raise ValueError("gold clustering is empty")
    cells: Counter[tuple[Hashable, str]] = Counter()
    for key, g in gold.items():
        # A tuple can never equal a str label, so a missing item is a cluster of its own.
        p: Hashable = pred.get(key, ("<missing>", key))
        cells[(p, g)] += 1
    pred_sizes: Counter[Hashable] = Counter()
    gold_sizes: Counter[str] = Counter()
    for (p, g), n in cells.items():
        pred_sizes[p] += n
        gold_sizes[g] += n
    return cells, pred_sizes, gold_sizes


def pairwise(pred: Mapping[str, str], gold: Mapping[str, str]) -> Scores:
    """Precision, recall and F1 over unordered item pairs placed in the same cluster."""
    cells, pred_sizes, gold_sizes = _contingency(pred, gold)
    both = sum(comb(n, 2) for n in cells.values())
    claimed = sum(comb(n, 2) for n in pred_sizes.values())
    wanted = sum(comb(n, 2) for n in gold_sizes.values())
    precision = both / claimed if claimed else 1.0
    recall = both / wanted if wanted else 1.0
    return precision, recall, _f1(precision, recall)


def bcubed(pred: Mapping[str, str], gold: Mapping[str, str]) -> Scores:
    """B³ precision, recall and F1: per-item overlap of its predicted and gold clusters,
    averaged over items. Unlike pairwise scores, a big cluster does not dominate."""
    cells, pred_sizes, gold_sizes = _contingency(pred, gold)
    items = sum(cells.values())
    # Every item of a cell sees the same overlap n, so the cell contributes n * n / size.
    precision = sum(n * n / pred_sizes[p] for (p, _), n in cells.items()) / items
    recall = sum(n * n / gold_sizes[g] for (_, g), n in cells.items()) / items
    return precision, recall, _f1(precision, recall)


def fact_recall(summary_text: str, facts: Sequence[str]) -> float:
    """Fraction of `facts` found verbatim (case-sensitive) in `summary_text`; 1.0 when there is
    nothing to keep. Verbatim on purpose: "33,179" rewritten as "33 thousand" is not kept."""
    if not facts:
        return 1.0
    return sum(1 for fact in facts if fact in summary_text) / len(facts)
