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
  article names people or places of which the story names none); the embedding only vetoes a thin
  look-alike (a match just over the bar) below a low floor. Across languages (a story with members in another
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
    thin_margin: float = 0.03

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
            thin_margin=settings.story_thin_margin,
        )


@dataclass
class _Story:
    story_id: int
    first_seen: datetime
    last_seen: datetime
    last_ts: float  # last_seen as a POSIX timestamp (compared per candidate)
    centroid: dict[str, float] = field(default_factory=dict)
    norm2: float = 0.0
    inv_norm: float = 0.0  # 1 / sqrt(norm2)
    core: dict[str, float] = field(default_factory=dict)
    core_norm2: float = 0.0
    core_named: set[str] = field(default_factory=set)  # the core's terms that are names' stems
    doc_terms: dict[str, int] = field(default_factory=dict)  # term → members holding it (for the DF)
    size: int = 0
    langs: dict[str, int] = field(default_factory=dict)  # members per language ("" unknown)
    # embeddings, kept lazily: the members' sum and the core's (first core_size members') sum over
    # the members embedded so far; ``pending`` are the members not embedded yet (id, text, in core)
    emb_sum: np.ndarray | None = None
    core_emb: np.ndarray | None = None
    pending: list[tuple[int, str, bool]] = field(default_factory=list)
    members: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class MergeProposal:
    """Fold story ``fold`` into ``keep`` (the older one): proposed, never applied here."""

    keep: int
    fold: int
    score: float


@dataclass
class _Candidate:
    story: _Story
    lexical: float
    penalty: float
    bar: float
    semantic: float | None = None


class StoryClusterer:
    """A single-pass clusterer over the open stories of a time window.

    Embeddings are computed only where a decision needs one ("embed what pays", decision 0007):
    the article's when an open story holds another language (the embedding decides across
    languages) or when its best same-language match is thin (the embedding may veto it); a story's
    as the sum of its members' embeddings, its members embedded on first need and memoised. A
    vector given to ``assign``/``restore`` (``embedding=``, e.g. stored by the pipeline) is used
    as is. Whether a vector was computed early or late does not change it, so the decisions do not
    depend on it: ``restore`` of the window gives the state of a continuous run.
    """

    def __init__(self, params: ClusterParams | None = None, embedder: Embedder | None = None) -> None:
        self.params = params or ClusterParams()
        self.embedder = embedder
        self._stories: dict[int, _Story] = {}
        self._postings: dict[str, dict[int, float]] = {}  # term → {story id: centroid weight}
        self._df: dict[str, int] = {}
        self._idf: dict[str, float] = {}  # memo of the IDF weight per term at the current window size
        self._idf_docs = -1
        self._docs = 0
        self._dim = embedder.dim if embedder is not None else 0
        self._vectors: dict[int, np.ndarray] = {}  # article id → its embedding (memo, window-bounded)
        self._single: dict[str, int] = {}  # lang → open stories holding that language alone
        self._multi = 0  # open stories holding two or more languages
        self.embedded_texts = 0  # texts this clusterer embedded itself (given vectors not counted)

    # ---- features -------------------------------------------------------------------------

    def _bag(self, doc: StoryDoc) -> tuple[dict[str, float], frozenset[str]]:
        """The article's terms (unit norm, before IDF) and which of them are names' stems."""
        parts = [(doc.title or "", doc.text or "", doc.lang)]
        parts += [(t, x, lang) for lang, (t, x) in sorted(doc.translations.items()) if lang != doc.lang]
        p = self.params
        found = bag(parts, title_weight=p.title_weight, name_weight=p.name_weight, max_chars=p.max_chars)
        raw = found.weights
        norm = math.sqrt(sum(v * v for v in raw.values())) or 1.0
        return {t: v / norm for t, v in sorted(raw.items())}, found.name_terms

    def _weighted(self, raw: Mapping[str, float]) -> dict[str, float]:
        """The article's bag weighted by IDF over the open window, L2-normalised."""
        n = self._docs + 1
        if self._idf_docs != self._docs:
            self._idf.clear()
            self._idf_docs = self._docs
        memo = self._idf
        offset = self.params.idf_offset
        df = self._df.get
        log = math.log
        vec: dict[str, float] = {}
        total = 0.0
        for t, v in raw.items():
            w = memo.get(t)
            if w is None:
                k = df(t, 0) + 1
                w = memo[t] = (log(n / k) if n > k else 0.0) + offset
            x = v * w
            vec[t] = x
            total += x * x
        inv = 1.0 / math.sqrt(total) if total > 0 else 1.0
        return {t: v * inv for t, v in vec.items()}

    def _as_vector(self, emb: np.ndarray | None) -> np.ndarray | None:
        if emb is None or not self._dim:
            return None
        vec = np.asarray(emb, dtype=np.float32).reshape(-1)
        norm = float(np.linalg.norm(vec))
        return vec / norm if norm > 0 else vec

    def _encode(self, texts: list[str]) -> np.ndarray:
        assert self.embedder is not None
        self.embedded_texts += len(texts)
        return np.asarray(self.embedder.encode(texts), dtype=np.float32)

    # ---- state ----------------------------------------------------------------------------

    def _learn(self, doc: StoryDoc, raw: Mapping[str, float], emb: np.ndarray | None, story_id: int,
               named: frozenset[str] = frozenset()) -> bool:
        story = self._stories.get(story_id)
        created = story is None
        if story is None:
            story = _Story(story_id, doc.published_at, doc.published_at, doc.published_at.timestamp())
            self._stories[story_id] = story
        if doc.published_at > story.last_seen:
            story.last_seen, story.last_ts = doc.published_at, doc.published_at.timestamp()
        story.first_seen = min(story.first_seen, doc.published_at)
        in_core = story.size < self.params.core_size
        centroid = story.centroid
        postings = self._postings
        doc_terms = story.doc_terms
        df = self._df
        norm2 = story.norm2
        for term, value in raw.items():
            old = centroid.get(term, 0.0)
            norm2 += 2 * old * value + value * value
            centroid[term] = old + value
            found = postings.get(term)
            if found is None:
                postings[term] = {story_id: old + value}
            else:
                found[story_id] = old + value
            doc_terms[term] = doc_terms.get(term, 0) + 1
            df[term] = df.get(term, 0) + 1
        story.norm2 = norm2
        if in_core:
            story.core_named.update(named)
            core = story.core
            for term, value in raw.items():
                old_core = core.get(term, 0.0)
                story.core_norm2 += 2 * old_core * value + value * value
                core[term] = old_core + value
        story.inv_norm = 1.0 / math.sqrt(story.norm2) if story.norm2 > 0 else 0.0
        story.size += 1
        lang = doc.lang or ""
        if lang not in story.langs:
            if story.langs:  # it held one language and now holds two
                if len(story.langs) == 1:
                    (only,) = story.langs
                    self._single[only] -= 1
                    self._multi += 1
            else:
                self._single[lang] = self._single.get(lang, 0) + 1
            story.langs[lang] = 0
        story.langs[lang] += 1
        self._docs += 1
        story.members.append(doc.article_id)
        if self._dim:
            if emb is not None:
                self._vectors[doc.article_id] = emb
                self._add_vector(story, emb, in_core)
            elif self.embedder is not None:
                story.pending.append((doc.article_id, story_text(doc), in_core))
        return created

    def _add_vector(self, story: _Story, emb: np.ndarray, in_core: bool) -> None:
        story.emb_sum = emb.copy() if story.emb_sum is None else story.emb_sum + emb
        if in_core:
            story.core_emb = emb.copy() if story.core_emb is None else story.core_emb + emb

    def _cross_stories(self, lang: str) -> list[_Story]:
        """Open stories holding a member in a language other than ``lang``, in id order."""
        if not self._multi and not any(n for other, n in self._single.items() if other != lang):
            return []
        found = [s for s in self._stories.values() if any(other != lang for other in s.langs)]
        found.sort(key=lambda s: s.story_id)
        return found

    def _materialise(self, stories: Sequence[_Story], *, core_only: bool = False) -> None:
        """Embed the members of ``stories`` not embedded yet (one batch, memoised per article), or
        only their cores' (``core_only``)."""
        todo = [(s, item) for s in stories for item in s.pending if item[2] or not core_only]
        if not todo:
            return
        rows = self._encode([text for _, (_, text, _) in todo])
        for (story, (article_id, _, in_core)), row in zip(todo, rows, strict=True):
            vec = self._as_vector(row)
            assert vec is not None
            self._vectors[article_id] = vec
            self._add_vector(story, vec, in_core)
        for s in stories:
            s.pending = [item for item in s.pending if not item[2]] if core_only else []

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
        if len(story.langs) > 1:
            self._multi -= 1
        elif story.langs:
            (only,) = story.langs
            self._single[only] -= 1
        for article_id in story.members:
            self._vectors.pop(article_id, None)
        del self._stories[story.story_id]

    def expire(self, now: datetime) -> list[int]:
        """Drop the stories closed at ``now`` (no article within the window); their ids, ascending."""
        window = self.params.window.total_seconds()
        ts = now.timestamp()
        closed = sorted(s.story_id for s in self._stories.values() if ts - s.last_ts > window)
        for story_id in closed:
            self._drop(self._stories[story_id])
        return closed

    # ---- decisions ------------------------------------------------------------------------

    @staticmethod
    def _cos(vec: np.ndarray | None, emb: np.ndarray) -> float | None:
        if vec is None:
            return None
        norm = float(np.linalg.norm(vec))
        return float(vec @ emb) / norm if norm > 0 else None

    def _score(self, doc: StoryDoc, vec: Mapping[str, float], emb: np.ndarray | None,
               named: frozenset[str] = frozenset()) -> tuple[int | None, float, dict[str, Any], np.ndarray | None]:
        """The best story ``doc`` may join (or None), its score and signals, and the article's
        embedding if one was given or had to be computed."""
        p = self.params
        dots: dict[int, float] = {}
        get = dots.get
        postings_of = self._postings.get
        for term, weight in vec.items():
            postings = postings_of(term)
            if postings:
                for story_id, value in postings.items():
                    dots[story_id] = get(story_id, 0.0) + weight * value
        now = doc.published_at.timestamp()
        decay = p.decay_hours * 3600.0
        lang = doc.lang or ""
        stories = self._stories
        names = [t for t in vec if t.startswith(NAME_PREFIX)]
        can_embed = self._dim > 0 and (emb is not None or self.embedder is not None)
        cross = self._cross_stories(lang) if can_embed else []
        base_bar = p.threshold if not can_embed else p.embed_lexical_threshold

        def candidate(story: _Story, dot: float) -> _Candidate:
            gap = now - story.last_ts
            # a story's pull fades with the time since its last article: a follow-up days later
            # starts a story of its own unless its words match as strongly as on the first day
            penalty = p.time_penalty * gap / decay if gap > 0 else 0.0
            bar = base_bar
            # an article naming people or places of which the story names none is about something
            # else (another country's central bank, another club) unless its words match clearly
            if names and not any(t in story.centroid for t in names):
                bar += p.name_margin
            return _Candidate(story, dot * story.inv_norm, penalty, bar)

        def need_doc() -> np.ndarray:
            nonlocal emb
            if emb is None:
                emb = self._as_vector(self._encode([story_text(doc)])[0])
            assert emb is not None
            return emb

        # across languages few words are shared: every open story holding another language is a
        # candidate by embedding (the nearest ones), the article and those stories are embedded
        ranked: list[tuple[float, int, str, _Candidate]] = []
        cross_ids: set[int] = set()
        if cross:
            vector = need_doc()
            self._materialise(cross)
            sims = [(self._cos(s.emb_sum, vector), s) for s in cross]
            near = sorted(((x, st) for x, st in sims if x is not None), key=lambda n: (-n[0], n[1].story_id))
            near_ids = {s.story_id for _, s in near[:p.embed_candidates]}
            for sem, story in sims:
                if story.story_id not in dots and story.story_id not in near_ids:
                    continue
                cross_ids.add(story.story_id)
                c = candidate(story, dots.get(story.story_id, 0.0))
                c.semantic = sem
                if c.lexical - c.penalty >= c.bar:
                    ranked.append((c.lexical - c.penalty, story.story_id, "words", c))
                elif sem is not None and sem - c.penalty >= (
                        p.cross_threshold if c.lexical >= p.cross_evidence else p.cross_high_threshold):
                    # the embedding decides, with names or numbers in common (language-independent
                    # evidence) or clearly higher without them
                    sw = p.semantic_weight
                    ranked.append(((1 - sw) * c.lexical + sw * sem - c.penalty, story.story_id, "embedding", c))
        for story_id, dot in dots.items():
            story = stories[story_id]
            # most candidates share a word or two: below the lowest bar they need no closer look
            if dot * story.inv_norm < base_bar or story_id in cross_ids:
                continue
            c = candidate(story, dot)
            if c.lexical - c.penalty >= c.bar:
                # same language: the words decide (the embedding may only veto a thin match)
                ranked.append((c.lexical - c.penalty, story_id, "words", c))
        # the best first; ties go to the older story (the lower id), whatever order they came in
        ranked.sort(key=lambda r: (-r[0], r[1]))
        thin_top = p.thin_margin
        for score, story_id, via, c in ranked:
            story = c.story
            if via == "words" and can_embed and c.lexical - c.penalty < c.bar + thin_top:
                # thin lexical evidence (a shared place and a word or two): the embedding must not disagree
                # (against the story's core, its first articles: what the story is about, and at
                # most core_size texts to embed)
                self._materialise([story], core_only=True)
                core_sem = self._cos(story.core_emb, need_doc())
                if core_sem is not None and core_sem < p.same_lang_floor:
                    continue
                if c.semantic is None:
                    c.semantic = core_sem
            if story.size > p.core_size:
                core_lex, core_what = self._core_lexical(story, vec, named)
                if via == "words":
                    # the chaining guard: the article shares with the story's first articles what
                    # happened, not only where or who (one bridging article brought the rest)
                    if core_lex < p.core_lexical_threshold or core_what < p.core_lexical_threshold:
                        continue
                else:
                    core_sem = self._cos(story.core_emb, need_doc())
                    if core_sem is not None and core_sem < p.core_threshold:
                        continue
            signals: dict[str, Any] = {"lexical": round(c.lexical, 4), "via": via}
            if c.semantic is not None:
                signals["embedding"] = round(c.semantic, 4)
            shared = sorted(t[len(NAME_PREFIX):] for t in names if t in story.centroid)
            if shared:
                signals["names"] = shared[:8]
            return story_id, score, signals, emb
        return None, 0.0, {}, emb

    @staticmethod
    def _core_lexical(story: _Story, vec: Mapping[str, float], named: frozenset[str]) -> tuple[float, float]:
        """The article's lexical cosine to the story's core (its first members), and its part on
        the terms that are not names (what happened rather than where or who)."""
        core = story.core
        dot = what = 0.0
        for t, w in vec.items():
            x = core.get(t)
            if x:
                dot += w * x
                if t not in named and t not in story.core_named and not t.startswith(NAME_PREFIX):
                    what += w * x
        norm = math.sqrt(story.core_norm2) or 1.0
        return dot / norm, what / norm

    def restore(self, doc: StoryDoc, story_id: int, *, embedding: np.ndarray | None = None) -> None:
        """Add an article already in ``story_id`` (reloading the window after a restart); without
        ``embedding`` it is embedded only if a later decision needs it."""
        raw, named = self._bag(doc)
        self._learn(doc, raw, self._as_vector(embedding), story_id, named)

    def assign(self, doc: StoryDoc, *, story_id: int | None = None,
               embedding: np.ndarray | None = None) -> StoryAssignment:
        """Decide ``doc``'s story (or take ``story_id``, as a reprint takes its original's) and add it."""
        self.expire(doc.published_at)
        raw, named = self._bag(doc)
        emb = self._as_vector(embedding)
        if story_id is not None:
            created = self._learn(doc, raw, emb, story_id, named)
            return StoryAssignment(doc.article_id, story_id, created, 1.0, {"forced": True})
        best, score, signals, emb = self._score(doc, self._weighted(raw), emb, named)
        if best is not None:
            self._learn(doc, raw, emb, best, named)
            return StoryAssignment(doc.article_id, best, False, round(score, 6), signals)
        self._learn(doc, raw, emb, doc.article_id, named)
        return StoryAssignment(doc.article_id, doc.article_id, True, 0.0, {})

    def assign_many(self, docs: Sequence[StoryDoc], *,
                    embeddings: Sequence[np.ndarray | None] | None = None) -> list[StoryAssignment]:
        """``assign`` each doc in order (given embeddings are used; the rest embed only where needed)."""
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
