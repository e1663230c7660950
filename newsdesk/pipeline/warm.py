"""Preloaded by the extraction pool's fork server (never imported elsewhere).

Importing it runs one small page through extraction, so every worker forked from the server starts
with the language models loaded and the caches built, shared copy-on-write, instead of spending
its first half second on them (docs/decisions/0005-ingest-throughput.md).
"""

from newsdesk.pipeline.prepare import warm_up

warm_up()
