"""The only place that sequences stages. Every entry point (CLI, site, workers) calls these."""

from newsdesk.pipeline.crawl import (
    Crawler,
    Schedule,
    crawl,
    process_entry,
    refresh_feed,
    schedule_due,
)
from newsdesk.pipeline.follow import (
    export_opml,
    fetch_log,
    follow,
    import_opml,
    list_sources,
    remove_source,
)
from newsdesk.pipeline.ingest import export_jsonl, extract_one, fetch_url, import_archive
from newsdesk.pipeline.report import CrawlReport

__all__ = [
    "CrawlReport",
    "Crawler",
    "Schedule",
    "crawl",
    "export_jsonl",
    "export_opml",
    "extract_one",
    "fetch_log",
    "fetch_url",
    "follow",
    "import_archive",
    "import_opml",
    "list_sources",
    "process_entry",
    "refresh_feed",
    "remove_source",
    "schedule_due",
]
