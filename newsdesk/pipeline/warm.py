"""Preloaded by the extraction pool's fork server (never imported elsewhere).

Importing it runs one small page through extraction, so every worker forked from the server starts
with the language models loaded and the caches built, shared copy-on-write, instead of spending
its first half second on them (docs/decisions/0005-ingest-throughput.md). It also makes the fork
server end with the crawl that started it (see ``pipeline/lifetime.py``).
"""

from newsdesk.pipeline.lifetime import guard_fork_server
from newsdesk.pipeline.prepare import warm_up

guard_fork_server()
warm_up()
