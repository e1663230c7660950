"""What every part of the crawler shares: settings, clock, engine, fetcher, pool, report.

The crawler is split along its jobs, each a class in a module of its own, stacked in one line of
inheritance so each part may use the ones below it: :class:`~newsdesk.pipeline.writer.Writer`
(stores extracted articles and entries' outcomes), :class:`~newsdesk.pipeline.entries.EntryQueue`
(fetches and extracts the queued entries, feeding the writer), :class:`~newsdesk.pipeline.feeds.FeedRefresh`
(refreshes feeds and queues their new entries), and ``pipeline.crawl.Crawler`` (the pass).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from newsdesk.clock import Clock, system_clock
from newsdesk.enrich.reprints import ReprintParams
from newsdesk.extract.modes import ExtractionRules
from newsdesk.fetch import Fetcher
from newsdesk.pipeline.pool import ExtractionPool
from newsdesk.pipeline.report import CrawlReport, FetchLogBuffer
from newsdesk.settings import Settings
from newsdesk.store.db import engine_for

if TYPE_CHECKING:
    from newsdesk.pipeline.writer import ExtractedEntry

Progress = Callable[[str, int, int | None], None]  # (phase, advance, total)


class CrawlerState:
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
        # with the stories stages on, the workers also embed and sign each page (pipeline/prepare.py)
        stories = settings.stories_enabled
        self.pool = ExtractionPool(settings.extract_workers, settings.story_embedder if stories else "none",
                                   ReprintParams.from_settings(settings) if stories else None)
        self._store_queue: asyncio.Queue[ExtractedEntry] | None = None
        self._rules: dict[int, ExtractionRules] = {}  # each source's extraction mode, read once a pass
