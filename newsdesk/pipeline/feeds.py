"""The crawl's feed refresh: fetch a feed, queue its new entries and record its state.

A feed's new entries are queued in the transaction that records its new ETag, so a refresh killed
at any point is redone by the next pass with nothing lost; a URL queued or stored already is left
out before that transaction (the cheap filter), and a race with another refresh is caught by the
idempotent insert.
"""

from __future__ import annotations

from typing import Any

from newsdesk.enrich.dedup import normalize_url
from newsdesk.errors import BlockedAddress, NotModified, StageError
from newsdesk.models import MAX_URL_CHARS, EntryRef, ParsedFeed
from newsdesk.pipeline import feedstate, websub
from newsdesk.pipeline.entries import EntryQueue
from newsdesk.pipeline.report import describe, local_refusal
from newsdesk.sources import parse_feed
from newsdesk.store import repo
from newsdesk.store import websub as websub_store
from newsdesk.store.db import session_scope
from newsdesk.store.schema import Feed

# Children of a sitemap index read in one pass (why: news sitemap indexes list years of archives).
MAX_SITEMAP_CHILDREN = 20


class FeedRefresh(EntryQueue):
    """Refreshes feeds (polled or pushed) and queues their new entries."""

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
