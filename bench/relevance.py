"""Story benchmark: clustering, near-duplicates and summaries against the labelled set.

Run: .venv/bin/python bench/relevance.py

Reads tests/fixtures/stories/labelled.json (see its README), feeds the items one at a time in
published order to the clusterer (`now` = the item's published time), and prints, beside
baselines run on the same items:
1. clustering B³ and pairwise precision/recall/F1 — the clusterer, the baseline (greedy
   single-link on title-word Jaccard ≥ 0.5) and the all-singletons floor;
2. near-duplicates: an item is predicted a duplicate when its link has role "duplicate"; it is
   counted right when gold says so (it shares a dup_group with an earlier item) AND it landed in
   the same predicted story as that earlier item;
3. summaries: mean key-fact recall (verbatim, over headline + text) of the extractive summarizer
   beside Lead-3, on all items and on the long ones;
4. median ms per item for clustering and for each summarizer.
If the clusterer or summarizer cannot be imported, says so and prints the rest.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import json
import re
import statistics
import sys
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.metrics import bcubed, fact_recall, pairwise  # noqa: E402
from bot.models import Item  # noqa: E402

LABELLED = ROOT / "tests" / "fixtures" / "stories" / "labelled.json"
LONG = 600  # characters: below this Lead-3 keeps nearly everything, so both summarizers tie
GOAL = "goal: F1 ≥ 0.9, precision ≥ 0.95; summaries ahead of Lead-3; < 50 ms per item"


def load_entries(path: Path = LABELLED) -> list[dict]:
    entries = json.loads(path.read_text(encoding="utf-8"))["items"]
    return sorted(entries, key=lambda e: datetime.fromisoformat(e["published"]))


def to_item(entry: Mapping) -> Item:
    digest = hashlib.sha256(f"{entry['title']}\n{entry['text']}".encode()).hexdigest()
    return Item(key=entry["id"], source_id=entry["source_id"], url=entry["url"],
                title=entry["title"], text=entry["text"],
                published=datetime.fromisoformat(entry["published"]), content_hash=digest,
                agency=entry["agency"], jurisdiction=entry["jurisdiction"])


def gold_duplicates(entries: Sequence[Mapping]) -> dict[str, str]:
    """Item id -> id of the earlier item of its dup_group, for every later group member."""
    first: dict[str, str] = {}
    dups: dict[str, str] = {}
    for e in entries:  # entries are in published order
        group = e["dup_group"]
        if group is None:
            continue
        if group in first:
            dups[e["id"]] = first[group]
        else:
            first[group] = e["id"]
    return dups


def run_clusterer(items: Sequence[Item]) -> tuple[dict[str, str], dict[str, str], list[float]]:
    """Predicted story per item, predicted role per item, and ms per item."""
    from bot.stories.cluster import assign, features, open_stories_after

    stories: object = ()
    pred: dict[str, str] = {}
    roles: dict[str, str] = {}
    ms: list[float] = []
    for item in items:
        now = item.published
        start = time.perf_counter()
        feats = features(item)
        links = assign([feats], stories, now)
        stories = open_stories_after(stories, [feats], links, now)
        ms.append((time.perf_counter() - start) * 1000)
        mine = [link for link in links if link.item_key == item.key]
        # No link means the clusterer placed the item nowhere: score it as a singleton.
        pred[item.key] = mine[0].story_id if mine else f"<unlinked>{item.key}"
        roles[item.key] = mine[0].role if mine else "none"
    return pred, roles, ms


def title_words(title: str) -> set[str]:
    return set(re.findall(r"\w+", title.lower()))


def jaccard_baseline(items: Sequence[Item], threshold: float = 0.5) -> dict[str, str]:
    """Each item joins the cluster of its most title-similar earlier item if Jaccard ≥ 0.5."""
    seen: list[tuple[set[str], str]] = []
    pred: dict[str, str] = {}
    for item in items:
        words = title_words(item.title)
        best, label = threshold, item.key
        for other, other_label in seen:
            score = len(words & other) / len(words | other) if words | other else 0.0
            if score >= best:
                best, label = score, other_label
        pred[item.key] = label
        seen.append((words, label))
    return pred


def near_dup_scores(pred: Mapping[str, str], roles: Mapping[str, str],
                    gold_dups: Mapping[str, str]) -> tuple[int, int, float, float]:
    predicted = {k for k, role in roles.items() if role == "duplicate"}
    right = {k for k in predicted & gold_dups.keys() if pred[k] == pred[gold_dups[k]]}
    precision = len(right) / len(predicted) if predicted else 1.0
    recall = len(right) / len(gold_dups) if gold_dups else 1.0
    return len(predicted), len(gold_dups), precision, recall


async def run_summarizer(summarizer: object, entries: Sequence[Mapping]) -> tuple[
        list[float], list[float]]:
    """Key-fact recall and ms per entry; works whether `summarize` is sync or async."""
    recalls: list[float] = []
    ms: list[float] = []
    for e in entries:
        start = time.perf_counter()
        res = summarizer.summarize(e["title"], e["text"])  # type: ignore[attr-defined]
        if inspect.isawaitable(res):
            res = await res
        ms.append((time.perf_counter() - start) * 1000)
        recalls.append(fact_recall(f"{res.headline}\n{res.text}", e["key_facts"]))
    return recalls, ms


def fmt_scores(name: str, pred: Mapping[str, str], gold: Mapping[str, str]) -> str:
    b = bcubed(pred, gold)
    p = pairwise(pred, gold)
    return (f"  {name:<34} {b[0]:5.2f} {b[1]:5.2f} {b[2]:5.2f}   |"
            f" {p[0]:5.2f} {p[1]:5.2f} {p[2]:5.2f}")


def errors(pred: Mapping[str, str], gold: Mapping[str, str]) -> list[str]:
    """Which gold stories were split and which predicted stories mixed gold stories."""
    lines = []
    for kind, by, other in (("split", gold, pred), ("merged", pred, gold)):
        groups: dict[str, list[str]] = {}
        for key, label in by.items():
            groups.setdefault(label, []).append(key)
        for keys in groups.values():
            parts = sorted({other[k] for k in keys})
            if len(parts) > 1:
                detail = "; ".join(", ".join(k for k in keys if other[k] == p) for p in parts)
                lines.append(f"    {kind}: {detail}")
    return lines


def report_clustering(entries: Sequence[Mapping], items: Sequence[Item]) -> list[float]:
    gold = {e["id"]: e["story"] for e in entries}
    print(f"{'clustering':<36} {'B³ P':>5} {'R':>5} {'F1':>5}   | {'pw P':>5} {'R':>5} {'F1':>5}")
    try:
        pred, roles, ms = run_clusterer(items)
    except ImportError as exc:
        print(f"  clusterer not available: {exc}")
        pred, roles, ms = {}, {}, []
    if pred:
        print(fmt_scores("clusterer (bot.stories.cluster)", pred, gold))
    print(fmt_scores("baseline: title Jaccard ≥ 0.5", jaccard_baseline(items), gold))
    print(fmt_scores("floor: all singletons", {k: k for k in gold}, gold))
    if pred:
        print("\n".join(errors(pred, gold)) or "    no split or merged story")
        n_pred, n_gold, p, r = near_dup_scores(pred, roles, gold_duplicates(entries))
        print(f"near-duplicates: predicted {n_pred}, gold {n_gold}; precision {p:.2f},"
              f" recall {r:.2f}")
    return ms


def make_summarizers() -> list[tuple[str, object]]:
    from bot.stories.summarize import ExtractiveSummarizer, LeadSummarizer

    return [("extractive", ExtractiveSummarizer()), ("lead-3", LeadSummarizer(count=3))]


async def report_summaries(entries: Sequence[Mapping]) -> dict[str, list[float]]:
    try:
        summarizers = make_summarizers()
    except ImportError as exc:
        print(f"summaries: summarizer not available: {exc}")
        return {}
    long = [e for e in entries if len(e["text"]) > LONG]
    print(f"summaries: key-fact recall (mean)   all {len(entries)} items   "
          f"long (> {LONG} chars) {len(long)} items")
    timings: dict[str, list[float]] = {}
    for name, summarizer in summarizers:
        recalls, ms = await run_summarizer(summarizer, entries)
        long_recalls = [r for r, e in zip(recalls, entries, strict=True) if len(e["text"]) > LONG]
        print(f"  {name:<32} {statistics.mean(recalls):17.2f}   "
              f"{statistics.mean(long_recalls) if long_recalls else float('nan'):20.2f}")
        timings[name] = ms
    return timings


def median_line(label: str, ms: list[float]) -> str:
    if not ms:
        return f"  {label:<32} n/a"
    return f"  {label:<32} {statistics.median(ms):7.2f} ms/item (median), max {max(ms):.2f}"


def main() -> int:
    entries = load_entries()
    items = [to_item(e) for e in entries]
    stories = {e["story"] for e in entries}
    real = sum(1 for e in entries if e["origin"] == "real")
    print(f"labelled set: {len(entries)} items ({real} real, {len(entries) - real} written), "
        f"{len(stories)} stories, {len(gold_duplicates(entries))} near-duplicates")
    cluster_ms = report_clustering(entries, items)
    timings = asyncio.run(report_summaries(entries))
    print("timing")
    print(median_line("clustering", cluster_ms))
    for name, ms in timings.items():
        print(median_line(f"summary: {name}", ms))
    print(GOAL)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
