"""Fetcher against a real local HTTP server: each case checks the classification and the
schedule it leads to (fetch outcome → schedule.next_check)."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from bot.ingest import fetcher as fetching
from bot.ingest import schedule
from bot.ingest.fetcher import FEED_ACCEPT, HTML_ACCEPT, Fetcher
from bot.models import FetchResult, Outcome
from tests.httpserver import LocalServer, unused_port
from tests.paths import GOV

ICE_RSS = GOV / "DERIVED_ice_breaking_reconstructed.rss.xml"
UA = "alertbot-test/0.1 (+https://example.org/alertbot)"
RSS = "application/rss+xml; charset=utf-8"
NOW = datetime(2026, 2, 12, 9, 0, tzinfo=UTC)
POLICY = schedule.PollPolicy()  # floor 60, ceiling 3600, default 300, unhealthy after 5
SERVER_DATE = "Wed, 21 Oct 2015 07:28:00 GMT"


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(user_agent=UA, timeout=0.5, max_body_bytes=50_000) as f:
        yield f


def wait_after(result: FetchResult, previous_failures: int = 0) -> timedelta:
    """How long the scheduler waits after this result (no jitter: rand=0.5)."""
    failures = schedule.failures_after(previous_failures, result.outcome)
    due = schedule.next_check(POLICY, now=NOW, outcome=result.outcome, failures=failures,
                              max_age=result.max_age, retry_after=result.retry_after)
    return due - NOW


async def test_ok_then_not_modified_with_validators(local_server: LocalServer, fetcher: Fetcher):
    body = ICE_RSS.read_bytes()
    lm = "Wed, 11 Feb 2026 22:38:19 GMT"
    local_server.serve_bytes("/ice.rss", body, RSS, etag='"v1"', last_modified=lm,
                             headers={"Cache-Control": "public, max-age=600"})
    url = local_server.url("/ice.rss")

    first = await fetcher.fetch(url)
    assert first.outcome is Outcome.OK and first.status == 200
    assert first.body == body and first.bytes_read == len(body)
    assert first.body_hash == hashlib.sha256(body).hexdigest()
    assert (first.content_type, first.charset) == ("application/rss+xml", "utf-8")
    assert (first.etag, first.last_modified, first.max_age) == ('"v1"', lm, 600)
    assert first.final_url == url and first.detail.startswith("HTTP 200 OK")
    assert wait_after(first) == timedelta(seconds=600)  # max-age beats the 300 s default

    second = await fetcher.fetch(url, etag=first.etag, last_modified=first.last_modified)
    sent = local_server.headers_of("/ice.rss")[-1]
    assert (sent["If-None-Match"], sent["If-Modified-Since"]) == ('"v1"', lm)
    assert second.outcome is Outcome.NOT_MODIFIED and second.status == 304
    assert (second.body, second.etag, second.last_modified) == (b"", '"v1"', lm)
    assert wait_after(second, previous_failures=3) == timedelta(seconds=600)

    by_date = await fetcher.fetch(url, last_modified=lm)
    assert by_date.outcome is Outcome.NOT_MODIFIED and by_date.etag == '"v1"'
    stale = await fetcher.fetch(url, etag='"v0"')
    assert stale.outcome is Outcome.OK and stale.body == body
    assert local_server.hits["/ice.rss"] == 4


async def test_user_agent_and_accept_arrive(local_server: LocalServer, fetcher: Fetcher):
    local_server.serve_bytes("/page", b"<html></html>", "text/html")
    await fetcher.fetch(local_server.url("/page"))
    await fetcher.fetch(local_server.url("/page"), accept=HTML_ACCEPT)
    feed, html = local_server.headers_of("/page")
    assert feed["User-Agent"] == UA and feed["Accept"] == FEED_ACCEPT
    assert html["Accept"] == HTML_ACCEPT
    assert "If-None-Match" not in feed and "If-Modified-Since" not in feed


@pytest.mark.parametrize(
    ("status", "headers", "outcome", "retry_after", "wait", "detail"),
    [
        (429, {"Retry-After": "120"}, Outcome.RATE_LIMITED, 120, 120, "HTTP 429 Too Many Requests"),
        (429, {"Date": SERVER_DATE, "Retry-After": "Wed, 21 Oct 2015 07:30:00 GMT"},
         Outcome.RATE_LIMITED, 120, 120, "retry after 2 min"),
        (429, {"Retry-After": "86400"}, Outcome.RATE_LIMITED, 86400, 3600, "retry after 1 day"),
        (429, {"Retry-After": "2300050000"}, Outcome.RATE_LIMITED, 2.30005e9, 3600,
         "HTTP 429 Too Many Requests, retry after 73 years"),  # clamped to the ceiling
        (429, {"Retry-After": "5"}, Outcome.RATE_LIMITED, 5, 60, "429"),
        (429, {}, Outcome.RATE_LIMITED, None, 300, "429"),  # no hint: backoff from base
        (503, {"Retry-After": "900"}, Outcome.RATE_LIMITED, 900, 900, "HTTP 503"),
        (503, {}, Outcome.SERVER_ERROR, None, 300, "HTTP 503 Service Unavailable"),
        (500, {}, Outcome.SERVER_ERROR, None, 300, "HTTP 500 Internal Server Error"),
        (404, {}, Outcome.CLIENT_ERROR, None, 300, "HTTP 404 Not Found"),
        (None, {}, Outcome.CLIENT_ERROR, None, 300, "HTTP 404 Not Found"),  # unscripted path
        (410, {}, Outcome.GONE, None, 300, "HTTP 410 Gone"),  # not a temporary client error
    ],
)
async def test_error_statuses(local_server: LocalServer, fetcher: Fetcher, status, headers,
                              outcome, retry_after, wait, detail):
    if status is not None:
        local_server.respond("/x", status, headers=headers, body=b"nope")
    result = await fetcher.fetch(local_server.url("/x"))
    assert (result.outcome, result.status, result.retry_after) == (outcome, status or 404,
                                                                    retry_after)
    assert detail in result.detail and result.body == b""
    assert wait_after(result) == timedelta(seconds=wait)


async def test_backoff_grows_then_unhealthy_waits_ceiling(local_server: LocalServer,
                                                          fetcher: Fetcher):
    local_server.respond("/down", 500)
    result = await fetcher.fetch(local_server.url("/down"))
    waits = [wait_after(result, previous).total_seconds() for previous in range(6)]
    assert waits == [300, 600, 1200, 2400, 3600, 3600]


async def test_no_answer_before_deadline_is_timeout(local_server: LocalServer, fetcher: Fetcher):
    local_server.slow("/slow", delay=10)
    result = await fetcher.fetch(local_server.url("/slow"))
    assert result.outcome is Outcome.TIMEOUT and result.status is None
    assert result.detail == "no answer within 0.5 s"
    assert wait_after(result, previous_failures=1) == timedelta(seconds=600)


async def test_trickling_body_hits_overall_deadline(local_server: LocalServer, fetcher: Fetcher):
    # Each byte arrives well inside httpx's per-read timeout; only the overall deadline stops it.
    local_server.trickle("/drip", b"<rss>" * 10, interval=0.05)
    result = await fetcher.fetch(local_server.url("/drip"))
    assert result.outcome is Outcome.TIMEOUT and result.status == 200
    assert 0 < result.bytes_read < 50 and result.body == b""
    assert "body incomplete after 0.5 s" in result.detail


async def test_redirects_followed_then_loop_stopped(local_server: LocalServer, fetcher: Fetcher):
    local_server.redirect("/old", "/new", status=301)
    local_server.serve_bytes("/new", b"<rss/>", RSS)
    moved = await fetcher.fetch(local_server.url("/old"))
    assert moved.outcome is Outcome.OK and moved.url == local_server.url("/old")
    assert moved.final_url == local_server.url("/new")

    local_server.redirect("/a", "/b")
    local_server.redirect("/b", "/a")
    looped = await fetcher.fetch(local_server.url("/a"))
    assert looped.outcome is Outcome.TOO_MANY_REDIRECTS
    assert looped.detail.startswith("more than 5 redirects (a loop)")
    assert local_server.hits["/a"] + local_server.hits["/b"] == 6  # the first request + 5 hops
    assert wait_after(looped) == timedelta(seconds=300)


async def test_no_redirects_allowed(local_server: LocalServer):
    local_server.redirect("/old", "/new")
    async with Fetcher(user_agent=UA, max_redirects=0) as strict:
        result = await strict.fetch(local_server.url("/old"))
    assert result.outcome is Outcome.TOO_MANY_REDIRECTS and local_server.hits["/new"] == 0


@pytest.mark.parametrize("declare_length", [True, False])
async def test_body_over_cap_is_too_large(local_server: LocalServer, fetcher: Fetcher,
                                          declare_length: bool):
    local_server.huge("/big", 2_000_000, declare_length=declare_length)
    result = await fetcher.fetch(local_server.url("/big"))
    assert result.outcome is Outcome.TOO_LARGE and result.status == 200
    assert result.detail.startswith("body larger than 50,000 bytes") and result.body == b""
    if declare_length:  # rejected on the header, before reading the body
        assert result.bytes_read == 0 and "Content-Length says 2,000,000" in result.detail
    else:
        assert 50_000 < result.bytes_read <= 50_000 + 64 * 1024
    assert wait_after(result) == timedelta(seconds=300)


async def test_body_exactly_at_cap_is_ok(local_server: LocalServer, fetcher: Fetcher):
    local_server.huge("/cap", 50_000, declare_length=False)
    result = await fetcher.fetch(local_server.url("/cap"))
    assert result.outcome is Outcome.OK and len(result.body) == 50_000


async def test_wrong_declared_charset_is_passed_on(local_server: LocalServer, fetcher: Fetcher):
    body = '<?xml version="1.0"?><rss><channel><title>Café São José</title></channel></rss>'
    local_server.serve_bytes("/latin1", body.encode("iso-8859-1"), RSS)
    result = await fetcher.fetch(local_server.url("/latin1"))
    # The bytes are not valid UTF-8; the fetcher passes them on untouched for the parser.
    assert result.outcome is Outcome.OK and result.charset == "utf-8"
    assert result.body == body.encode("iso-8859-1")
    assert wait_after(result) == timedelta(seconds=300)


async def test_html_error_page_with_200_is_ok_html(local_server: LocalServer, fetcher: Fetcher):
    page = b"<!DOCTYPE html><html><body><h1>Access Denied</h1></body></html>"
    local_server.serve_bytes("/feed", page, "text/html; charset=UTF-8")
    result = await fetcher.fetch(local_server.url("/feed"))
    assert result.outcome is Outcome.OK and result.content_type == "text/html"
    assert result.charset == "utf-8" and result.body == page


async def test_connection_refused_is_network_error(fetcher: Fetcher):
    result = await fetcher.fetch(f"http://127.0.0.1:{unused_port()}/feed")
    assert result.outcome is Outcome.NETWORK_ERROR and result.status is None
    assert result.detail.startswith("could not connect")
    assert wait_after(result, previous_failures=4) == timedelta(seconds=3600)  # 5th: unhealthy


@pytest.mark.parametrize("url", ["ftp://example.org/feed", "not a url", "http://[::1/feed"])
async def test_unusable_address_is_classified_not_raised(fetcher: Fetcher, url: str):
    result = await fetcher.fetch(url)
    assert result.outcome is Outcome.NETWORK_ERROR and result.detail


async def test_per_host_concurrency_is_capped(local_server: LocalServer):
    local_server.slow("/slow", delay=0.1)
    async with Fetcher(user_agent=UA, per_host_concurrency=2) as capped:
        results = await asyncio.gather(*(capped.fetch(local_server.url("/slow")) for _ in range(7)))
    assert all(r.outcome is Outcome.OK for r in results)
    assert local_server.max_in_flight == 2


async def test_concurrency_cap_is_per_host():
    in_flight = {"a.example": 0, "b.example": 0}
    peak = {"a.example": 0, "b.example": 0, "all": 0}

    async def handler(request: httpx.Request) -> httpx.Response:
        host = request.url.host
        in_flight[host] += 1
        peak[host] = max(peak[host], in_flight[host])
        peak["all"] = max(peak["all"], sum(in_flight.values()))
        await asyncio.sleep(0.05)
        in_flight[host] -= 1
        return httpx.Response(200, content=b"ok")

    async with Fetcher(user_agent=UA, per_host_concurrency=1,
                       transport=httpx.MockTransport(handler)) as f:
        urls = [f"http://{host}/feed" for host in in_flight for _ in range(3)]
        results = await asyncio.gather(*(f.fetch(u) for u in urls))
    assert all(r.outcome is Outcome.OK for r in results)
    # One at a time per host, yet both hosts at once: the cap is per host, not global.
    assert peak == {"a.example": 1, "b.example": 1, "all": 2}


async def test_cancellation_propagates(local_server: LocalServer):
    local_server.slow("/slow", delay=10)
    async with Fetcher(user_agent=UA, timeout=30) as f:
        task = asyncio.create_task(f.fetch(local_server.url("/slow")))
        while not local_server.hits["/slow"]:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


@pytest.mark.parametrize(
    ("value", "date", "expected"),
    [
        ("120", None, 120.0),
        (" 0 ", None, 0.0),
        ("1.5", None, 1.5),
        ("Wed, 21 Oct 2015 07:30:00 GMT", SERVER_DATE, 120.0),  # against the server's clock
        ("Wed, 21 Oct 2015 07:30:00 GMT", None, 0.0),  # long past by `now`
        ("Thu, 12 Feb 2026 09:05:00 GMT", "garbage", 300.0),  # bad Date: falls back to now
        ("Wed, 21 Oct 2015 07:27:00 GMT", SERVER_DATE, 0.0),  # never negative
        ("-5", None, None),
        ("soon", None, None),
        ("", None, None),
        (None, None, None),
    ],
)
def test_retry_after_rules(value, date, expected):
    assert fetching.retry_after_seconds(value, date=date, now=NOW) == expected


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"cache-control": "public, max-age=600"}, 600.0),
        ({"cache-control": "s-maxage=900"}, 900.0),
        ({"cache-control": "max-age=60, s-maxage=900"}, 60.0),
        ({"cache-control": "no-cache"}, 0.0),
        ({"cache-control": "max-age=600, no-store"}, 0.0),
        ({"expires": "Wed, 21 Oct 2015 07:58:00 GMT", "date": SERVER_DATE}, 1800.0),
        ({"expires": "Thu, 12 Feb 2026 09:10:00 GMT"}, 600.0),  # no Date: against now
        ({"expires": "0"}, 0.0),  # invalid Expires means already expired
        ({"cache-control": "max-age=300", "expires": "0"}, 300.0),  # max-age wins
        ({"cache-control": "max-age=soon"}, None),
        ({}, None),
    ],
)
def test_max_age_rules(headers, expected):
    assert fetching.max_age_seconds(httpx.Headers(headers), now=NOW) == expected


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"cache-control": "max-age=300", "age": "120"}, 180.0),  # a CDN's copy, 2 min old
        ({"cache-control": "max-age=300", "age": "300"}, 0.0),  # expires as it arrives
        ({"cache-control": "max-age=300", "age": "4000"}, 0.0),  # stale: never negative
        ({"cache-control": "s-maxage=900", "age": "100"}, 800.0),
        ({"expires": "Wed, 21 Oct 2015 07:58:00 GMT", "date": SERVER_DATE, "age": "600"},
         1200.0),  # Expires minus Date is the lifetime too
        ({"cache-control": "no-cache", "age": "10"}, 0.0),
        ({"age": "120"}, None),  # an age says nothing of freshness on its own
        # A malformed Age is no age: the whole max-age stands.
        ({"cache-control": "max-age=300", "age": "soon"}, 300.0),
        ({"cache-control": "max-age=300", "age": "-60"}, 300.0),
        ({"cache-control": "max-age=300", "age": "1.5"}, 300.0),  # delta-seconds: integers
        ({"cache-control": "max-age=300", "age": "120, 130"}, 300.0),  # two Age headers
        # "²" (byte 0xB2, read as Latin-1) is a digit to str.isdigit() but not to float():
        ({"cache-control": "max-age=300", "age": b"\xb2"}, 300.0),
        ({"cache-control": b"max-age=\xb2"}, None),  # it raised: the whole fetch failed
        ({"cache-control": "max-age=0, s-maxage=900", "age": "5"}, 0.0),  # max-age first
    ],
)
def test_freshness_left_after_age(headers, expected):
    """RFC 9111 §4.2.3: behind a cache, freshness left is the lifetime less the Age."""
    assert fetching.max_age_seconds(httpx.Headers(headers), now=NOW) == expected


async def test_a_cdn_copy_is_waited_on_only_for_what_is_left_of_its_life(
    local_server: LocalServer, fetcher: Fetcher
):
    local_server.serve_bytes("/feed", ICE_RSS.read_bytes(), RSS, etag='"v1"',
                             headers={"Cache-Control": "max-age=300, must-revalidate",
                                      "Age": "240"})
    first = await fetcher.fetch(local_server.url("/feed"))
    again = await fetcher.fetch(local_server.url("/feed"), etag='"v1"')
    assert (first.outcome, again.outcome) == (Outcome.OK, Outcome.NOT_MODIFIED)
    assert first.max_age == again.max_age == 60.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [('application/rss+xml; charset="UTF-8"', ("application/rss+xml", "utf-8")),
     ("Text/HTML", ("text/html", None)), (None, (None, None)),
     ("text/xml;charset=ISO-8859-1;format=x", ("text/xml", "iso-8859-1"))],
)
def test_content_type_rules(value, expected):
    assert fetching.parse_content_type(value) == expected
