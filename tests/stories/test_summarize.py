"""Grounded summaries: the key facts kept, nothing invented, Lead-3 beaten, and the LLM held to
the same check against a fake OpenAI-compatible server on 127.0.0.1 (no mocks)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable

import pytest
from aiohttp import web
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.stories.facts import figures, key_facts, names, norm_figure, quotations, sentences
from bot.stories.summarize import (
    ExtractiveSummarizer,
    LeadSummarizer,
    LLMSummarizer,
    as_async,
    grounded,
)
from tests.httpserver import LocalServer
from tests.paths import GOV, OWN

DHS = "dhs-2026-02-11-detainers-followup.txt"
ICE = "ice-2026-02-06-lyons-letter-bonta.txt"
NEWSOM = "gov-2026-02-06-newsom-office-response.txt"
ICE_ITEMS = json.loads(
    (GOV / "ice_feed_items_2025-12_to_2026-02.json").read_text(encoding="utf-8"))["items"]

# The headline figure (if any), main actor and place of each real ICE item (title prefix: facts).
ICE_FACTS = {
    "11 charged in Florida": ["11", "Florida", "Jacksonville"],
    "SANCTUARY CALAMITY": ["33,179", "Todd Lyons", "Rob Bonta", "California"],
    "ICE lodges immigration detainer": ["Darwin Felipe Bahamon Martinez", "Anaheim", "Colombia"],
    "Mexican couple sentenced": ["Dallas", "Mexican"],
    "Texas man sentenced": ["El Paso", "Jan. 28"],
    "5 of 37 fugitives": ["37", "Mexico", "El Paso"],
    "ICE arrests criminal illegal alien": ["Jose Mendoza", "Buffalo", "New York"],
    "ICE arrests 650": ["650", "West Virginia", "ICE Philadelphia"],
    "ICE Operation Highway Sentinel": ["101", "Gavin Newsom", "California"],
}
# What the summary text itself must keep: the headline figure, the main actor, the place.
MUST = {
    DHS: ["33,179", "Gavin Newsom", "California"],
    ICE: ["33,179", "Todd Lyons", "Rob Bonta", "California"],
    NEWSOM: ["10,588", "CDCR", "2019", "California"],
}
# What a reader of each release needs: the yardstick against Lead-3.
GOLD = {
    DHS: MUST[DHS] + ["4,561", "Ventura County Jail", "Jorge Lopez Santos", "Oxnard", "H-2B"],
    ICE: MUST[ICE] + ["4,561", "Tricia McLaughlin", "399", "Illinois"],
    NEWSOM: MUST[NEWSOM] + ["Stephen Miller", "ICE", "SB 54", "33 thousand"],
}


def release(name: str) -> tuple[str, str]:
    """(title, body) of a test release: `# ` header lines, a blank line, then the body."""
    header, _, body = (OWN / "stories" / name).read_text(encoding="utf-8").partition("\n\n")
    titles = [line.removeprefix("# title:").strip() for line in header.splitlines()
              if line.startswith("# title:")]
    return titles[0], body


def test_facts_are_taken_as_written() -> None:
    text = ("ICE Acting Director Todd Lyons wrote to California Attorney General Rob Bonta about "
            "33,179 people. SANCTUARY CALAMITY: Gov. Gavin Newsom said \"no\" to the “request”. "
            "Jorge Lopez Santos, held at the Ventura County Jail in 2025, had an H-2B visa; "
            "tips: 866-DHS-2-ICE.")
    assert figures(text) == ["33,179", "2025"]
    assert [norm_figure(f) for f in figures("33,179 and 33179")] == ["33179", "33179"]
    assert names(text) == ["ICE", "Todd Lyons", "California", "Rob Bonta", "Gavin Newsom",
                           "Jorge Lopez Santos", "Ventura County Jail", "H-2B"]
    assert quotations(text) == ["no", "request"]
    assert key_facts("In 2025, Rob Bonta and 2,025 more met Rob Bonta.") == ["2025", "Rob Bonta"]
    assert sentences("Gov. Gavin Newsom met U.S. officials.\nThey left.") == [
        "Gov. Gavin Newsom met U.S. officials.", "They left."]


@pytest.mark.parametrize("item", ICE_ITEMS, ids=[i["title"][:40] for i in ICE_ITEMS])
def test_real_ice_items_keep_their_key_facts(item: dict) -> None:
    summary = ExtractiveSummarizer().summarize(item["title"], item["description"])
    assert summary.headline == item["title"] and summary.method == "extractive"
    assert 0 < len(summary.text) <= 600
    assert grounded(summary.text, item["description"]) == []
    (expected,) = [facts for prefix, facts in ICE_FACTS.items() if item["title"].startswith(prefix)]
    assert [f for f in expected if f not in f"{summary.headline} {summary.text}"] == []
    # A teaser that fits the budget loses none of its facts.
    assert set(key_facts(item["description"])) <= set(key_facts(summary.text))


@pytest.mark.parametrize("name", list(MUST))
def test_long_releases_keep_figure_actor_and_place(name: str) -> None:
    title, body = release(name)
    summary = ExtractiveSummarizer().summarize(title, body)
    assert summary.headline == title
    assert len(summary.text) <= 600
    assert grounded(summary.text, body) == []
    assert [f for f in MUST[name] if f not in summary.text] == []
    assert set(summary.key_facts) >= {f for f in MUST[name] if f in key_facts(body)}
    assert all(sentence in " ".join(body.split()) for sentence in sentences(summary.text))


def test_extractive_keeps_more_key_facts_than_lead_3() -> None:
    totals = {"extractive": 0, "lead": 0}
    for name, gold in GOLD.items():
        title, body = release(name)
        source_facts = set(key_facts(body))
        kept = {}
        for summarizer in (ExtractiveSummarizer(), LeadSummarizer()):
            summary = summarizer.summarize(title, body)
            assert len(summary.text) <= 600 and grounded(summary.text, body) == []
            found = sum(fact in summary.text for fact in gold)
            kept[summary.method] = (found, len(source_facts & set(key_facts(summary.text))))
            totals[summary.method] += found
        assert kept["extractive"][0] >= kept["lead"][0], (name, kept)
        assert kept["extractive"][1] >= kept["lead"][1], (name, kept)
    assert totals["extractive"] > totals["lead"], totals


def test_no_title_and_an_overlong_first_sentence() -> None:
    _, body = release(DHS)
    summary = ExtractiveSummarizer().summarize("", body)
    assert summary.headline.startswith("WASHINGTON – The Department of Homeland Security")
    assert not summary.text.startswith("WASHINGTON")  # the headline is not said twice
    long = "ICE said " + ", ".join(f"{n} people" for n in range(100, 400)) + "."
    cut = ExtractiveSummarizer().summarize("Counts", long).text
    assert cut.endswith("…") and len(cut) <= 600
    assert long.startswith(cut[:-1]) and long[len(cut) - 1] == " "  # at a word boundary


def test_grounded_catches_invented_figures_names_and_quotations() -> None:
    _, body = release(DHS)
    good = ("ICE arrested Jorge Lopez Santos at the Ventura County Jail; DHS says 33,179 people "
            "in California custody have detainers.")
    assert grounded(good, body) == []
    assert "figure '33,197' not in source" in grounded(good.replace("33,179", "33,197"), body)
    assert "figure '33,000' not in source" in grounded(good.replace("33,179", "33,000"), body)
    assert "figure '33179' not in source" in grounded(good.replace("33,179", "33179"), body)
    assert grounded(good.replace("Santos", "Sanchez"), body) == [
        "name 'Jorge Lopez Sanchez' not in source"]
    invented = good + ' DHS called it "a dangerous game".'
    assert grounded(invented, body) == ["quotation 'a dangerous game' not in source"]


_BITS = st.sampled_from([
    "33,179", "4,561", "2025", "H-2B", "866-DHS-2-ICE", "1,2", "3.5", "12-year", '"', "“", "”",
    ".", ". ", "? ", ":", ";", ",", "\n", "\n\n", " ", "Gov.", "U.S.", "Todd Lyons", "County",
    "Ventura", "SANCTUARY", "said", "the", "…", "0", "9", "'s", "(", ")",
])
TEXTS = st.one_of(st.text(max_size=300),
                  st.lists(st.one_of(_BITS, st.text(max_size=5)), max_size=150).map("".join))


@settings(max_examples=300, deadline=None)
@given(title=st.one_of(st.just(""), TEXTS), text=TEXTS, budget=st.integers(20, 600))
def test_any_text_summary_only_repeats_its_source(title: str, text: str, budget: int) -> None:
    runs = set(re.findall(r"\d+", text))
    flat = " ".join(text.split())
    for summarizer in (ExtractiveSummarizer(budget), LeadSummarizer(max_chars=budget)):
        summary = summarizer.summarize(title, text)
        assert set(re.findall(r"\d+", summary.text)) <= runs
        assert all(" ".join(q.split()) in flat for q in quotations(summary.text))
        assert grounded(summary.text, text) == []
        assert len(summary.text) <= budget
        assert set(re.findall(r"\d+", summary.headline)) <= runs | set(re.findall(r"\d+", title))


# -- the LLM, against a fake OpenAI-compatible server ---------------------------------------------

KEY = "sk-test-0123456789-not-a-real-key"
PATH = "/v1/chat/completions"
GROUNDED_REPLY = ("ICE Acting Director Todd Lyons asked California Attorney General Rob Bonta to "
                  "honor detainers for 33,179 people in California custody.")


def completion(content: object) -> bytes:
    message = {"role": "assistant", "content": content}
    return json.dumps({"choices": [{"message": message}]}).encode()


def llm(server: LocalServer, timeout: float = 5.0) -> LLMSummarizer:
    return LLMSummarizer(base_url=server.url("/v1"), model="test-model", api_key=KEY,
                         timeout=timeout)


def assert_key_never_logged(caplog: pytest.LogCaptureFixture) -> None:
    assert caplog.records  # httpx logs each request at DEBUG/INFO: the check saw something
    for record in caplog.records:
        assert KEY not in record.getMessage() and KEY not in repr(vars(record))


async def test_llm_grounded_reply_is_used(local_server: LocalServer,
                                          caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    requests: list[dict] = []

    async def chat(request: web.Request) -> web.Response:
        requests.append(await request.json())
        return web.Response(body=completion(GROUNDED_REPLY), content_type="application/json")

    local_server.route(PATH, chat)
    title, body = release(ICE)
    summarizer = llm(local_server)
    summary = await summarizer.summarize_async(title, body)
    assert (summary.method, summary.text, summary.headline) == ("llm", GROUNDED_REPLY, title)
    assert {"Todd Lyons", "Rob Bonta", "33,179"} <= set(summary.key_facts)
    assert local_server.headers_of(PATH)[-1]["Authorization"] == f"Bearer {KEY}"
    [sent] = requests
    assert (sent["model"], sent["temperature"]) == ("test-model", 0)
    assert [m["role"] for m in sent["messages"]] == ["system", "user"]
    assert "Todd Lyons" in sent["messages"][1]["content"]
    assert KEY not in repr(summarizer)
    assert_key_never_logged(caplog)


FAILURES: list[tuple[str, Callable[[LocalServer], None], str]] = [
    ("invented figure", lambda s: s.serve_bytes(
        PATH, completion(GROUNDED_REPLY.replace("33,179", "34,000")), "application/json"),
     "ungrounded"),
    ("invented name", lambda s: s.serve_bytes(
        PATH, completion(GROUNDED_REPLY.replace("Rob Bonta", "Kamala Harris")), "application/json"),
     "ungrounded"),
    ("500 echoing the key", lambda s: s.respond(
        PATH, 500, body=f'{{"error": "bad key {KEY}"}}'.encode()), "http_error"),
    ("timeout", lambda s: s.slow(PATH, delay=5), "timeout"),
    ("not json", lambda s: s.serve_bytes(PATH, b"<html>oops</html>", "application/json"),
     "malformed"),
    ("no choices", lambda s: s.serve_bytes(PATH, b'{"choices": []}', "application/json"),
     "malformed"),
    ("content not text", lambda s: s.serve_bytes(PATH, completion(None), "application/json"),
     "malformed"),
    ("too long", lambda s: s.serve_bytes(
        PATH, completion(" ".join([GROUNDED_REPLY] * 6)), "application/json"), "bad_length"),
]


@pytest.mark.parametrize(("script", "reason"), [f[1:] for f in FAILURES],
                         ids=[f[0] for f in FAILURES])
async def test_llm_falls_back_to_extractive(
    local_server: LocalServer, caplog: pytest.LogCaptureFixture,
    script: Callable[[LocalServer], None], reason: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    script(local_server)
    title, body = release(ICE)
    summary = await llm(local_server, timeout=0.5).summarize_async(title, body)
    assert summary == ExtractiveSummarizer().summarize(title, body)
    assert summary.method == "extractive"
    [record] = [r for r in caplog.records if r.getMessage() == "summary_fallback"]
    assert record.levelno == logging.WARNING
    fields = vars(record)["fields"]  # bot.logs.event's fixed keys
    assert set(fields) == {"reason", "detail", "model", "title"} and fields["reason"] == reason
    assert_key_never_logged(caplog)


async def test_one_awaitable_whichever_summarizer(local_server: LocalServer) -> None:
    title, body = release(NEWSOM)
    extractive = ExtractiveSummarizer()
    assert await as_async(extractive)(title, body) == extractive.summarize(title, body)
    summarizer = llm(local_server)
    assert as_async(summarizer) == summarizer.summarize_async
    assert summarizer.summarize(title, body) == extractive.summarize(title, body)  # no I/O
    assert local_server.hits[PATH] == 0
