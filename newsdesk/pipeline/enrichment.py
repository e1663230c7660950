"""The enrichment stages after storing: one ordered list, run the same way on every path.

:data:`STAGES` is the order: ``rules`` (readers' filter rules hide new articles from the readers
whose rules block them: cheap, and independent of the rest; ``pipeline/filtering.py``), ``translate`` (the new articles, into the target languages, when an
engine is configured), ``reprints`` (is this text a copy of an earlier one?), ``stories`` (which
story does it join?); entities will follow. Each stage's decision is a pure function in
``newsdesk/enrich/`` over plain data; this module loads the data, calls it, counts each outcome
under ``stage.reason`` (as the crawl report does) and has ``store/stories.py`` apply the result.

The crawl (after a pass), ``fetch-url``, ``import``, the Celery workers (a task of its own) and
``stories rebuild`` all call :func:`enrich`. Reprints and stories work on the queue of articles
not clustered yet (``story_id IS NULL``), not on a list handed over, in story-clock order
(``enrich/storyclock.py``): an article stored by a pass that was killed before clustering is
picked up by the next run, wherever it runs. A database lease (``stories``) lets one process at a
time cluster, since the clusterer's decisions depend on every earlier one; a process that does not
get it leaves the queue to the holder (``stories.deferred``), which takes it on its next batch.

A process keeps its :class:`StoryState` (the open stories and the reprint index of the window)
warm between runs while it is the last writer (``store.stories.generation``); otherwise the state
is reloaded from the store: the window's articles and their stored embeddings and signatures.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Engine

from newsdesk.clock import Clock, system_clock
from newsdesk.enrich.embed import Embedder, from_bytes, load_embedder, story_text, to_bytes
from newsdesk.enrich.reprints import ReprintIndex, ReprintParams, signature
from newsdesk.enrich.stories import ClusterParams, StoryClusterer, StoryDoc
from newsdesk.enrich.storyclock import story_time
from newsdesk.models import Outcomes
from newsdesk.pipeline.filtering import rules_stage
from newsdesk.pipeline.report import CrawlReport
from newsdesk.settings import Settings
from newsdesk.store import lease
from newsdesk.store import stories as story_store
from newsdesk.store.db import engine_for, session_scope
from newsdesk.store.stories import ArticleData, Decision

STAGES: tuple[str, ...] = ("rules", "translate", "reprints", "stories")
LEASE_NAME = "stories"
# how many retry-due translations a pass takes on besides its new articles (as before this module)
TRANSLATION_RETRIES = 500

Progress = Callable[[int, int | None], None]  # (advance, total)


@dataclass
class EnrichmentReport:
    """What one run of the stages did; ``outcomes`` counts each article by ``stage.reason``."""

    outcomes: Outcomes = field(default_factory=Outcomes)
    translation: dict[str, Any] | None = None
    clustered: int = 0
    pending: int = 0  # left in the queue (another process holds the lease)
    deferred: bool = False

    def add_to(self, report: CrawlReport) -> None:
        """Fold this into a crawl report: outcomes counted together, translation and stories shown."""
        report.outcomes.merge(self.outcomes)
        if self.translation is not None:
            report.translation = self.translation
        report.stories = {"clustered": self.clustered, "pending": self.pending, "deferred": self.deferred}

    def as_dict(self) -> dict[str, Any]:
        return {"clustered": self.clustered, "pending": self.pending, "deferred": self.deferred,
                "translation": self.translation, "outcomes": self.outcomes.as_dict()}


class StoryState:
    """One process's clustering state: the open stories, the reprint index, and which story each
    article of the window is in. Warm while this process wrote last (``generation``)."""

    def __init__(self, settings: Settings, *, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._embedder = embedder
        self._embedder_loaded = embedder is not None
        self.cluster_params = ClusterParams.from_settings(settings)
        self.reprint_params = ReprintParams.from_settings(settings)
        self.slack = timedelta(seconds=settings.stories_future_slack)
        self.lock = threading.Lock()  # one run at a time per state (the scheduler's thread, a CLI call)
        self.reset()

    @property
    def embedder(self) -> Embedder | None:
        if not self._embedder_loaded:
            name = self.settings.story_embedder
            self._embedder = None if name == "none" else load_embedder(name)
            self._embedder_loaded = True
        return self._embedder

    @property
    def window(self) -> timedelta:
        """How far back the state reaches: the longer of the story and the reprint windows."""
        return max(self.cluster_params.window, self.reprint_params.window)

    def reset(self) -> None:
        self.generation: str | None = None
        self.clusterer: StoryClusterer | None = None
        self.index = ReprintIndex(self.reprint_params)
        self.story_of: dict[int, tuple[int, datetime]] = {}  # article -> (story, story time)

    def time_of(self, published_at: datetime | None, fetched_at: datetime) -> datetime:
        return story_time(published_at, fetched_at, slack=self.slack)

    def make_clusterer(self) -> StoryClusterer:
        return StoryClusterer(self.cluster_params, embedder=self.embedder)

    def prune(self, now: datetime) -> None:
        """Forget what fell out of the window at ``now`` (why: memory stays bounded by the window)."""
        self.index.expire(now)
        old = [a for a, (_, at) in self.story_of.items() if now - at > self.window]
        for article_id in old:
            del self.story_of[article_id]


_STATES: dict[str, StoryState] = {}
_STATES_LOCK = threading.Lock()


def state_for(settings: Settings) -> StoryState:
    """This process's warm state for ``settings``' database (made on first use)."""
    key = f"{settings.database_url}|{settings.story_embedder}"
    with _STATES_LOCK:
        state = _STATES.get(key)
        if state is None:
            state = _STATES[key] = StoryState(settings)
        return state


def enrich(settings: Settings, article_ids: Sequence[int] = (), *, state: StoryState | None = None,
           retry_translations: bool = False, progress: Progress | None = None,
           clock: Clock = system_clock) -> EnrichmentReport:
    """Run :data:`STAGES` after storing: translate ``article_ids`` (and, with ``retry_translations``,
    the translations whose retry time has come), then cluster every pending article."""
    report = EnrichmentReport()
    engine = engine_for(settings.database_url)
    rules_stage(engine, settings, list(article_ids), report.outcomes, now=clock())
    translate_stage(engine, settings, list(article_ids), report, retry=retry_translations)
    if settings.stories_enabled:
        cluster_pending(engine, settings, report, state=state or state_for(settings), progress=progress,
                        clock=clock)
    return report


def translate_stage(engine: Engine, settings: Settings, article_ids: list[int], report: EnrichmentReport, *,
                    retry: bool) -> None:
    """Translate at ingest when an engine is configured; a failing engine never fails the caller."""
    if settings.translate_engine == "none":
        return
    from newsdesk.pipeline.translate import translate_new_articles
    from newsdesk.store.translations import due_jobs

    retry_ids: set[int] = set()
    if retry:
        with session_scope(engine) as session:
            retry_ids = {job.article_id for job in due_jobs(session, langs=settings.target_language_list,
                                                            limit=TRANSLATION_RETRIES)}
    ids = list(dict.fromkeys([*article_ids, *sorted(retry_ids)]))
    if not ids and not retry:
        return
    result = translate_new_articles(engine, ids, settings)
    report.outcomes.merge(result.outcomes)
    report.translation = {"done": result.done, "failed": result.failed, "rejected": result.rejected,
                          "skipped": result.skipped, "stopped": result.stopped}


def cluster_pending(engine: Engine, settings: Settings, report: EnrichmentReport, *, state: StoryState,
                    progress: Progress | None = None, clock: Clock = system_clock) -> None:
    """The reprints and stories stages over the queue, in story-clock order, under the lease.

    After releasing the lease the queue is looked at once more, and taken on again if articles
    arrived (why: a process that stored an article and found the lease held left it to us; if it
    tried just before we released, only this second look still sees it)."""
    ttl = settings.stories_lease_seconds
    with state.lock:
        while True:
            if not lease.acquire(engine, LEASE_NAME, state.owner, now=clock(), ttl=ttl):
                with session_scope(engine) as session:
                    report.pending = len(story_store.pending_times(session))
                if report.pending:
                    report.deferred = True
                    report.outcomes.add("stories", "deferred")
                return
            try:
                _cluster_under_lease(engine, settings, report, state, progress, clock)
            except BaseException:
                state.reset()  # what was decided but not written is unknown to the store: reload next time
                raise
            finally:
                lease.release(engine, LEASE_NAME, state.owner)
            if report.deferred:  # the lease was lost mid-way: the new holder goes on
                return
            with session_scope(engine) as session:
                if not story_store.pending_times(session):
                    return


def _cluster_under_lease(engine: Engine, settings: Settings, report: EnrichmentReport, state: StoryState,
                         progress: Progress | None, clock: Clock) -> None:
    with session_scope(engine) as session:
        pending = story_store.pending_times(session)
        current = story_store.generation(session)
    if not pending:
        return
    order = sorted(pending, key=lambda r: (state.time_of(r[1], r[2]), r[0]))
    if state.clusterer is None or state.generation != current:
        _load_window(engine, state, state.time_of(order[0][1], order[0][2]) - state.window)
    if progress:
        progress(0, len(order))
    batch = settings.stories_batch
    for start in range(0, len(order), batch):
        ids = [r[0] for r in order[start:start + batch]]
        with session_scope(engine) as session:
            articles = story_store.load_articles(session, ids)
        decisions = decide(state, articles, report.outcomes)
        with session_scope(engine) as session:
            state.generation = story_store.apply(session, decisions, state.time_of)
        report.clustered += len(decisions)
        if not lease.acquire(engine, LEASE_NAME, state.owner, now=clock(), ttl=settings.stories_lease_seconds):
            state.reset()  # lost the lease (a pause longer than its lifetime): another may cluster now
            report.deferred = True
            report.outcomes.add("stories", "lease_lost")
            return
        if progress:
            progress(len(ids), None)


def _load_window(engine: Engine, state: StoryState, since: datetime) -> None:
    """Rebuild the state from the clustered articles of the window before the queue's first."""
    state.reset()
    clusterer = state.make_clusterer()
    with session_scope(engine) as session:
        ids = story_store.clustered_since(session, since)
        articles = story_store.load_articles(session, ids)
        state.generation = story_store.generation(session)
    articles = [a for a in articles if state.time_of(a.published_at, a.fetched_at) >= since]
    articles.sort(key=lambda a: (state.time_of(a.published_at, a.fetched_at), a.article_id))
    model = state.embedder.name if state.embedder is not None else None
    for a in articles:
        at = state.time_of(a.published_at, a.fetched_at)
        assert a.story_id is not None
        embedding = from_bytes(a.embedding) if a.embedding and a.model == model else None
        clusterer.restore(_doc(a, at), a.story_id, embedding=embedding)
        if a.minhash:
            state.index.add(a.article_id, a.minhash, at, reprint_of=a.reprint_of)
        state.story_of[a.article_id] = (a.story_id, at)
    state.clusterer = clusterer


def _doc(a: ArticleData, at: datetime) -> StoryDoc:
    return StoryDoc(article_id=a.article_id, title=a.title, text=a.text, lang=a.lang, published_at=at,
                    source_id=a.source_id, translations=a.translations)


def decide(state: StoryState, articles: Sequence[ArticleData], outcomes: Outcomes) -> list[Decision]:
    """The reprints then the stories decision for each article, in the order given (story-clock order)."""
    assert state.clusterer is not None
    embedder = state.embedder
    times = [state.time_of(a.published_at, a.fetched_at) for a in articles]
    docs = [_doc(a, at) for a, at in zip(articles, times, strict=True)]
    embeddings = _embeddings(embedder, articles, docs)
    decisions = []
    for a, at, doc, emb in zip(articles, times, docs, embeddings, strict=True):
        state.prune(at)
        # reprints: the stored signature, or one made now (it depends on the text alone)
        sig = a.minhash if a.minhash is not None else signature(a.text, state.reprint_params)
        original = state.index.find(sig) if sig else None
        if not sig:
            outcomes.add("reprints", "too_short")
        elif original is not None and original in state.story_of:
            outcomes.add("reprints", "reprint")
        else:
            original = None
            outcomes.add("reprints", "original")
        state.index.add(a.article_id, sig, at, reprint_of=original)
        # stories: a reprint joins its original's story; any other article is matched
        forced = state.story_of[original][0] if original is not None else None
        result = state.clusterer.assign(doc, story_id=forced, embedding=emb)
        outcomes.add("stories", "reprint_joined" if forced is not None else
                     "created" if result.created else "joined")
        state.story_of[a.article_id] = (result.story_id, at)
        new_embedding = emb is not None and (a.embedding is None or a.model != embedder.name)  # type: ignore[union-attr]
        decisions.append(Decision(
            article_id=a.article_id, story_id=result.story_id, reprint_of=original, score=result.score,
            signals=result.signals, minhash=sig if a.minhash is None else None, at=at,
            model=embedder.name if new_embedding and embedder is not None else None,
            embedding=to_bytes(emb) if new_embedding and emb is not None else None))
    return decisions


def _embeddings(embedder: Embedder | None, articles: Sequence[ArticleData],
                docs: Sequence[StoryDoc]) -> list[np.ndarray | None]:
    """Each article's embedding: the stored one when the same model made it, the rest in one batch."""
    if embedder is None:
        return [None] * len(articles)
    out: list[np.ndarray | None] = [
        from_bytes(a.embedding) if a.embedding and a.model == embedder.name else None for a in articles]
    missing = [i for i, e in enumerate(out) if e is None]
    if missing:
        rows = embedder.encode([story_text(docs[i]) for i in missing])
        for i, row in zip(missing, rows, strict=True):
            out[i] = np.asarray(row, dtype=np.float32)
    return out


def rebuild(settings: Settings, *, since: datetime | None = None, progress: Progress | None = None,
            state: StoryState | None = None, clock: Clock = system_clock) -> EnrichmentReport:
    """Cluster again from scratch (or from story time ``since``): the articles are unlinked from
    their stories, then the stages run over them as over any queue. The same articles give the same
    stories and ids (a story's id is its first article's, and the order is the story clock's)."""
    engine = engine_for(settings.database_url)
    state = state or state_for(settings)
    with state.lock:
        if not lease.acquire(engine, LEASE_NAME, state.owner, now=clock(), ttl=settings.stories_lease_seconds):
            from newsdesk.errors import UsageError

            raise UsageError("stories rebuild: another process is clustering now (the stories lease is held); "
                             "try again when it is done")
        try:
            with session_scope(engine) as session:
                if since is None:
                    story_store.reset(session)
                else:
                    ids = [i for i, pub, fetched in story_store.article_times(session)
                           if state.time_of(pub, fetched) >= since]
                    touched = story_store.reset(session, ids)
                    session.flush()
                    story_store.drop_empty(session, touched, state.time_of)
            state.reset()
        finally:
            lease.release(engine, LEASE_NAME, state.owner)
    report = EnrichmentReport()
    cluster_pending(engine, settings, report, state=state, progress=progress, clock=clock)
    return report

