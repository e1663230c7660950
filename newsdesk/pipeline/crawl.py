"""One crawl pass: refresh the due feeds, then process the queued entries.

``refresh_feed`` and ``process_entry`` are the two jobs; the CLI's ``crawl``, its ``--loop``, the
demo and (later) Celery tasks are shells around them. A pass is idempotent and resumable: a feed's
new entries are queued in the transaction that records its new ETag, and an entry is marked done in
the transaction that stores its article, so a pass killed at any point is finished by the next one
with nothing lost and nothing stored twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from newsdesk.clock import Clock, system_clock
from newsdesk.enrich.dedup import normalize_url
from newsdesk.errors import (
    BlockedAddress,
    FetchRejected,
    NotModified,
    Retry,
    StageError,
)
from newsdesk.extract.modes import AUTO, ExtractionRules
from newsdesk.fetch import Fetcher
from newsdesk.fetch.safety import ALLOW_SETTING
from newsdesk.fetch.schedule import backoff_delay
from newsdesk.models import (
    MAX_URL_CHARS,
    EntryRef,
    FeedStatus,
    FetchRecord,
    FetchResult,
    ParsedFeed,
)
from newsdesk.pipeline import feedstate, websub
from newsdesk.pipeline.articles import HTML_TYPES, StoredArticle, store_extracted
from newsdesk.pipeline.follow import home_of
from newsdesk.pipeline.pool import ExtractionPool
from newsdesk.pipeline.prepare import PreparedArticle
from newsdesk.pipeline.report import CrawlReport, FetchLogBuffer, as_stage_error, describe
from newsdesk.settings import Settings
from newsdesk.sources import parse_feed
from newsdesk.store import repo
from newsdesk.store import websub as websub_store
from newsdesk.store.db import engine_for, session_scope
from newsdesk.store.schema import Entry, Feed

# An entry that keeps failing transiently is given up after this many attempts (why: a page that
# times out five times over hours is not coming back; it stays visible as failed with its error).
MAX_ENTRY_ATTEMPTS = 5
# Entries are read from the queue in batches of this size (why: bounded memory at any queue length).
ENTRY_BATCH = 500
# The writer stores up to this many extracted articles in one transaction, waiting at most
# STORE_LINGER seconds for them to gather (why: see Crawler._write_batches).
STORE_BATCH = 32
STORE_LINGER = 0.05
# What a feed or page refused by our own address guard says (why: it is a setting to change here,
# not a fault of the feed; see fetch/safety.py)
LOCAL_REFUSAL = "refused: private address ({}); set " + ALLOW_SETTING + " to allow"


def local_refusal(error: BlockedAddress) -> str:
    """"refused: private address (x resolves to 127.0.0.1 (loopback address)); set … to allow"."""
    return LOCAL_REFUSAL.format(error.detail.split(";", 1)[0].strip().rstrip("."))
# Children of a sitemap index read in one pass (why: news sitemap indexes list years of archives).
MAX_SITEMAP_CHILDREN = 20


@dataclass(frozen=True)
class ExtractedEntry:
    """A queued entry whose page was fetched and extracted, waiting to be stored."""

    entry_id: int
    url: str
    source_id: int | None
    hints: dict[str, Any]
    fetched: FetchResult
    prepared: PreparedArticle


Progress = Callable[[str, int, int | None], None]  # (phase, advance, total)


class Crawler:
    """Holds what a pass shares: settings, engine, fetcher, extraction pool, the report."""

    def __init__(self, settings: Settings, *, progress: Progress | None = None, fetcher: Fetcher | None = None,
                 clock: Clock = system_clock):
        self.settings = settings
        self.clock = clock  # "now" for due feeds, schedules and entries' retry times (tests pin it)
        self.engine: Engine = engine_for(settings.database_url)
        self.log = FetchLogBuffer()
        self.fetcher = fetcher or Fetcher(settings, observer=self.log)
        self.report = CrawlReport()
        self.progress = progress or (lambda phase, advance, total: None)
        self.pool = ExtractionPool(settings.extract_workers)
        self._store_queue: asyncio.Queue[ExtractedEntry] | None = None
        self._rules: dict[int, ExtractionRules] = {}  # each source's extraction mode, read once a pass

    # ------------------------------------------------------------ feeds

    async def refresh_feed(self, feed_id: int) -> None:
        """Fetch one feed, queue its new entries and record its state, in one transaction."""
        with session_scope(self.engine) as session:
            feed = session.get(Feed, feed_id)
            if feed is None:
                return
            url, etag, last_modified = feed.url, feed.etag, feed.last_modified
        self.report.feeds_checked += 1
        try:
            result = await self._fetch(url, kind="feed", etag=etag, last_modified=last_modified)
            parsed = await self._expand_sitemap_index(self._parse(result.body, result.final_url, result.content_type))
        except NotModified as exc:
            self.report.feeds_not_modified += 1
            self.report.outcomes.add("feed", "not_modified")
            self._feed_succeeded(feed_id, url, None, exc.etag, exc.last_modified, freshness=exc.freshness)
            return
        except StageError as exc:
            self._feed_failed(feed_id, exc)
            return
        self._feed_succeeded(feed_id, url, parsed, result.etag, result.last_modified, freshness=result.freshness,
                             discovery=websub.discover(result, parsed))

    async def _fetch(self, url: str, **options: Any) -> FetchResult:
        """Fetch, waiting out a short ``Retry-After`` (at most ``fetch_retry_after_wait`` seconds) and
        asking once more in the same pass (why: a server that asks for a second's pause would
        otherwise have the item wait for the next pass, minutes or hours later). A longer wait is
        left to the schedule: the Retry raised carries it."""
        try:
            return await self.fetcher.fetch(url, **options)
        except Retry as exc:
            wait = exc.retry_after
            if wait is None or wait > self.settings.fetch_retry_after_wait:
                raise
            self.report.outcomes.add(exc.stage, "retry_after_waited")
            await asyncio.sleep(wait)
            return await self.fetcher.fetch(url, **options)

    def _parse(self, body: bytes, url: str, content_type: str | None) -> ParsedFeed:
        return parse_feed(body, url, content_type, max_entries=self.settings.crawl_max_entries_per_feed,
                          now=self.clock())

    async def receive_push(self, feed_id: int, body: bytes, content_type: str | None) -> None:
        """A hub's content distribution (a fat ping): the body is parsed as the feed and its new
        entries queued and stored as a poll's are. The feed's poll state is left alone (a push
        carries no validators and says nothing about the feed URL's health)."""
        with session_scope(self.engine) as session:
            feed = session.get(Feed, feed_id)
            if feed is None:
                return
            url, source_id = feed.url, feed.source_id
        try:
            parsed = self._parse(body, url, content_type)
        except StageError as exc:
            self.report.outcomes.add("websub", f"push_{exc.reason}", f"websub: push for {url}: {exc}")
            return
        self.report.outcomes.add("websub", "pushed")
        self._feed_succeeded(feed_id, url, parsed, None, None, pushed=True)
        await self.process_queue(source_id=source_id)

    async def _expand_sitemap_index(self, parsed: ParsedFeed) -> ParsedFeed:
        """A sitemap index lists sitemaps: read the first few and merge their entries."""
        if not parsed.children:
            return parsed
        entries = list(parsed.entries)
        dropped = list(parsed.dropped)
        for child in parsed.children[:MAX_SITEMAP_CHILDREN]:
            try:
                result = await self.fetcher.fetch(child, kind="feed")
                child_feed = parse_feed(result.body, result.final_url, result.content_type,
                                        max_entries=self.settings.crawl_max_entries_per_feed, now=self.clock())
            except StageError as exc:
                dropped.append((exc.reason, f"{child}: {exc}"))
                continue
            entries.extend(child_feed.entries)
            dropped.extend(child_feed.dropped)
        return ParsedFeed(kind=parsed.kind, title=parsed.title, home_url=parsed.home_url, lang=parsed.lang,
                          entries=tuple(entries[: self.settings.crawl_max_entries_per_feed]),
                          dropped=tuple(dropped))

    def _feed_succeeded(self, feed_id: int, feed_url: str, parsed: ParsedFeed | None, etag: str | None,
                        last_modified: str | None, *, freshness: float | None = None,
                        discovery: websub.Discovery | None = None, pushed: bool = False) -> None:
        """Record a successful check (``parsed`` None: not modified) and queue the new entries;
        a push (``pushed``) only queues them."""
        # why the lookup of known URLs runs before, and outside, the transaction that queues: it is
        # the cheap filter, and the write lock is then held only for the writes; a URL that another
        # refresh queues in between is caught by the idempotent insert (see _queue_entries)
        candidates = self._entry_candidates(feed_url, parsed) if parsed is not None else {}
        known = self._known_urls(candidates)
        now = self.clock()
        with session_scope(self.engine) as session:
            feed = session.get(Feed, feed_id)
            if feed is None:
                return
            if parsed is not None:
                self._queue_entries(session, feed, candidates, known)
                if not parsed.entries:
                    self.report.outcomes.add("feed", "empty")
            if pushed:
                return
            repo.apply_feed_update(feed, feedstate.checked_ok(
                now, self.settings, parsed, etag=etag, last_modified=last_modified, current_title=feed.title,
                freshness=freshness, learned_interval=feed.poll_interval,
            ))
            if discovery is not None:
                websub_store.record_discovery(session, feed.id, discovery.hub_url, discovery.topic_url)
            if websub_store.is_pushed(session, feed.id, now):  # polling is the fallback: slower
                feed.next_check_at = websub.poll_after(feed.next_check_at, now, self.settings)
            self.log.flush(session, feed)

    def _entry_candidates(self, feed_url: str, parsed: ParsedFeed) -> dict[str, EntryRef]:
        """The feed's entries by normalized URL (first one wins), its parse drops counted."""
        for reason, detail in parsed.dropped:
            self.report.outcomes.add("parse", reason, f"parse: {feed_url}: {detail}")
        by_url: dict[str, EntryRef] = {}
        for ref in parsed.entries:
            url = normalize_url(ref.url)
            if len(url) > MAX_URL_CHARS:  # normalizing can lengthen a link (percent-encoding)
                self.report.outcomes.add("parse", "no_link", f"parse: {feed_url}: link too long")
                continue
            by_url.setdefault(url, ref)
        return by_url

    def _known_urls(self, urls: dict[str, EntryRef]) -> set[str]:
        """Which candidate URLs are queued or stored already, in a short read of its own."""
        if not urls:
            return set()
        with session_scope(self.engine) as session:
            return repo.known_urls(session, urls)

    def _queue_entries(self, session: Any, feed: Feed, candidates: dict[str, EntryRef], known: set[str]) -> None:
        for _ in known.intersection(candidates):
            self.report.outcomes.add("dedup", "known_url")
        wanted = {url: ref for url, ref in candidates.items() if url not in known}
        queued = repo.queue_entries(session, wanted, source_id=feed.source_id, feed_id=feed.id)
        for _lost in wanted.keys() - queued.keys():
            # another refresh (a feed sharing this article) queued it after our lookup: a duplicate
            self.report.duplicates += 1
            self.report.outcomes.add("dedup", "queued_concurrently")
        self.report.entries_queued += len(queued)
        self.report.queued_entry_ids.extend(queued[url] for url in wanted if url in queued)
        self.report.outcomes.add("feed", "ok")

    def _feed_failed(self, feed_id: int, error: StageError) -> None:
        now = self.clock()
        self.report.feeds_failed += 1
        self.report.outcomes.add(error.stage, error.reason)
        with session_scope(self.engine) as session:
            feed = session.get(Feed, feed_id)
            if feed is None:
                return
            self.log.mark_failed(feed.url, error)
            if isinstance(error, BlockedAddress):  # our own setting refused it: not the feed's failure
                self.report.failures_local += 1
                refusal = StageError(local_refusal(error), stage="fetch", reason=error.reason)
                self.report.fail("feed", feed.url, refusal)
                update = feedstate.refused_locally(now, self.settings, status=feed.status,
                                                   failures_before=feed.consecutive_failures,
                                                   learned_interval=feed.poll_interval, message=describe(refusal))
            else:
                self.report.fail("feed", feed.url, error)
                update = feedstate.checked_failed(now, self.settings, error, failures_before=feed.consecutive_failures,
                                                  message=describe(error))
            repo.apply_feed_update(feed, update)
            self.log.flush(session, feed)

    # ------------------------------------------------------------ entries

    async def process_entry(self, entry_id: int, url: str, source_id: int | None, hints: dict[str, Any]) -> None:
        """Fetch and extract one queued entry, then store it with its outcome: at once, or, during
        a pass over the queue, through the batch writer (see :meth:`_write_batches`)."""
        try:
            fetched = await self._fetch(url, kind="page", accept_types=HTML_TYPES)
            rules = self._rules_for(source_id)
            prepared = await self.pool.prepare(fetched.text, fetched.final_url, rules,
                                               hints.get("content_html") if rules.reads_feed else None)
        except Exception as exc:
            self._entry_failed(entry_id, url, as_stage_error(exc))
            return
        # the body is not needed any more: only URLs are kept while the article waits to be written
        done = ExtractedEntry(entry_id, url, source_id, hints, replace(fetched, body=b"", text=""), prepared)
        if self._store_queue is None:
            self._store_alone(done)
        else:
            await self._store_queue.put(done)

    def _rules_for(self, source_id: int | None) -> ExtractionRules:
        """The source's extraction mode (``auto`` for a one-off URL whose host has no source yet)."""
        if source_id is None:
            return AUTO
        if source_id not in self._rules:
            self._load_rules([source_id])
        return self._rules.get(source_id, AUTO)

    def _load_rules(self, source_ids: list[int]) -> None:
        wanted = [sid for sid in source_ids if sid not in self._rules]
        if not wanted:
            return
        with session_scope(self.engine) as session:
            found = repo.source_extraction(session, wanted)
        for sid in wanted:
            mode, body, drops = found.get(sid, ("auto", None, ()))
            self._rules[sid] = ExtractionRules(mode, body, drops)

    def _write(self, batch: list[ExtractedEntry]) -> list[StoredArticle]:
        """One transaction: each article of ``batch`` with its entry marked done, and the fetch log
        gathered so far. Should it roll back, the log records go back to the buffer (why: a
        rolled-back store must not lose the log of its fetches)."""
        stored: list[StoredArticle] = []
        records: list[FetchRecord] = []
        try:
            with session_scope(self.engine) as session:
                for done in batch:
                    article = store_extracted(session, entry_url=done.url, fetched=done.fetched,
                                              extracted=done.prepared, source_id=self._source_of(session, done),
                                              hints=done.hints)
                    repo.mark_entry(session, done.entry_id, "done", article_id=article.article_id)
                    stored.append(article)
                records = self.log.flush(session)
        except BaseException:
            self.log.restore(records)
            raise
        return stored

    @staticmethod
    def _source_of(session: Any, done: ExtractedEntry) -> int | None:
        """The entry's source; for a one-off URL (``fetch-url``) with none yet, its host's source,
        made now, with the article (why: a fetch that fails must not leave an empty source)."""
        if done.source_id is not None:
            return done.source_id
        return repo.source_for_host(session, home_of(done.url), urlsplit(done.url).hostname or done.url).id

    def _store_batch(self, batch: list[ExtractedEntry]) -> None:
        """Store several articles in one transaction (each article with its entry's new state, so
        each is still all or nothing). Should any of them fail (a race with another writer, a bug),
        the batch is rolled back and each article is stored on its own, so only that one fails."""
        if len(batch) > 1:
            try:
                results = self._write(batch)
            except Exception:
                pass  # stored one by one below
            else:
                for stored in results:
                    self._count_stored(stored)
                return
        for done in batch:
            self._store_alone(done)

    def _store_alone(self, done: ExtractedEntry) -> None:
        try:
            try:
                [stored] = self._write([done])
            except IntegrityError:
                # another worker stored the same article between our lookup and our insert:
                # the second attempt finds it and records this entry as a duplicate
                [stored] = self._write([done])
        except Exception as exc:
            self._entry_failed(done.entry_id, done.url, as_stage_error(exc))
            return
        self._count_stored(stored)

    def _count_stored(self, stored: StoredArticle) -> None:
        if stored.created:
            self.report.articles_stored += 1
            self.report.new_article_ids.append(stored.article_id)
            self.report.outcomes.add("store", "stored")
        else:
            self.report.duplicates += 1
            self.report.outcomes.add("dedup", "duplicate")

    async def _write_batches(self, queue: asyncio.Queue[ExtractedEntry]) -> None:
        """The pass's single writer: waits a moment after the first extracted article so that
        others join it, then stores them together (why: a commit, and SQLite's full-text index
        segment it writes, cost about as much as the article itself; batching shares them)."""
        while True:
            batch = [await queue.get()]
            if queue.qsize() < STORE_BATCH - 1:
                await asyncio.sleep(STORE_LINGER)
            while len(batch) < STORE_BATCH and not queue.empty():
                batch.append(queue.get_nowait())
            try:
                self._store_batch(batch)
            finally:
                for _ in batch:
                    queue.task_done()

    def _entry_failed(self, entry_id: int, url: str, error: StageError) -> None:
        if isinstance(error, BlockedAddress):
            self.report.failures_local += 1
            error = FetchRejected(f"{url}: {local_refusal(error)}", reason=error.reason)
        self.report.outcomes.add(error.stage, error.reason, describe(error))
        with session_scope(self.engine) as session:
            entry = session.get(Entry, entry_id)
            attempts = (entry.attempts if entry else 0) + 1
            if isinstance(error, Retry) and attempts < MAX_ENTRY_ATTEMPTS:
                delay = max(backoff_delay(attempts, self.settings), error.retry_after or 0)
                repo.mark_entry(session, entry_id, "retry", error=describe(error),
                                next_attempt_at=self.clock() + timedelta(seconds=delay))
                self.report.entries_retry += 1
            else:
                repo.mark_entry(session, entry_id, "failed", error=describe(error))
                self.report.entries_failed += 1
            self.log.flush(session)
        self.report.fail("entry", url, error)

    async def process_queue(self, *, source_id: int | None = None) -> None:
        """Process every due entry of the queue, a batch at a time, with bounded concurrency."""
        started = self.clock()
        seen: set[int] = set()
        while True:
            with session_scope(self.engine) as session:
                batch = [
                    (e.id, e.url, e.source_id, dict(e.hints or {}))
                    for e in repo.pending_entries(session, started, limit=ENTRY_BATCH, source_id=source_id)
                    if e.id not in seen
                ]
            if not batch:
                return
            seen.update(item[0] for item in batch)
            self.progress("entries", 0, len(batch))
            self.pool.start(len(batch))
            self._load_rules([item[2] for item in batch if item[2] is not None])
            await self._process_batch(batch)

    async def _process_batch(self, batch: list[tuple[int, str, int | None, dict[str, Any]]]) -> None:
        """Fetch and extract ``batch`` with bounded concurrency while the writer stores results."""
        queue: asyncio.Queue[tuple[int, str, int | None, dict[str, Any]]] = asyncio.Queue()
        for item in batch:
            queue.put_nowait(item)
        store_queue: asyncio.Queue[ExtractedEntry] = asyncio.Queue(maxsize=2 * STORE_BATCH)  # back-pressure
        self._store_queue = store_queue
        writer = asyncio.create_task(self._write_batches(store_queue))

        async def fetch_extract_store() -> None:
            workers = min(self.settings.fetch_concurrency, len(batch))
            await asyncio.gather(*(self._drain(queue) for _ in range(max(1, workers))))
            await store_queue.join()

        work = asyncio.ensure_future(fetch_extract_store())
        try:
            await asyncio.wait({work, writer}, return_when=asyncio.FIRST_COMPLETED)
            if writer.done():  # the writer stops only by failing (its database is gone): so does the pass
                work.cancel()
                writer.result()
            await work
        finally:
            work.cancel()
            writer.cancel()
            self._store_queue = None

    async def _drain(self, queue: asyncio.Queue[tuple[int, str, int | None, dict[str, Any]]]) -> None:
        while not queue.empty():
            item = queue.get_nowait()
            await self.process_entry(*item)
            self.progress("entries", 1, None)

    # ------------------------------------------------------------ the pass

    async def run(self, *, source_id: int | None = None, force: bool = False) -> CrawlReport:
        """Refresh the due feeds (``force``: every active or failing one, due or not; each still sends
        its validators, so an unchanged feed answers 304), then process the due entries."""
        try:
            async with self.fetcher:
                with session_scope(self.engine) as session:
                    now = self.clock()
                    feed_ids = [f.id for f in repo.due_feeds(session, now, source_id=source_id, force=force)]
                    if not force:
                        self.report.feeds_not_due, self.report.next_due_at = repo.not_due_feeds(
                            session, now, source_id=source_id)
                self.progress("feeds", 0, len(feed_ids))

                async def refresh(feed_id: int) -> None:
                    await self.refresh_feed(feed_id)
                    self.pool.start(self.report.entries_queued)  # start extracting early
                    self.progress("feeds", 1, None)

                await asyncio.gather(*(refresh(fid) for fid in feed_ids))
                await websub.maintain(self.fetcher, self.engine, self.settings, self.clock(), self.report)
                await self.process_queue(source_id=source_id)
                if self.report.articles_stored:  # our own feeds changed: tell the hub
                    await websub.publish(self.fetcher, self.settings, self.report)
        finally:
            await self.pool.close()
        return self.report


def crawl(settings: Settings, *, source_id: int | None = None, progress: Progress | None = None,
          clock: Clock = system_clock, force: bool = False) -> CrawlReport:
    """One pass over due feeds and queued entries (the ``newsdesk crawl`` job), then translation of
    the new articles and of earlier translations whose retry time has come."""
    return asyncio.run(crawl_pass(settings, source_id=source_id, progress=progress, clock=clock, force=force))


async def crawl_pass(settings: Settings, *, source_id: int | None = None, progress: Progress | None = None,
                     clock: Clock = system_clock, force: bool = False) -> CrawlReport:
    """:func:`crawl` inside a running event loop: the one function that ``crawl``, ``crawl --loop``
    and the site's background scheduler (pipeline/scheduler.py) run. Cancelling it is safe: every
    write is a whole transaction between two awaits, and the next pass resumes the rest."""
    if source_id is not None:  # an unknown id is a usage error, not an empty pass
        with session_scope(engine_for(settings.database_url)) as session:
            repo.get_source(session, source_id)
    report = await Crawler(settings, progress=progress, clock=clock).run(source_id=source_id, force=force)
    translate_after_crawl(settings, report)
    return report


def translate_after_crawl(settings: Settings, report: CrawlReport) -> None:
    """Translate at ingest when an engine is configured; a failing engine never fails the crawl."""
    if settings.translate_engine == "none":
        return
    from newsdesk.pipeline.translate import translate_new_articles
    from newsdesk.store.translations import due_jobs

    engine = engine_for(settings.database_url)
    with session_scope(engine) as session:
        retry_ids = {job.article_id for job in due_jobs(session, langs=settings.target_language_list, limit=500)}
    ids = list(dict.fromkeys([*report.new_article_ids, *sorted(retry_ids)]))
    result = translate_new_articles(engine, ids, settings)
    report.outcomes.merge(result.outcomes)
    report.translation = {"done": result.done, "failed": result.failed, "rejected": result.rejected,
                          "skipped": result.skipped, "stopped": result.stopped}


def next_due_in(settings: Settings, *, now: datetime | None = None) -> float:
    """Seconds until the next feed is due (for ``crawl --loop``), counted from ``now``."""
    from sqlalchemy import func, select

    with session_scope(engine_for(settings.database_url)) as session:
        nxt = session.scalar(
            select(func.min(Feed.next_check_at)).where(
                Feed.status.in_([FeedStatus.ACTIVE.value, FeedStatus.FAILING.value])
            )
        )
    if nxt is None:
        return float(settings.feed_interval)
    return max(0.0, (nxt - (now or system_clock())).total_seconds())


# ---------------------------------------------------------------- one job at a time (workers)


def refresh_feed(settings: Settings, feed_id: int, *, clock: Clock = system_clock) -> CrawlReport:
    """Refresh one feed, due or not, and queue its new entries (a worker task, and the admin's
    "refresh now": a conditional GET like any check; ``queued_entry_ids`` says what to do next)."""

    async def run() -> CrawlReport:
        crawler = Crawler(settings, clock=clock)
        async with crawler.fetcher:
            await crawler.refresh_feed(feed_id)
        return crawler.report

    return asyncio.run(run())


def receive_push(settings: Settings, feed_id: int, body: bytes, content_type: str | None, *,
                 clock: Clock = system_clock) -> CrawlReport:
    """Store what a hub pushed for one feed (the site's WebSub callback runs this in a thread),
    then, as a pass does, ping our own hub and translate when it stored new articles."""

    async def run() -> CrawlReport:
        crawler = Crawler(settings, clock=clock)
        try:
            async with crawler.fetcher:
                await crawler.receive_push(feed_id, body, content_type)
                if crawler.report.articles_stored:
                    await websub.publish(crawler.fetcher, settings, crawler.report)
        finally:
            await crawler.pool.close()
        return crawler.report

    report = asyncio.run(run())
    if report.articles_stored:
        translate_after_crawl(settings, report)
    return report


def maintain_subscriptions(settings: Settings, *, clock: Clock = system_clock) -> CrawlReport:
    """Send the due WebSub subscriptions and renewals (what a pass does after its feeds; the
    workers' scheduler runs it, since with workers no pass runs)."""

    async def run() -> CrawlReport:
        crawler = Crawler(settings, clock=clock)
        async with crawler.fetcher:
            await websub.maintain(crawler.fetcher, crawler.engine, settings, clock(), crawler.report)
        return crawler.report

    return asyncio.run(run())


def process_entry(settings: Settings, entry_id: int) -> CrawlReport:
    """Fetch, extract and store one queued entry (a worker task)."""
    with session_scope(engine_for(settings.database_url)) as session:
        entry = session.get(Entry, entry_id)
        if entry is None or entry.status == "done":
            return CrawlReport()
        job = (entry.id, entry.url, entry.source_id, dict(entry.hints or {}))

    async def run() -> CrawlReport:
        crawler = Crawler(settings)
        async with crawler.fetcher:
            await crawler.process_entry(*job)
        return crawler.report

    return asyncio.run(run())


@dataclass
class Schedule:
    feed_ids: list[int]
    entry_ids: list[int]


def schedule_due(settings: Settings, *, lease_seconds: int = 900, limit: int = 1000,
                 now: datetime | None = None) -> Schedule:
    """What a scheduler hands to workers now: due feeds, and queued entries not already handed out.

    Both are leased (their next time moved ``lease_seconds`` ahead) so the next pass does not hand
    them out twice; a job whose worker died comes back when its lease runs out.
    """
    now = now or system_clock()
    until = now + timedelta(seconds=lease_seconds)
    with session_scope(engine_for(settings.database_url)) as session:
        feeds = list(repo.due_feeds(session, now))[:limit]
        for feed in feeds:
            feed.next_check_at = until
        entries = repo.pending_entries(session, now, limit=limit)
        return Schedule([f.id for f in feeds], repo.lease_entries(session, entries, until))
