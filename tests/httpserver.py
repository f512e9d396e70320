"""A scriptable HTTP server on 127.0.0.1 for tests: real sockets instead of mocks.

    server = LocalServer(); await server.start()          # or use the `local_server` fixture
    server.serve_bytes("/feed", body, "application/rss+xml; charset=utf-8", etag='"v1"')
    server.respond("/busy", 429, headers={"Retry-After": "120"})
    server.slow("/slow", delay=5)            server.trickle("/drip", b"x" * 50, interval=0.1)
    server.redirect("/a", "/b")              server.huge("/big", 10_000_000, declare_length=False)
    server.route("/custom", handler)         # any aiohttp handler: async (request) -> response
    url = server.url("/feed"); server.hits["/feed"]; server.bytes_sent["/feed"]
    server.headers_of("/feed")[-1]["If-None-Match"]; server.max_in_flight

Paths not scripted answer 404. Routes may be (re)scripted while the server runs. Handlers run
with aiohttp's handler_cancellation, so a client that gives up ends a sleeping handler and
stop() stays fast.
"""

from __future__ import annotations

import asyncio
import socket
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Seen:
    """One request as it arrived."""

    method: str
    path: str
    headers: CIMultiDictProxy[str]


class LocalServer:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = 0
        self.hits: Counter[str] = Counter()  # requests per path
        self.bytes_sent: Counter[str] = Counter()  # body bytes written per path
        self.requests: list[Seen] = []  # in arrival order
        self.in_flight = 0
        self.max_in_flight = 0  # most requests being handled at the same moment
        self._routes: dict[str, Handler] = {}
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=0.5
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def headers_of(self, path: str) -> list[CIMultiDictProxy[str]]:
        """The request headers of every request to `path`, oldest first."""
        return [seen.headers for seen in self.requests if seen.path == path]

    # -- scripting --------------------------------------------------------------------------

    def route(self, path: str, handler: Handler) -> None:
        self._routes[path] = handler

    def serve_bytes(
        self, path: str, body: bytes, content_type: str = "application/octet-stream", *,
        etag: str | None = None, last_modified: str | None = None,
        headers: Mapping[str, str] | None = None, status: int = 200,
    ) -> None:
        """Serve `body`, answering 304 to a matching If-None-Match / If-Modified-Since.
        `headers` (e.g. Cache-Control, a fixed Date) go on the 200 and on the 304."""
        common = CIMultiDict(headers or {})
        if etag:
            common["ETag"] = etag
        if last_modified:
            common["Last-Modified"] = last_modified

        async def handler(request: web.Request) -> web.StreamResponse:
            if _not_modified(request, etag, last_modified):
                return web.Response(status=304, headers=common)
            return web.Response(status=status, body=body,
                                headers={**common, "Content-Type": content_type})

        self.route(path, handler)

    def serve_file(self, path: str, file: Path, content_type: str, **kwargs: Any) -> None:
        """serve_bytes() with a fixture file's bytes; same keywords."""
        self.serve_bytes(path, file.read_bytes(), content_type, **kwargs)

    def respond(
        self, path: str, status: int, *, body: bytes = b"", content_type: str = "text/plain",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """A fixed answer: 404, 429 with Retry-After, 500, 503, an HTML error page ..."""
        self.serve_bytes(path, body, content_type, headers=headers, status=status)

    def redirect(self, path: str, location: str, status: int = 302) -> None:
        async def handler(request: web.Request) -> web.StreamResponse:
            return web.Response(status=status, headers={"Location": location})

        self.route(path, handler)

    def slow(self, path: str, delay: float, body: bytes = b"ok",
             content_type: str = "text/plain") -> None:
        """Sleep `delay` seconds before answering anything."""
        async def handler(request: web.Request) -> web.StreamResponse:
            await asyncio.sleep(delay)
            return web.Response(body=body, headers={"Content-Type": content_type})

        self.route(path, handler)

    def trickle(self, path: str, body: bytes, *, chunk_size: int = 1, interval: float = 0.1,
                content_type: str = "application/rss+xml") -> None:
        """Send headers at once, then `chunk_size` bytes every `interval` seconds."""
        async def handler(request: web.Request) -> web.StreamResponse:
            response = web.StreamResponse(headers={"Content-Type": content_type})
            response.content_length = len(body)
            await response.prepare(request)
            for start in range(0, len(body), chunk_size):
                await asyncio.sleep(interval)
                await self._write(response, path, body[start:start + chunk_size])
            await response.write_eof()
            return response

        self.route(path, handler)

    def huge(self, path: str, size: int, *, declare_length: bool = True,
             chunk_size: int = 64 * 1024, content_type: str = "application/rss+xml") -> None:
        """Stream `size` bytes; with declare_length=False, chunked with no Content-Length."""
        async def handler(request: web.Request) -> web.StreamResponse:
            response = web.StreamResponse(headers={"Content-Type": content_type})
            if declare_length:
                response.content_length = size
            await response.prepare(request)
            sent = 0
            try:
                while sent < size:
                    chunk = b"x" * min(chunk_size, size - sent)
                    await self._write(response, path, chunk)
                    sent += len(chunk)
                await response.write_eof()
            except ConnectionError:  # the client stopped reading, as a capped client should
                pass
            return response

        self.route(path, handler)

    # -- machinery --------------------------------------------------------------------------

    async def _write(self, response: web.StreamResponse, path: str, data: bytes) -> None:
        await response.write(data)
        self.bytes_sent[path] += len(data)

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        self.hits[path] += 1
        headers = CIMultiDictProxy(CIMultiDict(request.headers))
        self.requests.append(Seen(request.method, path, headers))
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            handler = self._routes.get(path)
            if handler is None:
                return web.Response(status=404, text=f"no route for {path}")
            response = await handler(request)
            if isinstance(response, web.Response) and isinstance(response.body, bytes):
                self.bytes_sent[path] += len(response.body)
            return response
        finally:
            self.in_flight -= 1


def unused_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on (bound then released), for "connection refused" tests."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _not_modified(request: web.Request, etag: str | None, last_modified: str | None) -> bool:
    # RFC 9110 §13.2.2: If-None-Match, when present, decides alone.
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return etag is not None and ("*" in tags or etag.removeprefix("W/") in tags)
    since = request.headers.get("If-Modified-Since")
    if not since or not last_modified:
        return False
    try:
        return parsedate_to_datetime(last_modified) <= parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False
