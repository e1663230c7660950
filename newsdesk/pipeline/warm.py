"""Preloaded by the extraction pool's fork server (never imported elsewhere).

Importing it runs one small page through extraction, so every worker forked from the server starts
with the language models loaded and the caches built, shared copy-on-write, instead of spending
its first half second on them (docs/decisions/0005-ingest-throughput.md). It also makes the fork
server end with the crawl that started it (see ``pipeline/lifetime.py``).

Before anything imports numpy, the BLAS libraries are held to one thread (why: the pool runs one
worker per core, and the story embedder's matrix products in each worker would otherwise start a
BLAS thread per core that spins between calls: measured, a page embedded in the workers took 2-3
times as long with them).
"""

import os

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import newsdesk.enrich.reprints  # noqa: E402, F401 - the workers sign pages; shared copy-on-write (datasketch, scipy)
from newsdesk.pipeline.lifetime import guard_fork_server  # noqa: E402
from newsdesk.pipeline.prepare import warm_up  # noqa: E402

guard_fork_server()
warm_up()
