"""The crawl's extraction workers: a process pool, started early and warm.

Extraction is the one CPU-heavy stage (about 9 ms a page), so a crawl pass runs it in one process
per core while its own process fetches and writes (docs/decisions/0005-ingest-throughput.md).
Small jobs (a handful of pages, one Celery task) extract in a thread instead: a pool's start-up
would cost more than it saves.
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import Executor, ProcessPoolExecutor
from multiprocessing import get_context
from typing import TYPE_CHECKING

from newsdesk.extract.modes import AUTO, ExtractionRules
from newsdesk.pipeline.lifetime import init_worker
from newsdesk.pipeline.prepare import PreparedArticle, prepare_page, prepare_pages

if TYPE_CHECKING:
    from newsdesk.enrich.reprints import ReprintParams

# Below this many entries, extraction runs in a thread instead of starting worker processes.
POOL_THRESHOLD = 16
# With a story embedder, pages that wait for a busy worker are sent together, up to this many a
# job (why: their texts are embedded in one call, about a third cheaper a text; 4 texts of a title
# and lead are about the encoder's own micro-batch of 384 tokens, and more would keep pages from
# the writer longer without saving more)
EMBED_BATCH = 4


class ExtractionPool:
    """``start(pending)`` once the work is known, ``await prepare(html, url)`` per page, ``await close()``."""

    def __init__(self, workers: int = 0, embedder: str = "none", reprints: ReprintParams | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        # the story embedder the worker processes run on each page ("none": the stories stage embeds
        # what it finds without one); a page extracted in a thread is not embedded here (why: the
        # stage embeds a batch at once, several times cheaper a text than one at a time)
        self.embedder = embedder
        self.reprints = reprints  # the reprint signature's parameters (None: the stage signs)
        # pages waiting for a worker (embedding pools only), and the jobs the workers are running
        self._waiting: list[tuple[tuple[str, str, ExtractionRules, str | None], asyncio.Future[PreparedArticle]]] = []
        self._running = 0
        # the pool once started (None: extraction in the default thread pool); a future because the
        # processes are started from a thread
        self._starting: asyncio.Future[Executor | None] | None = None

    def start(self, pending: int) -> None:
        """Start the worker processes if ``pending`` pages make them worth it (once). Why call it
        early, as soon as feeds have queued enough entries: a worker needs about a second to import
        and warm up, which then overlaps the remaining feeds instead of delaying the first article.
        The processes are started from a thread, so the event loop goes on fetching meanwhile."""
        if self._starting is not None or pending < POOL_THRESHOLD:
            return
        loop = asyncio.get_running_loop()
        if self.workers > 1:
            self._starting = loop.run_in_executor(None, self._start_processes)
        else:
            self._starting = loop.create_future()
            self._starting.set_result(None)  # extraction in the default thread pool

    def _start_processes(self) -> Executor:
        # why forkserver: the crawl process has threads (asyncio, DB); forking it is unsafe.
        # The fork server imports and warms the extraction code once, so each worker starts warm
        # (its own warm-up, the initializer, is then a few milliseconds; it stays for a fork server
        # that an earlier pool started without the preload). Both end with the crawl, however it
        # ends (pipeline/lifetime.py).
        context = get_context("forkserver")
        context.set_forkserver_preload(["newsdesk.pipeline.warm"])
        executor = ProcessPoolExecutor(self.workers, mp_context=context, initializer=init_worker,
                                       initargs=(self.embedder, self.reprints))
        for _ in range(self.workers):  # why: workers start on demand; one call each starts them all now
            executor.submit(int)
        return executor

    async def prepare(self, html: str, url: str, rules: ExtractionRules = AUTO,
                      feed_html: str | None = None) -> PreparedArticle:
        """Extract, hash, stem and embed one page in a worker (extract, hash and stem in a thread
        when no pool was started), in the source's extraction mode."""
        executor = await self._starting if self._starting is not None else None
        if executor is None or self.embedder == "none":
            return await asyncio.get_running_loop().run_in_executor(
                executor, prepare_page, html, url, rules, feed_html, "none",
                self.reprints if executor is not None else None)
        future: asyncio.Future[PreparedArticle] = asyncio.get_running_loop().create_future()
        self._waiting.append(((html, url, rules, feed_html), future))
        self._send(executor)
        return await future

    def _send(self, executor: Executor) -> None:
        """Hand waiting pages to free workers: each free worker gets up to ``EMBED_BATCH`` of them
        (why only free ones: a page is never held back while a worker idles, and pages that
        arrive while all are busy gather into the next jobs)."""
        loop = asyncio.get_running_loop()
        while self._waiting and self._running < self.workers:
            batch, self._waiting = self._waiting[:EMBED_BATCH], self._waiting[EMBED_BATCH:]
            self._running += 1
            job = loop.run_in_executor(executor, prepare_pages, [page for page, _ in batch], self.embedder,
                                       self.reprints)
            job.add_done_callback(lambda done, batch=batch: self._finished(executor, batch, done))  # type: ignore[misc]

    def _finished(self, executor: Executor, batch: list[tuple[object, asyncio.Future[PreparedArticle]]],
                  done: asyncio.Future[list[PreparedArticle | Exception]]) -> None:
        self._running -= 1
        if done.cancelled() or done.exception() is not None:  # the pool itself failed or was stopped
            error = done.exception() if not done.cancelled() else None
            for _, future in batch:
                if not future.done():
                    future.set_exception(error) if error is not None else future.cancel()
        else:
            for (_, future), result in zip(batch, done.result(), strict=True):
                if future.done():  # its caller was cancelled meanwhile
                    continue
                if isinstance(result, Exception):
                    future.set_exception(result)
                else:
                    future.set_result(result)
        if self._starting is not None:
            self._send(executor)

    async def close(self) -> None:
        waiting, self._waiting = self._waiting, []
        for _, future in waiting:
            future.cancel()
        starting, self._starting = self._starting, None
        if starting is None:
            return
        await asyncio.wait([starting])  # a pool still starting is let finish, then stopped
        if not starting.cancelled() and starting.exception() is None and (executor := starting.result()):
            executor.shutdown(cancel_futures=True)
