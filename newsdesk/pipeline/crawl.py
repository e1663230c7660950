"""One crawl pass: refresh the due feeds, process the queued entries, then the enrichment stages.

``refresh_feed`` and ``process_entry`` are the two jobs; the CLI's ``crawl``, its ``--loop``, the
demo and the Celery tasks are shells around them. A pass is idempotent and resumable: a feed's
new entries are queued in the transaction that records its new ETag, and an entry is marked done in
the transaction that stores its article, so a pass killed at any point is finished by the next one
with nothing lost and nothing stored twice; articles stored but not yet clustered stay in the
stories stage's queue (``story_id IS NULL``) and are clustered by the next run of the stages.

The crawler is split along its jobs: ``pipeline/feeds.py`` (feed refresh), ``pipeline/entries.py``
(the entry queue), ``pipeline/writer.py`` (the writer), over ``pipeline/crawlstate.py``; this module
is the pass and the one-job functions the workers run. Every name the rest of the code imported
from here still is.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from newsdesk.clock import Clock, system_clock
from newsdesk.models import FeedStatus
from newsdesk.pipeline import websub
from newsdesk.pipeline.articles import StoredArticle, store_extracted
from newsdesk.pipeline.crawlstate import Progress
from newsdesk.pipeline.enrichment import enrich
from newsdesk.pipeline.entries import ENTRY_BATCH
from newsdesk.pipeline.feeds import MAX_SITEMAP_CHILDREN, FeedRefresh
from newsdesk.pipeline.report import LOCAL_REFUSAL, CrawlReport, local_refusal
from newsdesk.pipeline.writer import MAX_ENTRY_ATTEMPTS, STORE_BATCH, STORE_LINGER, ExtractedEntry
from newsdesk.settings import Settings
from newsdesk.store import repo
from newsdesk.store.db import engine_for, session_scope
from newsdesk.store.schema import Entry, Feed

__all__ = [
    "ENTRY_BATCH", "LOCAL_REFUSAL", "MAX_ENTRY_ATTEMPTS", "MAX_SITEMAP_CHILDREN", "STORE_BATCH", "STORE_LINGER",
    "Crawler", "CrawlReport", "ExtractedEntry", "Progress", "Schedule", "crawl", "crawl_pass", "enrich_after_crawl",
    "local_refusal", "maintain_subscriptions", "next_due_in", "process_entry", "receive_push", "refresh_feed",
    "schedule_due", "store_extracted",
]


class Crawler(FeedRefresh):
    """A crawl pass: refresh the due feeds, then process the queued entries (see the parts' modules)."""

    def store_article(self, session: Any, **fields: Any) -> StoredArticle:
        """The writer's store step: this module's ``store_extracted`` (looked up when called, so a
        test can make storing fail and see the writer's recovery)."""
        return store_extracted(session, **fields)

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
    """One pass over due feeds and queued entries (the ``newsdesk crawl`` job), then the enrichment
    stages (translation, reprints, stories)."""
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
    enrich_after_crawl(settings, report)
    return report


def enrich_after_crawl(settings: Settings, report: CrawlReport) -> None:
    """The enrichment stages after a pass (pipeline/enrichment.py): translation of the new articles
    and of earlier translations whose retry time has come (a failing engine never fails the crawl),
    then reprints and stories over every article not clustered yet."""
    enrich(settings, report.new_article_ids, retry_translations=True).add_to(report)


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
    then, as a pass does, ping our own hub and run the enrichment stages when it stored new articles."""

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
        enrich_after_crawl(settings, report)
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
