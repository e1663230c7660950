"""A small in-process response cache, invalidated by the database's change counter.

Every write the site shows bumps a counter (triggers from migration 0002), so an entry is fresh
while the counter it was built under is still current; a short TTL also bounds how stale the
"3 hours ago" labels and PostgreSQL's non-transactional sequence can make a page. Entries keep the
body both plain and gzipped, with its ETag, so a hit costs one counter read and a dict lookup.
"""

from __future__ import annotations

import gzip
import hashlib
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from threading import Lock

MAX_ENTRIES = 2000  # why: a few thousand pages of 10–40 kB stay well under 100 MB per worker
TTL_SECONDS = 60.0  # why: relative times ("3 minutes ago") may lag a minute, no more
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


def etag_for(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


def compress(body: bytes, level: int = GZIP_LEVEL) -> bytes | None:
    return gzip.compress(body, level, mtime=0) if len(body) >= GZIP_MIN_BYTES else None


class ResponseCache:
    def __init__(self, max_entries: int = MAX_ENTRIES, ttl: float = TTL_SECONDS) -> None:
        self.max_entries, self.ttl = max_entries, ttl
        self._entries: OrderedDict[tuple[str, ...], CachedResponse] = OrderedDict()
        self._lock = Lock()

    def get(self, key: tuple[str, ...], counter: int) -> CachedResponse | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry.counter != counter or time.monotonic() - entry.created > self.ttl:
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
