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

from newsdesk.extract.modes import AUTO, ExtractionRules
from newsdesk.pipeline.lifetime import init_worker
from newsdesk.pipeline.prepare import PreparedArticle, prepare_page

# Below this many entries, extraction runs in a thread instead of starting worker processes.
POOL_THRESHOLD = 16


class ExtractionPool:
    """``start(pending)`` once the work is known, ``await prepare(html, url)`` per page, ``await close()``."""

    def __init__(self, workers: int = 0, embedder: str = "none") -> None:
        self.workers = workers or os.cpu_count() or 1
        # the story embedder the worker processes run on each page ("none": the stories stage embeds
        # what it finds without one); a page extracted in a thread is not embedded here (why: the
        # stage embeds a batch at once, several times cheaper a text than one at a time)
        self.embedder = embedder
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
                                       initargs=(self.embedder,))
        for _ in range(self.workers):  # why: workers start on demand; one call each starts them all now
            executor.submit(int)
        return executor

    async def prepare(self, html: str, url: str, rules: ExtractionRules = AUTO,
                      feed_html: str | None = None) -> PreparedArticle:
        """Extract, hash, stem and embed one page in a worker (extract, hash and stem in a thread
        when no pool was started), in the source's extraction mode."""
        executor = await self._starting if self._starting is not None else None
        embedder = self.embedder if executor is not None else "none"
        return await asyncio.get_running_loop().run_in_executor(executor, prepare_page, html, url, rules, feed_html,
                                                                embedder)

    async def close(self) -> None:
        starting, self._starting = self._starting, None
        if starting is None:
            return
        await asyncio.wait([starting])  # a pool still starting is let finish, then stopped
        if not starting.cancelled() and starting.exception() is None and (executor := starting.result()):
            executor.shutdown(cancel_futures=True)
