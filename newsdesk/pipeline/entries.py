"""The crawl's entry queue: fetch and extract each due entry, with bounded concurrency.

Entries are read from the queue in batches; each batch is fetched by ``fetch_concurrency`` tasks,
extracted in the extraction pool (worker processes, pipeline/pool.py) and handed to the writer,
which stores them while the next pages are fetched.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from newsdesk.errors import Retry
from newsdesk.extract.modes import AUTO, ExtractionRules
from newsdesk.models import FetchResult
from newsdesk.pipeline.articles import HTML_TYPES
from newsdesk.pipeline.report import as_stage_error
from newsdesk.pipeline.writer import STORE_BATCH, ExtractedEntry, Writer
from newsdesk.store import repo
from newsdesk.store.db import session_scope

# Entries are read from the queue in batches of this size (why: bounded memory at any queue length).
ENTRY_BATCH = 500


class EntryQueue(Writer):
    """Fetches and extracts queued entries and hands them to the writer."""

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

    async def process_entry(self, entry_id: int, url: str, source_id: int | None, hints: dict[str, Any]) -> None:
        """Fetch and extract one queued entry, then store it with its outcome: at once, or, during
        a pass over the queue, through the batch writer (see Writer._write_batches)."""
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
