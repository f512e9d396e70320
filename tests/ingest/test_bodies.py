"""Compressed bodies: the cap holds on decoded bytes while streaming, against a real local
server (a gzip bomb among them), and every encoding ends in a body or a clear error."""

from __future__ import annotations

import gzip
import tracemalloc
import zlib

import pytest

from bot.ingest.bodies import BodyTooLarge, CappedBody, Undecodable
from bot.ingest.feeds import parse_feed
from bot.ingest.fetcher import Fetcher
from bot.models import Outcome
from tests.httpserver import LocalServer
from tests.ingest.test_refresh import RSS, A, B, C, rss

UA = "alertbot-test/0.1 (+https://example.org/alertbot)"
CAP = 1_000_000
BOMB_MIB = 64  # of zeros: about 65 KB once gzip'd


@pytest.fixture(scope="session")
def gzip_bomb() -> bytes:
    """64 MiB of zeros as one gzip member, compressed a MiB at a time (never all in memory)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1 << 20)
    return b"".join(packer.compress(zeros) for _ in range(BOMB_MIB)) + packer.flush()


def serve_encoded(server: LocalServer, path: str, body: bytes, coding: str) -> str:
    server.serve_bytes(path, body, RSS, headers={"Content-Encoding": coding})
    return server.url(path)


async def test_gzip_bomb_is_too_large_and_memory_stays_near_the_cap(
    local_server: LocalServer, gzip_bomb: bytes
) -> None:
    url = serve_encoded(local_server, "/bomb", gzip_bomb, "gzip")
    async with Fetcher(user_agent=UA, timeout=10, max_body_bytes=CAP) as fetcher:
        tracemalloc.start()
        try:
            result = await fetcher.fetch(url)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    # The bound: the body (up to the cap), one inflate step (at most the room left under the
    # cap) and a network chunk or two. Inflating a whole network chunk at once costs 64 MB.
    assert peak < 3 * CAP, f"peak {peak:,} bytes while fetching a {len(gzip_bomb):,}-byte bomb"
    assert result.outcome is Outcome.TOO_LARGE and result.status == 200
    assert result.detail == "body larger than 1,000,000 bytes once decompressed (gzip)"
    assert 0 < result.bytes_read <= len(gzip_bomb) and result.body == b""


async def test_gzip_feed_still_parses(local_server: LocalServer) -> None:
    feed, packed = rss(A, B, C), gzip.compress(rss(A, B, C))
    url = serve_encoded(local_server, "/feed", packed, "gzip")
    async with Fetcher(user_agent=UA, max_body_bytes=CAP) as fetcher:
        result = await fetcher.fetch(url)
    assert result.outcome is Outcome.OK and result.body == feed
    assert result.bytes_read == len(packed) < len(feed)
    parsed = parse_feed(result.body, source_id="t", base_url=url)
    assert [i.title for i in parsed.items] == ["Release A", "Release B", "Release C 33,179"]
    assert local_server.headers_of("/feed")[0]["Accept-Encoding"] == "gzip, deflate"


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS, -zlib.MAX_WBITS], ids=["zlib", "raw"])
async def test_deflate_feed_zlib_wrapped_or_raw(local_server: LocalServer, wbits: int) -> None:
    feed = rss(A, B)
    packer = zlib.compressobj(6, zlib.DEFLATED, wbits)
    url = serve_encoded(local_server, "/feed", packer.compress(feed) + packer.flush(), "deflate")
    async with Fetcher(user_agent=UA, max_body_bytes=CAP) as fetcher:
        result = await fetcher.fetch(url)
    assert result.outcome is Outcome.OK and result.body == feed


@pytest.mark.parametrize(
    ("mangle", "coding", "detail"),
    [
        (lambda z: z[:10] + bytes(b ^ 0xFF for b in z[10:40]) + z[40:], "gzip",
         "body could not be decoded: gzip body is corrupt (Error -3 while decompressing"),
        (lambda z: z[: len(z) // 2], "gzip",
         "body could not be decoded: gzip body ends early (truncated after"),
        (lambda z: z, "br", "body could not be decoded: the server sent Content-Encoding 'br', "
         "which alertbot does not ask for (it accepts gzip, deflate)"),
    ],
    ids=["corrupt", "truncated", "unasked-for"],
)
async def test_bad_encodings_are_clear_errors(local_server: LocalServer, mangle, coding: str,
                                              detail: str) -> None:
    url = serve_encoded(local_server, "/feed", mangle(gzip.compress(rss(A, B, C))), coding)
    async with Fetcher(user_agent=UA, max_body_bytes=CAP) as fetcher:
        result = await fetcher.fetch(url)
    assert result.outcome is Outcome.NETWORK_ERROR and result.status == 200
    assert result.detail.startswith(detail) and result.body == b""


def feed_bytewise(body: CappedBody, data: bytes) -> bytes:
    for i in range(len(data)):
        body.feed(data[i:i + 1])
    return body.finish()


def test_concatenated_gzip_members_and_padding_are_one_body() -> None:
    data = gzip.compress(b"first ") + gzip.compress(b"second") + b"\0\0\0"
    assert feed_bytewise(CappedBody("gzip", 100), data) == b"first second"
    whole = CappedBody("x-gzip", 100)
    whole.feed(data)
    assert whole.finish() == b"first second"


def test_cap_counts_decoded_bytes_exactly() -> None:
    for coding, pack in (("gzip", gzip.compress), ("deflate", zlib.compress), (None, bytes)):
        exact = CappedBody(coding, 1000)
        exact.feed(pack(b"x" * 1000))
        assert exact.finish() == b"x" * 1000
        over = CappedBody(coding, 1000)
        with pytest.raises(BodyTooLarge, match="larger than 1,000 bytes"):
            over.feed(pack(b"x" * 1001))
            over.finish()


@pytest.mark.parametrize("header", [None, "", "identity", " GZIP ", "gzip, identity"])
def test_known_content_encodings(header: str | None) -> None:
    body = CappedBody(header, 100)
    body.feed(gzip.compress(b"ok") if header and "gzip" in header.lower() else b"ok")
    assert body.finish() == b"ok"


@pytest.mark.parametrize("header", ["br", "zstd", "gzip, gzip", "compress"])
def test_other_content_encodings_are_refused(header: str) -> None:
    with pytest.raises(Undecodable, match="does not ask for"):
        CappedBody(header, 100)
