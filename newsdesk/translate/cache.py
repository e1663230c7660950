"""The translation cache interface: translated segments keyed by (text hash, engine, language pair).

``translate/`` stays pure: it defines the :class:`TranslationCache` protocol and an in-memory
implementation for tests and one-off runs; the database-backed cache lives in
:mod:`newsdesk.store.translations` and is handed in by the pipeline.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


def cache_key(engine: str, source: str, target: str, text: str) -> str:
    """The cache key of one text: sha256 of ``engine|source|target|text`` (hex, 64 characters)."""
    return hashlib.sha256(f"{engine}|{source}|{target}|{text}".encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class CacheEntry:
    key: str
    engine: str
    source_lang: str
    target_lang: str
    text: str  # the translation


@runtime_checkable
class TranslationCache(Protocol):
    def get_many(self, keys: Sequence[str]) -> dict[str, str]:
        """The cached translations among ``keys`` (missing keys are absent from the answer)."""
        ...

    def put_many(self, entries: Iterable[CacheEntry]) -> None:
        """Store translations; a key already present is left as it is."""
        ...


class MemoryCache:
    """A process-local cache (tests, benchmarks, ``translate`` of a single text)."""

    def __init__(self) -> None:
        self.entries: dict[str, CacheEntry] = {}

    def get_many(self, keys: Sequence[str]) -> dict[str, str]:
        return {k: self.entries[k].text for k in keys if k in self.entries}

    def put_many(self, entries: Iterable[CacheEntry]) -> None:
        for entry in entries:
            self.entries.setdefault(entry.key, entry)

    def __len__(self) -> int:
        return len(self.entries)


class NoCache:
    """A cache that keeps nothing."""

    def get_many(self, keys: Sequence[str]) -> dict[str, str]:
        return {}

    def put_many(self, entries: Iterable[CacheEntry]) -> None:
        return None

