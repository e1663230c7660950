"""Read a response body under a size cap, decompressing it ourselves in bounded steps.

httpx's own decoders inflate a whole network chunk at once: 64 KiB of gzipped zeros becomes
64 MiB in memory before any cap can look at it. Here the raw bytes are inflated at most
``PIECE`` bytes at a time and counted as they come, so a gzip bomb or an endless body is cut
the moment it passes the cap, having cost at most one piece of memory beyond it.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Protocol

import httpx

from newsdesk.errors import FetchRejected

try:  # brotli ships with httpx[brotli], a core dependency; stay usable without it all the same
    import brotli
except ImportError:  # pragma: no cover
    brotli = None

PIECE = 64 * 1024  # why: the most inflated bytes held at once per decoding step
MAX_ENCODINGS = 3  # why: stacked Content-Encodings beyond this are an attack, not a server setup

ACCEPT_ENCODING = "gzip, deflate, br" if brotli is not None else "gzip, deflate"


class _Decoder(Protocol):
    def feed(self, data: bytes) -> Iterator[bytes]: ...


class _Identity:
    def feed(self, data: bytes) -> Iterator[bytes]:
        for start in range(0, len(data), PIECE):
            yield data[start : start + PIECE]


class _Zlib:
    """gzip (with multiple members) or deflate (zlib-wrapped, or raw as some servers send it)."""

    def __init__(self, gzip: bool) -> None:
        self._gzip = gzip
        self._first = True
        self._head = b""
        self._obj = self._new(16 + zlib.MAX_WBITS if gzip else zlib.MAX_WBITS)

    @staticmethod
    def _new(wbits: int) -> zlib._Decompress:
        return zlib.decompressobj(wbits)

    def feed(self, data: bytes) -> Iterator[bytes]:
        if not self._gzip and self._first:
            # zlib-wrapped deflate is the standard; raw deflate is what many servers send. The
            # two-byte zlib header tells them apart, so wait until two bytes have come.
            self._head += data
            if len(self._head) < 2:
                return
            self._first, data, self._head = False, self._head, b""
            try:
                zlib.decompressobj(zlib.MAX_WBITS).decompress(data[:2])
            except zlib.error:
                self._obj = self._new(-zlib.MAX_WBITS)
        while data:
            out = self._obj.decompress(data, PIECE)
            data = self._obj.unconsumed_tail
            if out:
                yield out
            while len(out) == PIECE and not data:  # output may still be pending inside zlib
                out = self._obj.decompress(b"", PIECE)
                data = self._obj.unconsumed_tail
                if out:
                    yield out
            if self._obj.eof:
                data = self._obj.unused_data
                if not (self._gzip and data.lstrip(b"\0")):
                    return  # trailing garbage (or padding) after the stream is ignored, as browsers do
                self._obj = self._new(16 + zlib.MAX_WBITS)  # the next gzip member


class _Brotli:
    def __init__(self) -> None:
        assert brotli is not None
        self._obj = brotli.Decompressor()

    def feed(self, data: bytes) -> Iterator[bytes]:
        try:
            out = self._obj.process(data, output_buffer_limit=PIECE)
        except TypeError:  # brotli < 1.2 cannot bound its output; one chunk at a time is the best it does
            yield self._obj.process(data)
            return
        if out:
            yield out
        # Drain what the limit held back; stop when brotli needs more input (no output from empty input).
        while not self._obj.is_finished():
            out = self._obj.process(b"", output_buffer_limit=PIECE)
            if not out:
                break
            yield out


def _decoders(content_encoding: str | None) -> list[_Decoder]:
    names = [n.strip().lower() for n in (content_encoding or "").split(",") if n.strip()]
    names = [n for n in names if n != "identity"]
    if len(names) > MAX_ENCODINGS:
        raise FetchRejected(f"too many content encodings: {content_encoding}", reason="bad_encoding")
    decoders: list[_Decoder] = []
    for name in reversed(names):  # the last encoding applied is undone first
        if name in ("gzip", "x-gzip"):
            decoders.append(_Zlib(gzip=True))
        elif name == "deflate":
            decoders.append(_Zlib(gzip=False))
        elif name == "br" and brotli is not None:
            decoders.append(_Brotli())
        else:
            raise FetchRejected(f"unsupported content encoding: {name}", reason="unsupported_encoding")
    return decoders


def _through(decoders: list[_Decoder], data: bytes) -> Iterator[bytes]:
    if not decoders:
        yield from _Identity().feed(data)
        return
    first, rest = decoders[0], decoders[1:]
    for piece in first.feed(data):
        if rest:
            yield from _through(rest, piece)
        else:
            yield piece


async def read_body(
    response: httpx.Response, cap: int, *, truncate: bool = False, counter: list[int]
) -> bytes:
    """The decoded body, at most ``cap`` bytes.

    Past the cap the read stops at once: with ``truncate`` the first ``cap`` bytes are returned
    (robots.txt: parse what fits), otherwise ``FetchRejected(reason="too_large")`` is raised.
    ``counter[0]`` tracks decoded bytes so far, for the fetch log even when the read fails.
    """
    decoders = _decoders(response.headers.get("content-encoding"))
    body = bytearray()
    try:
        async for raw in response.aiter_raw():
            for piece in _through(decoders, raw):
                body += piece
                counter[0] = len(body)
                if len(body) > cap:
                    if truncate:
                        return bytes(body[:cap])
                    raise FetchRejected(f"body exceeds {cap} bytes after decompression", reason="too_large")
    except zlib.error as exc:
        raise FetchRejected(f"corrupt compressed body: {exc}", reason="bad_encoding") from None
    except Exception as exc:
        if brotli is not None and isinstance(exc, brotli.error):
            raise FetchRejected(f"corrupt brotli body: {exc}", reason="bad_encoding") from None
        raise
    return bytes(body)
