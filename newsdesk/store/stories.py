"""Writes of the story layer: what the reprints and stories stages decided, applied to the database.

The stages (``pipeline/enrichment.py``) decide over plain data; this module loads that data and
applies the decisions: the story row (created the first time an article seeds it, its counts,
titles and languages recomputed from its members so they are right however often a batch is
applied), ``articles.story_id`` and ``reprint_of``, and ``article_features`` (the embedding, the
MinHash signature and the match's score and signals, kept so an index reloads without recomputing).

Read-side queries for pages and the API are in ``store/story_queries.py``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, or_, select, update
from sqlalchemy.orm import Session

from newsdesk.store.schema import Article, ArticleFeatures, Meta, Story, Translation

# Meta key holding a token rewritten by every write of the stories stage (why: a process keeping a
# warm clusterer between batches checks it is still the last writer; if not, it reloads the window)
GENERATION_KEY = "stories.generation"
# Rows read per query when loading articles by id (why: bounded IN lists on both backends)
CHUNK = 500

StoryTime = Callable[[datetime | None, datetime], datetime]


@dataclass(frozen=True)
class ArticleData:
    """One article as the stages see it, loaded from the store."""

    article_id: int
    title: str
    text: str
    lang: str | None
    source_id: int | None
    published_at: datetime | None
    fetched_at: datetime
    story_id: int | None = None
    reprint_of: int | None = None
    translations: dict[str, tuple[str, str]] = field(default_factory=dict)
    model: str | None = None
    embedding: bytes | None = None
    minhash: bytes | None = None


@dataclass(frozen=True)
class Decision:
    """What the stages decided for one article."""

    article_id: int
    story_id: int
    reprint_of: int | None
    score: float
    signals: dict[str, Any]
    minhash: bytes | None
    at: datetime  # the article's story time
    model: str | None = None
    embedding: bytes | None = None


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def pending_times(session: Session) -> list[tuple[int, datetime | None, datetime]]:
    """``(id, published_at, fetched_at)`` of every article not clustered yet (the stage's queue)."""
    rows = session.execute(select(Article.id, Article.published_at, Article.fetched_at)
                           .where(Article.story_id.is_(None)))
    return [(r[0], r[1], r[2]) for r in rows]


def article_times(session: Session) -> list[tuple[int, datetime | None, datetime]]:
    """``(id, published_at, fetched_at)`` of every article (``stories rebuild --since``)."""
    return [(r[0], r[1], r[2]) for r in session.execute(select(Article.id, Article.published_at, Article.fetched_at))]


def load_articles(session: Session, ids: Sequence[int]) -> list[ArticleData]:
    """The articles ``ids`` with their translations and stored features, in the order given."""
    found: dict[int, ArticleData] = {}
    for part in _chunks(list(ids)):
        translations: dict[int, dict[str, tuple[str, str]]] = {}
        for t in session.execute(select(Translation.article_id, Translation.lang, Translation.title,
                                        Translation.text).where(Translation.article_id.in_(part))):
            translations.setdefault(t[0], {})[t[1]] = (t[2] or "", t[3] or "")
        features = {f.article_id: f for f in session.scalars(
            select(ArticleFeatures).where(ArticleFeatures.article_id.in_(part)))}
        rows = session.execute(select(Article.id, Article.title, Article.text, Article.lang, Article.source_id,
                                      Article.published_at, Article.fetched_at, Article.story_id,
                                      Article.reprint_of).where(Article.id.in_(part)))
        for r in rows:
            feat = features.get(r[0])
            found[r[0]] = ArticleData(
                r[0], r[1] or "", r[2] or "", r[3], r[4], r[5], r[6], r[7], r[8], translations.get(r[0], {}),
                feat.model if feat else None, feat.embedding if feat else None, feat.minhash if feat else None)
    return [found[i] for i in ids if i in found]


def clustered_since(session: Session, since: datetime) -> list[int]:
    """Ids of clustered articles whose story time may be at or after ``since`` (a superset: the
    story time is one of the two times, so one of them is at or after ``since``)."""
    return list(session.scalars(select(Article.id).where(
        Article.story_id.is_not(None),
        or_(Article.published_at >= since, Article.fetched_at >= since))))


def generation(session: Session) -> str | None:
    row = session.get(Meta, GENERATION_KEY)
    return row.value if row else None


def _new_generation(session: Session) -> str:
    token = uuid.uuid4().hex
    row = session.get(Meta, GENERATION_KEY)
    if row is None:
        session.add(Meta(key=GENERATION_KEY, value=token))
    else:
        row.value = token
    return token


_ARTICLES = cast(Table, Article.__table__)
_LINK = (update(_ARTICLES).where(_ARTICLES.c.id == bindparam("aid"))
         .values(story_id=bindparam("sid"), reprint_of=bindparam("rof")))


def apply(session: Session, decisions: Sequence[Decision], story_time: StoryTime) -> str:
    """Write ``decisions`` in ``session``: new story rows first (an article's story must exist
    before it points there), then the articles' links and features, then every touched story's
    counts recomputed. Returns the new generation token."""
    if decisions:
        story_ids = sorted({d.story_id for d in decisions})
        existing = set(session.scalars(select(Story.id).where(Story.id.in_(story_ids))))
        for sid in story_ids:
            if sid not in existing:
                # a story's id is its seed article's; the times and counts are set by refresh below
                at = min(d.at for d in decisions if d.story_id == sid)
                session.add(Story(id=sid, titles={}, languages={}, first_seen=at, last_updated=at))
        session.flush()
        features = {f.article_id: f for f in session.scalars(
            select(ArticleFeatures).where(ArticleFeatures.article_id.in_([d.article_id for d in decisions])))}
        # one statement for all the links (why: a statement per article, each flushing the feature
        # rows added before it, was half the cost of applying a batch)
        session.connection().execute(_LINK, [{"aid": d.article_id, "sid": d.story_id, "rof": d.reprint_of}
                                             for d in decisions])
        for d in decisions:
            row = features.get(d.article_id)
            if row is None:
                row = ArticleFeatures(article_id=d.article_id)
                session.add(row)
            row.story_score, row.story_signals = d.score, dict(d.signals)
            if d.minhash is not None:
                row.minhash = d.minhash
            if d.embedding is not None:
                row.model, row.embedding = d.model, d.embedding
        session.flush()
        refresh(session, story_ids, story_time)
    return _new_generation(session)


def refresh(session: Session, story_ids: Sequence[int], story_time: StoryTime) -> None:
    """Recompute the counts, titles and times of ``story_ids`` from their member articles; a story
    left with no member is deleted."""
    members: dict[int, list[tuple[datetime, int, str | None, str | None, int | None, int | None]]] = {}
    for part in _chunks(list(story_ids)):
        for r in session.execute(select(Article.story_id, Article.id, Article.lang, Article.title, Article.source_id,
                                        Article.reprint_of, Article.published_at, Article.fetched_at)
                                 .where(Article.story_id.in_(part))):
            members.setdefault(r[0] or 0, []).append((story_time(r[6], r[7]), r[1], r[2], r[3], r[4], r[5]))
    for part in _chunks(list(story_ids)):
        for story in session.scalars(select(Story).where(Story.id.in_(part))):
            rows = sorted(members.get(story.id, []))
            if not rows:
                session.delete(story)
                continue
            titles: dict[str, str] = {}
            languages: dict[str, int] = {}
            for _, _, lang, title, _, _ in rows:
                key = lang or "und"
                languages[key] = languages.get(key, 0) + 1
                if title and key not in titles:
                    titles[key] = title
            story.titles, story.languages = titles, dict(sorted(languages.items()))
            story.first_seen, story.last_updated = rows[0][0], rows[-1][0]
            story.article_count = len(rows)
            story.outlet_count = len({r[4] for r in rows if r[4] is not None})
            story.language_count = len(languages)
            story.reprint_count = sum(1 for r in rows if r[5] is not None)


def reset(session: Session, article_ids: Sequence[int] | None = None) -> list[int]:
    """Unlink ``article_ids`` (all articles when None) from their stories and reprint originals so
    the stage clusters them again; stories left empty are deleted, the others recounted by the next
    :func:`apply`. Stored embeddings and signatures are kept (they depend only on the article).
    Returns the ids of the stories that still have members and must be recounted."""
    if article_ids is None:
        session.execute(update(Article).values(story_id=None, reprint_of=None)
                        .execution_options(synchronize_session=False))
        session.execute(update(ArticleFeatures).values(story_score=None, story_signals={})
                        .execution_options(synchronize_session=False))
        session.execute(delete(Story))
        _new_generation(session)
        return []
    touched: set[int] = set()
    for part in _chunks(list(article_ids)):
        touched.update(s for s in session.scalars(select(Article.story_id).where(Article.id.in_(part))) if s)
        session.execute(update(Article).where(Article.id.in_(part)).values(story_id=None, reprint_of=None)
                        .execution_options(synchronize_session=False))
        # a later article pointing at one of these as its original is re-decided too (it is reset as
        # well when it is after the cut; before it, it cannot point at a later article)
    _new_generation(session)
    return sorted(touched)


def drop_empty(session: Session, story_ids: Sequence[int], story_time: StoryTime) -> None:
    """After :func:`reset`: recount the touched stories, deleting those left empty."""
    refresh(session, story_ids, story_time)
