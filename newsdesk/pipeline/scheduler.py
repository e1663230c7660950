"""The crawl on a schedule: ``crawl --loop`` and the site's background scheduler.

Both are shells over :func:`pass_then_wait`: one crawl pass (``pipeline.crawl.crawl_pass``), then
the seconds until the next feed or queued entry is due. ``crawl --loop`` sleeps that long in the
foreground; :class:`Scheduler` runs the same loop in a thread of its own, with its own event loop,
inside ``newsdesk serve`` (web/app.py's lifespan), so page answers never wait on a fetch or an
extraction and the site stays current without a cron job or Celery.

With several web workers each starts a Scheduler, and only the holder of the ``crawl`` lease
(store/lease.py) runs passes; the others try again every :data:`IDLE_WAIT` seconds and take over
within :data:`LEASE_TTL` when the holder dies. Stopping cancels a pass in flight at its next await:
every write of a pass is a whole transaction between two awaits, and the next pass resumes the rest
(the crawl is resumable), so nothing is left half written.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import threading
import time
import uuid
from datetime import datetime

from sqlalchemy import func, select

from newsdesk.clock import Clock, system_clock
from newsdesk.models import FeedStatus
from newsdesk.pipeline.crawl import Progress, crawl_pass
from newsdesk.pipeline.report import CrawlReport
from newsdesk.settings import Settings
from newsdesk.store import lease
from newsdesk.store.db import engine_for, session_scope
from newsdesk.store.schema import Entry, Feed

log = logging.getLogger(__name__)

LEASE_NAME = "crawl"
# why 120 s: the holder renews at least every LEASE_TTL / 3 (between passes and between the items of
# a pass), which leaves room for a slow fetch; a crashed holder's work is taken over within 2 minutes
LEASE_TTL = 120.0
# A worker without the lease asks again this often (why: taking over soon after the holder stops)
IDLE_WAIT = 15.0
# Between two passes at least MIN_WAIT seconds (why: work due at once, such as an entry queued while
# the pass ran, still leaves the database a breath) and at most MAX_WAIT (why: the queue is re-read
# every five minutes even when the schedule says nothing is due, as an admin may add a feed)
MIN_WAIT = 5.0
MAX_WAIT = 300.0
# Seconds the server waits for the scheduler's thread when it stops (why: a cancelled pass ends at
# its next await, but a translation batch after it runs to its end)
STOP_TIMEOUT = 30.0


def next_work_in(settings: Settings, now: datetime) -> float:
    """Seconds from ``now`` until the next feed check or entry retry is due (0: now)."""
    with session_scope(engine_for(settings.database_url)) as session:
        feed_at = session.scalar(select(func.min(Feed.next_check_at)).where(
            Feed.status.in_([FeedStatus.ACTIVE.value, FeedStatus.FAILING.value])))
        never_checked = session.scalar(select(func.count(Feed.id)).where(
            Feed.status.in_([FeedStatus.ACTIVE.value, FeedStatus.FAILING.value]), Feed.next_check_at.is_(None)))
        entry_at = session.scalar(select(func.min(Entry.next_attempt_at)).where(
            Entry.status.in_(["pending", "retry"])))
    if never_checked:
        return 0.0
    times = [t for t in (feed_at, entry_at) if t is not None]
    if not times:
        return MAX_WAIT
    return max(0.0, (min(times) - now).total_seconds())


async def pass_then_wait(settings: Settings, *, clock: Clock = system_clock, source_id: int | None = None,
                         progress: Progress | None = None) -> tuple[CrawlReport, float]:
    """One crawl pass, then how long to wait before the next (between MIN_WAIT and MAX_WAIT)."""
    report = await crawl_pass(settings, source_id=source_id, progress=progress, clock=clock)
    wait = next_work_in(settings, clock())
    return report, min(max(wait, MIN_WAIT), MAX_WAIT)


class Scheduler:
    """``start()`` at the server's start, ``stop()`` at its end; ``passes`` counts the passes run."""

    def __init__(self, settings: Settings, *, clock: Clock = system_clock, owner: str | None = None,
                 lease_ttl: float = LEASE_TTL, idle_wait: float = IDLE_WAIT) -> None:
        self.settings = settings
        self.clock = clock
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lease_ttl = lease_ttl
        self.idle_wait = idle_wait
        self.engine = engine_for(settings.database_url)
        self.passes = 0
        self.attempts = 0  # cycles run, with or without the lease
        self._renewed = 0.0  # monotonic time of the last renewal
        self.last_report: CrawlReport | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._ready = threading.Event()
        self._stopping = threading.Event()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="newsdesk-scheduler", daemon=True)
        self._thread.start()
        self._ready.wait()

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Cancel the pass in flight (safely: see the module docstring), end the thread, release the lease."""
        self._stopping.set()
        loop, task = self._loop, self._task
        if loop is not None and task is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: the thread is ending anyway
                loop.call_soon_threadsafe(task.cancel)
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("scheduler: still finishing its pass after %.0f s", timeout)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        finally:
            self._ready.set()
            try:
                lease.release(self.engine, LEASE_NAME, self.owner)
            except Exception:  # the database may be gone at shutdown; the lease then expires
                log.exception("scheduler: could not release its lease")

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.current_task()  # type: ignore[assignment]
        self._ready.set()
        try:
            while not self._stopping.is_set():
                await asyncio.sleep(self._cycle_wait(await self._cycle()))
        except asyncio.CancelledError:
            pass  # stop(): the pass ended at an await, between two transactions

    async def _cycle(self) -> float | None:
        """One pass if we hold the lease; the wait it asks for (None: we do not hold it)."""
        self.attempts += 1
        try:
            if not self._renew():
                return None
            report, wait = await pass_then_wait(self.settings, clock=self.clock, progress=self._progress)
        except asyncio.CancelledError:
            raise
        except Exception:  # a broken pass (database down) must not end the scheduler: try again later
            log.exception("scheduler: crawl pass failed")
            return self.idle_wait
        self.passes += 1
        self.last_report = report
        if report.feeds_checked or report.articles_stored or report.failures:
            log.info("scheduler: checked %d feeds, stored %d articles, %d failures",
                     report.feeds_checked, report.articles_stored, len(report.failures))
        return wait

    def _cycle_wait(self, wait: float | None) -> float:
        # why a third of the lease: the holder renews it at least twice before it could expire
        return min(self.idle_wait if wait is None else wait, self.lease_ttl / 3)

    def _renew(self) -> bool:
        self._renewed = time.monotonic()
        return lease.acquire(self.engine, LEASE_NAME, self.owner, now=self.clock(), ttl=self.lease_ttl)

    def _progress(self, phase: str, advance: int, total: int | None) -> None:
        """Called between the items of a pass: renews the lease once a third of it has gone by
        (measured on the monotonic clock: only the lease's expiry is a time other workers compare)."""
        if time.monotonic() - self._renewed < self.lease_ttl / 3:
            return
        if not self._renew():
            log.warning("scheduler: lost the crawl lease during a pass; another worker took it over")


__all__ = ["Scheduler", "next_work_in", "pass_then_wait"]
