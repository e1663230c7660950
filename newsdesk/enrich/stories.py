"""Online story clustering: each article joins the best-matching open story or starts one.

Pure and deterministic: a :class:`StoryClusterer` holds only what it was given (the open stories
of the window), and the same articles in the same order give the same stories (candidates are
visited in story-id order, ties go to the older story, no set or dict order decides anything). It
never touches the database: the pipeline's stories stage loads the window (``restore``), calls
:meth:`StoryClusterer.assign` per new article and has the store apply the result.

How an article is matched (docs/decisions/0007-story-clustering.md has the measurements):

* **Terms.** A bag of stems of the title (counted twice) and lead, of its translations where the
  translation stage made them, plus script-independent name keys and numbers
  (``story_features.py``). The article side is weighted by IDF over the articles of the open window;
  each story keeps the sum of its members' unweighted bags (its centroid). Why the IDF only on the
  article side: the story side then depends on the story's own members alone, so reloading the
  window after a restart (``restore``) rebuilds exactly the state a continuous run had.
* **Embedding.** Where an embedder is given, the cosine of the article's multilingual sentence
  embedding (title + lead) to the mean of the story's.
* **Which decides.** The words decide a join (IDF-weighted cosine ≥ the lexical bar, raised when the
  article names people or places of which the story names none); the embedding only vetoes a
  look-alike below a low floor and breaks near-ties. Across languages (a story with members in another
  language), where few words are shared, the embedding decides, backed by language-independent
  evidence (shared transliterated names or numbers) or clearly higher without it. An embedding cosine
  never joins two same-language articles on its own.
* **Time.** A story closes after ``window`` without a new article (its index entries are dropped,
  so memory is bounded by the window, not by all articles ever seen); inside the window its pull
  fades with the time since its last article, so a follow-up days later starts a story of its own.

Chaining guard: an article must match the story's **centroid** (the mean of all members, where one
article weighs 1/n) and also its **core** (its first ``core_size`` articles, frozen once full), so
a story cannot drift to another event through a run of bridging articles (on both paths: words
to the core, and for a cross-language join the embedding to the core's). Two stories are never
merged implicitly; :func:`propose_merges` returns explicit, bounded merge proposals.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from newsdesk.enrich.embed import Embedder, story_text
from newsdesk.enrich.story_features import NAME_PREFIX, bag

if TYPE_CHECKING:
    from newsdesk.settings import Settings


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
    """The clusterer's thresholds; the defaults are the settings' (``story_*`` in settings.py, where
    each value's reason is written)."""

    window: timedelta = timedelta(hours=72)
    threshold: float = 0.12
    embed_lexical_threshold: float = 0.12
    core_threshold: float = 0.15
    core_lexical_threshold: float = 0.005
    core_size: int = 5
    title_weight: float = 2.0
    name_weight: float = 1.0
    max_chars: int = 600
    time_penalty: float = 0.2
    embed_candidates: int = 8
    # which rule decides a join: the words (with the embedding as a veto) or, across languages, the
    # embedding with names or numbers in common; and how a story's pull fades with idleness
    same_lang_floor: float = 0.3
    semantic_weight: float = 0.3
    cross_threshold: float = 0.45
    cross_evidence: float = 0.02
    cross_high_threshold: float = 0.6
    decay_hours: float = 48.0
    idf_offset: float = 1.0
    name_margin: float = 0.1

    @classmethod
    def from_settings(cls, settings: Settings) -> ClusterParams:
        return cls(
            window=timedelta(hours=settings.story_window_hours),
            threshold=settings.story_threshold,
            embed_lexical_threshold=settings.story_embed_lexical_threshold,
            core_threshold=settings.story_core_threshold,
            core_lexical_threshold=settings.story_core_lexical_threshold,
            core_size=settings.story_core_size,
            title_weight=settings.story_title_weight,
            name_weight=settings.story_name_weight,
            max_chars=settings.story_max_chars,
            time_penalty=settings.story_time_penalty,
            embed_candidates=settings.story_embed_candidates,
            same_lang_floor=settings.story_same_lang_floor,
            semantic_weight=settings.story_semantic_weight,
            cross_threshold=settings.story_cross_threshold,
            cross_evidence=settings.story_cross_evidence,
            cross_high_threshold=settings.story_cross_high_threshold,
            decay_hours=settings.story_decay_hours,
            idf_offset=settings.story_idf_offset,
            name_margin=settings.story_name_margin,
        )


@dataclass
class _Story:
    story_id: int
    first_seen: datetime
    last_seen: datetime
    last_ts: float  # last_seen as a POSIX timestamp (compared per candidate)
    row: int  # its row in the embedding matrix (-1: none)
    centroid: dict[str, float] = field(default_factory=dict)
    norm2: float = 0.0
    inv_norm: float = 0.0  # 1 / sqrt(norm2)
    core: dict[str, float] = field(default_factory=dict)
    core_norm2: float = 0.0
    doc_terms: dict[str, int] = field(default_factory=dict)  # term → members holding it (for the DF)
    size: int = 0
    embedded: int = 0  # members with an embedding
    langs: dict[str, int] = field(default_factory=dict)  # members per language ("" unknown)
    core_emb: np.ndarray | None = None


@dataclass(frozen=True)
class MergeProposal:
    """Fold story ``fold`` into ``keep`` (the older one): proposed, never applied here."""

    keep: int
    fold: int
    score: float


class StoryClusterer:
    """A single-pass clusterer over the open stories of a time window."""

    def __init__(self, params: ClusterParams | None = None, embedder: Embedder | None = None) -> None:
        self.params = params or ClusterParams()
        self.embedder = embedder
        self._stories: dict[int, _Story] = {}
        self._postings: dict[str, dict[int, float]] = {}  # term → {story id: centroid weight}
        self._df: dict[str, int] = {}
        self._docs = 0
        self._dim = embedder.dim if embedder is not None else 0
        self._emb = np.zeros((0, self._dim), dtype=np.float32)  # sum of member embeddings per row
        self._row_story = np.zeros(0, dtype=np.int64)  # row → story id (-1 free)
        self._emb_norm = np.zeros(0, dtype=np.float32)  # each row's norm, kept as rows change
        self._free_rows: list[int] = []

    # ---- features -------------------------------------------------------------------------

    def _bag(self, doc: StoryDoc) -> dict[str, float]:
        parts = [(doc.title or "", doc.text or "", doc.lang)]
        parts += [(t, x, lang) for lang, (t, x) in sorted(doc.translations.items()) if lang != doc.lang]
        p = self.params
        raw = bag(parts, title_weight=p.title_weight, name_weight=p.name_weight, max_chars=p.max_chars).weights
        norm = math.sqrt(sum(v * v for v in raw.values())) or 1.0
        return {t: v / norm for t, v in sorted(raw.items())}

    def _weighted(self, raw: Mapping[str, float]) -> dict[str, float]:
        """The article's bag weighted by IDF over the open window, L2-normalised."""
        n = self._docs + 1
        offset = self.params.idf_offset
        df = self._df.get
        vec = {t: v * (max(math.log(n / (df(t, 0) + 1)), 0.0) + offset) for t, v in raw.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {t: v / norm for t, v in vec.items()}

    def _embed(self, doc: StoryDoc) -> np.ndarray | None:
        if self.embedder is None:
            return None
        return np.asarray(self.embedder.encode([story_text(doc)])[0], dtype=np.float32)

    # ---- state ----------------------------------------------------------------------------

    def _row(self) -> int:
        if self._free_rows:
            return self._free_rows.pop()
        row = len(self._row_story)
        grow = max(16, row)
        self._emb = np.vstack([self._emb, np.zeros((grow, self._dim), dtype=np.float32)])
        self._emb_norm = np.concatenate([self._emb_norm, np.zeros(grow, dtype=np.float32)])
        self._row_story = np.concatenate([self._row_story, np.full(grow, -1, dtype=np.int64)])
        self._free_rows.extend(range(row + grow - 1, row, -1))
        return row

    def _learn(self, doc: StoryDoc, raw: Mapping[str, float], emb: np.ndarray | None, story_id: int) -> bool:
        story = self._stories.get(story_id)
        created = story is None
        if story is None:
            story = _Story(story_id, doc.published_at, doc.published_at, doc.published_at.timestamp(), -1)
            self._stories[story_id] = story
        if doc.published_at > story.last_seen:
            story.last_seen, story.last_ts = doc.published_at, doc.published_at.timestamp()
        story.first_seen = min(story.first_seen, doc.published_at)
        in_core = story.size < self.params.core_size
        for term, value in raw.items():
            old = story.centroid.get(term, 0.0)
            story.norm2 += 2 * old * value + value * value
            story.centroid[term] = old + value
            self._postings.setdefault(term, {})[story_id] = old + value
            story.doc_terms[term] = story.doc_terms.get(term, 0) + 1
            self._df[term] = self._df.get(term, 0) + 1
            if in_core:
                old_core = story.core.get(term, 0.0)
                story.core_norm2 += 2 * old_core * value + value * value
                story.core[term] = old_core + value
        story.inv_norm = 1.0 / math.sqrt(story.norm2) if story.norm2 > 0 else 0.0
        story.size += 1
        lang = doc.lang or ""
        story.langs[lang] = story.langs.get(lang, 0) + 1
        self._docs += 1
        if emb is not None and self._dim:
            if story.row < 0:
                story.row = self._row()
                self._row_story[story.row] = story_id
            self._emb[story.row] += emb
            self._emb_norm[story.row] = np.linalg.norm(self._emb[story.row])
            story.embedded += 1
            if story.embedded <= self.params.core_size:
                story.core_emb = emb.copy() if story.core_emb is None else story.core_emb + emb
        return created

    def _drop(self, story: _Story) -> None:
        for term, count in story.doc_terms.items():
            postings = self._postings[term]
            del postings[story.story_id]
            if not postings:
                del self._postings[term]
            left = self._df[term] - count
            if left:
                self._df[term] = left
            else:
                del self._df[term]
        self._docs -= story.size
        if story.row >= 0:
            self._emb[story.row] = 0.0
            self._emb_norm[story.row] = 0.0
            self._row_story[story.row] = -1
            self._free_rows.append(story.row)
        del self._stories[story.story_id]

    def expire(self, now: datetime) -> list[int]:
        """Drop the stories closed at ``now`` (no article within the window); their ids, ascending."""
        closed = sorted(s.story_id for s in self._stories.values() if now - s.last_seen > self.params.window)
        for story_id in closed:
            self._drop(self._stories[story_id])
        return closed

    # ---- decisions ------------------------------------------------------------------------

    def _score(self, doc: StoryDoc, vec: Mapping[str, float],
               emb: np.ndarray | None) -> tuple[int | None, float, dict[str, Any]]:
        p = self.params
        dots: dict[int, float] = {}
        get = dots.get
        postings_of = self._postings.get
        for term, weight in vec.items():
            postings = postings_of(term)
            if postings:
                for story_id, value in postings.items():
                    dots[story_id] = get(story_id, 0.0) + weight * value
        sims: np.ndarray | None = None
        if emb is not None and self._dim > 0 and self._stories:
            live = self._row_story >= 0
            norms = self._emb_norm
            sims = np.where(live & (norms > 0), (self._emb @ emb) / np.maximum(norms, 1e-9), -1.0)
            # the stories nearest by embedding are candidates too, sharing a term or not
            k = min(p.embed_candidates, int(live.sum()))
            for row in np.argsort(-sims, kind="stable")[:k]:
                if sims[row] > -1.0:
                    dots.setdefault(int(self._row_story[row]), 0.0)
        now = doc.published_at.timestamp()
        decay = p.decay_hours * 3600.0
        sw = p.semantic_weight
        lang = doc.lang or ""
        best: int | None = None
        best_score = -math.inf
        best_parts: tuple[float, float | None, str] = (0.0, None, "words")
        stories = self._stories
        core_size = p.core_size
        names = [t for t in vec if t.startswith(NAME_PREFIX)]
        for story_id, dot in dots.items():
            story = stories[story_id]
            gap = now - story.last_ts
            # a story's pull fades with the time since its last article: a follow-up days later
            # starts a story of its own unless its words match as strongly as on the first day
            penalty = p.time_penalty * gap / decay if gap > 0 else 0.0
            lexical = dot * story.inv_norm
            row = story.row
            semantic = None if sims is None or row < 0 else float(sims[row])
            via = "words"
            # an article naming people or places of which the story names none is about something
            # else (another country's central bank, another club) unless its words match clearly
            bar = p.threshold if semantic is None else p.embed_lexical_threshold
            if names and not any(t in story.centroid for t in names):
                bar += p.name_margin
            if lexical - penalty >= bar and (semantic is None or semantic >= p.same_lang_floor):
                # the words decide (the embedding may only veto a look-alike: a shared place or name)
                score = (1 - sw) * lexical + sw * (semantic if semantic is not None else 0.0) - penalty
            elif (semantic is not None and (len(story.langs) > 1 or lang not in story.langs)
                  and semantic - penalty >= (p.cross_threshold if lexical >= p.cross_evidence
                                             else p.cross_high_threshold)):
                # across languages few words are shared: the embedding decides, with names or numbers
                # in common (language-independent evidence) or clearly higher without them
                via = "embedding"
                score = (1 - sw) * lexical + sw * semantic - penalty
            else:
                continue
            # ties go to the older story (the lower id), whatever order the candidates came in
            if score < best_score or (score == best_score and best is not None and story_id > best):
                continue
            if story.size > core_size:
                core_lex, core_sem = self._core_similarity(story, vec, emb)
                if core_lex < p.core_lexical_threshold and via == "words":
                    continue
                if core_sem is not None and core_sem < (p.same_lang_floor if via == "words" else p.core_threshold):
                    continue
            best, best_score, best_parts = story_id, score, (lexical, semantic, via)
        if best is None:
            return None, 0.0, {}
        story = stories[best]
        signals: dict[str, Any] = {"lexical": round(best_parts[0], 4), "via": best_parts[2]}
        if best_parts[1] is not None:
            signals["embedding"] = round(best_parts[1], 4)
        shared = sorted(t[len(NAME_PREFIX):] for t in vec if t.startswith(NAME_PREFIX) and t in story.centroid)
        if shared:
            signals["names"] = shared[:8]
        return best, best_score, signals

    def _core_similarity(self, story: _Story, vec: Mapping[str, float],
                         emb: np.ndarray | None) -> tuple[float, float | None]:
        """The article's lexical and (where both have one) embedding cosine to the story's core."""
        dot = sum(w * story.core.get(t, 0.0) for t, w in vec.items())
        lexical = dot / (math.sqrt(story.core_norm2) or 1.0)
        if emb is None or story.core_emb is None:
            return lexical, None
        norm = float(np.linalg.norm(story.core_emb)) or 1.0
        return lexical, float(story.core_emb @ emb) / norm

    def restore(self, doc: StoryDoc, story_id: int, *, embedding: np.ndarray | None = None) -> None:
        """Add an article already in ``story_id`` (reloading the window after a restart)."""
        emb = embedding if embedding is not None else self._embed(doc)
        self._learn(doc, self._bag(doc), self._as_vector(emb), story_id)

    def _as_vector(self, emb: np.ndarray | None) -> np.ndarray | None:
        if emb is None or not self._dim:
            return None
        vec = np.asarray(emb, dtype=np.float32).reshape(-1)
        norm = float(np.linalg.norm(vec))
        return vec / norm if norm > 0 else vec

    def assign(self, doc: StoryDoc, *, story_id: int | None = None,
               embedding: np.ndarray | None = None) -> StoryAssignment:
        """Decide ``doc``'s story (or take ``story_id``, as a reprint takes its original's) and add it."""
        self.expire(doc.published_at)
        raw = self._bag(doc)
        emb = self._as_vector(embedding if embedding is not None else self._embed(doc))
        if story_id is not None:
            created = self._learn(doc, raw, emb, story_id)
            return StoryAssignment(doc.article_id, story_id, created, 1.0, {"forced": True})
        best, score, signals = self._score(doc, self._weighted(raw), emb)
        if best is not None:
            self._learn(doc, raw, emb, best)
            return StoryAssignment(doc.article_id, best, False, round(score, 6), signals)
        self._learn(doc, raw, emb, doc.article_id)
        return StoryAssignment(doc.article_id, doc.article_id, True, 0.0, {})

    def assign_many(self, docs: Sequence[StoryDoc], *,
                    embeddings: Sequence[np.ndarray | None] | None = None) -> list[StoryAssignment]:
        """``assign`` each doc in order; the embeddings are computed in one batch (or given)."""
        if embeddings is None and self.embedder is not None and docs:
            matrix = self.embedder.encode([story_text(d) for d in docs])
            embeddings = [matrix[i] for i in range(len(docs))]
        if embeddings is None:
            return [self.assign(doc) for doc in docs]
        return [self.assign(doc, embedding=e) for doc, e in zip(docs, embeddings, strict=True)]

    @property
    def open_stories(self) -> int:
        return len(self._stories)

    @property
    def indexed_terms(self) -> int:
        """Distinct terms in the index (bounded by the open window; the bench prints it)."""
        return len(self._postings)

    @property
    def open_articles(self) -> int:
        return self._docs


def propose_merges(clusterer: StoryClusterer, *, threshold: float = 0.6,
                   limit: int = 10) -> list[MergeProposal]:
    """Pairs of open stories whose cores are as alike as one story's members (explicit and bounded:
    at most ``limit`` proposals, each story in at most one; applying one is the caller's choice)."""
    if limit <= 0:
        return []
    stories = sorted(clusterer._stories.values(), key=lambda s: s.story_id)
    found: list[MergeProposal] = []
    for i, a in enumerate(stories):
        na = math.sqrt(a.core_norm2) or 1.0
        for b in stories[i + 1:]:
            nb = math.sqrt(b.core_norm2) or 1.0
            small, large = (a.core, b.core) if len(a.core) <= len(b.core) else (b.core, a.core)
            score = sum(v * large.get(t, 0.0) for t, v in small.items()) / (na * nb)
            if score >= threshold:
                found.append(MergeProposal(a.story_id, b.story_id, round(score, 6)))
    found.sort(key=lambda m: (-m.score, m.keep, m.fold))
    used: set[int] = set()
    chosen: list[MergeProposal] = []
    for proposal in found:
        if proposal.keep in used or proposal.fold in used:
            continue
        used.update((proposal.keep, proposal.fold))
        chosen.append(proposal)
        if len(chosen) >= limit:
            break
    return chosen
