"""The only place that sequences stages. Every entry point (CLI, site, workers) calls these.

Import from the module that defines each function (``newsdesk.pipeline.crawl``, ``.follow``,
``.ingest``, ``.translate``). Why this package imports nothing itself: the crawl's extraction
workers import ``newsdesk.pipeline.prepare`` only, and must not pay for fetching and storing code
they never run (docs/decisions/0005-ingest-throughput.md).
"""
