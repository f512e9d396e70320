"""A response body collected under a cap on its decoded size, gzip / deflate inflated as it streams.

httpx's own decoders inflate each network chunk whole, so 64 KB of a gzip bomb becomes 64 MB
before any cap can look at it. `CappedBody` is fed the raw bytes as they arrive and asks zlib
for no more output than the cap still has room for (`max_length`; the input it could not use
yet waits in `unconsumed_tail`), so memory stays within about the cap whatever the ratio.

    identity (no Content-Encoding)   the bytes as they came
    gzip, x-gzip                     every member (concatenated gzip streams are one body)
    deflate                          zlib-wrapped (RFC 9110), or raw deflate as some servers send
    anything else                    Undecodable: alertbot asks only for ACCEPT_ENCODING

Raises BodyTooLarge past the cap and Undecodable for a corrupt, truncated or unasked-for
encoding; the fetcher classifies both. Pure: no I/O. Must not import anything from the project.
"""

from __future__ import annotations

import zlib

ACCEPT_ENCODING = "gzip, deflate"
_GZIP_WBITS = 16 + zlib.MAX_WBITS
_INFLATERS = {"gzip": "gzip", "x-gzip": "gzip", "deflate": "deflate"}


class BodyTooLarge(Exception):
    """The body is over the cap (decoded size); raised inside the fetch, classified TOO_LARGE."""


class Undecodable(Exception):
    """The body's Content-Encoding is corrupt, truncated or not one alertbot asked for."""


class CappedBody:
    def __init__(self, content_encoding: str | None, cap: int) -> None:
        self.coding = _coding(content_encoding)
        self._cap = cap
        self._body = bytearray()
        self._head = b""  # deflate: the first bytes, until they tell zlib from raw deflate
        self._inflater: zlib._Decompress | None = None

    def feed(self, data: bytes) -> None:
        if self.coding is None:
            self._append(data)
            return
        if self._inflater is None:
            data = self._start(data)
            if self._inflater is None:
                return
        try:
            self._inflate(self._inflater, data)
        except zlib.error as exc:
            raise Undecodable(f"{self.coding} body is corrupt ({exc})") from exc

    def finish(self) -> bytes:
        """The whole decoded body; Undecodable if the encoded stream stopped half-way."""
        if self._head or (self._inflater is not None and not self._inflater.eof):
            raise Undecodable(f"{self.coding} body ends early (truncated after "
                              f"{len(self._body):,} decoded bytes)")
        return bytes(self._body)

    def _start(self, data: bytes) -> bytes:
        """Open the first inflater; deflate waits for the two header bytes of RFC 1950."""
        if self.coding == "gzip":
            self._inflater = zlib.decompressobj(_GZIP_WBITS)
            return data
        data, self._head = self._head + data, b""
        if len(data) < 2:
            self._head = data
            return b""
        wrapped = data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
        self._inflater = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
        return data

    def _inflate(self, inflater: zlib._Decompress, data: bytes) -> None:
        while data:
            if inflater.eof:  # what follows a gzip member is the next member
                if self.coding != "gzip" or not data.strip(b"\0"):  # zero padding is not one
                    return
                inflater = self._inflater = zlib.decompressobj(_GZIP_WBITS)
            # One byte more than the room left: getting it proves the body is over the cap.
            out = inflater.decompress(data, self._cap - len(self._body) + 1)
            self._append(out)
            # Not over the cap, so zlib was not short of room and used all the input it
            # could: what is left is what follows the end of this member.
            data = inflater.unconsumed_tail or inflater.unused_data

    def _append(self, chunk: bytes) -> None:
        if len(self._body) + len(chunk) > self._cap:
            coded = "" if self.coding is None else f" once decompressed ({self.coding})"
            raise BodyTooLarge(f"body larger than {self._cap:,} bytes{coded}")
        self._body += chunk


def _coding(header: str | None) -> str | None:
    """The one coding to undo, from a Content-Encoding header (None: the bytes as they are)."""
    codings = [c.strip().lower() for c in (header or "").split(",")]
    codings = [c for c in codings if c and c != "identity"]
    if not codings:
        return None
    if len(codings) == 1 and codings[0] in _INFLATERS:
        return _INFLATERS[codings[0]]
    raise Undecodable(f"the server sent Content-Encoding {header!r}, which alertbot does not "
                      f"ask for (it accepts {ACCEPT_ENCODING})")
