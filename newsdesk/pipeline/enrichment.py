"""The enrichment stages after storing: one ordered list, run the same way on every path.

:data:`STAGES` is the order, a list of :class:`Stage` objects that :func:`enrich` runs in turn:
``rules`` (readers' filter rules hide new articles from the readers whose rules block them; cheap
and independent of the rest: ``pipeline/filtering.py``), ``translate`` (the new articles, into the target languages, when an engine is configured),
``reprints`` (is this text a copy of an earlier one?), ``stories`` (which story does it join?);
entities will follow as one more entry. A stage says what it works on: the ids of the articles the
run was handed (``NEW``), or the queue of articles not clustered yet (``QUEUE``). Its decision is
a pure function in ``newsdesk/enrich/`` over plain data: the stage takes the data, calls it,
counts each outcome under ``stage.reason`` (as the crawl report does) and returns what was
decided, which its ``store`` step writes (``store/stories.py`` for the story layer).

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
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Literal

import numpy as np
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from newsdesk.clock import Clock, system_clock
from newsdesk.enrich.embed import Embedder, from_bytes, load_embedder, story_text, to_bytes
from newsdesk.enrich.reprints import ReprintIndex, ReprintParams, signature
from newsdesk.enrich.stories import ClusterParams, StoryAssignment, StoryClusterer, StoryDoc
from newsdesk.enrich.storyclock import story_time
from newsdesk.models import Outcomes
from newsdesk.pipeline.filtering import rules_stage
from newsdesk.pipeline.report import CrawlReport
from newsdesk.settings import Settings
from newsdesk.store import lease
from newsdesk.store import stories as story_store
from newsdesk.store.db import engine_for, session_scope
from newsdesk.store.stories import ArticleData, Decision

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
        self._oldest = datetime.max.replace(tzinfo=None)  # the earliest story time in story_of (set by joined)

    def time_of(self, published_at: datetime | None, fetched_at: datetime) -> datetime:
        return story_time(published_at, fetched_at, slack=self.slack)

    def make_clusterer(self) -> StoryClusterer:
        return StoryClusterer(self.cluster_params, embedder=self.embedder)

    def prune(self, now: datetime) -> None:
        """Forget what fell out of the window at ``now`` (why: memory stays bounded by the window)."""
        self.index.expire(now)
        self.prune_stories(now)

    def prune_stories(self, now: datetime) -> None:
        """Forget the story of each article that fell out of the window at ``now``; the map is
        scanned only when its oldest article is out (why: a scan per article made a batch
        quadratic in the window's size)."""
        if not self.story_of or now - min(self._oldest, now) <= self.window:
            return
        old = [a for a, (_, at) in self.story_of.items() if now - at > self.window]
        for article_id in old:
            del self.story_of[article_id]
        self._oldest = min((at for _, at in self.story_of.values()), default=now)

    def joined(self, article_id: int, story_id: int, at: datetime) -> None:
        """Remember that ``article_id`` (story time ``at``) is in ``story_id``."""
        self.story_of[article_id] = (story_id, at)
        self._oldest = min(self._oldest, at) if len(self.story_of) > 1 else at


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


# ---------------------------------------------------------------- the stages and their order

NEW: Literal["new"] = "new"  # the ids of the articles the run was handed (just stored)
QUEUE: Literal["queue"] = "queue"  # the articles not clustered yet (story_id IS NULL), in story-clock order


@dataclass
class StageRun:
    """What a run of the stages shares: settings, engine, clock, the clustering state and the report
    each stage counts its outcomes in."""

    settings: Settings
    engine: Engine
    report: EnrichmentReport
    state: StoryState
    clock: Clock = system_clock
    retry_translations: bool = False


@dataclass(frozen=True)
class Item:
    """One queued article as the queue stages see it, with what each decided so far: the reprints
    stage fills ``minhash`` and ``reprint_of``, the stories stage ``embedding`` and ``assignment``;
    a later stage keeps its results in ``results`` under its name."""

    article: ArticleData
    at: datetime  # its story-clock time
    doc: StoryDoc
    minhash: bytes | None = None
    reprint_of: int | None = None
    embedding: np.ndarray | None = None
    assignment: StoryAssignment | None = None
    results: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Stage:
    """One step after storing. ``works_on`` is what it runs over: ``NEW`` stages get the ids the run
    was handed (``run(run, ids)``), ``QUEUE`` stages a batch of the queue at a time, in story-clock
    order under the stories lease (``run(run, items) -> items``, then ``store(session, run, items)``
    in the batch's transaction). The queue stages share each batch, in the list's order, at the
    place of the first of them. ``enabled`` says whether it runs under these settings."""

    name: str
    works_on: Literal["new", "queue"]
    run: Callable[[StageRun, Any], Any]
    store: Callable[[Session, StageRun, list[Item]], None] | None = None
    enabled: Callable[[Settings], bool] = lambda settings: True


def enrich(settings: Settings, article_ids: Sequence[int] = (), *, state: StoryState | None = None,
           retry_translations: bool = False, progress: Progress | None = None,
           clock: Clock = system_clock) -> EnrichmentReport:
    """Run :data:`STAGES` in order after storing: each ``NEW`` stage over ``article_ids`` (translate,
    with ``retry_translations`` also the translations whose retry time has come), each group of
    ``QUEUE`` stages over every pending article."""
    report = EnrichmentReport()
    run = StageRun(settings, engine_for(settings.database_url), report, state or state_for(settings), clock,
                   retry_translations)
    for works_on, group in _groups([stage for stage in STAGES if stage.enabled(settings)]):
        if works_on == NEW:
            for stage in group:
                stage.run(run, list(article_ids))
        else:
            _run_queue(run, group, progress)
    return report


def _groups(stages: Sequence[Stage]) -> list[tuple[str, list[Stage]]]:
    """The stages in order, the queue stages together at the place of the first (why: they share
    each batch of one queue, and the stories stage empties it, so a queue stage run apart after it
    would find nothing); among themselves they keep the list's order."""
    groups: list[tuple[str, list[Stage]]] = []
    queue: list[Stage] | None = None
    for stage in stages:
        if stage.works_on != QUEUE:
            groups.append((NEW, [stage]))
        elif queue is None:
            queue = [stage]
            groups.append((QUEUE, queue))
        else:
            queue.append(stage)
    return groups


def _queue_stages(settings: Settings) -> list[Stage]:
    return [stage for stage in STAGES if stage.works_on == QUEUE and stage.enabled(settings)]


# ---------------------------------------------------------------- translate (new articles)


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


def _rules(run: StageRun, article_ids: list[int]) -> None:
    rules_stage(run.engine, run.settings, article_ids, run.report.outcomes, now=run.clock())


def _translate(run: StageRun, article_ids: list[int]) -> None:
    translate_stage(run.engine, run.settings, article_ids, run.report, retry=run.retry_translations)


# ---------------------------------------------------------------- the queue: reprints, stories


def cluster_pending(engine: Engine, settings: Settings, report: EnrichmentReport, *, state: StoryState,
                    progress: Progress | None = None, clock: Clock = system_clock) -> None:
    """The queue stages of :data:`STAGES` (reprints, stories) over the queue, in story-clock order,
    under the lease."""
    stages = _queue_stages(settings)
    if stages:
        _run_queue(StageRun(settings, engine, report, state, clock), stages, progress)


def _run_queue(run: StageRun, stages: list[Stage], progress: Progress | None) -> None:
    """Run ``stages`` over the queue under the lease.

    After releasing the lease the queue is looked at once more, and taken on again if articles
    arrived (why: a process that stored an article and found the lease held left it to us; if it
    tried just before we released, only this second look still sees it)."""
    engine, settings, report, state, clock = run.engine, run.settings, run.report, run.state, run.clock
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
                _queue_under_lease(run, stages, progress)
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


def _queue_under_lease(run: StageRun, stages: list[Stage], progress: Progress | None) -> None:
    engine, settings, report, state, clock = run.engine, run.settings, run.report, run.state, run.clock
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
        items = _items(state, articles)
        for stage in stages:
            items = stage.run(run, items)
        with session_scope(engine) as session:
            for stage in stages:
                if stage.store is not None:
                    stage.store(session, run, items)
        report.clustered += len(items)
        if not lease.acquire(engine, LEASE_NAME, state.owner, now=clock(), ttl=settings.stories_lease_seconds):
            state.reset()  # lost the lease (a pause longer than its lifetime): another may cluster now
            report.deferred = True
            report.outcomes.add("stories", "lease_lost")
            return
        if progress:
            progress(len(ids), None)


def _items(state: StoryState, articles: Sequence[ArticleData]) -> list[Item]:
    items = []
    for a in articles:
        at = state.time_of(a.published_at, a.fetched_at)
        items.append(Item(a, at, _doc(a, at)))
    return items


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
        state.joined(a.article_id, a.story_id, at)
    state.clusterer = clusterer


def _doc(a: ArticleData, at: datetime) -> StoryDoc:
    return StoryDoc(article_id=a.article_id, title=a.title, text=a.text, lang=a.lang, published_at=at,
                    source_id=a.source_id, translations=a.translations)


def reprints_stage(run: StageRun, items: list[Item]) -> list[Item]:
    """Is each text a copy of an earlier one still in the window (``reprints.ReprintIndex``)? Its
    stored signature is used, or one made now (it depends on the text alone). An original counts
    when it is clustered (in the window's stories) or comes earlier in this batch (the stories
    stage clusters it first)."""
    state, outcomes = run.state, run.report.outcomes
    earlier: set[int] = set()
    out = []
    for item in items:
        a = item.article
        state.index.expire(item.at)
        sig = a.minhash if a.minhash is not None else signature(a.text, state.reprint_params)
        original = state.index.find(sig) if sig else None
        if not sig:
            outcomes.add("reprints", "too_short")
        elif original is not None and (original in state.story_of or original in earlier):
            outcomes.add("reprints", "reprint")
        else:
            original = None
            outcomes.add("reprints", "original")
        state.index.add(a.article_id, sig, item.at, reprint_of=original)
        earlier.add(a.article_id)
        out.append(replace(item, minhash=sig, reprint_of=original))
    return out


def stories_stage(run: StageRun, items: list[Item]) -> list[Item]:
    """Which story does each article join (``stories.StoryClusterer``)? A reprint joins its
    original's story; any other article is matched. Embeddings: the stored ones of the same model
    (the extraction workers store them with the article), the rest in one batch."""
    state, outcomes = run.state, run.report.outcomes
    assert state.clusterer is not None
    embeddings = _embeddings(state.embedder, [i.article for i in items], [i.doc for i in items])
    out = []
    for item, emb in zip(items, embeddings, strict=True):
        state.prune_stories(item.at)
        forced = state.story_of[item.reprint_of][0] if item.reprint_of is not None else None
        result = state.clusterer.assign(item.doc, story_id=forced, embedding=emb)
        outcomes.add("stories", "reprint_joined" if forced is not None else
                     "created" if result.created else "joined")
        state.joined(item.article.article_id, result.story_id, item.at)
        out.append(replace(item, embedding=emb, assignment=result))
    return out


def store_stories(session: Session, run: StageRun, items: list[Item]) -> None:
    """Write the reprints and stories decisions (``store/stories.py``): story rows, links, features."""
    embedder = run.state.embedder
    run.state.generation = story_store.apply(session, [_decision(item, embedder) for item in items],
                                             run.state.time_of)


def _decision(item: Item, embedder: Embedder | None) -> Decision:
    a, result = item.article, item.assignment
    assert result is not None and item.minhash is not None
    new_embedding = (item.embedding is not None and embedder is not None
                     and (a.embedding is None or a.model != embedder.name))
    return Decision(
        article_id=a.article_id, story_id=result.story_id, reprint_of=item.reprint_of, score=result.score,
        signals=result.signals, minhash=item.minhash if a.minhash is None else None, at=item.at,
        model=embedder.name if new_embedding and embedder is not None else None,
        embedding=to_bytes(item.embedding) if new_embedding and item.embedding is not None else None)


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


def _stories_on(settings: Settings) -> bool:
    return settings.stories_enabled


def _translate_on(settings: Settings) -> bool:
    return settings.translate_engine != "none"


# The steps after storing, in order. A new capability is one more entry (a test may swap the list).
STAGES: list[Stage] = [
    Stage("rules", NEW, _rules),
    Stage("translate", NEW, _translate, enabled=_translate_on),
    Stage("reprints", QUEUE, reprints_stage, enabled=_stories_on),
    Stage("stories", QUEUE, stories_stage, store=store_stories, enabled=_stories_on),
]


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

