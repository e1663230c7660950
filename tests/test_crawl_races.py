"""Concurrent refreshes against a real origin and real databases: the queue stays idempotent.

Two feeds of two outlets point to the same article. Their refreshes run in two threads with
separate connections; a hook holds the first one between its lookup of known URLs and its insert
until the second has queued the shared URL and committed, so the race is lost every time, not by
timing luck.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from sqlalchemy import select

from newsdesk.models import EntryRef
from newsdesk.pipeline.crawl import Crawler
from newsdesk.pipeline.report import CrawlReport
from newsdesk.settings import Settings
from newsdesk.store import repo
from newsdesk.store.db import engine_for, session_scope
from newsdesk.store.schema import Entry, Feed
from tests.support.origin import Origin, Response
from tests.support.pages import rfc822, rss

WAIT = 30.0  # why: an upper bound for a broken run to fail instead of hanging; a good run never waits it


class PausingCrawler(Crawler):
    """A crawler that calls ``after_lookup`` once it has looked up which URLs are known."""

    def __init__(self, settings: Settings, after_lookup: Callable[[], None]) -> None:
        super().__init__(settings)
        self.after_lookup = after_lookup

    def _known_urls(self, urls: dict[str, EntryRef]) -> set[str]:
        known = super()._known_urls(urls)
        self.after_lookup()
        return known


def refresh_in_thread(crawler: Crawler, feed_id: int, reports: dict[int, CrawlReport],
                      errors: list[BaseException]) -> None:
    async def run() -> None:
        async with crawler.fetcher:
            await crawler.refresh_feed(feed_id)

    try:
        asyncio.run(run())
        reports[feed_id] = crawler.report
    except BaseException as exc:  # reported by the test, not lost in the thread
        errors.append(exc)


def settings_for(db_url: str) -> Settings:
    return Settings(database_url=db_url, fetch_allow_private_networks=True, fetch_per_host_delay=0.0,
                    fetch_timeout=5.0, extract_workers=1)


def test_two_refreshes_sharing_an_article_url_race_without_failing(db_url: str, origin: Origin) -> None:
    shared, only_a, only_b = (origin.url(f"/news/{name}.html") for name in ("shared", "a", "b"))
    origin.route("/a.xml", Response(rss([{"title": "Shared", "link": shared, "date": rfc822(1)},
                                         {"title": "A", "link": only_a, "date": rfc822(1)}]),
                                    headers={"ETag": '"a1"'}, content_type="application/rss+xml"))
    origin.route("/b.xml", Response(rss([{"title": "Shared", "link": shared, "date": rfc822(1)},
                                         {"title": "B", "link": only_b, "date": rfc822(1)}]),
                                    headers={"ETag": '"b1"'}, content_type="application/rss+xml"))
    settings = settings_for(db_url)
    engine = engine_for(db_url)
    with session_scope(engine) as session:
        feed_a = repo.add_feed(session, repo.add_source(session, name="A"), url=origin.url("/a.xml"), kind="rss").id
        feed_b = repo.add_feed(session, repo.add_source(session, name="B"), url=origin.url("/b.xml"), kind="rss").id

    a_looked_up, b_committed = threading.Event(), threading.Event()

    def hold_a() -> None:  # A has read "nothing known" and now waits for B to queue the shared URL
        a_looked_up.set()
        assert b_committed.wait(WAIT), "refresh B never finished"

    reports: dict[int, CrawlReport] = {}
    errors: list[BaseException] = []
    crawler_a, crawler_b = PausingCrawler(settings, hold_a), Crawler(settings)
    thread_a = threading.Thread(target=refresh_in_thread, args=(crawler_a, feed_a, reports, errors))
    thread_a.start()
    assert a_looked_up.wait(WAIT), "refresh A never reached its lookup"
    refresh_in_thread(crawler_b, feed_b, reports, errors)  # B: lookup, insert, commit
    b_committed.set()
    thread_a.join(WAIT)
    assert not thread_a.is_alive()

    assert errors == []
    assert reports[feed_b].entries_queued == 2
    lost = reports[feed_a]
    assert lost.entries_queued == 1 and lost.duplicates == 1
    assert lost.outcomes.get("dedup", "queued_concurrently") == 1
    assert lost.queued_entry_ids and len(lost.queued_entry_ids) == 1
    with session_scope(engine) as session:
        entries = {e.url: e for e in session.scalars(select(Entry))}
        feeds = {f.id: f for f in session.scalars(select(Feed))}
    assert sorted(entries) == sorted([shared, only_a, only_b])
    assert entries[shared].feed_id == feed_b and entries[only_a].feed_id == feed_a
    assert entries[only_a].id in lost.queued_entry_ids
    # the losing feed's state is recorded like any successful check
    assert feeds[feed_a].etag == '"a1"' and feeds[feed_a].last_success_at is not None
    assert feeds[feed_a].consecutive_failures == 0 and feeds[feed_a].next_check_at is not None
    assert feeds[feed_b].etag == '"b1"'


def test_queueing_the_same_urls_twice_is_idempotent(db_url: str) -> None:
    engine = engine_for(db_url)
    refs = {f"https://example.com/{n}": EntryRef(url=f"https://example.com/{n}", guid=f"g{n}") for n in range(3)}
    with session_scope(engine) as session:
        first = repo.queue_entries(session, refs, source_id=None, feed_id=None)
    with session_scope(engine) as session:
        again = repo.queue_entries(session, refs, source_id=None, feed_id=None)
        count = len(session.scalars(select(Entry)).all())
    assert sorted(first) == sorted(refs) and again == {} and count == 3
