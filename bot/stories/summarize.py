"""Grounded summaries: a headline and at most ~600 characters that only repeat the source.

ExtractiveSummarizer is the default (offline, no model); LeadSummarizer (Lead-3) is the baseline
it must beat; LLMSummarizer (opt-in) asks an OpenAI-compatible endpoint and falls back to the
extractive summary on an ungrounded or over-long reply, an HTTP error, a timeout or bad JSON.
grounded() lists what in a summary is not verbatim in the source; the extractive summarizers
check their own output with it too, so the guarantee rests on no heuristic.

Sync: summarising is CPU work on a string and the stories stage is pure, so `Summarizer` is
sync (tests, the bench and other stages call it with no event loop). The LLM is I/O:
LLMSummarizer adds `summarize_async` (AsyncSummarizer), and its sync `summarize` is the
fallback's. The composition root picks one and hands the orchestrator `as_async(summarizer)`.

Must not import bot.store, bot.channels or bot.delivery.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import math
import re
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import httpx

from bot.logs import event
from bot.models import Summary
from bot.stories.facts import QUOTATION, figures, key_facts, names, norm_figure, quotations
from bot.stories.facts import sentences as split_sentences

MAX_CHARS = 600
MAX_SOURCE = 20_000  # releases run to 3-10 KB; a runaway page must not stall the worker
log = logging.getLogger("alertbot.summarize")

_DIGITS, _WORD = re.compile(r"\d+"), re.compile(r"[^\W\d_]+")  # digit runs; words for tf-idf
# What was asked or decided: the words that carry a release's news.
_ACTION = re.compile(r"\b(?:ask|call\w* on|urg|decid|decision|sue[sd]?\b|suing|lawsuit|order"
                     r"|releas|arrest|hono|declin|refus|charged|sentenced|request|demand"
                     r"|disput|lodg|transfer|veto|signed)", re.IGNORECASE)
_STOP = frozenset(re.findall(r"\w+", """the a an and or of to in on for by with from at as is are
    was were be been that this it its their his her has have had not said says will would who"""))
# A sentence leaning on the one before it reads badly on its own.
_DANGLING = re.compile(r"(?:It|This|That|These|Those|They|He|She|His|Her|Their|Such|Also|Among them"
                       r"|Under (?:that|this|these|those))\b")
# Weights, tuned on tests/fixtures/stories against the facts a reader needs (test_summarize).
_POSITION, _CENTRAL, _TITLE_LIKE, _ACTS, _LEANS = 1.0, 0.5, 0.5, 0.3, 0.5
_NEW_FACTS, _TITLE_FACTS, _REDUNDANT, _LENGTH, _ENOUGH = 1.0, 1.5, 0.5, 0.5, 0.5
_MIN_WORDS = 4  # shorter pieces are datelines, menu leftovers, "###"
_CLOSERS = tuple(".!?…\"”')]")


class Summarizer(Protocol):
    def summarize(self, title: str, text: str) -> Summary: ...


@runtime_checkable
class AsyncSummarizer(Protocol):
    async def summarize_async(self, title: str, text: str) -> Summary: ...


def as_async(summarizer: Summarizer) -> Callable[[str, str], Awaitable[Summary]]:
    """The one awaitable the orchestrator calls, whichever summarizer was configured. A sync
    one runs in a thread: ~10 ms of CPU per item is too long to hold the event loop."""
    if isinstance(summarizer, AsyncSummarizer):
        return summarizer.summarize_async
    return functools.partial(asyncio.to_thread, summarizer.summarize)


def grounded(summary_text: str, source: str) -> list[str]:
    """What in `summary_text` is not verbatim in `source` (empty list = grounded): each digit
    sequence that is not a whole digit run there, figure not written so, quotation and name."""
    flat, runs, written = _squash(source), set(_DIGITS.findall(source)), set(figures(source))
    problems = [f"digits {d!r}" for d in _DIGITS.findall(summary_text) if d not in runs]
    problems += [f"figure {f!r}" for f in figures(summary_text) if f not in written]
    problems += [f"quotation {q!r}" for q in quotations(summary_text) if _squash(q) not in flat]
    problems += [f"name {n!r}" for n in names(summary_text)
                 if not re.search(rf"(?<!\w){re.escape(n)}(?!\w)", flat)]
    return [f"{p} not in source" for p in dict.fromkeys(problems)]


@dataclass(frozen=True)
class _Unit:
    """A sentence (or a lead-in with its list) as a candidate for the summary."""

    index: int
    text: str
    facts: frozenset[str]  # figures (normalised) and names
    vector: dict[str, float]  # tf-idf over the units of this text
    score: float  # position + centrality + likeness to the title + action words
    safe: bool  # every quote mark paired: may sit beside other units


@dataclass(frozen=True)
class ExtractiveSummarizer:
    """Picks whole sentences, greedily, by score plus the key facts not yet covered, minus
    likeness to the sentences already picked; prints them in source order."""

    max_chars: int = MAX_CHARS

    def summarize(self, title: str, text: str) -> Summary:
        return _compose(title, text, self.max_chars, _pick_salient, "extractive")


@dataclass(frozen=True)
class LeadSummarizer:
    """Lead-3: the first sentences in order, in the same budget (a fair baseline)."""

    count: int = 3
    max_chars: int = MAX_CHARS

    def summarize(self, title: str, text: str) -> Summary:
        return _compose(title, text, self.max_chars, self._pick, "lead")

    def _pick(self, units: list[_Unit], budget: int, title_facts: frozenset[str]) -> list[_Unit]:
        lead = [u for u in units[: self.count] if u.safe]
        return [u for n, u in enumerate(lead) if len(_join(lead[: n + 1])) <= budget]


def _compose(title: str, text: str, max_chars: int, pick: Callable[..., list[_Unit]],
             method: str) -> Summary:
    headline = _headline(title, text)
    units = _units(text, headline)
    chosen = pick(units, max_chars, frozenset(_fact_keys(headline)))
    lead = _cut(units[0].text, max_chars) if units else ""
    body = _join(chosen)
    for candidate in (body or lead, lead, ""):  # the guarantee, whatever the heuristics did
        if not grounded(candidate, text):
            body = candidate
            break
    return Summary(headline, body, tuple(key_facts(f"{headline}\n{body}")), method)


def _headline(title: str, text: str) -> str:
    if headline := _squash(title):
        return headline
    first = next(iter(split_sentences(text[:MAX_SOURCE])), "")
    return _cut(_squash(first), 200)


def _units(text: str, headline: str) -> list[_Unit]:
    pieces = _pieces(text)
    head = headline.removesuffix("…").casefold()
    pieces = [p for p in pieces if not (head and p.casefold().startswith(head))]
    pieces = [p for p in pieces if len(p.split()) >= _MIN_WORDS] or pieces
    bags = [Counter(_words(p)) for p in pieces]
    df = Counter(w for bag in bags for w in bag)
    vectors = [{w: tf * math.log(1 + len(bags) / df[w]) for w, tf in bag.items()} for bag in bags]
    doc = sum((Counter(vec) for vec in vectors), Counter())
    title_vec = dict.fromkeys(_words(headline), 1.0)
    units = []
    for i, (piece, vec) in enumerate(zip(pieces, vectors, strict=True)):
        rest = {w: v - vec.get(w, 0.0) for w, v in doc.items()}  # the text without this unit
        score = (_POSITION / math.sqrt(1 + i) + _CENTRAL * _cosine(vec, rest)
                 + _TITLE_LIKE * _cosine(vec, title_vec) + _ACTS * bool(_ACTION.search(piece))
                 - _LEANS * bool(_DANGLING.match(piece)))
        shown = piece if piece.endswith(_CLOSERS) else piece + "."  # no run-on into the next
        units.append(_Unit(i, shown, frozenset(_fact_keys(piece)), vec, score, _paired(piece)))
    return units


def _pieces(text: str) -> list[str]:
    truncated = len(text) > MAX_SOURCE
    out: list[str] = []
    for sentence in split_sentences(text[:MAX_SOURCE]):
        piece = _squash(sentence)
        prev = out[-1] if out else "."
        # One piece: a quotation still open, or a list after "include:" ("399 homicides;" ...).
        if len(prev) < 2 * MAX_CHARS and (not _paired(prev) or not prev.endswith(_CLOSERS) and (
                prev.endswith((":", ";", ",", " and", " or")) or piece[:1].islower()
                or piece[:1].isdigit())):
            out[-1] += " " + piece
        else:
            out.append(piece)
    return out[:-1] if truncated and len(out) > 1 else out  # the last one may be cut short


def _pick_salient(units: list[_Unit], budget: int, title_facts: frozenset[str]) -> list[_Unit]:
    chosen: list[_Unit] = []
    covered: set[str] = set()
    while True:
        best, best_value = None, -math.inf
        for unit in units:
            if not unit.safe or unit in chosen or len(_join([*chosen, unit])) > budget:
                continue
            new = unit.facts - covered  # a list of counts must not crowd out everything else
            value = (unit.score + _NEW_FACTS * min(len(new), 4) / 4
                     + _TITLE_FACTS * min(len(new & title_facts), 2) / 2
                     - _REDUNDANT * max((_cosine(unit.vector, c.vector) for c in chosen), default=0)
                     - _LENGTH * len(unit.text) / budget)
            if value > best_value:
                best, best_value = unit, value
        if best is None or (chosen and best_value < _ENOUGH):  # leave the budget unspent
            break
        chosen.append(best)
        covered |= best.facts
    return sorted(chosen, key=lambda u: u.index)


def _cut(text: str, limit: int) -> str:
    """`text` if it fits, else cut at the last space with "…" (nothing if it has no space:
    a cut through a word or a number would make a figure the source does not have)."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1].rpartition(" ")[0].rstrip()
    return head + "…" if head else ""


def _join(units: list[_Unit]) -> str:
    return " ".join(u.text for u in units)


def _paired(text: str) -> bool:
    """Every quote mark pairs up inside `text`, so beside other text it quotes the same."""
    return not re.search("[\"“”]", QUOTATION.sub("", text))


def _fact_keys(text: str) -> list[str]:
    return [norm_figure(f) if f[0].isdigit() else f for f in key_facts(text)]


def _words(text: str) -> list[str]:
    words = (w for w in _WORD.findall(text.casefold()) if w not in _STOP)
    return [w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words]


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    dot = sum(v * b.get(w, 0.0) for w, v in a.items())
    norm = math.sqrt(sum(v * v for v in a.values()) * sum(v * v for v in b.values()))
    return dot / norm if norm else 0.0


def _squash(text: str) -> str:
    return " ".join(text.split())


_PROMPT = ("Summarise this government press release in at most {limit} characters of plain text: "
           "what happened, who acted, where, the key figures, what was asked or decided. Copy "
           "every number, name and quotation exactly as written; add none. No headline.")


@dataclass(frozen=True, kw_only=True)
class LLMSummarizer:
    """An OpenAI-compatible `POST {base_url}/chat/completions` (temperature 0), checked by
    grounded() against title + text. `api_key` comes from config or env via the composition
    root; it is sent as a Bearer header, never logged, never in a repr. Each call opens its own
    client: a call every few minutes gains nothing from a pool, and nothing is left to close."""

    base_url: str
    model: str
    api_key: str = field(default="", repr=False)
    timeout: float = 30.0
    fallback: Summarizer = field(default_factory=ExtractiveSummarizer)
    max_chars: int = MAX_CHARS

    def summarize(self, title: str, text: str) -> Summary:
        """The sync protocol does no I/O: it is the fallback's summary."""
        return self.fallback.summarize(title, text)

    async def summarize_async(self, title: str, text: str) -> Summary:
        try:
            reply = await self._complete(title, text)
        except (TimeoutError, httpx.TimeoutException):
            return await self._fall_back(title, text, "timeout", f"over {self.timeout:g}s")
        except httpx.HTTPStatusError as exc:  # the body is not logged: some servers echo the key
            return await self._fall_back(title, text, "http_error", str(exc.response.status_code))
        except httpx.HTTPError as exc:
            return await self._fall_back(title, text, "network_error", type(exc).__name__)
        except (ValueError, LookupError, TypeError, AttributeError) as exc:  # not a completion
            return await self._fall_back(title, text, "malformed", type(exc).__name__)
        if not reply or len(reply) > self.max_chars:
            return await self._fall_back(title, text, "bad_length", f"{len(reply)} chars")
        if problems := grounded(reply, f"{title}\n{text}"):
            return await self._fall_back(title, text, "ungrounded", "; ".join(problems)[:300])
        headline = _headline(title, text)
        return Summary(headline, reply, tuple(key_facts(f"{headline}\n{reply}")), "llm")

    async def _complete(self, title: str, text: str) -> str:
        payload = {"model": self.model, "temperature": 0, "messages": [
            {"role": "system", "content": _PROMPT.format(limit=self.max_chars)},
            {"role": "user", "content": f"Title: {title}\n\n{text[:MAX_SOURCE]}"}]}
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        url = self.base_url.rstrip("/") + "/chat/completions"
        async with asyncio.timeout(self.timeout), httpx.AsyncClient(timeout=self.timeout) as http:
            # asyncio's deadline covers the whole call: httpx's timeouts are per read
            response = await http.post(url, json=payload, headers=headers)
        response.raise_for_status()
        return _squash(response.json()["choices"][0]["message"]["content"])

    async def _fall_back(self, title: str, text: str, reason: str, detail: str) -> Summary:
        if self.api_key:  # nothing above should carry the key; make sure of it
            detail = detail.replace(self.api_key, "[redacted]")
        event(log, "summary_fallback", logging.WARNING, reason=reason, detail=detail,
              model=self.model, title=_cut(_squash(title), 80))
        return await asyncio.to_thread(self.fallback.summarize, title, text)  # CPU, off the loop
