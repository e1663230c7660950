"""Translate stored articles: at ingest (the crawl calls :func:`translate_pending` with the new
article ids) and later in bulk (``newsdesk translate articles``, a Celery task).

Order of work, and why:

1. In one short transaction, create the missing jobs (one per article and target language) and
   read the due ones with their article's title, body and teaser.
2. Translate outside any transaction, a few articles of one language pair per engine batch (a
   local model is far faster on full batches; a slow engine holds no database lock).
3. Write each batch's translations, or its failures, in one short transaction.

A failing, slow or garbage-answering engine never loses an article: the article is already
stored, the failure is recorded on its ``TranslationJob`` (attempts, last error, next attempt
with capped backoff), and the job is taken up again by a later run. A language pair the engine
cannot translate at all is a permanent rejection (``TranslationRejected``): recorded once on the
job and not retried, until a run finds the engine supports the pair (a model was installed). When the engine itself is
unreachable the run stops after recording the batch it failed on, leaving the rest pending, so
ingest is never held up by a dead engine.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from newsdesk.errors import TranslationFailed, TranslationRejected
from newsdesk.models import Outcomes
from newsdesk.settings import Settings
from newsdesk.store import translations as store
from newsdesk.store.db import session_scope
from newsdesk.store.schema import Article, TranslationJob, utcnow
from newsdesk.translate.article import ArticleContent, translate_article_content, translate_articles
from newsdesk.translate.base import Translator, engine_label
from newsdesk.translate.cache import TranslationCache
from newsdesk.translate.engines import make_translator

# Failures that say the engine as a whole cannot work right now (not this article's fault):
# the run stops instead of trying every other article against a dead engine.
ENGINE_DOWN = frozenset({"timeout", "engine_down", "not_configured", "auth"})


@dataclass(frozen=True, slots=True)
class ArticleTranslation:
    """What happened to one (article, language)."""

    article_id: int
    lang: str
    status: str  # done, failed (retried later), rejected (never retried as is), skipped
    engine: str | None = None
    reason: str | None = None
    error: str | None = None
    engine_texts: int = 0
    cache_hits: int = 0


@dataclass
class TranslateReport:
    """What one :func:`translate_pending` run did."""

    done: int = 0
    failed: int = 0
    rejected: int = 0
    skipped: int = 0
    jobs_created: int = 0
    reopened: int = 0  # rejected jobs made pending again: the engine now supports their pair
    stopped: str | None = None  # why the run stopped early (engine down), if it did
    results: list[ArticleTranslation] = field(default_factory=list)
    outcomes: Outcomes = field(default_factory=Outcomes)

    def add(self, result: ArticleTranslation) -> None:
        self.results.append(result)
        if result.status == "done":
            self.done += 1
            self.outcomes.add("translate", "done")
        elif result.status == "failed":
            self.failed += 1
            self.outcomes.add("translate", result.reason or "failed", result.error)
        elif result.status == "rejected":
            self.rejected += 1
            self.outcomes.add("translate", result.reason or "rejected", result.error)
        else:
            self.skipped += 1
            self.outcomes.add("translate", result.reason or "skipped")

    def as_dict(self) -> dict[str, object]:
        return {
            "done": self.done,
            "failed": self.failed,
            "rejected": self.rejected,
            "skipped": self.skipped,
            "jobs_created": self.jobs_created,
            "reopened": self.reopened,
            "stopped": self.stopped,
            "outcomes": self.outcomes.as_dict(),
            "errors": self.outcomes.errors[:20],
        }


@dataclass(frozen=True, slots=True)
class _Work:
    job_id: int
    article_id: int
    source: str
    target: str
    content: ArticleContent


def _source_lang(lang: str | None) -> str | None:
    return lang.split("-")[0].split("_")[0].lower() if lang else None


def unsupported_pair(translator: Translator, source: str, target: str) -> TranslationRejected:
    return TranslationRejected(f"{translator.name} cannot translate {source}-{target}")


def translate_article(
    session: Session,
    article_id: int,
    target_lang: str,
    translator: Translator,
    cache: TranslationCache,
    *,
    now: datetime | None = None,
    retry_base: int = 300,
    retry_max: int = 86_400,
) -> ArticleTranslation:
    """Translate one article into ``target_lang`` inside the caller's session (the caller commits).

    Never raises for an engine failure: the failure is recorded on the article's job and returned.
    """
    article = session.get(Article, article_id)
    source = _source_lang(article.lang) if article else None
    if article is None or not source or source == target_lang:
        reason = "no_article" if article is None else ("same_language" if source else "unknown_language")
        return ArticleTranslation(article_id, target_lang, "skipped", reason=reason)
    job = session.scalar(
        select(TranslationJob).where(TranslationJob.article_id == article_id, TranslationJob.lang == target_lang)
    )
    if job is None:
        job = TranslationJob(article_id=article_id, lang=target_lang, status=store.PENDING, attempts=0)
        session.add(job)
        session.flush()
    if not translator.supports(source, target_lang):
        rejection = unsupported_pair(translator, source, target_lang)
        store.record_rejection(session, job, str(rejection), now=now)
        return ArticleTranslation(article_id, target_lang, "rejected", translator.name, rejection.reason,
                                  str(rejection))
    content = ArticleContent(title=article.title, html=article.html or "", teaser=article.teaser or "")
    try:
        result = translate_article_content(translator, cache, content, source=source, target=target_lang)
    except TranslationFailed as exc:
        store.record_failure(session, job, str(exc), now=now, base=retry_base, cap=retry_max)
        return ArticleTranslation(article_id, target_lang, "failed", translator.name, exc.reason, str(exc))
    label = engine_label(translator, source, target_lang)
    store.save_translation(
        session, job, title=result.title, html=result.html, text=result.text, teaser=result.teaser,
        engine=label, now=now,
    )
    return ArticleTranslation(
        article_id, target_lang, "done", label, engine_texts=result.engine_texts, cache_hits=result.cache_hits
    )


def translate_pending(
    db: Engine,
    translator: Translator,
    *,
    target_langs: Sequence[str],
    cache: TranslationCache | None = None,
    article_ids: Sequence[int] | None = None,
    source_lang: str | None = None,
    since: datetime | None = None,
    limit: int | None = None,
    batch_articles: int = 8,
    retry_base: int = 300,
    retry_max: int = 86_400,
    now: datetime | None = None,
    max_seconds: float | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> TranslateReport:
    """Translate what is due: new articles (``article_ids`` at ingest) or everything pending.

    ``on_progress(done, total)`` is called after each batch. ``max_seconds`` bounds the run (at
    ingest, so a slow engine cannot hold up the crawl): no new batch starts after it, and what is
    left stays pending for the next run. Returns a report; never raises for an engine failure
    (those are recorded on the jobs and retried by a later run).
    """
    started = time.monotonic()
    report = TranslateReport()
    now = now or utcnow()
    used_cache: TranslationCache = cache if cache is not None else store.DbTranslationCache(db)
    langs = [lang.lower() for lang in target_langs]
    filters = _Filters(langs, source_lang, since, article_ids)
    with session_scope(db) as session:
        if article_ids is None:
            ids = store.article_ids_needing_jobs(session, langs, source_lang=source_lang, since=since, limit=limit)
        else:
            ids = list(article_ids)
        report.jobs_created = store.ensure_jobs(session, ids, langs)
        report.reopened = store.reopen_rejected(session, [
            (lang, target) for lang, target in store.rejected_pairs(session, langs)
            if (source := _source_lang(lang)) and translator.supports(source, target)
        ])
        total = store.count_due_jobs(
            session, now=now, langs=langs, source_lang=source_lang, since=since, article_ids=article_ids
        )
    if limit is not None:
        total = min(total, limit)
    finished = 0
    seen: set[int] = set()
    while finished < total:
        # a page at a time, so a run over a large archive holds a few hundred bodies, not all of them
        work, dropped = _read_page(db, now, min(PAGE, total - finished), seen, filters)
        for article_id, lang in dropped:
            report.add(ArticleTranslation(article_id, lang, "skipped", reason="unknown_language"))
        finished += len(dropped)
        if not work:
            if dropped and on_progress:
                on_progress(finished, total)
            if dropped:
                continue
            break
        for (source, target), group in groupby(work, key=lambda w: (w.source, w.target)):
            items = list(group)
            if not translator.supports(source, target):
                _reject(db, items, report, unsupported_pair(translator, source, target), translator.name, now)
                finished += len(items)
                if on_progress:
                    on_progress(finished, total)
                continue
            for start in range(0, len(items), max(1, batch_articles)):
                if max_seconds is not None and time.monotonic() - started > max_seconds:
                    report.stopped = "time_limit"
                    return report
                batch = items[start : start + max(1, batch_articles)]
                stopped = _translate_batch(db, translator, used_cache, batch, report, now, retry_base, retry_max)
                finished += len(batch)
                if on_progress:
                    on_progress(finished, total)
                if stopped:
                    report.stopped = stopped
                    return report
    return report


PAGE = 200  # why: jobs read at once; bounds memory to a few hundred article bodies


@dataclass(frozen=True, slots=True)
class _Filters:
    langs: list[str]
    source_lang: str | None
    since: datetime | None
    article_ids: Sequence[int] | None


def _read_page(
    db: Engine, now: datetime, size: int, seen: set[int], filters: _Filters
) -> tuple[list[_Work], list[tuple[int, str]]]:
    """The next due jobs with their articles' content, sorted by language pair; and dropped jobs."""
    work: list[_Work] = []
    dropped: list[tuple[int, str]] = []
    with session_scope(db) as session:
        jobs = store.due_jobs(
            session, now=now, langs=filters.langs, source_lang=filters.source_lang, since=filters.since,
            article_ids=filters.article_ids, limit=size + 50,  # why 50: room to skip jobs seen already
        )
        for job in jobs:
            if job.id in seen or len(work) >= size:
                continue
            seen.add(job.id)
            article = session.get(Article, job.article_id)
            source = _source_lang(article.lang) if article else None
            if article is None or not source:
                dropped.append((job.article_id, job.lang))
                store.drop_job(session, job)  # nothing to translate from
                continue
            content = ArticleContent(title=article.title, html=article.html or "", teaser=article.teaser or "")
            work.append(_Work(job.id, job.article_id, source, job.lang, content))
    work.sort(key=lambda w: (w.source, w.target))
    return work, dropped


def translate_new_articles(
    db: Engine,
    article_ids: Sequence[int],
    settings: Settings,
    *,
    translator: Translator | None = None,
    max_seconds: float | None = 120.0,
) -> TranslateReport:
    """The ingest hook: translate just-stored articles with the configured engine, if any.

    Pass a long-lived ``translator`` (from :func:`newsdesk.translate.make_translator`) when calling
    this repeatedly, so a local model is loaded once. With no engine configured it does nothing.
    ``max_seconds`` (default 2 minutes) keeps a slow engine from holding up the crawl; what is not
    done stays pending for ``newsdesk translate articles`` or the next crawl.
    """
    owned = translator is None
    translator = translator if translator is not None else make_translator(settings)
    if translator is None or not article_ids:
        return TranslateReport(stopped=None if translator else "not_configured")
    try:
        return translate_pending(
            db,
            translator,
            target_langs=settings.target_language_list,
            article_ids=article_ids,
            batch_articles=settings.translate_batch_articles,
            retry_base=settings.translate_retry_base,
            retry_max=settings.translate_retry_max,
            max_seconds=max_seconds,
        )
    finally:
        close = getattr(translator, "close", None)
        if owned and callable(close):
            close()  # an HTTP engine made here holds a connection pool


def _translate_batch(
    db: Engine,
    translator: Translator,
    cache: TranslationCache,
    batch: list[_Work],
    report: TranslateReport,
    now: datetime,
    retry_base: int,
    retry_max: int,
) -> str | None:
    """Translate and store one batch; returns a reason when the engine is down and the run must stop."""
    source, target = batch[0].source, batch[0].target
    try:
        results = translate_articles(translator, cache, [w.content for w in batch], source=source, target=target)
    except TranslationFailed as exc:
        if exc.reason in ENGINE_DOWN or len(batch) == 1:
            _record(db, batch, report, str(exc), exc.reason, translator.name, now, retry_base, retry_max)
            return exc.reason if exc.reason in ENGINE_DOWN else None
        # garbage from the engine: find which articles it chokes on, one at a time
        for item in batch:
            stopped = _translate_batch(db, translator, cache, [item], report, now, retry_base, retry_max)
            if stopped:
                return stopped
        return None
    label = engine_label(translator, source, target)
    for attempt in (1, 2):
        outcomes: list[ArticleTranslation] = []
        try:
            with session_scope(db) as session:
                for item, result in zip(batch, results, strict=True):
                    job = session.get(TranslationJob, item.job_id)
                    if job is None:  # the article was deleted meanwhile
                        outcomes.append(ArticleTranslation(item.article_id, target, "skipped", reason="no_article"))
                        continue
                    store.save_translation(
                        session, job, title=result.title, html=result.html, text=result.text,
                        teaser=result.teaser, engine=label, now=now,
                    )
                    outcomes.append(
                        ArticleTranslation(
                            item.article_id, target, "done", label,
                            engine_texts=result.engine_texts, cache_hits=result.cache_hits,
                        )
                    )
        except IntegrityError:
            # another worker stored the same translation between our read and write: write again,
            # now as an update of its row
            if attempt == 2:
                raise
            continue
        for outcome in outcomes:
            report.add(outcome)
        break
    return None


def _record(
    db: Engine,
    items: list[_Work],
    report: TranslateReport,
    error: str,
    reason: str,
    engine: str,
    now: datetime,
    retry_base: int,
    retry_max: int,
) -> None:
    with session_scope(db) as session:
        for item in items:
            job = session.get(TranslationJob, item.job_id)
            if job is not None:
                store.record_failure(session, job, error, now=now, base=retry_base, cap=retry_max)
            report.add(ArticleTranslation(item.article_id, item.target, "failed", engine, reason, error))


def _reject(
    db: Engine, items: list[_Work], report: TranslateReport, rejection: TranslationRejected, engine: str,
    now: datetime,
) -> None:
    with session_scope(db) as session:
        for item in items:
            job = session.get(TranslationJob, item.job_id)
            if job is not None:
                store.record_rejection(session, job, str(rejection), now=now)
            report.add(ArticleTranslation(item.article_id, item.target, "rejected", engine, rejection.reason,
                                          str(rejection)))


__all__ = [
    "ArticleTranslation",
    "TranslateReport",
    "translate_article",
    "translate_new_articles",
    "translate_pending",
]
