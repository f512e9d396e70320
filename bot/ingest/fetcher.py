"""Fetch one URL over HTTP and classify what happened. Never raises (except CancelledError).

One `Fetcher` owns one `httpx.AsyncClient`. `fetch()` sends a conditional GET (If-None-Match /
If-Modified-Since), follows redirects by hand, streams the body under one overall deadline up
to a cap on its decoded size (gzip and deflate inflated as they arrive: `bodies`), and returns
a `FetchResult` whose `outcome` says how it ended:

    2xx                               OK (body, validators, charset, max_age, body_hash)
    304                               NOT_MODIFIED (validators kept)
    429, 503 with a usable Retry-After RATE_LIMITED (retry_after seconds)
    other 5xx                         SERVER_ERROR
    410                               GONE (the address is no more: the source gets disabled)
    other 4xx, other 3xx              CLIENT_ERROR
    deadline / httpx timeouts         TIMEOUT
    body over the cap (decoded size)  TOO_LARGE
    more than max_redirects hops      TOO_MANY_REDIRECTS
    a corrupt or unasked-for encoding NETWORK_ERROR   ("body could not be decoded: ...")
    anything else that went wrong     NETWORK_ERROR   (see `classify_error`, the one mapping)

Deciding when to poll again is `bot.ingest.schedule`'s job; parsing is the parsers'. This module
must not import bot.store, bot.channels or bot.delivery, and it sets up no logging.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx

from bot.ingest.bodies import ACCEPT_ENCODING, BodyTooLarge, CappedBody, Undecodable
from bot.models import FetchResult, Outcome
from bot.timetext import duration

FEED_ACCEPT = ("application/rss+xml, application/atom+xml, application/feed+json;q=0.9, "
               "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.1")
HTML_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"

_DELTA_SECONDS = re.compile(r"\d+(\.\d+)?")


@dataclass
class _Attempt:  # what is known so far, so a fetch failing mid-way can still report it
    final_url: str
    started: float = 0.0
    status: int | None = None
    bytes_read: int = 0


class Fetcher:
    def __init__(
        self, *, user_agent: str, timeout: float = 20.0, max_body_bytes: int = 5_000_000,
        max_redirects: int = 5, per_host_concurrency: int = 2,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not user_agent.strip():
            raise ValueError("user_agent must say who is fetching (e.g. 'alertbot/0.1 (+url)')")
        if timeout <= 0 or max_body_bytes <= 0 or max_redirects < 0 or per_host_concurrency < 1:
            raise ValueError("timeout, max_body_bytes, per_host_concurrency must be > 0, "
                             "max_redirects >= 0")
        self._timeout = timeout
        self._max_body = max_body_bytes
        self._max_redirects = max_redirects
        self._per_host = per_host_concurrency
        self._slots: dict[str, asyncio.Semaphore] = {}
        # Redirects are followed by hand (see _exchange), so the client never follows them.
        # Only the encodings `bodies` inflates under the cap are asked for.
        self._client = httpx.AsyncClient(
            transport=transport,
            headers={"User-Agent": user_agent, "Accept-Encoding": ACCEPT_ENCODING},
            timeout=httpx.Timeout(timeout), follow_redirects=False,
        )

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None,
        accept: str = FEED_ACCEPT,
    ) -> FetchResult:
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        attempt = _Attempt(final_url=url)
        try:
            async with self._slot(url):
                attempt.started = time.monotonic()
                # One deadline for every hop and the whole body: httpx's own timeouts are per
                # read, so a server trickling a byte a second would never trip them.
                async with asyncio.timeout(self._timeout):
                    result = await self._get(url, headers, etag, last_modified, attempt)
        except Exception as exc:  # the contract is "never raises"; CancelledError passes through
            outcome, detail = classify_error(exc, timeout=self._timeout,
                                             bytes_read=attempt.bytes_read)
            result = FetchResult(outcome=outcome, url=url, final_url=attempt.final_url,
                                 status=attempt.status, detail=detail)
        elapsed = time.monotonic() - attempt.started if attempt.started else 0.0
        return replace(result, elapsed=elapsed, bytes_read=attempt.bytes_read)

    def _slot(self, url: str) -> asyncio.Semaphore:
        # Keyed by the host asked for: redirects to another host still count against it,
        # which errs on the polite side.
        host = (urlsplit(url).hostname or "").lower()
        if host not in self._slots:
            self._slots[host] = asyncio.Semaphore(self._per_host)
        return self._slots[host]

    async def _get(
        self, url: str, headers: dict[str, str], etag: str | None, last_modified: str | None,
        attempt: _Attempt,
    ) -> FetchResult:
        response = await self._exchange(self._client.build_request("GET", url, headers=headers),
                                        attempt)
        try:
            headers_in, now = response.headers, datetime.now(UTC)
            base = dict(url=url, final_url=str(response.url), status=response.status_code)
            if response.status_code == 304:
                # A 304 may omit the validators; the ones sent are still the current ones.
                return FetchResult(
                    outcome=Outcome.NOT_MODIFIED, **base, detail=_status_text(response),
                    etag=headers_in.get("etag") or etag,
                    last_modified=headers_in.get("last-modified") or last_modified,
                    max_age=max_age_seconds(headers_in, now=now),
                )
            if not response.is_success:
                outcome, detail, retry_after = _classify_status(response, now=now)
                return FetchResult(outcome=outcome, **base, detail=detail,
                                   retry_after=retry_after)
            body = await self._read_body(response, attempt)
            content_type, charset = parse_content_type(headers_in.get("content-type"))
            return FetchResult(
                outcome=Outcome.OK, **base, body=body, content_type=content_type,
                charset=charset, etag=headers_in.get("etag"),
                last_modified=headers_in.get("last-modified"),
                body_hash=hashlib.sha256(body).hexdigest(),
                max_age=max_age_seconds(headers_in, now=now),
                detail=f"{_status_text(response)}, {len(body):,} bytes",
            )
        finally:
            await response.aclose()

    async def _exchange(self, request: httpx.Request, attempt: _Attempt) -> httpx.Response:
        """Send, following redirects by hand, and return the final response still streaming.

        By hand because httpx reads every redirect body in full (no cap), and so the detail
        can name a loop. A URL seen twice is not fatal at once: cookie-setting bounces do it.
        """
        seen = [str(request.url)]
        while True:
            response = await self._client.send(request, stream=True)
            attempt.final_url, attempt.status = str(response.url), response.status_code
            if response.next_request is None:
                return response
            await response.aclose()
            request = response.next_request
            target = str(request.url)
            if len(seen) > self._max_redirects:
                loop = " (a loop)" if target in seen else ""
                raise httpx.TooManyRedirects(
                    f"more than {self._max_redirects} redirects{loop}, last to {target}",
                    request=request,
                )
            seen.append(target)

    async def _read_body(self, response: httpx.Response, attempt: _Attempt) -> bytes:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self._max_body:
            raise BodyTooLarge(f"body larger than {self._max_body:,} bytes "
                               f"(Content-Length says {int(declared):,})")
        if response.is_stream_consumed:  # built in memory (httpx.MockTransport): read, decoded
            whole = CappedBody(None, self._max_body)
            whole.feed(response.content)
            return whole.finish()
        # The raw bytes, inflated here: httpx would inflate a whole network chunk at once.
        body = CappedBody(response.headers.get("content-encoding"), self._max_body)
        async for chunk in response.aiter_raw():
            attempt.bytes_read = response.num_bytes_downloaded
            body.feed(chunk)
        attempt.bytes_read = response.num_bytes_downloaded
        return body.finish()


def classify_error(
    exc: BaseException, *, timeout: float, bytes_read: int = 0
) -> tuple[Outcome, str]:
    """Map any exception raised while fetching to an outcome and an operator-readable detail.

    The single place where exception families become outcomes, most specific family first.
    """
    why, within = str(exc) or type(exc).__name__, duration(timeout)
    match exc:
        case BodyTooLarge():
            return Outcome.TOO_LARGE, why
        case httpx.TooManyRedirects():
            return Outcome.TOO_MANY_REDIRECTS, why
        case httpx.ConnectTimeout() | httpx.PoolTimeout():
            return Outcome.TIMEOUT, f"could not connect within {within}"
        case httpx.TimeoutException() | TimeoutError() if bytes_read:
            return Outcome.TIMEOUT, f"body incomplete after {within} ({bytes_read:,} bytes read)"
        case httpx.TimeoutException() | TimeoutError():
            return Outcome.TIMEOUT, f"no answer within {within}"
        case httpx.ConnectError():
            return Outcome.NETWORK_ERROR, f"could not connect: {why}"
        case httpx.UnsupportedProtocol() | httpx.InvalidURL():
            return Outcome.NETWORK_ERROR, f"not a usable http(s) address: {why}"
        case httpx.NetworkError() | httpx.ProtocolError() | httpx.ProxyError():
            return Outcome.NETWORK_ERROR, f"connection failed: {why}"
        case Undecodable() | httpx.DecodingError():
            return Outcome.NETWORK_ERROR, f"body could not be decoded: {why}"
        case httpx.HTTPError() | httpx.StreamError():
            return Outcome.NETWORK_ERROR, f"HTTP error: {why}"
        case _:
            return Outcome.NETWORK_ERROR, f"unexpected {type(exc).__name__}: {why}"


def _classify_status(
    response: httpx.Response, *, now: datetime
) -> tuple[Outcome, str, float | None]:
    """Outcome, detail and retry_after for a final response that is neither 2xx nor 304."""
    status, text = response.status_code, _status_text(response)
    retry_after = retry_after_seconds(response.headers.get("retry-after"),
                                      date=response.headers.get("date"), now=now)
    # A 503 without a usable Retry-After is an outage, not a request to slow down.
    if status == 429 or (status == 503 and retry_after is not None):
        wait = "" if retry_after is None else f", retry after {duration(retry_after)}"
        return Outcome.RATE_LIMITED, text + wait, retry_after
    if status == 410:
        return Outcome.GONE, text, None
    if status >= 500:
        return Outcome.SERVER_ERROR, text, None
    if 300 <= status < 400:
        return Outcome.CLIENT_ERROR, f"{text} (redirect without a usable Location)", None
    return Outcome.CLIENT_ERROR, text, None


def retry_after_seconds(value: str | None, *, date: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds, or an HTTP-date taken
    relative to the response's Date header (the server's clock) or else `now`."""
    value = (value or "").strip()
    if _DELTA_SECONDS.fullmatch(value):
        return float(value)
    when = _http_date(value)
    if when is None:
        return None
    return max(0.0, (when - (_http_date(date) or now)).total_seconds())


def max_age_seconds(headers: Mapping[str, str], *, now: datetime) -> float | None:
    """Remaining freshness (RFC 9111 §4.2): max-age (then s-maxage, else Expires minus Date)
    less the `Age` a cache counted, never below 0; no-cache / no-store give 0; None when the
    server said nothing. Not Date for age: our clock against the server's would cut it short."""
    parts = (part.partition("=") for part in headers.get("cache-control", "").split(","))
    directives = {name.strip().lower(): val.strip().strip('"') for name, _, val in parts}
    if "no-store" in directives or "no-cache" in directives:
        return 0.0
    given = [d for n in ("max-age", "s-maxage") if (d := _delta(directives.get(n))) is not None]
    lifetime = given[0] if given else None
    if lifetime is None and (expires := headers.get("expires")) is not None:
        when = _http_date(expires)  # RFC 9111 §5.3: an invalid Expires ("0") is expired
        lifetime = 0.0 if when is None else (
            when - (_http_date(headers.get("date")) or now)).total_seconds()
    return None if lifetime is None else max(0.0, lifetime - (_delta(headers.get("age")) or 0))


def _delta(value: str | None) -> float | None:
    """delta-seconds (RFC 9111 §1.2.2): ASCII digits only ("²" is a digit to str.isdigit)."""
    value = (value or "").strip()
    return float(value) if value.isascii() and value.isdigit() else None


def parse_content_type(value: str | None) -> tuple[str | None, str | None]:
    """("application/rss+xml", "utf-8") from 'application/rss+xml; charset="UTF-8"'."""
    if not value:
        return None, None
    mime, *params = value.split(";")
    charset = None
    for param in params:
        name, _, val = param.partition("=")
        if name.strip().lower() == "charset":
            charset = val.strip().strip("\"'").lower() or None
    return mime.strip().lower() or None, charset


def _http_date(value: str | None) -> datetime | None:
    try:  # None and "" raise too
        when = parsedate_to_datetime(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _status_text(response: httpx.Response) -> str:
    return f"HTTP {response.status_code} {response.reason_phrase}".rstrip()
