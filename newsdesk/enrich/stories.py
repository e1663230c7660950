"""Online story clustering: each article joins the best-matching open story or starts one.

Pure and deterministic: a :class:`StoryClusterer` holds only what it was given (the open stories
of the window), and the same articles in the same order give the same stories. It never touches
the database: the pipeline's stories stage loads the window, calls :meth:`StoryClusterer.assign`
per new article and has the store apply the result.

This first version matches on TF-IDF cosine against each open story's centroid; the signals the
issue asks for (a multilingual embedding, translated text, names and numbers) plug in here.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from newsdesk.enrich.embed import Embedder, story_text

WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class StoryDoc:
    """What the clusterer sees of an article (plain data, built by the pipeline)."""

    article_id: int
    title: str
    text: str
    lang: str | None
    published_at: datetime  # aware UTC: the article's time on the story's clock
    source_id: int | None = None
    # other languages' versions: {"en": (title, text)}, from the translation stage where it ran
    translations: Mapping[str, tuple[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class StoryAssignment:
    article_id: int
    story_id: int  # the id of the story's first article
    created: bool  # True: the article started a new story
    score: float  # the match score (0.0 for a new story)
    signals: dict[str, Any] = field(default_factory=dict)  # which signals agreed, for "why"


@dataclass(frozen=True)
class ClusterParams:
    # why 48 h: a news event's coverage mostly arrives within a day or two; a story with no new
    # article for longer is closed, and a later article starts a follow-up story
    window: timedelta = timedelta(hours=48)
    # why 0.3: TF-IDF cosine of two reports of one event in one language is usually above it
    threshold: float = 0.3
    # why 0.6: multilingual USE cosine of one event's en and ru reports is about 0.8, of unrelated
    # reports about 0.3
    embedding_threshold: float = 0.6

    @classmethod
    def from_settings(cls, settings: Any) -> ClusterParams:
        return cls()


@dataclass
class _Story:
    story_id: int
    last_seen: datetime
    centroid: Counter[str] = field(default_factory=Counter)
    size: int = 0
    embedding: np.ndarray | None = None  # sum of its articles' embeddings


class StoryClusterer:
    """A single-pass clusterer over the open stories of a time window."""

    def __init__(self, params: ClusterParams | None = None, embedder: Embedder | None = None) -> None:
        self.params = params or ClusterParams()
        self.embedder = embedder
        self._stories: dict[int, _Story] = {}
        self._df: Counter[str] = Counter()
        self._docs = 0

    def _vector(self, doc: StoryDoc) -> dict[str, float]:
        words = [w.lower() for w in WORD.findall(f"{doc.title} {doc.title} {doc.text[:2000]}")]
        counts = Counter(words)
        vec = {w: c * math.log((self._docs + 1) / (self._df[w] + 1) + 1) for w, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {w: v / norm for w, v in vec.items()}

    def _embed(self, doc: StoryDoc, embedding: np.ndarray | None) -> np.ndarray | None:
        if embedding is not None or self.embedder is None:
            return embedding
        return np.asarray(self.embedder.encode([story_text(doc)])[0], dtype=np.float32)

    def _learn(self, doc: StoryDoc, vec: Mapping[str, float], story_id: int,
               embedding: np.ndarray | None = None) -> None:
        self._docs += 1
        self._df.update(vec.keys())
        story = self._stories.setdefault(story_id, _Story(story_id, doc.published_at))
        story.last_seen = max(story.last_seen, doc.published_at)
        story.centroid.update(vec)  # type: ignore[arg-type]
        story.size += 1
        if embedding is not None:
            story.embedding = embedding.copy() if story.embedding is None else story.embedding + embedding

    def expire(self, now: datetime) -> list[int]:
        """Drop the stories closed at ``now`` (no article within the window); their ids."""
        closed = [s.story_id for s in self._stories.values() if now - s.last_seen > self.params.window]
        for story_id in closed:
            del self._stories[story_id]
        return closed

    def restore(self, doc: StoryDoc, story_id: int, *, embedding: np.ndarray | None = None) -> None:
        """Add an article already in ``story_id`` (reloading the window after a restart)."""
        self._learn(doc, self._vector(doc), story_id, self._embed(doc, embedding))

    def assign(self, doc: StoryDoc, *, story_id: int | None = None,
               embedding: np.ndarray | None = None) -> StoryAssignment:
        """Decide ``doc``'s story (or take ``story_id``, as a reprint takes its original's) and add it."""
        self.expire(doc.published_at)
        vec = self._vector(doc)
        emb = self._embed(doc, embedding)
        if story_id is not None:
            created = story_id not in self._stories
            self._learn(doc, vec, story_id, emb)
            return StoryAssignment(doc.article_id, story_id, created, 1.0, {"forced": True})
        best, best_score, best_signals = None, 0.0, {}
        for story in sorted(self._stories.values(), key=lambda s: s.story_id):
            norm = math.sqrt(sum(v * v for v in story.centroid.values())) or 1.0
            lexical = sum(v * story.centroid.get(w, 0.0) for w, v in vec.items()) / norm
            signals = {"lexical": round(lexical, 4)}
            score = lexical if lexical >= self.params.threshold else 0.0
            if emb is not None and story.embedding is not None:
                cosine = float(emb @ story.embedding) / (float(np.linalg.norm(story.embedding)) or 1.0)
                signals["embedding"] = round(cosine, 4)
                if cosine >= self.params.embedding_threshold:
                    score = max(score, cosine)
            if score > best_score:
                best, best_score, best_signals = story, score, signals
        if best is not None:
            self._learn(doc, vec, best.story_id, emb)
            return StoryAssignment(doc.article_id, best.story_id, False, best_score, best_signals)
        self._learn(doc, vec, doc.article_id, emb)
        return StoryAssignment(doc.article_id, doc.article_id, True, 0.0, {})

    def assign_many(self, docs: Sequence[StoryDoc]) -> list[StoryAssignment]:
        embeddings: list[np.ndarray | None] = [None] * len(docs)
        if self.embedder is not None and docs:
            embeddings = list(self.embedder.encode([story_text(d) for d in docs]))
        return [self.assign(doc, embedding=emb) for doc, emb in zip(docs, embeddings, strict=True)]

    @property
    def open_stories(self) -> int:
        return len(self._stories)
