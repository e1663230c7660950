"""Store side of translation: the database-backed cache, saving translations, and job state.

A translation job is the state of one (article, language): ``pending`` until tried, ``done``
once a translation is saved, ``failed`` after a failure, with ``attempts``, ``last_error`` and a
``next_attempt_at`` that backs off exponentially (capped) so a broken engine is retried later
without being hammered; ``rejected`` when the engine cannot translate the pair at all (recorded
once, never due again until :func:`reopen_rejected` finds the engine supports the pair). Nothing
here calls an engine; the pipeline does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Engine, and_, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from newsdesk.store.db import session_scope
from newsdesk.store.schema import Article, Translation, TranslationCache, TranslationJob, utcnow
from newsdesk.store.search import index_article

PENDING, DONE, FAILED, REJECTED = "pending", "done", "failed", "rejected"
MAX_ERROR_CHARS = 2000  # why: an error message is for a person to read; stack dumps are cut


@dataclass(frozen=True, slots=True)
class CacheRow:
    """What :class:`DbTranslationCache` stores (the shape of ``translate.cache.CacheEntry``)."""

    key: str
    engine: str
    source_lang: str
    target_lang: str
    text: str


class CacheItem(Protocol):
    """One translated text to remember (``translate.cache.CacheEntry`` has this shape)."""

    @property
    def key(self) -> str: ...
    @property
    def engine(self) -> str: ...
    @property
    def source_lang(self) -> str: ...
    @property
    def target_lang(self) -> str: ...
    @property
    def text(self) -> str: ...


class DbTranslationCache:
    """The ``translation_cache`` table behind the ``TranslationCache`` protocol of ``translate/``.

    Given an ``Engine`` each call runs in its own short transaction (so no write lock is held
    while a translation engine works); given a ``Session`` it works inside the caller's.
    """

    # why: SQLite allows 32766 bound parameters and PostgreSQL 65535; 500 keeps statements small
    CHUNK = 500

    def __init__(self, bind: Engine | Session) -> None:
        self.bind = bind

    def _run(self, fn: Any) -> Any:
        if isinstance(self.bind, Session):
            return fn(self.bind)
        with session_scope(self.bind) as session:
            return fn(session)

    def get_many(self, keys: Sequence[str]) -> dict[str, str]:
        if not keys:
            return {}

        def read(session: Session) -> dict[str, str]:
            out: dict[str, str] = {}
            for start in range(0, len(keys), self.CHUNK):
                chunk = list(keys[start : start + self.CHUNK])
                rows = session.execute(
                    select(TranslationCache.key, TranslationCache.text).where(TranslationCache.key.in_(chunk))
                )
                out.update({key: text for key, text in rows})
            return out

        result: dict[str, str] = self._run(read)
        return result

    def put_many(self, entries: Iterable[CacheItem]) -> None:
        rows = [
            {
                "key": e.key,
                "engine": e.engine[:100],
                "source_lang": e.source_lang,
                "target_lang": e.target_lang,
                "text": e.text,
                "created_at": utcnow(),
            }
            for e in entries
        ]
        if not rows:
            return

        def write(session: Session) -> None:
            dialect = session.get_bind().dialect.name
            for start in range(0, len(rows), self.CHUNK):
                chunk = rows[start : start + self.CHUNK]
                if dialect == "postgresql":
                    session.execute(pg_insert(TranslationCache).values(chunk).on_conflict_do_nothing())
                elif dialect == "sqlite":
                    session.execute(sqlite_insert(TranslationCache).values(chunk).on_conflict_do_nothing())
                else:  # pragma: no cover - other backends: skip keys already there
                    present = set(self.get_many([str(r["key"]) for r in chunk]))
                    session.add_all(TranslationCache(**r) for r in chunk if r["key"] not in present)

        self._run(write)


def retry_delay(attempts: int, *, base: int, cap: int) -> timedelta:
    """Exponential backoff: ``base`` seconds after the first failure, doubling, capped at ``cap``."""
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


def ensure_jobs(session: Session, article_ids: Iterable[int], langs: Sequence[str]) -> int:
    """Create a pending job for each (article, language) that needs one; returns how many were made.

    An article needs a job for each target language other than its own (articles whose language
    is unknown are left alone: translating from a guess does more harm than good).
    """
    ids = list(dict.fromkeys(article_ids))
    if not ids or not langs:
        return 0
    made = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        articles = session.execute(select(Article.id, Article.lang).where(Article.id.in_(chunk))).all()
        existing = {
            (article_id, lang)
            for article_id, lang in session.execute(
                select(TranslationJob.article_id, TranslationJob.lang).where(TranslationJob.article_id.in_(chunk))
            )
        }
        for article_id, lang in articles:
            source = _base_lang(lang)
            if not source:
                continue
            for target in langs:
                if target != source and (article_id, target) not in existing:
                    session.add(TranslationJob(article_id=article_id, lang=target, status=PENDING, attempts=0))
                    made += 1
    session.flush()
    return made


def _base_lang(lang: str | None) -> str | None:
    if not lang:
        return None
    return lang.split("-")[0].split("_")[0].lower() or None


def article_ids_needing_jobs(
    session: Session,
    langs: Sequence[str],
    *,
    source_lang: str | None = None,
    since: datetime | None = None,
    limit: int | None = None,
) -> list[int]:
    """Articles in another language than ``langs`` with no job for some target language yet."""
    query = select(Article.id).where(Article.lang.is_not(None))
    if source_lang:
        query = query.where(Article.lang == source_lang)
    if since:
        query = query.where(Article.fetched_at >= since)
    missing = []
    for target in langs:
        has_job = select(TranslationJob.id).where(
            and_(TranslationJob.article_id == Article.id, TranslationJob.lang == target)
        )
        missing.append(and_(Article.lang != target, ~has_job.exists()))
    query = query.where(or_(*missing)).order_by(Article.id)
    if limit:
        query = query.limit(limit)
    return list(session.scalars(query))


def _due_query(
    now: datetime,
    langs: Sequence[str] | None,
    source_lang: str | None,
    since: datetime | None,
    article_ids: Sequence[int] | None,
) -> Any:
    query = (
        select(TranslationJob)
        .join(Article, Article.id == TranslationJob.article_id)
        .where(
            or_(
                TranslationJob.status == PENDING,
                and_(
                    TranslationJob.status == FAILED,
                    or_(TranslationJob.next_attempt_at.is_(None), TranslationJob.next_attempt_at <= now),
                ),
            )
        )
    )
    if langs:
        query = query.where(TranslationJob.lang.in_(list(langs)))
    if source_lang:
        query = query.where(Article.lang == source_lang)
    if since:
        query = query.where(Article.fetched_at >= since)
    if article_ids is not None:
        query = query.where(TranslationJob.article_id.in_(list(article_ids)))
    return query


def due_jobs(
    session: Session,
    *,
    now: datetime | None = None,
    langs: Sequence[str] | None = None,
    source_lang: str | None = None,
    since: datetime | None = None,
    article_ids: Sequence[int] | None = None,
    limit: int | None = None,
) -> list[TranslationJob]:
    """Jobs to run now: pending ones, and failed ones whose retry time has come, grouped by pair."""
    query = _due_query(now or utcnow(), langs, source_lang, since, article_ids)
    query = query.order_by(Article.lang, TranslationJob.lang, TranslationJob.id)
    if limit:
        query = query.limit(limit)
    return list(session.scalars(query))


def count_due_jobs(
    session: Session,
    *,
    now: datetime | None = None,
    langs: Sequence[str] | None = None,
    source_lang: str | None = None,
    since: datetime | None = None,
    article_ids: Sequence[int] | None = None,
) -> int:
    from sqlalchemy import func

    query = _due_query(now or utcnow(), langs, source_lang, since, article_ids).subquery()
    return int(session.scalar(select(func.count()).select_from(query)) or 0)


def drop_job(session: Session, job: TranslationJob) -> None:
    """Forget a job that has nothing to do (its article has no known language any more)."""
    session.delete(job)


def record_failure(
    session: Session,
    job: TranslationJob,
    error: str,
    *,
    now: datetime | None = None,
    base: int = 300,
    cap: int = 86_400,
) -> None:
    """Mark a job failed, with its error and the time of its next attempt."""
    now = now or utcnow()
    job.status = FAILED
    job.attempts = (job.attempts or 0) + 1
    job.last_error = error[:MAX_ERROR_CHARS]
    job.next_attempt_at = now + retry_delay(job.attempts, base=base, cap=cap)
    job.updated_at = now
    session.add(job)


def record_rejection(session: Session, job: TranslationJob, error: str, *, now: datetime | None = None) -> None:
    """Mark a job rejected for good (the engine cannot translate its pair): no next attempt."""
    now = now or utcnow()
    job.status = REJECTED
    job.attempts = (job.attempts or 0) + 1
    job.last_error = error[:MAX_ERROR_CHARS]
    job.next_attempt_at = None
    job.updated_at = now
    session.add(job)


def rejected_pairs(session: Session, langs: Sequence[str] | None = None) -> list[tuple[str | None, str]]:
    """The (article language, target language) pairs of rejected jobs."""
    query = (
        select(Article.lang, TranslationJob.lang)
        .join(Article, Article.id == TranslationJob.article_id)
        .where(TranslationJob.status == REJECTED)
        .distinct()
    )
    if langs:
        query = query.where(TranslationJob.lang.in_(list(langs)))
    return [(source, target) for source, target in session.execute(query)]


def reopen_rejected(session: Session, pairs: Iterable[tuple[str | None, str]]) -> int:
    """Make the rejected jobs of ``pairs`` pending again (the engine now supports them)."""
    reopened = 0
    for source, target in pairs:
        articles = select(Article.id).where(Article.lang == source if source is not None else Article.lang.is_(None))
        result = session.execute(
            update(TranslationJob)
            .where(TranslationJob.status == REJECTED, TranslationJob.lang == target,
                   TranslationJob.article_id.in_(articles))
            .values(status=PENDING, next_attempt_at=None)
        )
        reopened += int(getattr(result, "rowcount", 0) or 0)
    return reopened


def save_translation(
    session: Session,
    job: TranslationJob,
    *,
    title: str | None,
    html: str,
    text: str,
    teaser: str,
    engine: str,
    now: datetime | None = None,
) -> Translation:
    """Store (or replace) the article's translation and mark its job done."""
    now = now or utcnow()
    row = session.scalar(
        select(Translation).where(Translation.article_id == job.article_id, Translation.lang == job.lang)
    )
    if row is None:
        row = Translation(article_id=job.article_id, lang=job.lang)
        session.add(row)
    row.title, row.html, row.text, row.teaser = title, html, text, teaser
    row.engine = engine[:100]
    row.created_at = now
    job.status = DONE
    job.attempts = (job.attempts or 0) + 1
    job.last_error = None
    job.next_attempt_at = None
    job.updated_at = now
    session.add(job)
    session.flush()
    article = session.get(Article, job.article_id)
    if article is not None:  # search finds the article by the words of its translation too
        session.expire(article, ["translations"])
        index_article(session, article)
    return row


def get_translation(session: Session, article_id: int, lang: str) -> Translation | None:
    return session.scalar(select(Translation).where(Translation.article_id == article_id, Translation.lang == lang))


def recent_failures(session: Session, limit: int = 10) -> list[TranslationJob]:
    """The most recently failed or rejected jobs, newest first (for ``newsdesk translate status``)."""
    query = (
        select(TranslationJob)
        .where(TranslationJob.status.in_([FAILED, REJECTED]))
        .order_by(TranslationJob.updated_at.desc(), TranslationJob.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def job_counts(session: Session) -> dict[str, int]:
    """How many jobs are in each state (for the CLI and the admin)."""
    from sqlalchemy import func

    rows = session.execute(select(TranslationJob.status, func.count()).group_by(TranslationJob.status))
    return {status: n for status, n in rows}


__all__ = [
    "DONE",
    "FAILED",
    "PENDING",
    "REJECTED",
    "CacheRow",
    "DbTranslationCache",
    "article_ids_needing_jobs",
    "count_due_jobs",
    "drop_job",
    "due_jobs",
    "ensure_jobs",
    "get_translation",
    "job_counts",
    "recent_failures",
    "record_failure",
    "record_rejection",
    "rejected_pairs",
    "reopen_rejected",
    "retry_delay",
    "save_translation",
]
