"""The crawl's writer: stores extracted articles, a batch per transaction, and entries' outcomes.

A pass has a single writer (why: SQLite has one writer at a time, and a commit with its full-text
index segment costs about as much as the article itself, so batching shares it); each article is
stored with its entry's new state, so each is still all or nothing, and a pass killed at any point
resumes with nothing lost and nothing stored twice.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.exc import IntegrityError

from newsdesk.errors import BlockedAddress, FetchRejected, Retry, StageError
from newsdesk.fetch.schedule import backoff_delay
from newsdesk.models import FetchRecord, FetchResult
from newsdesk.pipeline.articles import StoredArticle, store_extracted
from newsdesk.pipeline.crawlstate import CrawlerState
from newsdesk.pipeline.follow import home_of
from newsdesk.pipeline.prepare import PreparedArticle
from newsdesk.pipeline.report import as_stage_error, describe, local_refusal
from newsdesk.store import repo
from newsdesk.store.db import session_scope
from newsdesk.store.schema import Entry

# An entry that keeps failing transiently is given up after this many attempts (why: a page that
# times out five times over hours is not coming back; it stays visible as failed with its error).
MAX_ENTRY_ATTEMPTS = 5
# The writer stores up to this many extracted articles in one transaction, waiting at most
# STORE_LINGER seconds for them to gather (why: see Writer._write_batches).
STORE_BATCH = 32
STORE_LINGER = 0.05


@dataclass(frozen=True)
class ExtractedEntry:
    """A queued entry whose page was fetched and extracted, waiting to be stored."""

    entry_id: int
    url: str
    source_id: int | None
    hints: dict[str, Any]
    fetched: FetchResult
    prepared: PreparedArticle


class Writer(CrawlerState):
    """Stores what the entry queue extracted, and each entry's outcome."""

    def store_article(self, session: Any, **fields: Any) -> StoredArticle:
        """The store step run for each article (``pipeline.articles.store_extracted``)."""
        return store_extracted(session, **fields)

    def _write(self, batch: list[ExtractedEntry]) -> list[StoredArticle]:
        """One transaction: each article of ``batch`` with its entry marked done, and the fetch log
        gathered so far. Should it roll back, the log records go back to the buffer (why: a
        rolled-back store must not lose the log of its fetches)."""
        stored: list[StoredArticle] = []
        records: list[FetchRecord] = []
        try:
            with session_scope(self.engine) as session:
                for done in batch:
                    article = self.store_article(session, entry_url=done.url, fetched=done.fetched,
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
