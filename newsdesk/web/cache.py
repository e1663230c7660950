"""A small in-process response cache, invalidated by the database's change counter.

Every write the site shows bumps a counter (triggers from migration 0002), so an entry is fresh
while the counter it was built under is still current; a short TTL also bounds how stale the
"3 hours ago" labels and PostgreSQL's non-transactional sequence can make a page. An entry younger
than ``stale_grace`` seconds is served even after the counter moved, so a running crawl (a write a
second) cannot make every request a rebuild; the site clears its own cache after the writes it
makes itself (comments, moderation, sources), so whoever wrote sees the result at once. Entries keep the
body both plain and gzipped, with its ETag, so a hit costs one counter read and a dict lookup.
"""

from __future__ import annotations

import gzip
import hashlib
import struct
import time
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from threading import Lock

MAX_ENTRIES = 1000  # why: pages of 10–40 kB (article pages kept twice: plain and deflated pieces) stay under ~80 MB per worker
TTL_SECONDS = 60.0  # why: relative times ("3 minutes ago") may lag a minute, no more
STALE_GRACE = 5.0  # why: during a crawl the counter moves every second; rebuild a page at most every 5 s
GZIP_MIN_BYTES = 512  # why: below this the gzip header costs more than it saves
GZIP_LEVEL = 6


@dataclass(frozen=True)
class CachedResponse:
    counter: int
    created: float
    status: int
    body: bytes
    gzipped: bytes | None
    etag: str
    media_type: str
    last_modified: datetime | None
    cache_control: str
    personal: bool  # holds the CSRF placeholder: completed per request
    vary: str = "Accept-Encoding"
    gzip_parts: tuple[bytes, ...] = ()  # personal pages: the pieces between placeholders, deflated
    location: str | None = None  # a redirect's Location


def etag_for(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


def compress(body: bytes, level: int = GZIP_LEVEL) -> bytes | None:
    return gzip.compress(body, level, mtime=0) if len(body) >= GZIP_MIN_BYTES else None


# A gzip member is header, deflate blocks, CRC-32 and length. Deflate blocks ended with a full flush
# are byte-aligned and refer to nothing before them, so pieces deflated separately can be joined:
# the pieces around a per-reader token are compressed once, the token per request, and only the
# CRC (microseconds) is computed over the whole body each time.
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"


def _deflate(data: bytes, *, last: bool, level: int = GZIP_LEVEL) -> bytes:
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_FINISH if last else zlib.Z_FULL_FLUSH)


def split_deflate(body: bytes, placeholder: bytes) -> tuple[bytes, ...]:
    """The body's pieces between placeholders, each deflated on its own (the last one final)."""
    pieces = body.split(placeholder)
    return tuple(_deflate(p, last=i == len(pieces) - 1) for i, p in enumerate(pieces))


def stored_block(data: bytes) -> bytes:
    """``data`` as a deflate "stored" block (RFC 1951 §3.2.4): no compressor needed for a short token."""
    if len(data) > 0xFFFF:
        raise ValueError("a stored block holds at most 65535 bytes")
    # first byte: BFINAL=0, BTYPE=00, then padding to the byte boundary; LEN and its complement
    return b"\x00" + struct.pack("<HH", len(data), len(data) ^ 0xFFFF) + data


def join_gzip(parts: tuple[bytes, ...], token: bytes, body: bytes) -> bytes:
    """A valid gzip stream of ``body`` (= pieces joined by ``token``) from pre-deflated pieces."""
    token_block = stored_block(token)
    trailer = struct.pack("<II", zlib.crc32(body) & 0xFFFFFFFF, len(body) & 0xFFFFFFFF)
    return GZIP_HEADER + token_block.join(parts) + trailer


class ResponseCache:
    def __init__(self, max_entries: int = MAX_ENTRIES, ttl: float = TTL_SECONDS,
                 stale_grace: float = STALE_GRACE) -> None:
        self.max_entries, self.ttl, self.stale_grace = max_entries, ttl, stale_grace
        self._entries: OrderedDict[tuple[str, ...], CachedResponse] = OrderedDict()
        self._lock = Lock()

    def get(self, key: tuple[str, ...], counter: int) -> CachedResponse | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            age = time.monotonic() - entry.created
            if age > self.ttl or (entry.counter != counter and age > self.stale_grace):
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple[str, ...], entry: CachedResponse) -> None:
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
