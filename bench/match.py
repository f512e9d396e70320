"""Matching benchmark: the subscription index against a naive loop, at 1k, 10k and 100k
realistic subscriptions.

Run: .venv/bin/python bench/match.py [--sizes 1000,10000,100000] [--seed 7]

For each size: index build time, memory of the index, p50/p99 match time per item over the
fixture items (real ICE items, DHS-style releases, demo captures), and the same per-item
figures for a naive loop that checks every subscription in turn — in the same run.
Goal: p99 ≤ 1 ms per item at 100k subscriptions, ≥ 100× faster than the naive loop.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from subscriptions.gazetteer import load_gazetteer  # noqa: E402
from subscriptions.jurisdictions import tag  # noqa: E402
from subscriptions.matcher import Matcher  # noqa: E402
from subscriptions.models import Document, PlaceTag  # noqa: E402
from subscriptions.query import Query, QueryError, parse_query  # noqa: E402
from subscriptions.terms import load_synonyms, tokens  # noqa: E402
from tests.paths import FEEDS, GOV, OWN  # noqa: E402

GAZ = load_gazetteer()
SYN = load_synonyms()
DOMAIN = ["detainer", "ice", "dhs", "sanctuary", "deportation", "asylum", "jail", "sheriff",
          "newsom", "bonta", "33,179", "cdcr", "raid", "arrest", "lawsuit", "border", "visa",
          "removal", "fraud", "cartel", "smuggling", "h-2b", "ventura", "anaheim", "oxnard"]
PHRASES = ['"immigration detainer"', '"ice hold"', '"sanctuary state"', '"state prisons"',
           '"executive order"', '"field office"', '"tip line"']
PLACES = ["California", "Texas", "Florida", '"Los Angeles County"', '"Orange County"',
          '"Ventura County"', "Oxnard", "Anaheim", '"San Diego County"', '"Bay Area"',
          "Fresno", '"West Virginia"', '"New York"', "Sacramento", '"Inland Empire"']
SOURCES = ["ice", "dhs", "governor", "ag", "ice-breaking"]


def vocabulary() -> list[str]:
    """Words people outside this story follow: distinctive words of the whole feed corpus
    (news, podcasts, tech, sport...), not of the items we match, so a query is not drawn from
    the very text it is tested on. Words found in more than 5% of the documents (their,
    during, about...) are left out: nobody subscribes to a function word."""
    import re

    real = FEEDS / "feed-rs" / "fixture"  # trimmed real feeds, not conformance snippets
    docs = [{w.lower() for w in re.findall(r"[A-Za-z]{5,}", p.read_text(errors="ignore"))}
            for p in sorted(real.rglob("*")) if p.suffix in (".xml", ".json")]
    df: dict[str, int] = {}
    for words in docs:
        for w in words:
            df[w] = df.get(w, 0) + 1
    return sorted(w for w, n in df.items() if n <= 0.05 * len(docs) and w not in FUNCTION_WORDS)


# Function words and page furniture nobody subscribes to (the corpus is too small for its
# document frequencies alone to find them all).
FUNCTION_WORDS = frozenset("""
about above according across after again against along already although among another around
because before being below between beyond could during either enough every first following
further however inside instead later least little might never often other others since still
their there these thing things those though three through today together under until where
whether which while within without would yours takes share shares email emails facebook
twitter instagram youtube linkedin comments comment click subscribe follow
""".split())  # noqa: SIM905 — a word list reads best as words


def popular_queries(rnd: random.Random) -> list[str]:
    """The story's own queries, which many people share (Zipf-weighted when drawn)."""
    out = []
    for _ in range(300):
        q = [rnd.choice(DOMAIN + PHRASES)]
        if rnd.random() < 0.6:
            q.append(f"in:{rnd.choice(PLACES)}")
        if rnd.random() < 0.2:
            q.append(f"from:{rnd.choice(SOURCES)}")
        out.append(" ".join(q))
    return out


def make_query(rnd: random.Random, vocab: list[str], popular: list[str]) -> str:
    """40% one of the story's popular queries (Zipf: a few are very common), 60% a long-tail
    query about anything: 1-3 words, sometimes an OR, a place, a source or an exclusion."""
    if rnd.random() < 0.4:
        return popular[min(int(rnd.paretovariate(1.2)) - 1, len(popular) - 1)]
    parts = [rnd.choice(vocab) for _ in range(rnd.choice((1, 1, 2, 2, 3)))]
    if rnd.random() < 0.15:
        parts.append(f"{rnd.choice(vocab)} OR {rnd.choice(DOMAIN)}")
    if rnd.random() < 0.3:
        parts.append(f"in:{rnd.choice(PLACES)}")
    if rnd.random() < 0.1:
        parts.append(f"from:{rnd.choice(SOURCES)}")
    if rnd.random() < 0.1:
        parts.append(f"-{rnd.choice(vocab)}")
    return " ".join(parts)


def fixture_texts() -> list[tuple[str, str]]:
    items = json.loads((GOV / "ice_feed_items_2025-12_to_2026-02.json").read_text())["items"]
    out = [(i["title"], i["description"]) for i in items]
    from selectolax.lexbor import LexborHTMLParser

    for page in sorted((OWN / "dhs").glob("release-*.html")):
        tree = LexborHTMLParser(page.read_text(encoding="utf-8"))
        title = tree.css_first("h1")
        body = tree.css_first("main") or tree.body
        out.append((title.text() if title else page.stem, body.text() if body else ""))
    return out


def documents() -> list[Document]:
    docs = []
    for n, (title, text) in enumerate(fixture_texts()):
        tags = tag(title, text, source_jurisdiction="federal", gazetteer=GAZ)
        docs.append(Document(
            key=str(n), title=title, text=text, source_id="ice-breaking", agency="ice",
            places=tuple(PlaceTag(t.place.id, t.place.name, t.matched, t.where) for t in tags)))
    return docs


def parsed_subscriptions(n: int, rnd: random.Random) -> list[tuple[Query, tuple[str, ...]]]:
    vocab, popular, out = vocabulary(), popular_queries(rnd), []
    while len(out) < n:
        try:
            q = parse_query(make_query(rnd, vocab, popular), known_sources=SOURCES,
                            resolve_place=lambda p: GAZ.resolve(p).name)
        except QueryError:
            continue
        out.append((q, tuple(GAZ.resolve(p).id for p in q.places)))
    return out


def naive_match(subs: list[tuple[Query, tuple[str, ...]]], d: Document) -> list[int]:
    """Every subscription checked in turn: the obvious implementation. The numbers (in
    `subs`) of those that match."""
    text = " " + " ".join(tokens(d.title) + ["|"] + tokens(d.text)) + " "
    inside = {p for tg in d.places for p in (tg.place_id, *GAZ.containers(tg.place_id))}
    found = []
    for n, (query, places) in enumerate(subs):
        def has(t: tuple[str, ...]) -> bool:
            return any(" " + " ".join(a) + " " in text for a in SYN.alternatives(t))
        ok = all(any(has(t.tokens) for t in g.terms) for g in query.required)
        ok = ok and not any(has(t.tokens) for t in query.excluded)
        ok = ok and (not places or bool(inside & set(places)))
        ok = ok and (not query.sources or bool({d.source_id, d.agency} & set(query.sources)))
        if ok:
            found.append(n)
    return found


def build(subs: list[tuple[Query, tuple[str, ...]]]) -> Matcher:
    m = Matcher(SYN, GAZ.containers, lambda pid: GAZ.get(pid).name)
    for n, (q, places) in enumerate(subs):
        m.add(n, n, q, places)
    return m


def per_item(fn, docs: list[Document], repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        for d in docs:
            t = time.perf_counter()
            fn(d)
            times.append(time.perf_counter() - t)
    return times


def p(times: list[float], q: float) -> float:
    return statistics.quantiles(times, n=100)[int(q) - 1] * 1000 if len(times) > 1 else 0.0


def run(size: int, seed: int, docs: list[Document]) -> None:
    subs = parsed_subscriptions(size, random.Random(seed))
    t = time.perf_counter()
    index = build(subs)
    built = time.perf_counter() - t
    # The worker does the same after loading the index: a long-lived index need not be
    # scanned by every garbage collection (CPython's gc.freeze).
    gc.freeze()
    tracemalloc.start()
    probe = build(subs)
    mem = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del probe
    fast = per_item(index.match_queries, docs, repeat=20)
    full = per_item(index.match, docs, repeat=5)
    matched = sum(len(index.match(d)) for d in docs)
    sample = docs if size <= 10_000 else docs[:3]
    slow = per_item(lambda d: naive_match(subs, d), sample, repeat=1)
    # the same subscriptions, not just as many (build numbers them by their place in subs)
    agree = all(sorted(m.subscription_id for m in index.match(d)) == naive_match(subs, d)
                for d in sample)
    print(f"{size:>7,} subs  build {built:6.2f} s  index {mem / 2**20:6.1f} MiB  "
          f"distinct queries {len(index._entries):,}  matches/item {matched / len(docs):,.0f}")  # noqa: SLF001
    print(f"          index  p50 {p(fast, 50):7.3f} ms  p99 {p(fast, 99):7.3f} ms  (distinct "
          f"queries matched); expanded to one Match per subscription: p50 {p(full, 50):.3f} ms"
          f"  p99 {p(full, 99):.3f} ms")
    print(f"          naive  p50 {p(slow, 50):7.1f} ms  p99 {p(slow, 99):7.1f} ms  "
          f"→ index {statistics.median(slow) / statistics.median(fast):,.0f}× faster "
          f"(p50), same results: {agree}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    docs = documents()
    t = time.perf_counter()
    documents()
    per = (time.perf_counter() - t) / len(docs) * 1000
    print(f"{len(docs)} fixture items; tagging costs {per:.2f} ms/item (once per item)")
    for size in (int(s) for s in args.sizes.split(",")):
        run(size, args.seed, docs)


if __name__ == "__main__":
    main()
