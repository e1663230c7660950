"""Reprints: copies of one text run by several outlets, found with MinHash-LSH over word shingles.

A wire story is republished verbatim or lightly edited (a new headline, a dropped paragraph, an
added "Source: X" line); its body keeps most of its word 4-shingles, while two outlets' own
reports of one event share only names and a phrase or two. So a reprint is an article whose body
shingles have a Jaccard similarity of at least ``threshold`` with an earlier article's: estimated
from MinHash signatures, with an LSH index to find the candidates without comparing every pair.

Pure: :func:`signature` is a function of the text, :class:`ReprintIndex` holds only what it was
given (the signatures of a time window) and answers the same for the same sequence of calls. The
pipeline's reprints stage stores each signature (``article_features.minhash``) so the index is
reloaded after a restart without reading the bodies again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

from newsdesk.enrich.dedup import text_fingerprint

# why a fixed seed and scheme: signatures are stored and compared across processes and runs (and
# datasketch releases), so they must be made the same way every time
SEED = 1
SCHEME = "affine32"


@dataclass(frozen=True)
class ReprintParams:
    threshold: float = 0.5
    shingle_words: int = 4
    permutations: int = 128
    min_words: int = 40
    window: timedelta = timedelta(days=7)

    @classmethod
    def from_settings(cls, settings: Any) -> ReprintParams:
        """The thresholds from the settings table (``reprint_*``; their reasons are given there)."""
        return cls(threshold=settings.reprint_threshold, shingle_words=settings.reprint_shingle_words,
                   permutations=settings.reprint_permutations, min_words=settings.reprint_min_words,
                   window=timedelta(hours=settings.reprint_window_hours))


def shingles(text: str, size: int) -> set[bytes]:
    """The word ``size``-grams of ``text`` (case-folded, accents stripped, punctuation dropped)."""
    words = text_fingerprint(text).split()
    if len(words) < size:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i:i + size]).encode() for i in range(len(words) - size + 1)}


def signature(text: str, params: ReprintParams | None = None) -> bytes:
    """The MinHash signature of ``text``'s body as uint32 bytes; empty for a text too short to tell
    a copy from coincidence (``min_words``)."""
    params = params or ReprintParams()
    if len(text_fingerprint(text).split()) < params.min_words:
        return b""
    minhash = _template(params.permutations).copy()
    minhash.update_batch(sorted(shingles(text, params.shingle_words)))
    return np.asarray(minhash.hashvalues, dtype=np.uint32).tobytes()


@lru_cache(maxsize=4)
def _template(permutations: int) -> MinHash:
    """An empty MinHash to copy (why: drawing the permutations costs 5 ms, more than hashing a text)."""
    return MinHash(num_perm=permutations, seed=SEED, scheme=SCHEME)


def _minhash(sig: bytes, params: ReprintParams) -> LeanMinHash | None:
    values = np.frombuffer(sig, dtype=np.uint32)
    if len(values) != params.permutations:  # empty, or made with other parameters: not comparable
        return None
    return LeanMinHash(seed=SEED, hashvalues=values, scheme=SCHEME)


@dataclass
class _Copy:
    article_id: int
    published_at: datetime
    original: int  # the earliest copy this one reprints (itself when it is the first)
    minhash: LeanMinHash


class ReprintIndex:
    """The signatures of the window, queryable for the earliest copy of a new text."""

    def __init__(self, params: ReprintParams | None = None) -> None:
        self.params = params or ReprintParams()
        self._lsh = MinHashLSH(threshold=self.params.threshold, num_perm=self.params.permutations)
        self._copies: dict[int, _Copy] = {}

    def find(self, sig: bytes) -> int | None:
        """The earliest stored copy (an original, never a reprint) whose text is at Jaccard
        ``threshold`` or more from ``sig``'s; None when there is none."""
        minhash = _minhash(sig, self.params)
        if minhash is None:
            return None
        best: tuple[datetime, int] | None = None
        for key in self._lsh.query(minhash):
            copy = self._copies[key]
            if minhash.jaccard(copy.minhash) < self.params.threshold:
                continue  # LSH candidates are probable, not certain: the estimate decides
            original = self._copies.get(copy.original, copy)
            candidate = (original.published_at, original.article_id)
            if best is None or candidate < best:
                best = candidate
        return best[1] if best is not None else None

    def add(self, article_id: int, sig: bytes, published_at: datetime, *, reprint_of: int | None = None) -> None:
        """Index ``article_id`` (``reprint_of``: the original it was found to copy)."""
        minhash = _minhash(sig, self.params)
        if minhash is None or article_id in self._copies:
            return
        self._copies[article_id] = _Copy(article_id, published_at, reprint_of or article_id, minhash)
        self._lsh.insert(article_id, minhash, check_duplication=False)

    def expire(self, now: datetime) -> list[int]:
        """Drop the copies older than the window at ``now``; their ids (why: memory stays bounded)."""
        old = [c.article_id for c in self._copies.values() if now - c.published_at > self.params.window]
        for article_id in old:
            del self._copies[article_id]
            self._lsh.remove(article_id)
        return old

    def __len__(self) -> int:
        return len(self._copies)
