"""Write-side storage: sources, feeds, the crawl queue, articles and the fetch log.

Every function takes an open ``Session`` and leaves committing to the caller, so the pipeline can
put "store the article and mark its entry done" (or "queue the entries and record the feed's new
ETag") in one transaction. Only leaves (models, settings, errors) are imported here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import Insert, bindparam, delete, func, insert, literal, or_, select, union_all, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, selectinload

from newsdesk.errors import UsageError
from newsdesk.models import MAX_URL_CHARS, EntryRef, ExtractedArticle, FeedStatus, FeedUpdate, FetchRecord
from newsdesk.store.schema import Article, ArticleUrl, Entry, Feed, FetchLog, Source, utcnow

# ---------------------------------------------------------------- column sizes


def _limit(column: Any) -> int | None:
    return getattr(getattr(column, "type", None), "length", None)


def fit_text(value: str | None, column: Any) -> str | None:
    """``value`` cut to what ``column`` holds, at a word boundary where one is near.

    Why: SQLite stores a string of any length in a ``VARCHAR(200)`` and PostgreSQL refuses it, so
    a page or feed with a long section or title stored on one backend and failed for good on the
    other; the store, which knows its columns, makes every backend keep the same thing.
    """
    limit = _limit(column)
    if value is None or limit is None or len(value) <= limit:
        return value
    cut = value[:limit]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit * 0.8 else cut).rstrip() or None


def fit_validator(value: str | None, column: Any) -> str | None:
    """A cache validator (ETag, Last-Modified) that fits ``column`` whole, else none: a cut one
    would never match again, and asking without it only costs a full answer."""
    limit = _limit(column)
    return None if value is None or (limit is not None and len(value) > limit) else value


# ---------------------------------------------------------------- sources and feeds


def add_source(
    session: Session,
    *,
    name: str,
    home_url: str | None = None,
    lang: str | None = None,
    country: str | None = None,
) -> Source:
    source = Source(name=fit_text(name, Source.__table__.c.name) or name[:1], home_url=home_url, lang=lang,
                    country=country)
    session.add(source)
    session.flush()
    return source


def add_feed(
    session: Session, source: Source, *, url: str, kind: str, title: str | None = None, folder: str | None = None
) -> Feed:
    existing = session.scalar(select(Feed).where(Feed.url == url))
    if existing is not None:
        raise UsageError(f"sources: feed {url} is already followed (source {existing.source_id})")
    feed = Feed(source=source, url=url, kind=kind, title=fit_text(title, Feed.__table__.c.title),
                folder=fit_text(folder, Feed.__table__.c.folder), status=FeedStatus.ACTIVE.value)
    session.add(feed)
    session.flush()
    return feed


def find_feed(session: Session, url: str) -> Feed | None:
    return session.scalar(select(Feed).where(Feed.url == url))


def get_source(session: Session, source_id: int) -> Source:
    source = session.get(Source, source_id)
    if source is None:
        raise UsageError(f"sources: no source with id {source_id}")
    return source


def find_source_for_host(session: Session, home_url: str) -> Source | None:
    return session.scalar(select(Source).where(Source.home_url == home_url).order_by(Source.id))


def source_for_host(session: Session, home_url: str, name: str) -> Source:
    """The source whose home URL is ``home_url``, created when missing (single URLs, imports)."""
    return find_source_for_host(session, home_url) or add_source(session, name=name, home_url=home_url)


def list_sources(session: Session) -> Sequence[Source]:
    return session.scalars(select(Source).options(selectinload(Source.feeds)).order_by(Source.id)).all()


def article_counts(session: Session) -> dict[int, int]:
    rows = session.execute(select(Article.source_id, func.count()).group_by(Article.source_id)).all()
    return {source_id: n for source_id, n in rows if source_id is not None}


def remove_source(session: Session, source_id: int) -> Source:
    """Remove a source and its feeds; its articles stay (readers may have linked them)."""
    source = get_source(session, source_id)
    session.execute(delete(Entry).where(Entry.source_id == source_id, Entry.status != "done"))
    session.delete(source)
    session.flush()
    return source


def set_feed_paused(session: Session, feed_id: int, paused: bool) -> Feed:
    feed = session.get(Feed, feed_id)
    if feed is None:
        raise UsageError(f"sources: no feed with id {feed_id}")
    feed.status = FeedStatus.PAUSED.value if paused else FeedStatus.ACTIVE.value
    if not paused:
        feed.next_check_at = None
    return feed


def apply_feed_update(feed: Feed, update: FeedUpdate) -> None:
    """Write one check's outcome (see ``pipeline/feedstate.py``) onto the feed's row."""
    feed.status = update.status
    feed.last_checked_at = update.checked_at
    feed.next_check_at = update.next_check_at
    feed.consecutive_failures = update.consecutive_failures
    feed.last_error = update.last_error
    if update.success_at is not None:
        feed.last_success_at = update.success_at
    if update.validators is not None:
        etag, last_modified = update.validators
        feed.etag = fit_validator(etag, Feed.__table__.c.etag)
        feed.last_modified = fit_validator(last_modified, Feed.__table__.c.last_modified)
    if update.kind is not None:
        feed.kind = update.kind
    if update.title is not None:
        feed.title = fit_text(update.title, Feed.__table__.c.title)
    if update.poll_interval is not None:
        feed.poll_interval = update.poll_interval


def due_feeds(session: Session, now: datetime, *, source_id: int | None = None,
              force: bool = False) -> Sequence[Feed]:
    """Feeds to check now: active or failing, never checked or due; gone and paused ones wait.
    ``force``: every active or failing feed, due or not (``crawl --force``, "refresh now")."""
    query = select(Feed).where(Feed.status.in_([FeedStatus.ACTIVE.value, FeedStatus.FAILING.value]))
    if not force:
        query = query.where(or_(Feed.next_check_at.is_(None), Feed.next_check_at <= now))
    if source_id is not None:
        query = query.where(Feed.source_id == source_id)
    return session.scalars(query.order_by(Feed.next_check_at.is_not(None), Feed.next_check_at, Feed.id)).all()


def not_due_feeds(session: Session, now: datetime, *, source_id: int | None = None) -> tuple[int, datetime | None]:
    """How many checkable feeds are not due yet, and when the first of them is (why a pass checked
    nothing: ``crawl`` says "1 feed not due until 21:59")."""
    query = select(func.count(Feed.id), func.min(Feed.next_check_at)).where(
        Feed.status.in_([FeedStatus.ACTIVE.value, FeedStatus.FAILING.value]), Feed.next_check_at > now,
    )
    if source_id is not None:
        query = query.where(Feed.source_id == source_id)
    count, first = session.execute(query).one()
    return int(count or 0), first


# ---------------------------------------------------------------- the crawl queue


def entry_hints(entry: EntryRef) -> dict[str, Any]:
    """What a feed said about an entry, JSON-ready (used when the page lacks a field)."""
    hints = {k: v for k, v in asdict(entry).items() if v not in (None, (), "") and k != "url"}
    for key in ("published_at", "updated_at"):
        if key in hints:
            hints[key] = hints[key].isoformat()
    if "authors" in hints:
        hints["authors"] = list(hints["authors"])
    return hints


def known_urls(session: Session, urls: Iterable[str]) -> set[str]:
    """Which of ``urls`` (normalized) are already queued or lead to a stored article."""
    wanted = list(dict.fromkeys(urls))
    known: set[str] = set()
    for start in range(0, len(wanted), 500):  # why: stay under SQLite's bound-parameter limit
        chunk = wanted[start : start + 500]
        known.update(session.scalars(select(Entry.url).where(Entry.url.in_(chunk))))
        known.update(session.scalars(select(ArticleUrl.url).where(ArticleUrl.url.in_(chunk))))
    return known


def queue_entry(
    session: Session, *, url: str, source_id: int | None, feed_id: int | None, ref: EntryRef | None = None
) -> Entry:
    entry = Entry(
        url=url,
        source_id=source_id,
        feed_id=feed_id,
        guid=ref.guid if ref else None,
        hints=entry_hints(ref) if ref else {},
        status="pending",
    )
    session.add(entry)
    return entry


def _insert_new_entries(session: Session) -> Insert:
    """An INSERT into the queue that leaves a URL already queued alone (``ON CONFLICT DO NOTHING``
    on ``entries.url``, SQLite and PostgreSQL alike)."""
    if session.get_bind().dialect.name == "postgresql":
        return pg_insert(Entry).on_conflict_do_nothing(index_elements=[Entry.url])
    return sqlite_insert(Entry).on_conflict_do_nothing(index_elements=[Entry.url])


def queue_entries(
    session: Session, refs: Mapping[str, EntryRef], *, source_id: int | None, feed_id: int | None
) -> dict[str, int]:
    """Queue an entry for each (normalized URL, ref) of ``refs``; returns ``{url: entry id}`` of the
    ones this call queued. Idempotent: a URL already queued, even by another writer between the
    caller's lookup and this insert (two feeds sharing an article, refreshed at once), is left to
    that row instead of failing the whole transaction; the caller counts what is missing."""
    rows = [
        {"url": url, "source_id": source_id, "feed_id": feed_id, "guid": ref.guid, "hints": entry_hints(ref),
         "status": "pending", "attempts": 0, "created_at": utcnow()}
        for url, ref in refs.items()
    ]
    if not rows:
        return {}
    result = session.connection().execute(_insert_new_entries(session).returning(Entry.id, Entry.url), rows)
    return {url: entry_id for entry_id, url in result}


def pending_entries(
    session: Session, now: datetime, *, limit: int, source_id: int | None = None
) -> Sequence[Entry]:
    """Entries to process: new ones, and transient failures whose retry time has come.

    A pending entry with a future ``next_attempt_at`` is leased to a worker (see ``lease_entries``).
    """
    query = select(Entry).where(
        Entry.status.in_(["pending", "retry"]),
        or_(Entry.next_attempt_at.is_(None), Entry.next_attempt_at <= now),
    )
    if source_id is not None:
        query = query.where(Entry.source_id == source_id)
    return session.scalars(query.order_by(Entry.id).limit(limit)).all()


def lease_entries(session: Session, entries: Sequence[Entry], until: datetime) -> list[int]:
    """Mark entries as handed to a queue until ``until``, so the next scheduling pass skips them;
    an entry whose worker died comes back when the lease runs out."""
    for entry in entries:
        entry.next_attempt_at = until
    return [entry.id for entry in entries]


_MARK_ENTRY = (
    update(Entry)
    .where(Entry.id == bindparam("entry_id"))
    .values(status=bindparam("new_status"), attempts=Entry.attempts + 1,
            last_error=bindparam("error"), next_attempt_at=bindparam("next_attempt_at"),
            article_id=func.coalesce(bindparam("new_article_id"), Entry.article_id))
)


def mark_entry(session: Session, entry_id: int, status: str, *, article_id: int | None = None,
               error: str | None = None, next_attempt_at: datetime | None = None) -> None:
    """Record one attempt at an entry: its new status, error and retry time (and its article)."""
    session.connection().execute(_MARK_ENTRY, {
        "entry_id": entry_id, "new_status": status, "error": error, "next_attempt_at": next_attempt_at,
        "new_article_id": article_id,
    })


def entry_by_url(session: Session, url: str) -> Entry | None:
    return session.scalar(select(Entry).where(Entry.url == url))


# ---------------------------------------------------------------- articles

_INSERT_ARTICLE = insert(Article).returning(Article.id)


def find_article(session: Session, urls: Iterable[str], content_hash: str | None) -> tuple[int, str] | None:
    """(id, canonical URL) of an article already stored under any of ``urls`` (normalized; the
    canonical URL is always among an article's URLs) or, failing that, with the same body.

    One query for both tests (why: it runs for every fetched page, and a round trip through the
    ORM costs more than the lookup itself); only ids are read.
    """
    wanted = [u for u in dict.fromkeys(urls) if u]
    parts = []
    if wanted:
        parts.append(
            select(literal(0).label("rank"), Article.id, Article.canonical_url)
            .join(ArticleUrl, ArticleUrl.article_id == Article.id)
            .where(ArticleUrl.url.in_(wanted))
        )
    if content_hash:
        parts.append(
            select(literal(1).label("rank"), Article.id, Article.canonical_url)
            .where(Article.content_hash == content_hash)
        )
    if not parts:
        return None
    query = parts[0].limit(1) if len(parts) == 1 else union_all(*parts).order_by("rank").limit(1)
    row = session.connection().execute(query).first()
    return (row[1], row[2]) if row is not None else None


def add_article_urls(session: Session, article_id: int, urls: Iterable[str], *, known_new: bool = False) -> int:
    """Record further URLs leading to an article; returns how many were new. ``known_new``: the
    caller just looked them all up and found none (a new article), so no second look is needed."""
    wanted = [u for u in dict.fromkeys(urls) if u]
    have: set[str] = set()
    if wanted and not known_new:
        have = set(session.scalars(select(ArticleUrl.url).where(ArticleUrl.url.in_(wanted))))
    rows = [{"article_id": article_id, "url": url} for url in wanted if url not in have]
    if rows:
        session.connection().execute(insert(ArticleUrl), rows)
    return len(rows)


_ARTICLE = Article.__table__.c


def insert_article(
    session: Session,
    *,
    extracted: ExtractedArticle,
    url: str,
    canonical_url: str,
    other_urls: Iterable[str],
    content_hash: str,
    source_id: int | None,
    hints: dict[str, Any] | None = None,
    fetched_at: datetime | None = None,
) -> Article:
    """Insert a new article (the caller checked it is not stored yet) with all its URLs.

    Written with Core statements on the session's connection, not the ORM's unit of work (why: the
    crawl's single writer stores every article through here, and the ORM's flush cost three times
    the SQL; see docs/decisions/0005-ingest-throughput.md). The returned
    ``Article`` is a detached copy of the row's values, for indexing and for the caller's report.
    """
    hints = hints or {}
    values: dict[str, Any] = {
        "source_id": source_id,
        "url": url,
        "canonical_url": canonical_url,
        "title": extracted.title or hints.get("title"),
        "authors": list(extracted.authors) or list(hints.get("authors") or []),
        # page date first; a feed's date next; a sitemap's lastmod only when nothing else is known
        "published_at": extracted.published_at
        or _hint_time(hints.get("published_at"))
        or _hint_time(hints.get("updated_at")),
        "updated_at": extracted.updated_at or _hint_time(hints.get("updated_at")),
        "lang": extracted.lang or hints.get("lang"),
        "html": extracted.html,
        "text": extracted.text,
        "teaser": extracted.teaser,
        "description": extracted.description or hints.get("summary"),
        "image": extracted.image or hints.get("image"),
        "section": fit_text(extracted.section or hints.get("section"), _ARTICLE.section),
        "site_name": fit_text(extracted.site_name, _ARTICLE.site_name),
        "cited_sources": list(extracted.cited_sources),
        "text_sources": list(extracted.text_sources),
        "tags": list(extracted.tags),
        "content_hash": content_hash,
        "fetched_at": fetched_at or utcnow(),
    }
    article_id = session.connection().execute(_INSERT_ARTICLE, values).scalar_one()
    add_article_urls(session, article_id, [canonical_url, url, *other_urls], known_new=True)
    return Article(id=article_id, **values)


def _hint_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


# ---------------------------------------------------------------- fetch log


def record_fetches(session: Session, records: Iterable[FetchRecord], *, feed_id: int | None = None) -> None:
    rows = [
        {
            "url": record.url[:MAX_URL_CHARS],
            "feed_id": feed_id,
            "kind": record.kind,
            "status": record.status,
            "bytes": record.bytes,
            "duration_ms": int(record.duration * 1000),
            "outcome": record.outcome[:40],
            "error": record.error,
            "at": utcnow(),
        }
        for record in records
    ]
    if rows:
        session.connection().execute(insert(FetchLog), rows)


def recent_fetches(session: Session, *, limit: int = 50, errors_only: bool = False,
                   feed_id: int | None = None) -> Sequence[FetchLog]:
    """The newest fetch-log rows, optionally only failures or only one feed's."""
    query = select(FetchLog)
    if errors_only:
        query = query.where(FetchLog.outcome.not_in(["ok", "not_modified"]))
    if feed_id is not None:
        query = query.where(FetchLog.feed_id == feed_id)
    return session.scalars(query.order_by(FetchLog.id.desc()).limit(limit)).all()


# --- per-source extraction mode ---------------------------------------------------------------------

SourceExtraction = tuple[str, str | None, tuple[str, ...]]  # (mode, body selector, drop selectors)


def source_extraction(session: Session, source_ids: Iterable[int]) -> dict[int, SourceExtraction]:
    """The extraction mode and selectors of each of ``source_ids`` (missing sources left out)."""
    ids = sorted(set(source_ids))
    if not ids:
        return {}
    rows = session.execute(select(Source.id, Source.extraction_mode, Source.body_selector, Source.drop_selectors)
                           .where(Source.id.in_(ids)))
    return {sid: (mode or "auto", body, tuple(drops or ())) for sid, mode, body, drops in rows}


def set_source_extraction(session: Session, source_id: int, mode: str, body_selector: str | None,
                          drop_selectors: Sequence[str]) -> Source:
    """Store a source's extraction mode and selectors (validated by the caller: ``extract.modes``)."""
    source = get_source(session, source_id)
    source.extraction_mode = mode
    source.body_selector = body_selector
    source.drop_selectors = list(drop_selectors)
    session.flush()
    return source


def latest_source_pages(session: Session, source_id: int, limit: int) -> list[tuple[int, str, str | None, str | None]]:
    """The source's latest stored articles, newest first: (article id, URL, title, the feed entry's
    own content if its entry kept it) — what the extraction preview runs each mode on."""
    rows = session.execute(
        select(Article.id, Article.url, Article.title)
        .where(Article.source_id == source_id)
        .order_by(Article.id.desc())
        .limit(limit)
    ).all()
    hints = {
        article_id: entry_hints
        for article_id, entry_hints in session.execute(
            select(Entry.article_id, Entry.hints).where(Entry.article_id.in_([r[0] for r in rows]))
        )
    } if rows else {}
    return [(aid, url, title, (hints.get(aid) or {}).get("content_html")) for aid, url, title in rows]
